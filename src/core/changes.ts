// A layer's changes stored by column: one typed array per field instead of one object per tar
// entry. A million-file layer costs ~40 bytes an entry plus its path string, not ~300.
import { decodeNameBytes, nameBytes } from './paths.js';
import { exactCopy, release, resized, workArray } from './memory.js';
import type { EntryType, ImagePath, LayerChange, LayerEntry } from './model.js';

export enum Op {
  Entry = 0,
  Whiteout = 1,
  Opaque = 2,
}

const TYPES: readonly EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'other'];
const TYPE_CODE: Record<EntryType, number> = { file: 0, dir: 1, symlink: 2, hardlink: 3, other: 4 };
export const TYPE_FILE = 0;
export const TYPE_DIR = 1;
export const TYPE_SYMLINK = 2;
export const TYPE_HARDLINK = 3;
/** Bytes of one content digest (xxh128, see digest.ts). */
export const DIGEST_BYTES = 16;

/** The rarely present fields, kept only for the entries that have them. */
interface Extra {
  linkTarget?: string;
  device?: LayerEntry['device'];
  linkedContent?: number;
}

export class LayerChanges implements Iterable<LayerChange> {
  length = 0;
  /** Some path holds a byte that is not UTF-8 (a lone surrogate, see paths.ts decodeNameBytes):
   *  then paths cross threads as their bytes, not as UTF-8, which would turn every such byte
   *  into U+FFFD and merge distinct names. Set by the walker. */
  byteNames = false;
  private ops = new Uint8Array(64);
  private types = new Uint8Array(64);
  private sizes = new Float64Array(64);
  private modes = new Uint16Array(64);
  private uids = new Uint32Array(64);
  private gids = new Uint32Array(64);
  private mtimes = new Float64Array(64);
  /** DIGEST_BYTES per entry: the content digest of a regular file, all zeros when none. */
  private digests = new Uint8Array(64 * DIGEST_BYTES);
  private paths: ImagePath[] = [];
  /** See packed: the paths' bytes, entry i's from ends[i - 1] (0 for the first) to ends[i]. */
  private packedPaths: { bytes: Buffer; ends: Uint32Array } | undefined;
  private extras = new Map<number, Extra>();

  static from(changes: Iterable<LayerChange>): LayerChanges {
    const out = new LayerChanges();
    for (const c of changes) out.push(c);
    return out.trim();
  }

  /** Appends an entry without building an object (the walker's hot path). */
  pushEntry(path: ImagePath, type: EntryType, size: number, mode: number, uid: number, gid: number, mtime: number): number {
    const i = this.length;
    if (i === this.ops.length) this.grow();
    this.length = i + 1;
    this.ops[i] = Op.Entry;
    this.types[i] = TYPE_CODE[type];
    this.sizes[i] = size;
    this.modes[i] = mode;
    this.uids[i] = uid;
    this.gids[i] = gid;
    this.mtimes[i] = mtime;
    this.paths.push(path);
    return i;
  }

  /** Records the content digest of regular-file entry `i` (DIGEST_BYTES bytes). */
  setDigest(i: number, digest: Uint8Array): void {
    // A byte loop: a subarray view per file costs more than the copy.
    const out = this.digests;
    const at = i * DIGEST_BYTES;
    for (let k = 0; k < DIGEST_BYTES; k++) out[at + k] = digest[k]!;
  }

  /** The content digest of entry `i` as hex, or undefined when it has none (not a regular file). */
  digest(i: number): string | undefined {
    const d = this.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
    if (d.length < DIGEST_BYTES || d.every((b) => b === 0)) return undefined;
    return Buffer.from(d.buffer, d.byteOffset, DIGEST_BYTES).toString('hex');
  }

  /** Sets the rarely present fields of entry `i`. */
  setExtra(i: number, extra: Extra): void {
    this.extras.set(i, extra);
  }

