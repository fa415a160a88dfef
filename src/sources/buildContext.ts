// The build context sent to the engine: the context directory as a tar stream (packed with
// tar-stream, streamed, never written to disk), honouring .dockerignore exactly as the docker
// CLI does (moby/patternmatcher semantics), and carrying the Dockerfile to build under a
// generated name, the way `docker build -f` does for a Dockerfile outside the context
// (docker/cli AddDockerfileToBuildContext): the daemon drops that file again before any COPY
// sees the context, so the build sees the same context `docker build` would send.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InputError } from '../core/errors.js';

export interface IgnorePattern {
  /** The cleaned pattern, as matched (no leading `/`, no `!`). */
  pattern: string;
  exclusion: boolean;
  regex: RegExp;
}

/** .dockerignore lines → patterns (docker/cli's dockerignore.ReadAll): `#` lines and blank
 *  lines skipped, whitespace trimmed, `!` marks an exception, paths cleaned, a leading `/` dropped. */
export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let line = raw.trim();
    if (line === '') continue;
    let exclusion = false;
    if (line.startsWith('!')) {
      exclusion = true;
      line = line.slice(1).trim();
    }
    const pattern = cleanPattern(line);
    if (pattern === '' || pattern === '.') continue;
    out.push({ pattern, exclusion, regex: patternRegex(pattern) });
  }
  return out;
}

/** filepath.Clean, then the leading `/` dropped (patterns are relative to the context root). */
function cleanPattern(p: string): string {
  const absolute = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(seg);
  }
  return out.join('/') || (absolute ? '' : '.');
}

/** patternmatcher's Pattern.compile: `**` any number of segments, `*` and `?` within one
 *  segment, `[…]` classes, `\` escapes. */
function patternRegex(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        out += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      if (i + 1 < pattern.length) out += escapeRegex(pattern[++i]!);
      else out += '\\\\';
    } else if (c === '[' || c === ']') out += c;
    else out += escapeRegex(c);
  }
  try {
    return new RegExp(`${out}$`);
  } catch {
    throw new InputError(`.dockerignore: invalid pattern "${pattern}"`);
  }
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

export class IgnoreMatcher {
  constructor(readonly patterns: IgnorePattern[]) {}

  get hasExceptions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** patternmatcher.MatchesOrParentMatches: is `path` (relative, `/`-separated) left out? A
   *  pattern matching a parent directory matches everything under it; later patterns win. */
  excludes(path: string): boolean {
    const dirs = path.split('/').slice(0, -1);
    let matched = false;
    for (const p of this.patterns) {
      if (p.exclusion !== matched) continue;
      let match = p.regex.test(path);
      for (let i = 1; !match && i <= dirs.length; i++) match = p.regex.test(dirs.slice(0, i).join('/'));
      if (match) matched = !p.exclusion;
    }
    return matched;
  }

  /** An excluded directory must still be walked when an exception pattern could reach inside it. */
  mayIncludeUnder(dir: string): boolean {
    const prefix = `${dir}/`;
    return this.patterns.some((p) => p.exclusion && `${p.pattern}/`.startsWith(prefix));
  }
}

export interface ContextEntry {
  /** Relative to the context root, `/`-separated. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mode: number;
  mtime: Date;
  linkname?: string;
  /** Absolute path on disk (files). */
  source?: string;
}

/** Every path of the context that is sent, in a stable (sorted) order. Sockets, FIFOs and
 *  devices are left out (the docker CLI cannot send them either). */
export async function listContext(root: string, matcher: IgnoreMatcher): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (e) {
      throw new InputError(`cannot read ${dir} in the build context: ${(e as Error).message}`, { cause: e });
    }
    for (const name of names) {
      const full = join(dir, name);
      const rel = relative(root, full).split(sep).join('/');
      const stats = await lstat(full);
      const excluded = matcher.excludes(rel);
      if (stats.isDirectory()) {
        if (excluded && !matcher.mayIncludeUnder(rel)) continue;
        if (!excluded) out.push({ path: rel, type: 'directory', size: 0, mode: stats.mode & 0o7777, mtime: stats.mtime });
        await walk(full);
        continue;
      }
      if (excluded) continue;
      if (stats.isFile())
        out.push({ path: rel, type: 'file', size: stats.size, mode: stats.mode & 0o7777, mtime: stats.mtime, source: full });
      else if (stats.isSymbolicLink())
        out.push({ path: rel, type: 'symlink', size: 0, mode: stats.mode & 0o7777, mtime: stats.mtime, linkname: await readlink(full) });
    }
  };
  await walk(root);
  return out;
}

export interface PackedContext {
  stream: NodeJS.ReadableStream;
  /** The name the Dockerfile has in the context tar (pass as the build's `dockerfile`). */
  dockerfileName: string;
  files: number;
  bytes: number;
  /** Resolves when packing ended; rejects if a file could not be read. */
  done: Promise<void>;
}

