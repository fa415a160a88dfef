// A guard against running out of heap: V8 aborts the whole process (no message a user can act
// on, no cleanup) when the heap is full, so the steps that grow with the image — the walk (names
// of every entry) and the merge — check now and then and stop with an InputError well before.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** Share of the heap limit past which work stops. The rest is room for what follows (the merge
 *  after the walk, the reports after the merge) and for garbage not yet collected. */
export const HEAP_SHARE = 0.8;

/** V8's heap limit counts the young generation too (up to 48 MiB on 64-bit): what fills up
 *  and aborts is the rest. */
const YOUNG_GENERATION = 48 * 1024 * 1024;

/** The limit messages name, when this thread's own is not the one a user sets (a walk worker's
 *  young generation is smaller than the main thread's: the process's limit is what to raise). */
let reportedLimitMb: number | undefined;

export function reportHeapLimitAs(mb: number): void {
  reportedLimitMb = mb;
}

/** The heap limit in MiB when more than `share` of it is in use, else undefined. */
export function heapExhausted(share = HEAP_SHARE): number | undefined {
  const { used_heap_size: used, heap_size_limit: limit } = getHeapStatistics();
  const old = limit - Math.min(limit / 2, YOUNG_GENERATION);
  return used > old * share ? (reportedLimitMb ?? Math.round(limit / 1024 / 1024)) : undefined;
}

/** The process's heap limit in MiB, as `--max-old-space-size` and V8's defaults make it. */
export function heapLimitMb(): number {
  return Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024);
}

/** How to give the process more heap, for messages. */
export function moreHeapHint(limitMb: number): string {
  return `NODE_OPTIONS=--max-old-space-size=${Math.max(1024, 2 ** Math.ceil(Math.log2(limitMb * 2)))}`;
}

/** Gives the memory of typed arrays this code alone holds back to the allocator now, rather than
 *  at some later garbage collection: a big analysis allocates and drops columns of megabytes in
 *  turn (growth, trims, the merge's working state), and what waits for the collector adds to the
 *  process's peak while the next columns are allocated elsewhere. Detaches each array's buffer
 *  (ArrayBuffer.prototype.transfer, Node ≥ 21; a no-op before): never pass one anything else
 *  still reads, nor a view into a buffer it does not own whole (a pooled Buffer); a work array
 *  (see workArray) is released through the view at its start. */
export function release(...arrays: ArrayBufferView[]): void {
  for (const a of arrays) {
    const buffer = a.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
    if (a.byteOffset !== 0 || buffer.byteLength < RELEASE_MIN_BYTES) continue;
    if (a.byteLength === buffer.byteLength || isSlab(buffer)) buffer.transfer?.(0);
  }
}

/** Smaller arrays are left to the collector: they cost little and come from the allocator's pools. */
const RELEASE_MIN_BYTES = 64 * 1024;

/** A work array's buffer: more than 32 MiB (DEFAULT_MMAP_THRESHOLD_MAX of glibc's malloc on 64-bit).
 *  malloc serves a request that big with a mapping of its own, given back to the system when it is
 *  freed, whatever it did before. Smaller ones, once a few buffers of megabytes have come and gone
 *  (each raises the threshold under which malloc keeps memory in its heaps, and the size the top
 *  of a heap must reach before it is trimmed), come from heaps where freed pages stay resident:
 *  a million-file analysis left well over 100 MB so. Only the pages written are resident, so a
 *  slab costs address space, not memory; an array growing inside one needs no copy. */
const SLAB_BYTES = 32 * 1024 * 1024 + 64 * 1024;
/** Work arrays smaller than this are plain arrays. */
const SLAB_FROM_BYTES = 1024 * 1024;

function isSlab(buffer: ArrayBufferLike): boolean {
  return buffer.byteLength === SLAB_BYTES || (buffer.byteLength > SLAB_BYTES && slabs.has(buffer));
}
/** Work arrays bigger than one slab (their buffer has the array's own size). */
const slabs = new WeakSet<ArrayBufferLike>();

