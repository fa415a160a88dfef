import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { packTar, zstdRawFrame, gnuLongNameFile, rawHeader, TAR_END } from '../helpers/tar.js';
import { walkBuffer } from '../helpers/core.js';
import { InputError } from '../../src/core/errors.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('plain, gzip and zstd layers give the same summary and the diffID of the tar', async () => {
  const tarBuf = await packTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/hosts', content: 'x'.repeat(1000) },
  ]);
  const plain = await walkBuffer(tarBuf);
  const gz = await walkBuffer(gzipSync(tarBuf));
  const zst = await walkBuffer(zstdRawFrame(tarBuf));
  assert.equal(plain.compression, 'none');
  assert.equal(gz.compression, 'gzip');
  assert.equal(zst.compression, 'zstd');
  for (const s of [plain, gz, zst]) {
    assert.equal(s.diffId, sha(tarBuf));
    assert.equal(s.tarBytes, tarBuf.length);
    assert.equal(s.sizeBytes, 1000);
    assert.deepEqual(
      [...s.changes].map((c) => (c.op === 'entry' ? `${c.entry.type}:${c.entry.path}:${c.entry.size}` : c.op)),
      ['dir:etc:0', 'file:etc/hosts:1000'],
    );
  }
  assert.equal(plain.blobBytes, tarBuf.length);
  assert.equal(gz.blobBytes, gzipSync(tarBuf).length);
});

test('names: ./ and / prefixes stripped, trailing slash dropped, .. resolved, climbs cleaned onto the root as the engine does', async () => {
  const s = await walkBuffer(
    await packTar([
      { name: './usr/', type: 'directory' },
      { name: '/usr/bin/a', content: 'a' },
      { name: 'usr/./lib/../bin/b', content: 'bb' },
      { name: '../../etc/passwd', content: 'evil' },
      { name: 'a/../../b', content: 'evil2' },
    ]),
  );
  const paths = [...s.changes].map((c) => (c.op === 'entry' ? c.entry.path : '?'));
  assert.deepEqual(paths, ['usr', 'usr/bin/a', 'usr/bin/b', 'etc/passwd', 'b']);
  assert.deepEqual(s.warnings, [
    {
      kind: 'nameClimbsRoot',
      path: '/etc/passwd',
      message: 'entry "../../etc/passwd" climbs above the layer root; the engine unpacks it at /etc/passwd, and so does this',
    },
    {
      kind: 'nameClimbsRoot',
      path: '/b',
      message: 'entry "a/../../b" climbs above the layer root; the engine unpacks it at /b, and so does this',
    },
  ]);
  assert.equal(s.sizeBytes, 1 + 2 + 4 + 5);
});

test('PAX long names and GNU long names are read in full', async () => {
  const longName = `deep/${'d'.repeat(120)}/${'f'.repeat(150)}.txt`;
  const pax = await walkBuffer(await packTar([{ name: longName, content: 'pax' }]));
  assert.deepEqual(
    [...pax.changes].map((c) => c.op === 'entry' && c.entry.path),
    [longName],
  );
  const gnuName = `gnu/${'g'.repeat(200)}`;
  const gnu = await walkBuffer(Buffer.concat([gnuLongNameFile(gnuName, Buffer.from('hello')), TAR_END]));
  assert.deepEqual(
    [...gnu.changes].map((c) => c.op === 'entry' && `${c.entry.path}:${c.entry.size}`),
    [`${gnuName}:5`],
  );
});

test('non-UTF-8 name bytes are kept one to one (U+DC00+byte); UTF-8 names decoded', async () => {
  const bad = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('.txt')]).toString('latin1');
  const s = await walkBuffer(
    Buffer.concat([rawHeader({ name: bad, size: 0 }), rawHeader({ name: Buffer.from('naïve').toString('latin1'), size: 0 }), TAR_END]),
  );
  assert.deepEqual(
    [...s.changes].map((c) => c.op === 'entry' && c.entry.path),
    ['caf\udce9.txt', 'naïve'],
  );
});