export interface PackOptions {
  /** The Dockerfile's text (possibly rewritten), sent under a generated name. */
  dockerfile: string;
  /** The Dockerfile is this context file, unchanged: send the context as it is and name it
   *  (what `docker build` does for a Dockerfile inside its context). */
  dockerfileInContext?: string;
  /** The ignore file's text: `<Dockerfile>.dockerignore` or the context's .dockerignore. */
  ignoreText?: string;
  /** The context's own .dockerignore text, if it has one (kept, with the generated name added). */
  contextIgnoreText?: string;
  /** For BuildKit, which applies no .dockerignore to a context sent in the request body: the
   *  context's own .dockerignore goes as it is, and the generated Dockerfile beside it. */
  buildkit?: boolean;
}

/** Packs the context for one build. Call again for each build (a stream is read once). */
export function packContext(root: string, entries: ContextEntry[], options: PackOptions): PackedContext {
  const pack = tar.pack();
  const asIs = options.dockerfileInContext;
  const dockerfileName = asIs ?? `.dockerfile.${randomBytes(10).toString('hex')}`;
  // The daemon reads .dockerignore from the context and removes the Dockerfile and .dockerignore
  // itself when they match it (builder/remotecontext removeDockerfile): list the generated name
  // there, as the docker CLI does; a context without .dockerignore gets one that ignores itself.
  const ignore = `${options.contextIgnoreText ?? '.dockerignore'}\n${dockerfileName}\n`;
  const now = new Date();
  const sent = entries.filter((e) => e.type === 'file');
  const files = sent.length;
  const bytes = sent.reduce((n, e) => n + e.size, 0);
  const done = (async () => {
    for (const e of entries) {
      if (e.path === '.dockerignore' && asIs === undefined && !options.buildkit) continue;
      const header = { name: e.path, mode: e.mode, mtime: e.mtime, uid: 0, gid: 0 };
      if (e.type === 'directory') {
        // `src/`, as the docker CLI writes it: the classic builder's cache key (tarsum) hashes
        // the name as sent, so `src` would miss every cached COPY of the directory.
        await entry(pack, { ...header, name: `${e.path}/`, type: 'directory' });
      } else if (e.type === 'symlink') {
        await entry(pack, { ...header, type: 'symlink', linkname: e.linkname ?? '' });
      } else {
        const sink = pack.entry({ ...header, type: 'file', size: e.size });
        try {
          await pipeline(createReadStream(e.source!), sink as unknown as NodeJS.WritableStream);
        } catch (err) {
          throw new InputError(`cannot read ${join(root, e.path)} for the build context: ${(err as Error).message}`, { cause: err });
        }
      }
    }
    if (asIs === undefined && !options.buildkit) {
      await entry(pack, { name: '.dockerignore', type: 'file', mode: 0o644, mtime: now, uid: 0, gid: 0 }, ignore);
      await entry(pack, { name: dockerfileName, type: 'file', mode: 0o644, mtime: now, uid: 0, gid: 0 }, options.dockerfile);
    } else if (asIs === undefined) {
      await entry(pack, { name: dockerfileName, type: 'file', mode: 0o644, mtime: now, uid: 0, gid: 0 }, options.dockerfile);
    }
    pack.finalize();
  })().catch((err: unknown) => {
    pack.destroy(err as Error);
    throw err;
  });
  done.catch(() => undefined);
  return { stream: pack as unknown as NodeJS.ReadableStream, dockerfileName, files, bytes, done };
}

function entry(pack: tar.Pack, header: tar.Header | (Partial<tar.Header> & { name: string }), content?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error | null) => (err ? reject(err) : resolve());
    if (content !== undefined) pack.entry(header, Buffer.from(content, 'utf8'), cb);
    else pack.entry(header, cb);
  });
}

/** Reads the ignore rules for a build: `<Dockerfile>.dockerignore` next to the Dockerfile wins
 *  (BuildKit's rule), else the context's .dockerignore. The docker CLI always sends the
 *  Dockerfile and .dockerignore themselves, whatever the patterns say. */
export async function readIgnore(
  contextDir: string,
  dockerfilePath: string,
): Promise<{ matcher: IgnoreMatcher; contextIgnoreText?: string; file?: string }> {
  const read = (p: string) =>
    readFile(p, 'utf8').then(
      (t) => t,
      () => undefined,
    );
  const perDockerfile = await read(`${dockerfilePath}.dockerignore`);
  const contextIgnoreText = await read(join(contextDir, '.dockerignore'));
  const text = perDockerfile ?? contextIgnoreText;
  const file =
    perDockerfile !== undefined
      ? `${dockerfilePath}.dockerignore`
      : contextIgnoreText !== undefined
        ? join(contextDir, '.dockerignore')
        : undefined;
  const patterns = text === undefined ? [] : parseDockerignore(text);
  const keep = (path: string) => ({ pattern: path, exclusion: true, regex: patternRegex(path) });
  const matcher = new IgnoreMatcher(patterns);
  const extra: IgnorePattern[] = [];
  if (matcher.excludes('.dockerignore')) extra.push(keep('.dockerignore'));
  const relDockerfile = relative(contextDir, dockerfilePath).split(sep).join('/');
  if (!relDockerfile.startsWith('..') && matcher.excludes(relDockerfile)) extra.push(keep(relDockerfile));
  return {
    matcher: new IgnoreMatcher([...patterns, ...extra]),
    ...(contextIgnoreText !== undefined ? { contextIgnoreText } : {}),
    ...(file ? { file } : {}),
  };
}
