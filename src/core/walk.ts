// One streaming pass over one layer blob: decompress, hash (diffID), read tar headers, skip the
// content. Nothing is extracted and no entry's content is held in memory.
import { createHash } from 'node:crypto';
import { TarFormatError, TarHeaderReader, type TarHeader } from './tarHeaders.js';
import type { Compression, EntryType, LayerEntry, LayerSummary } from './model.js';
import { LayerChanges, Op, TYPE_FILE, TYPE_HARDLINK } from './changes.js';
import { decompress } from './decompress.js';
import { InputError } from './errors.js';
import { heapExhausted, moreHeapHint } from './memory.js';
import { baseName, decodeNameBytes, normaliseName, parentOf, joinPath } from './paths.js';
import { CONTENT_OBSERVERS, ObserverSet, type ContentObserverFactory } from './contentObservers.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** Keep the first warnings verbatim; count the rest, so hostile layers cannot grow memory. */
const MAX_WARNINGS = 50;
/** Longest entry name (or link target) kept. Linux paths stop at 4 KiB (PATH_MAX); a longer
 *  name cannot be extracted anywhere, so it is reported and ignored rather than held. */
export const MAX_NAME_BYTES = 64 * 1024;
/** Bytes of names read between two looks at the heap (see memory.ts). */
const HEAP_CHECK_BYTES = 8 * 1024 * 1024;
/** How much of a name a warning quotes. */
const QUOTED_NAME_CHARS = 200;

/** Guards against layers no real image has, which would otherwise cost unbounded memory or time. */
export interface WalkLimits {
  /** Most tar entries one layer may have (`--max-files`). */
  maxEntries: number;
  /** Most bytes one layer may unpack to (`--max-bytes`): stops decompression bombs and endless streams. */
  maxTarBytes: number;
}

/** Defaults that no real image reaches: the largest layers seen in the wild hold a few million
 *  files and a few hundred GB. */
export const DEFAULT_LIMITS: WalkLimits = { maxEntries: 20_000_000, maxTarBytes: 1024 ** 4 };

/** A layer past one of the WalkLimits. The message completes "layer N …" (see layerMessage). */
export class LayerLimitError extends InputError {
  override name = 'LayerLimitError';
}

/** A LayerLimitError, also once it has crossed a thread (then only its name says so). */
export function isLayerLimit(e: unknown): boolean {
  return e instanceof LayerLimitError || (e instanceof InputError && e.name === 'LayerLimitError');
}

/** The one-line message for a failure reading layer `index`: a limit reads "layer 3 has more than…",
 *  anything else "layer 3 (what): …". */
export function layerMessage(index: number, what: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return isLayerLimit(e) ? `layer ${index} ${msg}` : `layer ${index} (${what}): ${msg}`;
}

/** The limit a summary read earlier (the cache) is past, if any. */
export function limitExceeded(summary: LayerSummary, limits: Partial<WalkLimits> = {}): LayerLimitError | undefined {
  const { maxEntries, maxTarBytes } = { ...DEFAULT_LIMITS, ...limits };
  if (summary.changes.length > maxEntries) return entriesError(maxEntries);
  if (summary.tarBytes > maxTarBytes) return bytesError(maxTarBytes);
  return undefined;
}

function entriesError(max: number): LayerLimitError {
  return new LayerLimitError(`has more than ${max} entries; raise --max-files to analyse it`);
}

function bytesError(max: number): LayerLimitError {
  return new LayerLimitError(`unpacks to more than ${formatSize(max)}; raise --max-bytes to analyse it`);
}

export interface WalkOptions {
  /** Called with the number of blob (compressed) bytes read so far. */
  onProgress?: (blobBytesRead: number) => void;
  /** Default: DEFAULT_LIMITS. */
  limits?: Partial<WalkLimits>;
  /** Who sees each regular file's content (default CONTENT_OBSERVERS: the content digests). */
  observers?: readonly ContentObserverFactory[];
}

export async function walkLayer(blob: NodeJS.ReadableStream | AsyncIterable<Buffer>, options: WalkOptions = {}): Promise<LayerSummary> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const reader = new LayerReader(limits.maxEntries);
  const observers = new ObserverSet(await Promise.all((options.observers ?? CONTENT_OBSERVERS).map((make) => make(reader.changes))));
  reader.observers = observers;
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
  const tarReader = new TarHeaderReader((header) => reader.read(header), observers.empty ? undefined : observers);
  try {
    for await (const chunk of decompress(counted(blob as AsyncIterable<Buffer>), (c) => (compression = c))) {
      tarBytes += chunk.length;
      if (tarBytes > limits.maxTarBytes) {
        throw bytesError(limits.maxTarBytes);
      }
      hash.update(chunk);
      tarReader.push(chunk);
    }
    tarReader.end();
  } catch (e) {
    throw asLayerError(e);
  }
  const summary: LayerSummary = {
    diffId: `sha256:${hash.digest('hex')}`,
    compression,
    blobBytes,
    tarBytes,
    sizeBytes: reader.sizeBytes,
    changes: reader.changes.trim(),
    warnings: reader.finishWarnings(),
  };
  observers.finish(summary);
  return summary;
}