type Column = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;
type ColumnOf<T extends Column> = T extends Uint8Array
  ? Uint8Array<ArrayBuffer>
  : T extends Uint16Array
    ? Uint16Array<ArrayBuffer>
    : T extends Int32Array
      ? Int32Array<ArrayBuffer>
      : T extends Uint32Array
        ? Uint32Array<ArrayBuffer>
        : Float64Array<ArrayBuffer>;
interface ColumnConstructor<T extends Column> {
  new (length: number): T;
  new (buffer: ArrayBuffer, offset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** A zero-filled array for work that grows it, shrinks it or drops it (see SLAB_BYTES): a big one
 *  starts a slab of its own. Release it (release) or copy what stays (exactCopy) when done. */
export function workArray<T extends Column>(Ctor: ColumnConstructor<T>, length: number): T {
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  if (bytes < SLAB_FROM_BYTES) return new Ctor(length);
  const buffer = new ArrayBuffer(Math.max(bytes, SLAB_BYTES));
  if (bytes > SLAB_BYTES) slabs.add(buffer);
  return new Ctor(buffer, 0, length);
}

/** `a` with room for `length` elements, its elements kept (those past its end are 0): in place
 *  when its slab has the room, else a new work array, and `a` is released. */
export function resized<T extends Column>(a: T, length: number): T {
  const Ctor = a.constructor as ColumnConstructor<T>;
  const buffer = a.buffer as ArrayBuffer;
  if (length <= a.length) return a;
  if (a.byteOffset === 0 && isSlab(buffer) && length * Ctor.BYTES_PER_ELEMENT <= buffer.byteLength) return new Ctor(buffer, 0, length);
  const b = workArray(Ctor, length);
  b.set(a);
  release(a);
  return b;
}

/** The first `length` elements of `a` in an array of their own size (what stays once the work
 *  is done); `a` is released. */
export function exactCopy<T extends Column>(a: T, length: number): ColumnOf<T> {
  const Ctor = a.constructor as ColumnConstructor<T>;
  const b = new Ctor(length);
  b.set(a.subarray(0, length) as T);
  release(a);
  return b as unknown as ColumnOf<T>;
}

/** Steps under way that keep the young generation small (see withSmallYoungGeneration). */
let keeping = 0;
let userSetsYoungGeneration: boolean | undefined;

/** Runs `work` (and waits for it when it returns a promise) with this thread's young generation
 *  kept at the size it has; not when the command line sets its size. An analysis keeps a name
 *  for every path and columns for every entry: with V8's default growth the young generation,
 *  which grows while most of what it holds survives, ends at 2 × 64 MiB on a 64-bit machine with
 *  a few GB of memory (Node 24) and stays committed; a million-file image peaked at ~550 MB
 *  instead of ~420 MB. Kept small, what survives is promoted sooner (less copying, not more).
 *  Between such steps the default growth is back: the UI's short-lived garbage costs ~40% more
 *  CPU a key with a young generation this small. V8 reads the growth factor at each collection,
 *  so setting it takes effect at once (the size limits are fixed at start-up). Walk workers have
 *  their own limit. */
export function withSmallYoungGeneration<T>(work: () => T): T {
  userSetsYoungGeneration ??= [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) =>
    /semi[-_]space|young[-_]generation/.test(a),
  );
  if (userSetsYoungGeneration) return work();
  if (keeping++ === 0) setFlagsFromString('--semi-space-growth-factor=1');
  // V8's default (node --v8-options).
  const done = () => {
    if (--keeping === 0) setFlagsFromString('--semi-space-growth-factor=2');
  };
  let result: T;
  try {
    result = work();
  } catch (e) {
    done();
    throw e;
  }
  if (result instanceof Promise) return result.finally(done) as T;
  done();
  return result;
}
