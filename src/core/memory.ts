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
