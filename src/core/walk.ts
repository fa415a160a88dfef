// One streaming pass over one layer blob: decompress, hash (diffID), read tar headers, skip the
// content. Nothing is extracted and no entry's content is held in memory.
import { createHash } from 'node:crypto';
import { TarHeaderReader, type TarHeader } from './tarHeaders.js';
import type { Compression, EntryType, LayerEntry, LayerSummary } from './model.js';
import { LayerChanges, Op, TYPE_FILE, TYPE_HARDLINK } from './changes.js';
import { decompress } from './decompress.js';
import { InputError } from './errors.js';
import { baseName, decodeNameBytes, normaliseName, parentOf, joinPath } from './paths.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** Keep the first warnings verbatim; count the rest, so hostile layers cannot grow memory. */
const MAX_WARNINGS = 50;

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
  async function* counted(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      blobBytes += chunk.length;
      options.onProgress?.(blobBytes);
      yield chunk;
    }
  }
  const tarReader = new TarHeaderReader((header) => reader.read(header));
  try {
    for await (const chunk of decompress(counted(blob as AsyncIterable<Buffer>), (c) => (compression = c))) {
      tarBytes += chunk.length;
      hash.update(chunk);
      tarReader.push(chunk);
    }
    tarReader.end();
  } catch (e) {
    throw asLayerError(e);
  }
  return {
    diffId: `sha256:${hash.digest('hex')}`,
    compression,
    blobBytes,
    tarBytes,
    sizeBytes: reader.sizeBytes,
    changes: reader.changes.trim(),
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
  readonly changes = new LayerChanges();
  sizeBytes = 0;
  private readonly warnings: string[] = [];
  private droppedWarnings = 0;
  /** Latest change index of each path in this layer, for hard-link resolution. Built at the
   *  first hard link only: most layers have none, and the map costs a lot on big layers. */
  private latest: Map<string, number> | undefined;

  read(header: Readonly<TarHeader>): void {
    const type = entryType(header.typeflag);
    if (type === 'unknown') {
      this.warn(`skipped entry of unsupported tar type '${header.typeflag}': ${nameOf(header)}`);
      return;
    }
    const size = type === 'file' ? (header.size ?? 0) : 0;
    // Stored bytes count whatever the name: a whiteout or a refused entry still ships its content.
    this.sizeBytes += size;
    const rawName = nameOf(header);
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
    const path = name.path;
    const mode = header.mode & 0o7777;
    const index = this.changes.pushEntry(path, type, size, mode, header.uid, header.gid, header.mtime);
    this.latest?.set(path, index);
    if (type === 'symlink') this.changes.setExtra(index, { linkTarget: linkOf(header) });
    else if (type === 'other') this.changes.setExtra(index, { device: deviceKind(header.typeflag) });
    else if (type === 'hardlink') this.changes.setExtra(index, this.resolveHardLink(path, header));
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

  /** A hard link shares the bytes of an earlier file of the same layer (the inode the tar
   *  writer saw): find that file's change index. */
  private resolveHardLink(path: string, header: Readonly<TarHeader>): { linkTarget?: string; linkedContent?: number } {
    const rawTarget = linkOf(header);
    const target = normaliseName(rawTarget);
    if (!target.ok) {
      this.warn(`hard link /${path} → ${JSON.stringify(rawTarget)}: ${target.reason}`);
      return {};
    }
    const at = this.latestIndex().get(target.path);
    const changes = this.changes;
    // The link itself is already recorded under `path`; a link to itself has no content.
    const isEntry = at !== undefined && changes.op(at) === Op.Entry && changes.path(at) !== path;
    if (isEntry && changes.typeCode(at) === TYPE_FILE) return { linkTarget: target.path, linkedContent: at };
    const chained = isEntry && changes.typeCode(at) === TYPE_HARDLINK ? changes.linkedContent(at) : undefined;
    if (chained !== undefined) return { linkTarget: target.path, linkedContent: chained };
    this.warn(`hard link /${path} → /${target.path}: target is not an earlier file of the same layer`);
    return { linkTarget: target.path };
  }

  private latestIndex(): Map<string, number> {
    if (!this.latest) {
      this.latest = new Map();
      for (let i = 0; i < this.changes.length; i++) if (this.changes.op(i) === Op.Entry) this.latest.set(this.changes.path(i), i);
    }
    return this.latest;
  }

  private warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
    else this.droppedWarnings += 1;
  }

  finishWarnings(): string[] {
    return this.droppedWarnings > 0 ? [...this.warnings, `… and ${this.droppedWarnings} more warnings like these`] : this.warnings;
  }
}

function nameOf(header: Readonly<TarHeader>): string {
  return header.paxName ? header.name : decodeNameBytes(header.name);
}

function linkOf(header: Readonly<TarHeader>): string {
  return header.paxLinkname ? header.linkname : decodeNameBytes(header.linkname);
}

function entryType(typeflag: string): EntryType | 'unknown' {
  switch (typeflag) {
    case '0':
    case '7':
      return 'file';
    case '5':
      return 'dir';
    case '2':
      return 'symlink';
    case '1':
      return 'hardlink';
    case '3':
    case '4':
    case '6':
      return 'other';
    default:
      return 'unknown';
  }
}

function deviceKind(typeflag: string): LayerEntry['device'] {
  return typeflag === '3' ? 'char' : typeflag === '4' ? 'block' : 'fifo';
}
