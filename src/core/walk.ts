// One streaming pass over one layer blob: decompress, hash (diffID), read tar headers, skip the
// content. Nothing is extracted and no entry's content is held in memory.
import { createHash } from 'node:crypto';
import { TarFormatError, TarHeaderReader, type TarHeader } from './tarHeaders.js';
import type { Compression, EntryType, ImagePath, LayerEntry, LayerSummary } from './model.js';
import { LayerChanges, Op, TYPE_DIR, TYPE_FILE, TYPE_HARDLINK, TYPE_SYMLINK } from './changes.js';
import { decompress } from './decompress.js';
import { InputError } from './errors.js';
import { heapExhausted, moreHeapHint } from './memory.js';
import { baseName, decodeNameBytes, hasByteEscapes, normaliseName, parentOf, joinPath, plainName } from './paths.js';
import { ObserverSet, contentObserversFor, type ContentObserverFactory } from './contentObservers.js';
import type { LayerWarning, WarningKind } from './warnings.js';

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
  /** Largest file whose content is scanned for secrets (`--secrets-max-bytes`; default 1 MiB):
   *  larger files are checked by name only. Not a guard: a summary read under another cap is read again. */
  secretsMaxBytes?: number;
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
  const factories = options.observers ?? contentObserversFor(limits.secretsMaxBytes);
  const observers = new ObserverSet(await Promise.all(factories.map((make) => make(reader.changes))));
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

/** A layer the engine's applier refuses to unpack: `docker load` / `docker pull` fail on it,
 *  so no container can ever see it. */
export class LayerRefusedError extends InputError {
  override name = 'LayerRefusedError';
}

/** Symlinks the kernel follows while resolving one path before ELOOP. */
const MAX_SYMLINK_HOPS = 40;
const TYPE_NAMES: Record<string, string> = {
  S: 'old GNU sparse file',
  D: 'GNU dump directory',
  M: 'GNU multi-volume continuation',
  V: 'GNU volume label',
  N: 'GNU long file name (old)',
  '7': 'contiguous file',
};

/** Turns tar headers into LayerChanges, applying the name and whiteout rules of the engine's
 *  layer applier (moby pkg/archive Unpack, run chrooted in the layer's own directory):
 *  names are cleaned onto the root; an entry below a symlink that this layer made earlier is
 *  written through that link (the path recorded is where it lands); a hard link must name an
 *  earlier entry of the layer; tar types the applier does not handle refuse the layer. */