  push(change: LayerChange): number {
    const i = this.length;
    if (i === this.ops.length) this.grow();
    this.length = i + 1;
    if (change.op !== 'entry') {
      this.ops[i] = change.op === 'whiteout' ? Op.Whiteout : Op.Opaque;
      this.paths.push(change.path);
      return i;
    }
    const e = change.entry;
    this.ops[i] = Op.Entry;
    this.types[i] = TYPE_CODE[e.type];
    this.sizes[i] = e.size;
    this.modes[i] = e.mode;
    this.uids[i] = e.uid;
    this.gids[i] = e.gid;
    this.mtimes[i] = e.mtime;
    this.paths.push(e.path);
    if (e.digest !== undefined) this.setDigest(i, Buffer.from(e.digest, 'hex'));
    if (e.linkTarget !== undefined || e.device !== undefined || e.linkedContent !== undefined) {
      const extra: Extra = {};
      if (e.linkTarget !== undefined) extra.linkTarget = e.linkTarget;
      if (e.device !== undefined) extra.device = e.device;
      if (e.linkedContent !== undefined) extra.linkedContent = e.linkedContent;
      this.extras.set(i, extra);
    }
    return i;
  }

  /** Drops the spare capacity once the layer is read. */
  trim(): this {
    const n = this.length;
    if (this.ops.length === n) return this;
    this.ops = exactCopy(this.ops, n);
    this.types = exactCopy(this.types, n);
    this.sizes = exactCopy(this.sizes, n);
    this.modes = exactCopy(this.modes, n);
    this.uids = exactCopy(this.uids, n);
    this.gids = exactCopy(this.gids, n);
    this.mtimes = exactCopy(this.mtimes, n);
    this.digests = exactCopy(this.digests, n * DIGEST_BYTES);
    return this;
  }

  /** Doubles the capacity (in place while the columns' work arrays have room: see memory.ts). */
  private grow(): void {
    const n = this.ops.length * 2;
    this.ops = resized(this.ops, n);
    this.types = resized(this.types, n);
    this.sizes = resized(this.sizes, n);
    this.modes = resized(this.modes, n);
    this.uids = resized(this.uids, n);
    this.gids = resized(this.gids, n);
    this.mtimes = resized(this.mtimes, n);
    this.digests = resized(this.digests, n * DIGEST_BYTES);
  }

  op(i: number): Op {
    return this.ops[i]!;
  }

  path(i: number): ImagePath {
    return this.paths[i] ?? this.unpack(i);
  }

  /** A path still in the bytes it was read from (see packed), decoded now and kept. */
  private unpack(i: number): ImagePath {
    const p = this.packedPaths!;
    const start = i === 0 ? 0 : p.ends[i - 1]!;
    const path = decodePath(p.bytes, start, p.ends[i]!, this.byteNames);
    this.paths[i] = path;
    return path;
  }

  /** Every path as a string (what packing them again or writing them out reads). */
  private allPaths(): ImagePath[] {
    if (this.packedPaths) for (let i = 0; i < this.length; i++) this.path(i);
    return this.paths;
  }

  /** Makes entry `i` hold `path`, an equal string another layer already holds (the merge's node
   *  path): a path named by several layers is then one string, not one per layer. */
  sharePath(i: number, path: ImagePath): void {
    if (this.path(i) === path) this.paths[i] = path;
  }

  /** Entry type code (TYPE_*); meaningful for Op.Entry only. */
  typeCode(i: number): number {
    return this.types[i]!;
  }

  type(i: number): EntryType {
    return TYPES[this.types[i]!]!;
  }

  mode(i: number): number {
    return this.modes[i]!;
  }

  size(i: number): number {
    return this.sizes[i]!;
  }

  linkedContent(i: number): number | undefined {
    return this.extras.get(i)?.linkedContent;
  }

  /** The entry at `i` as an object (built on demand: callers on hot paths use the columns). */
  entry(i: number): LayerEntry {
    const e: LayerEntry = {
      path: this.path(i),
      type: TYPES[this.types[i]!]!,
      size: this.sizes[i]!,
      mode: this.modes[i]!,
      uid: this.uids[i]!,
      gid: this.gids[i]!,
      mtime: this.mtimes[i]!,
    };
    const extra = this.extras.get(i);
    if (extra) Object.assign(e, extra);
    return e;
  }