function asLayerError(e: unknown): Error {
  if (e instanceof InputError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const cut = /^unexpected end of data(?:: (.*))?$|premature close/i.exec(msg);
  if (cut) return new InputError(`truncated layer: ${cut[1] ?? 'the tar ends in the middle of an entry'}`, { cause: e });
  if (e instanceof TarFormatError) return new InputError(`not a valid tar layer (${msg})`, { cause: e });
  return new InputError(`cannot read layer: ${msg}`, { cause: e });
}

/** Sizes as limits are written: 1 TiB, 500 GB, 1234 bytes (exact, never rounded). */
function formatSize(n: number): string {
  const units = [
    ['TiB', 1024 ** 4],
    ['TB', 1e12],
    ['GiB', 1024 ** 3],
    ['GB', 1e9],
    ['MiB', 1024 ** 2],
    ['MB', 1e6],
    ['KiB', 1024],
    ['kB', 1e3],
  ] as const;
  for (const [unit, size] of units) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return `${n} bytes`;
}

/** A name as a warning quotes it: JSON-quoted, cut short. */
function quote(name: string): string {
  return JSON.stringify(name.length > QUOTED_NAME_CHARS ? `${name.slice(0, QUOTED_NAME_CHARS)}…` : name);
}

/** Turns tar headers into LayerChanges, applying the name and whiteout rules. */
export class LayerReader {
  readonly changes = new LayerChanges();
  sizeBytes = 0;
  /** Tar entries seen (refused ones included). */
  entries = 0;
  private heldSinceCheck = 0;
  private readonly warnings: string[] = [];
  private droppedWarnings = 0;
  /** Latest change index of each path in this layer, for hard-link resolution. Built at the
   *  first hard link only: most layers have none, and the map costs a lot on big layers. */
  private latest: Map<string, number> | undefined;
  /** Offered each regular file this layer records (see contentObservers.ts). */
  observers: ObserverSet | undefined;

  constructor(private readonly maxEntries = DEFAULT_LIMITS.maxEntries) {}

  /** Records one tar entry; true when an observer wants its content. */
  read(header: Readonly<TarHeader>): boolean {
    if (++this.entries > this.maxEntries) {
      throw entriesError(this.maxEntries);
    }
    // What this entry keeps in memory, roughly; the heap is looked at every few MB of it.
    this.heldSinceCheck += 64 + header.name.length;
    if (this.heldSinceCheck > HEAP_CHECK_BYTES) {
      this.heldSinceCheck = 0;
      const limit = heapExhausted();
      if (limit !== undefined) {
        throw new LayerLimitError(
          `needs more memory than this process may use (a ${limit} MiB heap); run with ${moreHeapHint(limit)} to analyse it`,
        );
      }
    }
    const type = entryType(header.typeflag);
    if (type === 'unknown') {
      this.warn(`skipped entry of unsupported tar type '${header.typeflag}': ${quote(nameOf(header))}`);
      return false;
    }
    const size = type === 'file' ? (header.size ?? 0) : 0;
    // Stored bytes count whatever the name: a whiteout or a refused entry still ships its content.
    this.sizeBytes += size;
    if (header.name.length > MAX_NAME_BYTES || header.linkname.length > MAX_NAME_BYTES) {
      const long = header.name.length > MAX_NAME_BYTES ? 'name' : 'link target';
      this.warn(`ignored entry ${quote(nameOf(header))}: its ${long} is longer than ${MAX_NAME_BYTES} bytes`);
      return false;
    }
    const rawName = nameOf(header);
    const name = normaliseName(rawName);
    if (!name.ok) {
      this.warn(`ignored suspicious entry ${quote(rawName)}: ${name.reason}`);
      return false;
    }
    if (name.path === '') return false; // the root directory itself: nothing to record
    // Top-level `.wh..wh.*` trees are aufs bookkeeping (e.g. the hard-link dir .wh..wh.plnk),
    // never part of the filesystem; the engine's extractor skips them too.
    if (name.path.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX) && name.path !== OPAQUE_MARKER) return false;
    const base = baseName(name.path);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.readWhiteout(name.path, base, type);
      return false;
    }
    const path = name.path;
    const mode = header.mode & 0o7777;
    const index = this.changes.pushEntry(path, type, size, mode, header.uid, header.gid, header.mtime);
    this.latest?.set(path, index);
    if (type === 'symlink') this.changes.setExtra(index, { linkTarget: linkOf(header) });
    else if (type === 'other') this.changes.setExtra(index, { device: deviceKind(header.typeflag) });
    else if (type === 'hardlink') this.changes.setExtra(index, this.resolveHardLink(path, header));
    return type === 'file' && this.observers !== undefined && this.observers.begin(index, path, size);
  }

  private readWhiteout(path: string, base: string, type: EntryType): void {
    const dir = parentOf(path);
    // Whiteouts are empty regular files; the engine applies any other kind all the same.
    if (type !== 'file' && !base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX) && base !== WHITEOUT_PREFIX) {
      this.warn(
        `whiteout /${path} is a ${type === 'dir' ? 'directory' : type} entry, not an empty file; applied as a whiteout all the same`,
      );
    }
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
      this.warn(`hard link /${path} → ${quote(rawTarget)}: ${target.reason}`);
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
