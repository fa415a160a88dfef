// Layers walked in worker threads, one per core: decompression, hashing and tar parsing of
// several layers then run in parallel instead of sharing the main thread (which stays free for
// the UI). A blob that lies in a local file is read by the worker itself (the main thread then
// touches none of its bytes); any other the main thread reads and forwards, a few chunks ahead.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { BlobFile, LayerSummary } from './model.js';
import { LayerChanges, type LayerChangesTransfer } from './changes.js';
import { InputError } from './errors.js';
import { LayerLimitError, type WalkLimits, type WalkOptions } from './walk.js';
import { heapLimitMb, moreHeapHint } from './memory.js';

export type ToWorker =
  | { type: 'start'; limits?: Partial<WalkLimits>; heapLimitMb: number; file?: BlobFile }
  | { type: 'chunk'; data: Uint8Array }
  | { type: 'end' }
  | { type: 'abort' };

type FromWorker =
  | { type: 'ack' }
  | { type: 'progress'; bytes: number }
  | { type: 'done'; summary: Omit<LayerSummary, 'changes'> & { changes: LayerChangesTransfer } }
  | { type: 'fail'; input: boolean; name: string; message: string };

/** Chunks posted but not yet taken by the worker: enough to keep it busy, bounded in memory. */
const IN_FLIGHT = 4;
/** A worker's young generation (MB). V8's default on a big machine lets each walker hold tens of
 *  MB of dead tar-header garbage between scavenges; the walk's garbage is short-lived, so a small
 *  one costs little time and keeps the pool's memory near what the layers themselves need. */
const WORKER_YOUNG_GENERATION_MB = 8;
/** An idle worker is stopped after this long, so its heap goes back to the system (the merge
 *  that follows a walk is the memory peak); the next analysis starts a fresh one (~30 ms). */
const IDLE_MS = 100;

export class WalkPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<(w: Worker) => void> = [];
  private readonly all: Worker[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(readonly size = Math.max(1, availableParallelism())) {}

  /** Walks a blob given as a stream (its bytes forwarded to the worker) or as a local file range
   *  (read by the worker itself). */
  async walk(blob: NodeJS.ReadableStream | AsyncIterable<Buffer> | BlobFile, options: WalkOptions = {}): Promise<LayerSummary> {
    const worker = await this.acquire();
    const job = { finishedByWorker: false };
    // A busy worker keeps the process alive (the main thread may have nothing else pending
    // while the last layer is still being walked); an idle one does not.
    worker.ref();
    try {
      return await this.run(worker, blob, options, job);
    } finally {
      // Reuse a worker only once it has answered for this layer itself: one left mid-layer (the
      // source failed) may still post about it, and must not answer for the next.
      worker.unref();
      if (job.finishedByWorker) this.release(worker);
      else void this.discard(worker);
    }
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.all.splice(0).map((w) => w.terminate()));
    this.idle.length = 0;
  }

  private run(
    worker: Worker,
    blob: NodeJS.ReadableStream | AsyncIterable<Buffer> | BlobFile,
    options: WalkOptions,
    job: { finishedByWorker: boolean },
  ): Promise<LayerSummary> {
    return new Promise<LayerSummary>((resolve, reject) => {
      let inFlight = 0;
      let settled = false;
      let resume: (() => void) | undefined;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resume?.();
        fn();
      };
      const onMessage = (message: FromWorker) => {
        if (message.type === 'ack') {
          inFlight--;
          resume?.();
        } else if (message.type === 'progress') options.onProgress?.(message.bytes);
        else if (message.type === 'done') {
          job.finishedByWorker = true;
          finish(() => resolve({ ...message.summary, changes: LayerChanges.fromWorker(message.summary.changes) }));
        } else {
          job.finishedByWorker = true;
          const error = message.input ? new InputError(message.message) : new Error(message.message);
          error.name = message.name;
          finish(() => reject(error));
        }
      };
      const onError = (e: Error) => finish(() => reject(outOfMemory(e) ?? e));
      // A worker can end without an 'error' (V8 out of memory in its heap): the layer must fail
      // then, not leave its promise pending forever.
      const onExit = (code: number) => finish(() => reject(new Error(`the layer walker stopped (exit code ${code})`)));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      const file = isBlobFile(blob) ? blob : undefined;
      worker.postMessage({
        type: 'start',
        heapLimitMb: heapLimitMb(),
        ...(options.limits ? { limits: options.limits } : {}),
        ...(file ? { file: { path: file.path, offset: file.offset, size: file.size } } : {}),
      } satisfies ToWorker);
      if (file) return;
      void (async () => {
        let read = 0;
        try {
          for await (const raw of blob as AsyncIterable<Buffer>) {
            if (settled) break;
            // Transfer the bytes when the chunk owns its whole buffer; copy otherwise.
            const owns = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
            const data = owns ? new Uint8Array(raw.buffer, 0, raw.byteLength) : new Uint8Array(raw);
            read += data.byteLength;
            inFlight++;
            worker.postMessage({ type: 'chunk', data } satisfies ToWorker, [data.buffer as ArrayBuffer]);
            options.onProgress?.(read);
            while (inFlight >= IN_FLIGHT && !settled) await new Promise<void>((r) => (resume = r));
            resume = undefined;
          }
          if (!settled) worker.postMessage({ type: 'end' } satisfies ToWorker);
        } catch (e) {
          worker.postMessage({ type: 'abort' } satisfies ToWorker);
          finish(() => reject(e));
        }
      })();
    });
  }

  private async acquire(): Promise<Worker> {
    const free = this.idle.pop();
    if (free) return free;
    if (this.all.length < this.size) {
      const worker = new Worker(new URL('./walkWorker.js', import.meta.url), {
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
      // Idle workers must not keep the process alive.
      worker.unref();
      this.all.push(worker);
      return worker;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else {
      this.idle.push(worker);
      this.scheduleIdleStop();
    }
  }

  /** Stops the idle workers now (an analysis that has read its last layer: its merge comes next). */
  stopIdle(): void {
    for (const worker of this.idle.splice(0)) {
      this.all.splice(this.all.indexOf(worker), 1);
      void worker.terminate();
    }
  }

  /** Stops the workers still idle IDLE_MS from now. */
  private scheduleIdleStop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.stopIdle();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private async discard(worker: Worker): Promise<void> {
    this.all.splice(this.all.indexOf(worker), 1);
    await worker.terminate();
    // Someone may be waiting for a worker: start a fresh one for them.
    const next = this.waiting.shift();
    if (next) next(await this.acquire());
  }
}

function isBlobFile(blob: unknown): blob is BlobFile {
  const b = blob as Partial<BlobFile>;
  return typeof b.path === 'string' && typeof b.offset === 'number' && typeof b.size === 'number';
}

/** A worker that filled its heap is the same case as the walk's own heap guard (which may not get
 *  the chance to see it coming): the same message, saying how to give it more. */
function outOfMemory(e: Error): LayerLimitError | undefined {
  if ((e as NodeJS.ErrnoException).code !== 'ERR_WORKER_OUT_OF_MEMORY') return undefined;
  const limit = heapLimitMb();
  return new LayerLimitError(
    `needs more memory than this process may use (a ${limit} MiB heap); run with ${moreHeapHint(limit)} to analyse it`,
  );
}
