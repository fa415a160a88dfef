// The parallel floor's worker: inflates whole layer blobs with a bare zlib loop (read, gunzip or
// unzstd, drop the bytes), nothing else, and says how long each took. One blob at a time.
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { createGunzip, createZstdDecompress } from 'node:zlib';

if (!parentPort) throw new Error('floor-worker runs as a worker thread');
const port = parentPort;

port.on('message', async (blob: string) => {
  const decoder = blob.endsWith('.zst') ? createZstdDecompress({ chunkSize: 256 * 1024 }) : createGunzip({ chunkSize: 256 * 1024 });
  let bytes = 0;
  for await (const chunk of createReadStream(blob, { highWaterMark: 1024 * 1024 }).pipe(decoder)) bytes += (chunk as Buffer).length;
  port.postMessage({ blob, bytes });
});