export class LayerReader {
  readonly changes = new LayerChanges();
  sizeBytes = 0;
  /** Tar entries seen (refused ones included). */
  entries = 0;
  private heldSinceCheck = 0;
  private readonly warnings: LayerWarning[] = [];
  private droppedWarnings = 0;
  /** Latest change index of each path in this layer, for hard-link resolution. Built at the
   *  first hard link only: most layers have none, and the map costs a lot on big layers. */
  private latest: Map<string, number> | undefined;
  /** Symlinks this layer made (path → target), while they stand: entries below them are
   *  written through them. Empty for most layers, and then nothing is resolved. */
  private readonly symlinks = new Map<string, string>();
  /** Directories of this layer (listed or implied), built at the first entry that goes through
   *  a symlink: a link must lead to one. */
  private dirs: Set<string> | undefined;
  private lastParent = '';
  private lastResolved = '';
  /** Paths this layer has as directories (listed, or parents checked), closed under ancestors;
   *  and the last parent checked: see checkParent. */
  private readonly layerDirs = new PathSet();
  private checkedParent = '';
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
    const size = type === 'file' ? (header.size ?? 0) : 0;
    // Stored bytes count whatever the name: a whiteout or a refused entry still ships its content.
    this.sizeBytes += size;
    if (header.name.length > MAX_NAME_BYTES || header.linkname.length > MAX_NAME_BYTES) {
      const long = header.name.length > MAX_NAME_BYTES ? 'name' : 'link target';
      this.warn('nameTooLong', `ignored entry ${quote(nameOf(header))}: its ${long} is longer than ${MAX_NAME_BYTES} bytes`);
      return false;
    }
    const rawName = nameOf(header);
    if (rawName !== header.name && !this.changes.byteNames && hasByteEscapes(rawName)) this.changes.byteNames = true;
    // Most names need nothing resolved: then no result object is built (the hot path).
    let normalised = plainName(rawName);
    if (normalised === undefined) {
      const name = normaliseName(rawName);
      if (!name.ok) {
        this.warn('suspiciousName', `ignored suspicious entry ${quote(rawName)}: ${name.reason}`);
        return false;
      }
      normalised = name.path;
      if (name.climbed && normalised !== '')
        this.warn(
          'nameClimbsRoot',
          `entry ${quote(rawName)} climbs above the layer root; the engine unpacks it at /${normalised}, and so does this`,
          normalised,
        );
    }
    if (normalised === '') return false; // the root directory itself: nothing to record
    // Top-level `.wh..wh.*` trees are aufs bookkeeping (e.g. the hard-link dir .wh..wh.plnk),
    // never part of the filesystem; the engine's extractor skips them too.
    if (normalised.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX) && normalised !== OPAQUE_MARKER) return false;
    const path = this.symlinks.size > 0 ? this.throughSymlinks(normalised, rawName) : normalised;
    // The base name is cut out only for a whiteout (`.wh.NAME`, the opaque marker).
    const slash = path.lastIndexOf('/');
    if (!path.startsWith(WHITEOUT_PREFIX, slash + 1)) this.checkParent(path, rawName);
    else {
      const base = path.slice(slash + 1);
      if (base === OPAQUE_MARKER) {
        // The engine sets the opaque mark on the parent whatever it is: on a file of this layer it
        // changes nothing (below such a file it fails, as any entry does).
        const dir = parentOf(path);
        this.checkParent(dir, rawName);
        if (dir !== '' && this.nonDirCode(dir) !== undefined) {
          this.warn(
            'opaqueOnFile',
            `ignored opaque marker ${quote(rawName)}: /${dir} is not a directory in this layer (the engine's mark on it changes nothing)`,
            dir,
          );
          return false;
        }
      } else this.checkParent(path, rawName);
      this.dirs && this.addDirs(path, false);
      this.readWhiteout(path, base, type);
      return false;
    }
    if (type === 'unknown') {
      const what = TYPE_NAMES[header.typeflag] ?? 'unknown type';
      const flag = header.typeflag.charCodeAt(0);
      throw new LayerRefusedError(
        `the engine refuses this layer: entry ${quote(rawName)} has tar type '${escapeFlag(header.typeflag)}' (${what}), which its layer applier does not handle ("unhandled tar header type ${flag}")`,
      );
    }
    const mode = header.mode & 0o7777;
    let extra: Parameters<LayerChanges['setExtra']>[1] | undefined;
    if (type === 'hardlink') extra = this.resolveHardLink(path, header);
    const index = this.changes.pushEntry(path, type, size, mode, header.uid, header.gid, header.mtime);
    this.latest?.set(path, index);
    if (type === 'dir') this.layerDirs.add(path);
    else if (this.layerDirs.has(path)) this.forgetDirs(path);
    this.dirs && this.addDirs(path, type === 'dir');
    if (type === 'symlink') {
      const target = linkOf(header);
      this.symlinks.set(path, target);
      this.lastResolved = '';
      this.changes.setExtra(index, { linkTarget: target });
    } else {
      if (this.symlinks.size > 0 && this.symlinks.delete(path)) this.lastResolved = '';
      if (type === 'other') this.changes.setExtra(index, { device: deviceKind(header.typeflag) });
      else if (extra) this.changes.setExtra(index, extra);
    }
    return type === 'file' && (!header.sparse || header.sparseExpanded) && this.observers?.begin(index, path, size) === true;
  }

  /** Where `path` lands when its parent directories are resolved as the kernel does inside the
   *  layer's root, following this layer's symlinks (the final component is never followed). */
  private throughSymlinks(path: ImagePath, rawName: string): ImagePath {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return path;
    const parent = path.slice(0, slash);
    if (parent !== this.lastParent || this.lastResolved === '') {
      this.lastResolved = this.resolveDir(parent, rawName) || '\0root';
      this.lastParent = parent;
    }
    const dir = this.lastResolved === '\0root' ? '' : this.lastResolved;
    return joinPath(dir, path.slice(slash + 1));
  }

  private resolveDir(dir: ImagePath, rawName: string): ImagePath {
    // Fast check: no ancestor is one of this layer's symlinks.
    let any = false;
    for (let at = dir.indexOf('/'); ; at = dir.indexOf('/', at + 1)) {
      if (this.symlinks.has(at < 0 ? dir : dir.slice(0, at))) {
        any = true;
        break;
      }
      if (at < 0) break;
    }
    if (!any) return dir;
    if (!this.dirs) this.buildDirs();
    const parts: Array<string | { check: string }> = dir.split('/').reverse();
    const at: string[] = [];
    let hops = 0;
    while (parts.length > 0) {
      const part = parts.pop()!;
      if (typeof part !== 'string') {
        const reached = at.join('/');
        if (reached !== '' && !this.dirs!.has(reached)) {
          throw new LayerRefusedError(
            `the engine refuses this layer: entry ${quote(rawName)} goes through the symlink ${part.check}, which does not lead to a directory of this layer (the engine's unpack fails: no such file or directory)`,
          );
        }
        continue;
      }
      if (part === '' || part === '.') continue;
      if (part === '..') {
        at.pop();
        continue;
      }
      at.push(part);
      const here = at.join('/');
      const target = this.symlinks.get(here);
      if (target === undefined) continue;
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new LayerRefusedError(
          `the engine refuses this layer: entry ${quote(rawName)} goes through symlinks that loop (too many levels of symbolic links)`,
        );
      }
      at.pop();
      if (target.startsWith('/')) at.length = 0;
      parts.push({ check: `/${here} → ${target}` });
      const pieces = target.split('/');
      for (let k = pieces.length - 1; k >= 0; k--) parts.push(pieces[k]!);
    }
    const resolved = at.join('/');
    if (resolved !== dir)
      this.warn(
        'throughSymlink',
        `entry ${quote(rawName)} is written through a symlink of the same layer, as the engine does: it lands at /${joinPath(resolved, baseName(rawName))}`,
        joinPath(resolved, baseName(rawName)),
      );
    return resolved;
  }

  private buildDirs(): void {
    this.dirs = new Set();
    for (let i = 0; i < this.changes.length; i++) {
      this.addDirs(this.changes.path(i), this.changes.op(i) === Op.Entry && this.changes.typeCode(i) === 1);
    }
  }

  /** An entry under a path this layer made a file, hard link or device (`f`, then `f/x`): the
   *  engine's unpack fails there ("open /f/x: not a directory", Docker 20.10), and so this refuses
   *  the layer. Only a new parent is looked at; one this layer listed as a directory costs a lookup. */
  private checkParent(path: ImagePath, rawName: string): void {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return;
    // The same parent as the entry before (most entries): compared in place, nothing cut out.
    if (slash === this.checkedParent.length && path.startsWith(this.checkedParent)) return;
    const parent = path.slice(0, slash);
    if (!this.layerDirs.has(parent)) {
      for (let at = parent.indexOf('/'); ; at = parent.indexOf('/', at + 1)) {
        const ancestor = at < 0 ? parent : parent.slice(0, at);
        if (!this.layerDirs.has(ancestor)) {
          const code = this.nonDirCode(ancestor);
          if (code !== undefined) {
            const what = code === TYPE_FILE ? 'a regular file' : code === TYPE_HARDLINK ? 'a hard link' : 'a device or pipe';
            throw new LayerRefusedError(
              `the engine refuses this layer: entry ${quote(rawName)} is under /${ancestor}, ${what} earlier in this layer (the engine's unpack fails: not a directory)`,
            );
          }
          this.layerDirs.add(ancestor);
        }
        if (at < 0) break;
      }
    }
    this.checkedParent = parent;
  }

  /** The type code of this layer's latest entry at `path` when it is a file, hard link or device. */
  private nonDirCode(path: ImagePath): number | undefined {
    if (this.layerDirs.has(path)) return undefined;
    const i = this.latestIndex().get(path);
    const code = i === undefined || this.changes.op(i) !== Op.Entry ? undefined : this.changes.typeCode(i);
    return code === TYPE_DIR || code === TYPE_SYMLINK ? undefined : code;
  }

  /** A non-directory replaced directory `path` of this layer: it and what was below it are gone. */
  private forgetDirs(path: ImagePath): void {
    const below = `${path}/`;
    for (const d of this.layerDirs) if (d === path || d.startsWith(below)) this.layerDirs.delete(d);
    if (this.checkedParent === path || this.checkedParent.startsWith(below)) this.checkedParent = '';
  }

  /** Records `path`'s ancestors (created by the engine's MkdirAll) and `path` itself if a directory. */
  private addDirs(path: ImagePath, isDir: boolean): void {
    const dirs = this.dirs!;
    if (isDir) dirs.add(path);
    else dirs.delete(path);
    for (let at = path.lastIndexOf('/'); at > 0; at = path.lastIndexOf('/', at - 1)) {
      const a = path.slice(0, at);
      if (dirs.has(a)) break;
      dirs.add(a);
    }
  }

  private readWhiteout(path: string, base: string, type: EntryType | 'unknown'): void {
    const dir = parentOf(path);
    // Whiteouts are empty regular files; the engine applies any other kind all the same.
    if (type !== 'file' && !base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX) && base !== WHITEOUT_PREFIX) {
      const kind = type === 'dir' ? 'directory' : type === 'unknown' ? 'unusual' : type;
      this.warn('whiteoutNotFile', `whiteout /${path} is a ${kind} entry, not an empty file; applied as a whiteout all the same`, path);
    }
    if (base === OPAQUE_MARKER) {
      this.changes.push({ op: 'opaque', path: dir });
      return;
    }
    // Other `.wh..wh.*` names are aufs bookkeeping (hard-link dirs), not deletions.
    if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return;
    const target = base.slice(WHITEOUT_PREFIX.length);
    if (target === '') {
      this.warn('whiteoutNoName', `ignored whiteout with no name: /${path}`, path);
      return;
    }
    this.changes.push({ op: 'whiteout', path: joinPath(dir, target) });
  }

  /** A hard link shares the bytes of an earlier file of the same layer (the inode the tar
   *  writer saw): find that file's change index. The engine's link(2) fails, and the layer with
   *  it, when the target is not an earlier entry of this layer, or is a directory. */
  private resolveHardLink(path: string, header: Readonly<TarHeader>): { linkTarget?: string; linkedContent?: number } {
    const rawTarget = linkOf(header);
    const target = normaliseName(rawTarget);
    const refuse = (why: string) =>
      new LayerRefusedError(`the engine refuses this layer: hard link /${path} → ${quote(rawTarget)}: ${why}`);
    if (!target.ok) throw refuse(target.reason);
    const targetPath = this.symlinks.size > 0 ? this.throughSymlinks(target.path, rawTarget) : target.path;
    const at = this.latestIndex().get(targetPath);
    const changes = this.changes;
    if (at === undefined || changes.op(at) !== Op.Entry) throw refuse('the target is not an earlier entry of the same layer');
    if (changes.typeCode(at) === 1) throw refuse('the target is a directory');
    if (changes.typeCode(at) === TYPE_FILE) return { linkTarget: targetPath, linkedContent: at };
    const chained = changes.typeCode(at) === TYPE_HARDLINK ? changes.linkedContent(at) : undefined;
    if (chained !== undefined) return { linkTarget: targetPath, linkedContent: chained };
    return { linkTarget: targetPath };
  }

  private latestIndex(): Map<string, number> {
    if (!this.latest) {
      this.latest = new Map();
      for (let i = 0; i < this.changes.length; i++) if (this.changes.op(i) === Op.Entry) this.latest.set(this.changes.path(i), i);
    }
    return this.latest;
  }

  /** `path` without its leading slash (an ImagePath), when the warning is about one. */
  private warn(kind: WarningKind, message: string, path?: string): void {
    if (this.warnings.length < MAX_WARNINGS)
      this.warnings.push(path === undefined ? { kind, message } : { kind, path: `/${path}`, message });
    else this.droppedWarnings += 1;
  }

  finishWarnings(): LayerWarning[] {
    return this.droppedWarnings > 0
      ? [...this.warnings, { kind: 'more', message: `… and ${this.droppedWarnings} more warnings like these` }]
      : this.warnings;
  }
}

