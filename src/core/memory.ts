// A guard against running out of heap: V8 aborts the whole process (no message a user can act
// on, no cleanup) when the heap is full, so the steps that grow with the image — the walk (names
// of every entry) and the merge — check now and then and stop with an InputError well before.
import { getHeapStatistics } from 'node:v8';

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
 *  still reads, nor a view into a buffer it does not span (a pooled Buffer). */
export function release(...arrays: ArrayBufferView[]): void {
  for (const a of arrays) {
    const buffer = a.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
    if (buffer.byteLength >= RELEASE_MIN_BYTES && a.byteOffset === 0 && a.byteLength === buffer.byteLength) buffer.transfer?.(0);
  }
}

/** Smaller arrays are left to the collector: they cost little and come from the allocator's pools. */
const RELEASE_MIN_BYTES = 64 * 1024;
