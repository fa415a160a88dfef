// A read-only set of named files: the inside of an image archive (a tar) or of an extracted one
// (a directory). Sources read manifests and configs through it and hand out blob streams, so a
// docker-save tar and its unpacked directory are read by exactly the same code.
import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import type { BlobFile } from '../core/model.js';

/** Metadata files (manifests, configs, indexes) are KBs; anything this big is a layer read by mistake. */
export const MAX_METADATA_BYTES = 64 * 1024 * 1024;

export abstract class FileSet {
  private readonly streams = new Set<Readable>();
  private closed = false;

  /** The tar file or directory, as the user named it: every message starts with it. */
  constructor(readonly location: string) {}

  abstract has(name: string): boolean;
  /** Size in bytes, or undefined when there is no such file. */
  abstract size(name: string): number | undefined;
  protected abstract readAll(name: string): Promise<Buffer>;
  protected abstract openStream(name: string, size: number): Readable;
  protected abstract release(): Promise<void>;

  /** Where a member's bytes lie in a local file (for reading at offsets), if they do. */
  blobFile(_name: string): BlobFile | undefined {
    return undefined;
  }

  async readBytes(name: string): Promise<Buffer> {
    const size = this.requireSize(name);
    if (size > MAX_METADATA_BYTES) {
      throw new InputError(`${this.location}: ${name} is ${size} bytes, too large for image metadata`);
    }
    return this.readAll(name);
  }

  async readText(name: string): Promise<string> {
    return (await this.readBytes(name)).toString('utf8');
  }

  async readJson(name: string): Promise<unknown> {
    return parseJson(await this.readText(name), `${this.location}: ${name}`);
  }

  /** Streams one file's bytes without copying it anywhere. Streams still open at close() are destroyed. */
  createReadStream(name: string): Readable {
    if (this.closed) throw new Error(`${this.location} is closed`);
    const size = this.requireSize(name);
    const stream = size === 0 ? Readable.from([]) : this.openStream(name, size);
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    return stream;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
    await this.release();
  }

  private requireSize(name: string): number {
    const size = this.size(name);
    if (size === undefined) throw new InputError(`${this.location}: missing ${name}`);
    return size;
  }
}

/** JSON.parse with a one-line message naming what was being read. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new InputError(`${what} is not valid JSON (${reason})`, { cause: e });
  }
}

/** The one-line message for a file that cannot be opened. */
export function fileOpenError(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`no such file: ${path}`, { cause: e });
  if (code === 'EACCES') return new InputError(`cannot read ${path}: permission denied`, { cause: e });
  return new InputError(`cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** Splits an archive-relative name into clean segments; undefined when it would leave the root. */
export function archiveSegments(name: string): string[] | undefined {
  const out: string[] = [];
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(segment);
    }
  }
  return out;
}

/** The canonical form of a name inside an archive: no leading `./` or `/`, no trailing `/`. */
export function normaliseArchiveName(name: string): string | undefined {
  return archiveSegments(name)?.join('/');
}

/** An extracted archive or an OCI layout directory. */
export class DirectoryFiles extends FileSet {
  has(name: string): boolean {
    return this.size(name) !== undefined;
  }

  size(name: string): number | undefined {
    const full = this.resolve(name);
    if (full === undefined) return undefined;
    try {
      const stat = statSync(full);
      return stat.isFile() ? stat.size : undefined;
    } catch {
      return undefined;
    }
  }

  override blobFile(name: string): BlobFile | undefined {
    const size = this.size(name);
    return size === undefined ? undefined : { path: this.resolve(name)!, offset: 0, size };
  }

  protected readAll(name: string): Promise<Buffer> {
    return readFile(this.resolve(name)!);
  }

  protected openStream(name: string): Readable {
    return createReadStream(this.resolve(name)!);
  }

  protected async release(): Promise<void> {}

  // Names come from manifests inside the image: never let one reach outside the directory.
  private resolve(name: string): string | undefined {
    const segments = archiveSegments(name);
    if (segments === undefined || segments.length === 0) return undefined;
    return join(this.location, ...segments);
  }
}

export function openDirectory(path: string): FileSet {
  return new DirectoryFiles(path);
}
