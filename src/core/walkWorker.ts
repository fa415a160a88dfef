// A worker thread that walks layers: it reads a blob that lies in a local file itself, or the
// main thread forwards a layer's blob bytes as they are read; this thread decompresses, hashes and parses them (walk.ts), and posts the summary back
// with its columns transferred, not copied. One layer at a time per worker.
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { BlobFile } from './model.js';
import { walkLayer, type WalkLimits } from './walk.js';
import { LayerChanges } from './changes.js';
import { InputError } from './errors.js';
import type { ToWorker } from './walkPool.js';
import { reportHeapLimitAs } from './memory.js';

if (!parentPort) throw new Error('walkWorker.ts runs as a worker thread');
const port = parentPort;

/** The current job's blob chunks, consumed by walkLayer as an async iterable. */
class ChunkQueue implements AsyncIterable<Buffer> {
  private chunks: Buffer[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.wake?.();
  }

  end(failure?: Error): void {
    this.ended = true;
    this.failure = failure;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const next = this.chunks.shift();
      if (next) {
        // Consumed: the main thread may send another.
        port.postMessage({ type: 'ack' });
        yield next;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

let queue: ChunkQueue | undefined;

port.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    reportHeapLimitAs(message.heapLimitMb);
    if (message.file) {
      queue = undefined;
      void run(fileChunks(message.file), message.limits);
      return;
    }
    const q = new ChunkQueue();
    queue = q;
    void run(q, message.limits);
  } else if (message.type === 'chunk') queue?.push(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
  else if (message.type === 'end') queue?.end();
  else if (message.type === 'abort') queue?.end(new Error('aborted'));
});

/** Bytes read between two progress messages. */
const PROGRESS_BYTES = 4 * 1024 * 1024;

/** A blob's bytes read straight from its file range, progress posted every few MB. */
async function* fileChunks(file: BlobFile): AsyncGenerator<Buffer> {
  if (file.size === 0) return;
  const stream = createReadStream(file.path, { start: file.offset, end: file.offset + file.size - 1, highWaterMark: 1024 * 1024 });
  let read = 0;
  let reported = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (read - reported >= PROGRESS_BYTES) {
        reported = read;
        port.postMessage({ type: 'progress', bytes: read });
      }
      yield chunk;
    }
  } finally {
    stream.destroy();
  }
  // A file shorter than the range it was said to hold is a truncated blob, as a short stream is.
  if (read < file.size) throw new Error(`unexpected end of data: the blob file ends after ${read} of ${file.size} bytes`);
  port.postMessage({ type: 'progress', bytes: read });
}

async function run(q: AsyncIterable<Buffer>, limits: Partial<WalkLimits> | undefined): Promise<void> {
  try {
    const summary = await walkLayer(q, limits ? { limits } : {});
    const changes = summary.changes.toTransfer();
    port.postMessage({ type: 'done', summary: { ...summary, changes } }, LayerChanges.transferList(changes));
  } catch (e) {
    const input = e instanceof InputError;
    port.postMessage({
      type: 'fail',
      input,
      name: e instanceof Error ? e.name : 'Error',
      message: e instanceof Error ? e.message : String(e),
    });
  }
}