test('symlinks, hard links, devices and fifos are typed; hard links share the earlier copy', async () => {
  const s = await walkBuffer(
    await packTar([
      { name: 'bin/busybox', content: 300, mode: 0o755 },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
      { name: 'bin/ash', type: 'link', linkname: 'bin/busybox' },
      { name: 'bin/ash2', type: 'link', linkname: 'bin/ash' },
      { name: 'dev/null', type: 'character-device' },
      { name: 'dev/sda', type: 'block-device' },
      { name: 'run/pipe', type: 'fifo' },
    ]),
  );
  const entries = [...s.changes].map((c) => (c.op === 'entry' ? c.entry : undefined));
  assert.equal(entries[0]!.mode, 0o755);
  assert.deepEqual(
    entries.map((e) => e && `${e.type}:${e.size}:${e.linkTarget ?? ''}:${e.linkedContent ?? ''}:${e.device ?? ''}`),
    [
      'file:300:::',
      'symlink:0:busybox::',
      'hardlink:0:bin/busybox:0:',
      'hardlink:0:bin/ash:0:',
      'other:0:::char',
      'other:0:::block',
      'other:0:::fifo',
    ],
  );
  assert.equal(s.sizeBytes, 300);
  assert.deepEqual(s.warnings, []);
  await assert.rejects(
    walkBuffer(
      await packTar([
        { name: 'bin/a', content: 1 },
        { name: 'bin/orphan', type: 'link', linkname: 'bin/missing' },
      ]),
    ),
    {
      name: 'LayerRefusedError',
      message: 'the engine refuses this layer: hard link /bin/orphan → "bin/missing": the target is not an earlier entry of the same layer',
    },
  );
});

test('whiteouts: .wh.NAME, opaque markers, aufs bookkeeping skipped, bare .wh. warned', async () => {
  const s = await walkBuffer(
    await packTar([
      { name: 'etc/.wh.motd', content: '' },
      { name: 'var/cache/.wh..wh..opq', content: '' },
      { name: '.wh..wh.plnk', type: 'directory' },
      { name: '.wh..wh.plnk/123.456', content: '' },
      { name: 'tmp/.wh.', content: '' },
      { name: '.wh.opt', content: '' },
    ]),
  );
  assert.deepEqual(
    [...s.changes],
    [
      { op: 'whiteout', path: 'etc/motd' },
      { op: 'opaque', path: 'var/cache' },
      { op: 'whiteout', path: 'opt' },
    ],
  );
  assert.deepEqual(s.warnings, [{ kind: 'whiteoutNoName', path: '/tmp/.wh.', message: 'ignored whiteout with no name: /tmp/.wh.' }]);
});

test('bad input: truncated layer, non-tar bytes, truncated gzip, corrupt zstd', async () => {
  const full = await packTar([{ name: 'big', content: 10_000 }]);
  await assert.rejects(walkBuffer(full.subarray(0, 3000)), (e: unknown) => e instanceof InputError && /truncated layer/.test(e.message));
  await assert.rejects(
    walkBuffer(Buffer.from('this is not a tar file at all, just some text'.repeat(20))),
    (e: unknown) => e instanceof InputError && /not a valid tar layer/.test(e.message),
  );
  const gz = gzipSync(full);
  await assert.rejects(walkBuffer(gz.subarray(0, gz.length - 20)), (e: unknown) => e instanceof InputError && /gzip/.test(e.message));
  const zst = zstdRawFrame(full);
  await assert.rejects(walkBuffer(zst.subarray(0, 2000)), (e: unknown) => e instanceof InputError && /zstd|truncated/.test(e.message));
});

test('an empty layer (two zero blocks) is a valid layer with no changes', async () => {
  const s = await walkBuffer(TAR_END);
  assert.deepEqual([...s.changes], []);
  assert.equal(s.sizeBytes, 0);
  assert.equal(s.diffId, sha(TAR_END));
});
