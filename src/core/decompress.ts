// Layer blobs arrive gzip-, zstd- or un-compressed; the media type is not trusted (images in the
// wild mislabel layers), the first bytes are.
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { Decompress as ZstdDecompress } from 'fzstd';
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
export async function* decompress(
  source: AsyncIterable<Buffer | Uint8Array>,
  onDetect: (c: Compression) => void,
): AsyncGenerator<Buffer> {
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

async function* gunzip(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const input = Readable.from(chunks, { objectMode: false });
  const inflater = createGunzip({ chunkSize: 256 * 1024 });
  input.on('error', (e) => inflater.destroy(e));
  input.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (e) {
    throw wrapCodecError('gzip', e);
  } finally {
    input.destroy();
  }
}

async function* unzstd(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let out: Buffer[] = [];
  // fzstd hands out views of its window buffer, which it reuses: copy before yielding.
  const decoder = new ZstdDecompress((data) => {
    out.push(Buffer.from(data));
  });
  try {
    for await (const chunk of chunks) {
      decoder.push(chunk);
      if (out.length > 0) {
        const ready = out;
        out = [];
        yield* ready;
      }
    }
    decoder.push(new Uint8Array(0), true);
  } catch (e) {
    throw wrapCodecError('zstd', e);
  }
  yield* out;
}

function wrapCodecError(codec: string, e: unknown): Error {
  if (e instanceof InputError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new InputError(`corrupt or truncated ${codec} data (${msg})`, { cause: e });
}