  at(i: number): LayerChange | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const op = this.ops[i]!;
    if (op === Op.Entry) return { op: 'entry', entry: this.entry(i) };
    return { op: op === Op.Whiteout ? 'whiteout' : 'opaque', path: this.path(i) };
  }

  *[Symbol.iterator](): Iterator<LayerChange> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }

  /** The columns as they are, for posting between threads: the typed arrays' buffers can be
   *  transferred rather than copied (see transferList). */
  toTransfer(): LayerChangesTransfer {
    this.trim();
    const { bytes, ends } = packPaths(this.allPaths(), this.length, this.byteNames);
    return {
      length: this.length,
      byteNames: this.byteNames,
      pathBytes: bytes,
      pathEnds: ends,
      ops: this.ops,
      types: this.types,
      sizes: this.sizes,
      modes: this.modes,
      uids: this.uids,
      gids: this.gids,
      mtimes: this.mtimes,
      digests: this.digests,
      extras: [...this.extras],
    };
  }

  static transferList(t: LayerChangesTransfer): ArrayBuffer[] {
    return [t.pathBytes, t.pathEnds, t.ops, t.types, t.sizes, t.modes, t.uids, t.gids, t.mtimes, t.digests].map((a) => a.buffer);
  }

  /** The changes a walk worker posted (toTransfer), in buffers this thread allocates; the posted
   *  ones are released. Buffers a worker allocated stay in its allocator's arena: kept for the
   *  life of the tree they pin that arena's pages, mixed with the worker's freed garbage, so none
   *  of its memory goes back to the system when it stops. A copy (a few ms for a million
   *  entries) lets the arena empty. */
  static fromWorker(t: LayerChangesTransfer): LayerChanges {
    const out = LayerChanges.fromTransfer({
      ...t,
      ops: t.ops.slice(),
      types: t.types.slice(),
      sizes: t.sizes.slice(),
      modes: t.modes.slice(),
      uids: t.uids.slice(),
      gids: t.gids.slice(),
      mtimes: t.mtimes.slice(),
      digests: t.digests.slice(),
    });
    release(t.pathBytes, t.pathEnds, t.ops, t.types, t.sizes, t.modes, t.uids, t.gids, t.mtimes, t.digests);
    return out;
  }

  /** The changes as `fromTransfer` gives them, the paths left in their bytes until each is first
   *  asked for (a layer restored from the merged-tree cache: most paths are never read). */
  static packed(t: LayerChangesTransfer): LayerChanges {
    const out = new LayerChanges();
    out.length = t.length;
    out.paths = new Array<ImagePath>(t.length);
    out.packedPaths = { bytes: Buffer.from(t.pathBytes.buffer, t.pathBytes.byteOffset, t.pathBytes.byteLength), ends: t.pathEnds };
    out.byteNames = t.byteNames;
    out.ops = t.ops;
    out.types = t.types;
    out.sizes = t.sizes;
    out.modes = t.modes;
    out.uids = t.uids;
    out.gids = t.gids;
    out.mtimes = t.mtimes;
    out.digests = t.digests;
    out.extras = new Map(t.extras);
    return out;
  }

  /** The changes with every path decoded now (the posted bytes may be released after). */
  static fromTransfer(t: LayerChangesTransfer): LayerChanges {
    const out = LayerChanges.packed(t);
    out.allPaths();
    out.packedPaths = undefined;
    return out;
  }

  /** Serialisable form (the summary cache stores it). */
  toJSON(): LayerChangesJson {
    const n = this.length;
    const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    return {
      length: n,
      paths: this.allPaths().slice(0, n),
      ops: b64(this.ops.subarray(0, n)),
      types: b64(this.types.subarray(0, n)),
      sizes: b64(this.sizes.subarray(0, n)),
      modes: b64(this.modes.subarray(0, n)),
      uids: b64(this.uids.subarray(0, n)),
      gids: b64(this.gids.subarray(0, n)),
      mtimes: b64(this.mtimes.subarray(0, n)),
      digests: b64(this.digests.subarray(0, n * DIGEST_BYTES)),
      extras: [...this.extras],
    };
  }

  static fromJSON(json: LayerChangesJson): LayerChanges {
    const out = new LayerChanges();
    const n = json.length;
    const col = <T>(text: string, Ctor: { new (buf: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }): T => {
      const bytes = Buffer.from(text, 'base64');
      if (bytes.length !== n * Ctor.BYTES_PER_ELEMENT) throw new Error('corrupt layer summary column');
      const copy = new ArrayBuffer(bytes.length);
      new Uint8Array(copy).set(bytes);
      return new Ctor(copy, 0, n);
    };
    if (!Array.isArray(json.paths) || json.paths.length !== n) throw new Error('corrupt layer summary paths');
    out.length = n;
    out.paths = json.paths;
    out.ops = col(json.ops, Uint8Array);
    out.types = col(json.types, Uint8Array);
    out.sizes = col(json.sizes, Float64Array);
    out.modes = col(json.modes, Uint16Array);
    out.uids = col(json.uids, Uint32Array);
    out.gids = col(json.gids, Uint32Array);
    out.mtimes = col(json.mtimes, Float64Array);
    const digests = Buffer.from(json.digests, 'base64');
    if (digests.length !== n * DIGEST_BYTES) throw new Error('corrupt layer summary column');
    out.digests = new Uint8Array(digests.length);
    out.digests.set(digests);
    out.extras = new Map(json.extras);
    return out;
  }
}