/** A set of paths with a bitmap in front: most lookups are of paths that are not in it (a file is
 *  rarely a directory its layer listed before), and the bitmap answers most of those without
 *  hashing the path or probing a large table. The bitmap only grows: a set bit means "maybe". */
class PathSet {
  private readonly set = new Set<string>();
  private readonly bits = new Int32Array(PATH_SET_BITS >>> 5);

  has(path: string): boolean {
    const k = pathKey(path);
    return (this.bits[k >>> 5]! & (1 << (k & 31))) !== 0 && this.set.has(path);
  }

  add(path: string): void {
    const k = pathKey(path);
    this.bits[k >>> 5]! |= 1 << (k & 31);
    this.set.add(path);
  }

  delete(path: string): boolean {
    return this.set.delete(path);
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.set.values();
  }
}

const PATH_SET_BITS = 1 << 20;

/** A few characters of a path (its ends differ most) and its length, mixed into PATH_SET_BITS. */
function pathKey(p: string): number {
  const n = p.length;
  let h = Math.imul(n, 0x9e3779b1);
  h = Math.imul(h ^ p.charCodeAt(n - 1), 0x85ebca6b);
  h = Math.imul(h ^ p.charCodeAt(n - 2), 0xc2b2ae35);
  h = Math.imul(h ^ p.charCodeAt(n >>> 1), 0x27d4eb2f);
  h = Math.imul(h ^ p.charCodeAt(n - 3 - (n >>> 2)), 0x165667b1);
  return (h ^ (h >>> 15)) & (PATH_SET_BITS - 1);
}

function escapeFlag(flag: string): string {
  const c = flag.charCodeAt(0);
  return c < 0x21 || c > 0x7e ? `\\x${c.toString(16).padStart(2, '0')}` : flag;
}

function nameOf(header: Readonly<TarHeader>): string {
  return decodeNameBytes(header.name);
}

function linkOf(header: Readonly<TarHeader>): string {
  return decodeNameBytes(header.linkname);
}

function entryType(typeflag: string): EntryType | 'unknown' {
  switch (typeflag) {
    case '0':
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
