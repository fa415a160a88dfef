// Layer blobs arrive gzip-, zstd- or un-compressed; the media type is not trusted (images in the
// wild mislabel layers), the first bytes are.
import { constants, createGunzip, createZstdDecompress } from 'node:zlib';
import { Readable } from 'node:stream';
import type { Compression } from './model.js';
import { InputError } from './errors.js';

export function detectCompression(head: Uint8Array): Compression | 'bzip2' | 'xz' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58) return 'xz';
  return 'none';
}

/** Yields the uncompressed bytes of `source`, calling `onDetect` once the format is known. */
export async function* decompress(source: AsyncIterable<Buffer | Uint8Array>, onDetect: (c: Compression) => void): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 4) {
    const r = await it.next();
    if (r.done) break;
    head = head.length === 0 ? Buffer.from(r.value) : Buffer.concat([head, r.value]);
  }
  const kind = detectCompression(head);
  if (kind === 'bzip2' || kind === 'xz') {
    throw new InputError(`layer is ${kind}-compressed, which container images do not use (expected gzip, zstd or plain tar)`);
  }
  onDetect(kind);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    }
  }
  if (kind === 'none') yield* rest();
  else if (kind === 'gzip') yield* gunzip(rest());
  else yield* unzstd(rest());
}

/** zstd's own default decoder limit: a frame asking for a larger window is refused, not
 *  allocated (a tiny layer could otherwise claim gigabytes). */
export const ZSTD_WINDOW_LOG_MAX = 27;

async function* gunzip(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield* inflate('gzip', chunks, createGunzip({ chunkSize: 256 * 1024 }));
}

async function* unzstd(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const decoder = createZstdDecompress({
    chunkSize: 256 * 1024,
    params: { [constants.ZSTD_d_windowLogMax]: ZSTD_WINDOW_LOG_MAX },
  });
  yield* inflate('zstd', chunks, decoder);
}

async function* inflate(
  codec: string,
  chunks: AsyncGenerator<Buffer>,
  inflater: NodeJS.ReadWriteStream & AsyncIterable<Buffer> & { destroy(e?: Error): void },
): AsyncGenerator<Buffer> {
  const input = Readable.from(chunks, { objectMode: false });
  input.on('error', (e) => inflater.destroy(e));
  input.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (e) {
    throw wrapCodecError(codec, e);
  } finally {
    input.destroy();
  }
}

function wrapCodecError(codec: string, e: unknown): Error {
  if (e instanceof InputError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (codec === 'zstd' && /too much memory/i.test(msg)) {
    return new InputError(
      `the zstd frame needs a window larger than ${2 ** (ZSTD_WINDOW_LOG_MAX - 20)} MiB (the decoder's limit, zstd's own default); refused rather than allocated`,
      { cause: e },
    );
  }
  return new InputError(`corrupt or truncated ${codec} data (${msg})`, { cause: e });
}
