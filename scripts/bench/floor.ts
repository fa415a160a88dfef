// Decompression floors: what reading the layer blobs costs before any analysis.
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createGunzip, createZstdDecompress } from 'node:zlib';

/** `gzip -dc` of every blob, one after the other. */
export function gzipFloor(blobs: string[]): number {
  const t = performance.now();
  for (const blob of blobs) {
    const r = spawnSync('sh', ['-c', `gzip -dc "${blob}" > /dev/null`]);
    if (r.status !== 0) throw new Error(`gzip -dc failed on ${blob}`);
  }
  return performance.now() - t;
}

/** node:zlib over every blob, one after the other, on the main thread. */
export async function sequentialFloor(blobs: string[]): Promise<number> {
  const t = performance.now();
  for (const blob of blobs) {
    const decoder = blob.endsWith('.zst') ? createZstdDecompress({ chunkSize: 256 * 1024 }) : createGunzip({ chunkSize: 256 * 1024 });
    for await (const chunk of createReadStream(blob, { highWaterMark: 1024 * 1024 }).pipe(decoder)) void chunk;
  }
  return performance.now() - t;
}

/** The parallel floor: every blob inflated by a bare zlib loop in worker threads, all cores busy
 *  (one worker per core, each taking the next blob, largest first), nothing else. The cold
 *  analysis is held against this. */
export async function parallelFloor(blobs: string[], sizes: number[], cores = availableParallelism()): Promise<number> {
  const order = blobs.map((b, i) => ({ b, size: sizes[i] ?? 0 })).sort((x, y) => y.size - x.size);
  const workers = Array.from({ length: Math.min(cores, blobs.length) }, () => new Worker(new URL('./floor-worker.js', import.meta.url)));
  // Workers started and loaded before the clock starts: the floor is the inflation, not thread start-up.
  await Promise.all(workers.map((w) => new Promise((r) => w.once('online', r))));
  const t = performance.now();
  let next = 0;
  await Promise.all(
    workers.map(async (w) => {
      for (let job = next++; job < order.length; job = next++) {
        await new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
          w.postMessage(order[job]!.b);
        });
      }
    }),
  );
  const ms = performance.now() - t;
  await Promise.all(workers.map((w) => w.terminate()));
  return ms;
}
