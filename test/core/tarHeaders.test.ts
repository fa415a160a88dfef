// The hot-path tar header reader against tar-stream (the reference): same headers, in the
// same order, for random archives fed in random chunk sizes; and the formats tar-stream's
// packer does not write (GNU long names, base-256 sizes, v7 directories), by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import tar from 'tar-stream';
import { TarHeaderReader, TarFormatError, type TarHeader } from '../../src/core/tarHeaders.js';
import { packTar, gnuLongNameFile, rawHeader, TAR_END, type TarSpec } from '../helpers/tar.js';

type Seen = Pick<TarHeader, 'name' | 'linkname' | 'typeflag' | 'size' | 'mode' | 'uid' | 'gid' | 'mtime'>;

const TYPEFLAG: Record<string, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

function readOurs(archive: Buffer, cuts: number[]): Seen[] {
  const out: Seen[] = [];
  const reader = new TarHeaderReader((h) => {
    const name = Buffer.from(h.name, 'latin1').toString('utf8');
    const linkname = Buffer.from(h.linkname, 'latin1').toString('utf8');
    out.push({ name, linkname, typeflag: h.typeflag, size: h.size, mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime });
  });
  let at = 0;
  for (const cut of [...cuts.filter((c) => c < archive.length)].sort((a, b) => a - b).concat(archive.length)) {
    reader.push(archive.subarray(at, cut));
    at = cut;
  }
  reader.end();
  return out;
}

async function readReference(archive: Buffer): Promise<Seen[]> {
  const out: Seen[] = [];
  const extract = tar.extract();
  Readable.from([archive]).pipe(extract);
  for await (const entry of extract) {
    const h = entry.header;
    out.push({
      name: h.name,
      linkname: h.linkname ?? '',
      typeflag: TYPEFLAG[h.type]!,
      size: h.type === 'file' ? h.size : 0,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      mtime: Math.floor(h.mtime.getTime() / 1000),
    });
    entry.resume();
  }
  return out;
}

const segment = fc.stringMatching(/^[a-zA-Z0-9._é日-]{1,40}$/);
const nameArb = fc.array(segment, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('/'));
const specArb: fc.Arbitrary<TarSpec> = fc.oneof(
  fc.record({
    name: nameArb,
    content: fc.integer({ min: 0, max: 3000 }),
    mode: fc.integer({ min: 0, max: 0o7777 }),
    uid: fc.integer({ min: 0, max: 65535 }),
  }),
  fc.record({ name: nameArb }).map((r) => ({ ...r, type: 'directory' as const })),
  fc.record({ name: nameArb, linkname: nameArb }).map((r) => ({ ...r, type: 'symlink' as const })),
  fc.record({ name: nameArb, linkname: nameArb }).map((r) => ({ ...r, type: 'link' as const })),
  fc.record({ name: nameArb }).map((r) => ({ ...r, type: 'fifo' as const })),
);

test('same headers as tar-stream for random archives in random chunks (ustar, PAX, prefixes)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(specArb, { maxLength: 12 }), fc.array(fc.nat(40_000), { maxLength: 12 }), async (specs, cuts) => {
      const archive = await packTar(specs);
      const expected = await readReference(archive);
      assert.deepEqual(readOurs(archive, cuts), expected);
    }),
    { numRuns: 300, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
  );
});

test('GNU long names, base-256 sizes, v7 trailing-slash directories, signed checksums', () => {
  const long = `${'x/'.repeat(80)}end`;
  const gnu = readOurs(Buffer.concat([gnuLongNameFile(long, Buffer.from('abc')), TAR_END]), [1, 600, 700]);
  assert.deepEqual(
    gnu.map((h) => [h.name, h.size]),
    [[long, 3]],
  );

  const big = rawHeader({ name: 'big', size: 0 });
  // 8 GiB in base-256: 0x80 then big-endian bytes in the 12-byte size field.
  big.fill(0, 124, 136);
  big[124] = 0x80;
  big.writeUIntBE(8 * 1024 ** 3, 130, 6);
  fixChecksum(big);
  const seen: number[] = [];
  const r = new TarHeaderReader((h) => {
    seen.push(h.size);
  });
  r.push(big);
  assert.deepEqual(seen, [8 * 1024 ** 3]);

  const v7 = rawHeader({ name: 'olddir/', size: 0, typeflag: '\0', magic: 'ustar' });
  v7.fill(0, 257, 265);
  fixChecksum(v7);
  assert.deepEqual(
    readOurs(Buffer.concat([v7, TAR_END]), []).map((h) => h.typeflag),
    ['5'],
  );
});

test('corrupt checksum, truncated header and truncated content are errors', () => {
  const good = rawHeader({ name: 'f', size: 10 });
  const bad = Buffer.from(good);
  bad[0] = 0x67;
  assert.throws(() => new TarHeaderReader(() => undefined).push(bad), TarFormatError);
  const short = new TarHeaderReader(() => undefined);
  short.push(good.subarray(0, 300));
  assert.throws(() => short.end(), /Unexpected end of data/);
  const cut = new TarHeaderReader(() => undefined);
  cut.push(Buffer.concat([good, Buffer.alloc(5)]));
  assert.throws(() => cut.end(), /Unexpected end of data/);
});

function fixChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
}
