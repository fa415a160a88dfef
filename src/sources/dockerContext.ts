// Docker contexts, read where the docker CLI reads them (docker/cli `cli/command/cli.go`
// resolveContextName and `cli/context/store`), so that layerscope reaches the engine the docker
// CLI would: Docker Desktop (`desktop-linux`), colima, OrbStack, Rancher Desktop and rootless
// Docker all select their engine through a context.
//
// Which context: `--context NAME`; else none when DOCKER_HOST is set (the default context, which
// is DOCKER_HOST); else DOCKER_CONTEXT; else `currentContext` of config.json in $DOCKER_CONFIG
// (default ~/.docker); else the default context. A context's endpoint is stored in
// `<config dir>/contexts/meta/<sha256 hex of its name>/meta.json` (Endpoints.docker.Host,
// SkipTLSVerify) and its TLS material in `<config dir>/contexts/tls/<same hex>/docker/{ca,cert,key}.pem`.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';

export const DEFAULT_CONTEXT = 'default';

/** Where the context name came from, for messages: `--context`, `DOCKER_CONTEXT` or
 *  `currentContext in <config dir>/config.json`. */
export type ContextOrigin = string;

export interface ChosenContext {
  name: string;
  origin: ContextOrigin;
}

export interface DockerContext extends ChosenContext {
  /** Endpoints.docker.Host: `unix:///…`, `tcp://host:port`, `ssh://user@host`. */
  host: string;
  skipTlsVerify: boolean;
  /** PEM files found in the context's TLS directory. */
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** The meta.json read, for messages. */
  metaPath: string;
}

/** `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

/** The context the docker CLI would use; undefined for the default context (DOCKER_HOST or the
 *  default socket). */
export function chooseContext(env: NodeJS.ProcessEnv = process.env, flag?: string): ChosenContext | undefined {
  const pick = (name: string, origin: ContextOrigin) => (name === DEFAULT_CONTEXT ? undefined : { name, origin });
  if (flag !== undefined && flag !== '') return pick(flag, '--context');
  if (env.DOCKER_HOST) return undefined;
  if (env.DOCKER_CONTEXT) return pick(env.DOCKER_CONTEXT, 'DOCKER_CONTEXT');
  const current = currentContext(env);
  return current ? pick(current, `currentContext in ${join(dockerConfigDir(env), 'config.json')}`) : undefined;
}

/** `currentContext` of config.json; an unreadable config is an error, as for the docker CLI. */
function currentContext(env: NodeJS.ProcessEnv): string | undefined {
  const path = join(dockerConfigDir(env), 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // no config: the default context
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path} is not valid JSON (${(e as Error).message}); fix it, or set DOCKER_HOST`);
  }
  const value = json && typeof json === 'object' ? (json as { currentContext?: unknown }).currentContext : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The hex the docker CLI names a context's directories by. */
export function contextDirName(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** Reads a context's docker endpoint; an InputError naming the context when it is missing or odd. */
export function readContext(chosen: ChosenContext, env: NodeJS.ProcessEnv = process.env): DockerContext {
  const root = join(dockerConfigDir(env), 'contexts');
  const hex = contextDirName(chosen.name);
  const metaPath = join(root, 'meta', hex, 'meta.json');
  const what = `docker context "${chosen.name}" (from ${chosen.origin})`;
  let text: string;
  try {
    text = readFileSync(metaPath, 'utf8');
  } catch {
    throw new InputError(`${what} does not exist (no ${metaPath}); list the contexts with docker context ls`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${what}: ${metaPath} is not valid JSON (${(e as Error).message})`);
  }
  const endpoint = (meta as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } } | null)?.Endpoints?.docker;
  const host = endpoint?.Host;
  if (typeof host !== 'string' || host === '') {
    throw new InputError(`${what} has no docker endpoint (Endpoints.docker.Host in ${metaPath})`);
  }
  const tlsDir = join(root, 'tls', hex, 'docker');
  const pem = (file: string) => {
    try {
      return readFileSync(join(tlsDir, file));
    } catch {
      return undefined;
    }
  };
  const tls = Object.fromEntries(
    (['ca', 'cert', 'key'] as const).flatMap((k) => {
      const bytes = pem(`${k}.pem`);
      return bytes ? [[k, bytes]] : [];
    }),
  ) as DockerContext['tls'];
  return { ...chosen, host, skipTlsVerify: endpoint?.SkipTLSVerify === true, tls, metaPath };
}