/** Paths as one UTF-8 buffer and the end offset of each: posted as two transferable buffers
 *  rather than a million cloned strings (the worker's strings die with its walk). Paths are
 *  well-formed strings (decodeNameBytes escapes what is not UTF-8), so the round trip is exact. */
function packPaths(
  paths: readonly string[],
  n: number,
  byteNames: boolean,
): { bytes: Uint8Array<ArrayBuffer>; ends: Uint32Array<ArrayBuffer> } {
  const ends = new Uint32Array(n);
  // A work array (memory.ts): the bytes are posted as a view of it, which the receiver releases.
  const room = (length: number): Buffer => {
    const a = workArray(Uint8Array, length);
    return Buffer.from(a.buffer, 0, a.length);
  };
  let bytes = room(Math.max(1024, n * 48));
  let at = 0;
  for (let i = 0; i < n; i++) {
    const p = paths[i]!;
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (at + p.length * 3 > bytes.length) {
      const bigger = room(Math.max(bytes.length * 2, at + p.length * 3));
      bytes.copy(bigger, 0, 0, at);
      release(bytes);
      bytes = bigger;
    }
    if (byteNames) at += nameBytes(p).copy(bytes, at);
    else at += bytes.write(p, at, 'utf8');
    ends[i] = at;
  }
  return { bytes: new Uint8Array(bytes.buffer as ArrayBuffer, 0, at), ends };
}

function decodePath(buf: Buffer, start: number, end: number, byteNames: boolean): string {
  return byteNames ? decodeNameBytes(buf.toString('latin1', start, end)) : buf.toString('utf8', start, end);
}

export interface LayerChangesTransfer {
  length: number;
  /** pathBytes holds the names' own bytes (see LayerChanges.byteNames), else UTF-8. */
  byteNames: boolean;
  pathBytes: Uint8Array<ArrayBuffer>;
  pathEnds: Uint32Array<ArrayBuffer>;
  ops: Uint8Array<ArrayBuffer>;
  types: Uint8Array<ArrayBuffer>;
  sizes: Float64Array<ArrayBuffer>;
  modes: Uint16Array<ArrayBuffer>;
  uids: Uint32Array<ArrayBuffer>;
  gids: Uint32Array<ArrayBuffer>;
  mtimes: Float64Array<ArrayBuffer>;
  digests: Uint8Array<ArrayBuffer>;
  extras: Array<[number, Extra]>;
}

export interface LayerChangesJson {
  length: number;
  paths: string[];
  ops: string;
  types: string;
  sizes: string;
  modes: string;
  uids: string;
  gids: string;
  mtimes: string;
  /** DIGEST_BYTES per entry, base64. */
  digests: string;
  extras: Array<[number, Extra]>;
}
