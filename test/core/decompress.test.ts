// zstd layers are decoded by node:zlib (native since Node 22.15). The fixture was compressed by
// the zstd command-line tool (level 19, real compressed blocks, not raw ones): an independent
// encoder. Its tar hashes to the diffID below (sha256sum of the uncompressed tar).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectCompression } from '../../src/core/decompress.js';
import { walkBuffer } from '../helpers/core.js';
import { repoRoot } from '../helpers/cli.js';

const FIXTURE = join(repoRoot, 'test', 'fixtures', 'zstd', 'layer.tar.zst');
const DIFF_ID = 'sha256:7bdad0ac9b9ae4d6e5885ec200c570065c674d43a027cd0ad98d5aacd20cece1';

test('a zstd layer made by the zstd tool: native decoder, the diffID of its tar, every entry', async () => {
  const blob = readFileSync(FIXTURE);
  assert.equal(detectCompression(blob), 'zstd');
  const s = await walkBuffer(blob);
  assert.equal(s.compression, 'zstd');
  assert.equal(s.diffId, DIFF_ID);
  assert.equal(s.tarBytes, 317_440);
  assert.equal(s.blobBytes, 225_108);
  assert.equal(s.sizeBytes, 11 + 108_894 + 200_000);
  assert.deepEqual(
    [...s.changes].map((c) => (c.op === 'entry' ? `${c.entry.type}:${c.entry.path}:${c.entry.size}` : c.op)),
    ['dir:etc:0', 'file:etc/motd:11', 'file:etc/numbers:108894', 'dir:usr:0', 'dir:usr/bin:0', 'file:usr/bin/tool:200000'],
  );
});

test('a zstd layer cut short: one clear error naming the codec', async () => {
  const blob = readFileSync(FIXTURE);
  await assert.rejects(walkBuffer(blob.subarray(0, 100_000)), /^InputError: corrupt or truncated zstd data \(unexpected end of file\)$/);
});
