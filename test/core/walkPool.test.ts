// Walking in worker threads gives exactly what walking in this thread gives: summaries, errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { WalkPool } from '../../src/core/walkPool.js';
import { walkLayer } from '../../src/core/walk.js';
import { InputError } from '../../src/core/errors.js';
import { packTar, zstdRawFrame } from '../helpers/tar.js';

const pool = new WalkPool(2);
after(() => pool.close());

/** A stream of `buf` in chunks of `size` (so several messages cross to the worker). */
const chunked = (buf: Buffer, size = 4096) =>
  Readable.from(Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size)));

test('summaries from the pool equal the in-thread walk (plain, gzip, zstd), in parallel', async () => {
  const tar = await packTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 3000 },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: 'bin/busybox', content: 70_000, mode: 0o755 },
    { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' },
    { name: 'tmp/.wh.junk', content: '' },
    { name: 'var/.wh..wh..opq', content: '' },
  ]);
  const blobs = [tar, gzipSync(tar), zstdRawFrame(tar)];
  const pooled = await Promise.all(blobs.map((b) => pool.walk(chunked(b))));
  for (const [i, blob] of blobs.entries()) {
    const direct = await walkLayer(Readable.from([blob]));
    const got = pooled[i]!;
    assert.equal(got.diffId, direct.diffId);
    assert.equal(got.compression, direct.compression);
    assert.equal(got.sizeBytes, 73_000);
    assert.equal(got.tarBytes, direct.tarBytes);
    assert.equal(got.blobBytes, blob.length);
    assert.deepEqual([...got.changes], [...direct.changes]);
    assert.equal(got.changes.linkedContent(4), 3);
  }
});

test('bad layers fail with the same InputError text; the pool keeps working after', async () => {
  const full = await packTar([{ name: 'big', content: 20_000 }]);
  const truncated = full.subarray(0, 9000);
  const direct = await walkLayer(Readable.from([truncated])).catch((e: unknown) => e);
  const pooled = await pool.walk(chunked(truncated)).catch((e: unknown) => e);
  assert.ok(pooled instanceof InputError);
  assert.equal((pooled as Error).message, (direct as Error).message);
  const notTar = await pool.walk(chunked(Buffer.from('plain text, not a tar\n'.repeat(100)))).catch((e: unknown) => e);
  assert.ok(notTar instanceof InputError);
  assert.match((notTar as Error).message, /not a valid tar layer/);
  const ok = await pool.walk(chunked(full));
  assert.equal(ok.sizeBytes, 20_000);
});

test('a source that fails mid-layer rejects with its error, and the pool recovers', async () => {
  const full = gzipSync(await packTar([{ name: 'f', content: 50_000 }]));
  async function* failing() {
    yield full.subarray(0, 100);
    throw new Error('connection reset by peer');
  }
  await assert.rejects(pool.walk(failing()), /connection reset by peer/);
  const again = await pool.walk(chunked(full));
  assert.equal(again.sizeBytes, 50_000);
});

test('a source failing with an InputError mid-layer does not leak its abort into the next layer', async () => {
  const single = new WalkPool(1);
  try {
    const full = gzipSync(await packTar([{ name: 'f', content: 80_000 }]));
    async function* digestMismatch() {
      yield full.subarray(0, 200);
      throw new InputError('blob sha256:00 does not match its digest');
    }
    await assert.rejects(single.walk(digestMismatch()), /does not match its digest/);
    // The same (only) slot walks the next layer: it must be a clean worker.
    const next = await single.walk(chunked(full, 1000));
    assert.equal(next.sizeBytes, 80_000);
  } finally {
    await single.close();
  }
});

test('names cross from the worker byte for byte: UTF-8, escaped non-UTF-8 bytes, newlines, long names', async () => {
  const names = ['café/naïve.txt', 'emoji/😀.png', 'bad/\u00ff\u00fe', 'line\nbreak', `deep/${'x'.repeat(300)}`, '日本/語'];
  const tar = await packTar(names.map((name) => ({ name, content: 7 })));
  const direct = await walkLayer(Readable.from([tar]));
  const pooled = await pool.walk(chunked(tar, 512));
  const paths = (s: typeof direct) => Array.from({ length: s.changes.length }, (_, i) => s.changes.path(i));
  assert.deepEqual(paths(pooled), paths(direct));
  assert.equal(pooled.changes.length, names.length);
  assert.equal(pooled.changes.path(1), 'emoji/😀.png');
  assert.equal(pooled.changes.path(3), 'line\nbreak');
});
