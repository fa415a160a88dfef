// One streaming pass over one layer blob: decompress, hash (diffID), read tar headers, skip the
// content. Nothing is extracted and no entry's content is held in memory.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Compression, EntryType, LayerChange, LayerEntry, LayerSummary } from './model.js';
import { decompress } from './decompress.js';
import { InputError } from './errors.js';
import { baseName, decodeNameBytes, normaliseName, parentOf, joinPath } from './paths.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** Keep the first warnings verbatim; count the rest, so hostile layers cannot grow memory. */
const MAX_WARNINGS = 50;

/** tar-stream's runtime header (its bundled types omit pax and the meta entry types). */
export interface TarHeader {
  name: string;
  type?: string | null;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  linkname?: string | null;
  pax?: Record<string, string> | null;
}

export interface WalkOptions {
  /** Called with the number of blob (compressed) bytes read so far. */
  onProgress?: (blobBytesRead: number) => void;
}

export async function walkLayer(blob: NodeJS.ReadableStream | AsyncIterable<Buffer>, options: WalkOptions = {}): Promise<LayerSummary> {
  const reader = new LayerReader();
  let compression: Compression = 'none';
  let blobBytes = 0;
  let tarBytes = 0;
  const hash = createHash('sha256');
  // latin1 keeps each name byte as one char, so non-UTF-8 names survive to decodeNameBytes.
  const extract = tar.extract({ filenameEncoding: 'latin1', allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);

  async function* counted(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      blobBytes += chunk.length;
      options.onProgress?.(blobBytes);
      yield chunk;
    }
  }
  async function* hashed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      tarBytes += chunk.length;
      hash.update(chunk);
      yield chunk;
    }
  }

  const feeding = pipeline(
    Readable.from(counted(blob as AsyncIterable<Buffer>)),
    async function* (source: AsyncIterable<Buffer>) {
      yield* hashed(decompress(source, (c) => (compression = c)));
    },
    extract,
  );
  const reading = (async () => {
    for await (const entry of extract) {
      reader.read(entry.header as TarHeader);
      entry.resume();
    }
  })();
  try {
    await Promise.all([feeding, reading]);
  } catch (e) {
    extract.destroy();
    throw asLayerError(e);
  }
  return {
    diffId: `sha256:${hash.digest('hex')}`,
    compression,
    blobBytes,
    tarBytes,
    sizeBytes: reader.sizeBytes,
    changes: reader.changes,
    warnings: reader.finishWarnings(),
  };
}

function asLayerError(e: unknown): Error {
  if (e instanceof InputError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (/unexpected end of data|premature close/i.test(msg)) return new InputError('truncated layer: the tar ends in the middle of an entry', { cause: e });
  if (/invalid tar header|unknown format|checksum/i.test(msg)) return new InputError(`not a valid tar layer (${msg.replace(/\. Maybe.*$/, '')})`, { cause: e });
  return new InputError(`cannot read layer: ${msg}`, { cause: e });
}

/** Turns tar headers into LayerChanges, applying the name and whiteout rules. */
export class LayerReader {
  readonly changes: LayerChange[] = [];
  sizeBytes = 0;
  private readonly warnings: string[] = [];
  private droppedWarnings = 0;
  /** Latest change index of each path in this layer, for hard-link resolution. */
  private readonly latest = new Map<string, number>();

  read(header: TarHeader): void {
    const type = entryType(header.type);
    if (type === 'skip') return;
    if (type === 'unknown') {
      this.warn(`skipped entry of unsupported tar type '${header.type}': ${decodeNameBytes(header.name)}`);
      return;
    }
    const size = type === 'file' ? (header.size ?? 0) : 0;
    // Stored bytes count whatever the name: a whiteout or a refused entry still ships its content.
    this.sizeBytes += size;
    const rawName = header.pax?.path ?? decodeNameBytes(header.name);
    const name = normaliseName(rawName);
    if (!name.ok) {
      this.warn(`ignored suspicious entry ${JSON.stringify(rawName)}: ${name.reason}`);
      return;
    }
    if (name.path === '') return; // the root directory itself: nothing to record
    // Top-level `.wh..wh.*` trees are aufs bookkeeping (e.g. the hard-link dir .wh..wh.plnk),
    // never part of the filesystem; the engine's extractor skips them too.
    if (name.path.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX) && name.path !== OPAQUE_MARKER) return;
    const base = baseName(name.path);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.readWhiteout(name.path, base);
      return;
    }
    const entry: LayerEntry = {
      path: name.path,
      type,
      size,
      mode: (header.mode ?? 0) & 0o7777,
      uid: header.uid ?? 0,
      gid: header.gid ?? 0,
      mtime: header.mtime ? Math.floor(header.mtime.getTime() / 1000) : 0,
    };
    if (type === 'symlink') entry.linkTarget = header.pax?.linkpath ?? decodeNameBytes(header.linkname ?? '');
    if (type === 'other') entry.device = deviceKind(header.type);
    if (type === 'hardlink') this.resolveHardLink(entry, header);
    this.latest.set(entry.path, this.changes.length);
    this.changes.push({ op: 'entry', entry });
  }

  private readWhiteout(path: string, base: string): void {
    const dir = parentOf(path);
    if (base === OPAQUE_MARKER) {
      this.changes.push({ op: 'opaque', path: dir });
      return;
    }
    // Other `.wh..wh.*` names are aufs bookkeeping (hard-link dirs), not deletions.
    if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return;
    const target = base.slice(WHITEOUT_PREFIX.length);
    if (target === '') {
      this.warn(`ignored whiteout with no name: /${path}`);
      return;
    }
    this.changes.push({ op: 'whiteout', path: joinPath(dir, target) });
  }

  private resolveHardLink(entry: LayerEntry, header: TarHeader): void {
    const rawTarget = header.pax?.linkpath ?? decodeNameBytes(header.linkname ?? '');
    const target = normaliseName(rawTarget);
    if (!target.ok) {
      this.warn(`hard link /${entry.path} → ${JSON.stringify(rawTarget)}: ${target.reason}`);
      return;
    }
    entry.linkTarget = target.path;
    const at = this.latest.get(target.path);
    const linked = at === undefined ? undefined : this.changes[at];
    if (linked?.op === 'entry' && linked.entry.type === 'file') entry.linkedContent = at;
    else if (linked?.op === 'entry' && linked.entry.type === 'hardlink' && linked.entry.linkedContent !== undefined) {
      entry.linkedContent = linked.entry.linkedContent;
    } else {
      this.warn(`hard link /${entry.path} → /${target.path}: target is not an earlier file of the same layer`);
    }
  }

  private warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
    else this.droppedWarnings += 1;
  }

  finishWarnings(): string[] {
    return this.droppedWarnings > 0 ? [...this.warnings, `… and ${this.droppedWarnings} more warnings like these`] : this.warnings;
  }
}

function entryType(tarType: TarHeader['type']): EntryType | 'skip' | 'unknown' {
  switch (tarType) {
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null:
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
    case 'fifo':
      return 'other';
    case 'pax-header':
    case 'pax-global-header':
    case 'gnu-long-path':
    case 'gnu-long-link-path':
      return 'skip';
    default:
      return 'unknown';
  }
}

function deviceKind(tarType: TarHeader['type']): LayerEntry['device'] {
  return tarType === 'character-device' ? 'char' : tarType === 'block-device' ? 'block' : 'fifo';
}
