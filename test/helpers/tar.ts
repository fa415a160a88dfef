// Builds tar archives in memory for tests, with tar-stream's packer (the same format engines write).
import tar from 'tar-stream';
import { gzipSync } from 'node:zlib';

export interface TarSpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  /** File content; a number means that many bytes of 'x'. */
  content?: string | Buffer | number;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  /** Extra PAX headers (forces a PAX entry). */
  pax?: Record<string, string>;
}

export function contentOf(spec: TarSpec): Buffer {
  const c = spec.content;
  if (c === undefined) return Buffer.alloc(0);
  if (typeof c === 'number') return Buffer.alloc(c, 'x');
  return typeof c === 'string' ? Buffer.from(c) : c;
}

/** Packs entries (in the given order) into an uncompressed tar. */
export async function packTar(specs: TarSpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const spec of specs) {
    const type = spec.type ?? 'file';
    const body = type === 'file' ? contentOf(spec) : undefined;
    const header = {
      name: spec.name,
      type,
      mode: spec.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: spec.uid ?? 0,
      gid: spec.gid ?? 0,
      mtime: spec.mtime ?? new Date(1_700_000_000_000),
      ...(spec.linkname !== undefined ? { linkname: spec.linkname } : {}),
      ...(spec.pax ? { pax: spec.pax } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) pack.entry(header as tar.Header, body, cb);
      else pack.entry(header as tar.Header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function packTarGz(specs: TarSpec[]): Promise<Buffer> {
  return gzipSync(await packTar(specs));
}

/** A valid zstd frame holding `data` in raw (stored) blocks: lets tests exercise zstd
 *  detection and decoding without a zstd compressor. */
export function zstdRawFrame(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(0xfd2fb528);
  parts.push(magic);
  // Frame header descriptor: no content size, no checksum, no dict, not single-segment.
  // Window descriptor: exponent 10 → 1 MiB windows (128 KiB blocks fit).
  parts.push(Buffer.from([0x00, 0x50]));
  const maxBlock = 128 * 1024;
  let offset = 0;
  do {
    const chunk = data.subarray(offset, offset + maxBlock);
    offset += chunk.length;
    const last = offset >= data.length ? 1 : 0;
    const header = (chunk.length << 3) | (0 << 1) | last; // Raw_Block
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), chunk);
  } while (offset < data.length);
  return Buffer.concat(parts);
}

/** One raw 512-byte ustar/GNU header, for formats tar-stream's packer does not write
 *  (GNU long names) and for deliberately broken headers. */
export function rawHeader(fields: {
  name: string;
  size?: number;
  typeflag?: string;
  linkname?: string;
  mode?: number;
  magic?: 'ustar' | 'gnu';
}): Buffer {
  const b = Buffer.alloc(512);
  b.write(fields.name.slice(0, 100), 0, 'latin1');
  b.write(`${(fields.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  b.write(`${(fields.size ?? 0).toString(8).padStart(11, '0')}\0`, 124);
  b.write('14544600000\0', 136);
  b.write('        ', 148);
  b.write(fields.typeflag ?? '0', 156);
  if (fields.linkname) b.write(fields.linkname.slice(0, 100), 157, 'latin1');
  if ((fields.magic ?? 'gnu') === 'gnu') b.write('ustar  \0', 257, 'latin1');
  else b.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return b;
}

function padBlock(data: Buffer): Buffer {
  const rem = data.length % 512;
  return rem === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rem)]);
}

/** A GNU-format entry with a long name ('L' record), as GNU tar writes it. */
export function gnuLongNameFile(name: string, content: Buffer): Buffer {
  const nameBytes = Buffer.concat([Buffer.from(name, 'latin1'), Buffer.alloc(1)]);
  return Buffer.concat([
    rawHeader({ name: '././@LongLink', size: nameBytes.length, typeflag: 'L' }),
    padBlock(nameBytes),
    rawHeader({ name: name.slice(0, 99), size: content.length, typeflag: '0' }),
    padBlock(content),
  ]);
}

/** Two zero blocks: the end-of-archive marker. */
export const TAR_END = Buffer.alloc(1024);
