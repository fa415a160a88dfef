// Registry credentials as the docker CLI finds them, and the `WWW-Authenticate` challenges that
// say how to use them.
//
// Credentials: `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`): `credHelpers[host]`,
// else `credsStore`, run as `docker-credential-<name> get` (server URL on stdin, JSON
// `{ServerURL, Username, Secret}` on stdout; Username `<token>` means Secret is an identity
// token); else `auths[host]` (`auth` = base64 `user:password`, or `username`/`password`, or
// `identitytoken`). Docker Hub's key is `https://index.docker.io/v1/`; other registries are
// keyed by `host[:port]`, with or without a scheme.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isObject, optionalString } from '../json.js';
import { DOCKER_HUB } from './reference.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`docker login` with an identity provider, `<token>` helpers). */
  identityToken?: string;
  /** Where they came from, for messages: `~/.docker/config.json`, `docker-credential-pass`. */
  from: string;
}

export type CredentialLookup = (registry: string) => Promise<Credentials | undefined>;

/** The server URL Docker stores a registry's credentials under. */
export function credentialKey(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

/** `https://index.docker.io/v1/` → `docker.io`, `http://reg:5000/v2/` → `reg:5000`. */
function normaliseKey(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/**
 * Looks up credentials the way `docker pull` does. Problems (unreadable config, a helper that
 * fails) become warnings and the pull goes on anonymously: public images still work, and a
 * registry that insists says so with a 401.
 */
export function dockerCredentials(warnings: string[], env: NodeJS.ProcessEnv = process.env): CredentialLookup {
  return async (registry) => {
    const path = dockerConfigPath(env);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warnings.push(`cannot read ${path}: ${(e as Error).message}`);
      return undefined;
    }
    let config: unknown;
    try {
      config = JSON.parse(text);
    } catch {
      warnings.push(`${path} is not valid JSON; pulling without credentials`);
      return undefined;
    }
    if (!isObject(config)) return undefined;
    const wanted = normaliseKey(registry);
    const helpers = isObject(config.credHelpers) ? config.credHelpers : {};
    const helperKey = Object.keys(helpers).find((k) => normaliseKey(k) === wanted);
    const helper = optionalString(helperKey === undefined ? undefined : helpers[helperKey]) || optionalString(config.credsStore);
    if (helper) {
      const found = await fromHelper(helper, credentialKey(registry), env, warnings);
      if (found) return found;
    }
    const auths = isObject(config.auths) ? config.auths : {};
    const exact = auths[credentialKey(registry)];
    const authKey = Object.keys(auths).find((k) => normaliseKey(k) === wanted);
    const entry = exact ?? (authKey === undefined ? undefined : auths[authKey]);
    return isObject(entry) ? fromAuthEntry(entry, path) : undefined;
  };
}

function fromAuthEntry(entry: Record<string, unknown>, from: string): Credentials | undefined {
  const identityToken = optionalString(entry.identitytoken) || undefined;
  let username = optionalString(entry.username) || undefined;
  let password = optionalString(entry.password) || undefined;
  const auth = optionalString(entry.auth);
  if (auth) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (!username && !identityToken) return undefined;
  return { from, ...(username ? { username } : {}), ...(password ? { password } : {}), ...(identityToken ? { identityToken } : {}) };
}

const HELPER_TIMEOUT_MS = 30_000;

/** `docker-credential-NAME get`; undefined when it has nothing for this server. */
async function fromHelper(name: string, serverUrl: string, env: NodeJS.ProcessEnv, warnings: string[]): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  const result = await runHelper(program, serverUrl, env);
  if (result.error) {
    warnings.push(`credential helper ${program} failed (${result.error}); pulling without its credentials`);
    return undefined;
  }
  if (result.code !== 0) {
    const out = (result.stdout + result.stderr).trim();
    // docker-credential-helpers' "not found" message; anything else is a real failure.
    if (!/credentials not found/i.test(out)) {
      warnings.push(`credential helper ${program} failed (exit ${result.code}: ${out.split('\n')[0]}); pulling without its credentials`);
    }
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    warnings.push(`credential helper ${program} printed something that is not JSON; pulling without its credentials`);
    return undefined;
  }
  if (!isObject(json)) return undefined;
  const username = optionalString(json.Username) ?? '';
  const secret = optionalString(json.Secret) ?? '';
  if (secret === '') return undefined;
  if (username === '<token>') return { identityToken: secret, from: program };
  return { username, password: secret, from: program };
}

interface HelperResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

function runHelper(program: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<HelperResult> {
  return new Promise((resolve) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    // Not spawn's `timeout` option: its timer outlives a helper that failed to start.
    const timer = setTimeout(() => child.kill('SIGKILL'), HELPER_TIMEOUT_MS);
    timer.unref();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failure: string | undefined;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      failure = e.code === 'ENOENT' ? 'not found on PATH' : e.message;
    });
    child.stdin.on('error', () => undefined); // a helper that exits without reading its stdin
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(failure ? { error: failure } : signal ? { error: `killed by ${signal}` } : {}),
      });
    });
    child.stdin.end(serverUrl);
  });
}

export interface Challenge {
  /** Lower-case: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` (RFC 7235): one or more challenges, each a scheme and
 * comma-separated `key=value` / `key="quoted value"` parameters. Several headers arrive joined
 * by `, `, which this grammar reads the same way.
 */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  if (!header) return challenges;
  let i = 0;
  const n = header.length;
  const skip = (chars: RegExp) => {
    while (i < n && chars.test(header[i]!)) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < n) {
    skip(/[\s,]/);
    const word = token();
    if (word === '') {
      i++; // junk: step over it
      continue;
    }
    skip(/[ \t]/);
    if (header[i] === '=' && current) {
      i++;
      skip(/[ \t]/);
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < n && header[i] !== ',' && !/\s/.test(header[i]!)) i++;
        value = header.slice(start, i);
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}
