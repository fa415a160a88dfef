// The values of the `docker build` flags `layerscope build` accepts (src/cli/buildFlags.ts adds
// them to the command line), and reading the secrets they name.
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';

export interface BuildFlagValues {
  file?: string;
  buildArg?: string[];
  target?: string;
  tag?: string[];
  platform?: string;
  pull?: boolean;
  secret?: string[];
  builder?: 'auto' | 'buildkit' | 'classic';
  /** The engine that builds (default docker). */
  source?: 'docker' | 'podman';
  cache?: boolean;
}

/** `--secret id=ID[,src=PATH|,source=PATH|,env=VAR][,type=file|env]`, as docker build takes it;
 *  `id=ID` alone reads the environment variable ID (docker's rule). Values stay in memory. */
export function readSecrets(specs: string[], env: NodeJS.ProcessEnv = process.env): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const spec of specs) {
    const fields = new Map<string, string>();
    for (const part of spec.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new InputError(`--secret ${spec}: expected id=ID,src=PATH (or env=VAR)`);
      fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    const id = fields.get('id');
    if (!id) throw new InputError(`--secret ${spec}: no id=`);
    const src = fields.get('src') ?? fields.get('source');
    const type = fields.get('type') ?? (fields.has('env') ? 'env' : 'file');
    if (type !== 'file' && type !== 'env') throw new InputError(`--secret ${spec}: type must be file or env`);
    if (type === 'env' || (src === undefined && !fields.has('env'))) {
      const name = fields.get('env') ?? src ?? id;
      const value = env[name];
      if (value === undefined) {
        if (type === 'env' || fields.has('env')) throw new InputError(`--secret ${spec}: environment variable ${name} is not set`);
        throw new InputError(`--secret ${spec}: no src= and no environment variable ${name}`);
      }
      out.set(id, Buffer.from(value, 'utf8'));
      continue;
    }
    try {
      out.set(id, readFileSync(src!));
    } catch (e) {
      throw new InputError(`--secret ${spec}: cannot read ${src}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return out;
}
