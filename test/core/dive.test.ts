// dive-compatible metrics: every expected value below is worked out by hand from dive's algorithm
// (dive/filetree/efficiency.go, dive/image/analysis.go), stated as an exact fraction where useful.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diveMetrics } from '../../src/core/dive.js';
import type { LayerChange, LayerSummary } from '../../src/core/model.js';
import { LayerChanges } from '../../src/core/changes.js';
import { summariseLayers } from '../helpers/core.js';

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 0 };
const file = (path: string, size: number): LayerChange => ({ op: 'entry', entry: { path, type: 'file', size, ...meta } });
const dir = (path: string): LayerChange => ({ op: 'entry', entry: { path, type: 'dir', size: 0, ...meta, mode: 0o755 } });
const hardlink = (path: string, target: string): LayerChange => ({
  op: 'entry',
  entry: { path, type: 'hardlink', size: 0, ...meta, linkTarget: target },
});
const symlink = (path: string, target: string): LayerChange => ({
  op: 'entry',
  entry: { path, type: 'symlink', size: 0, ...meta, linkTarget: target },
});
const whiteout = (path: string): LayerChange => ({ op: 'whiteout', path });
const opaque = (path: string): LayerChange => ({ op: 'opaque', path });

/** A LayerSummary as the walker gives it: sizeBytes = every regular-file entry's size. */
function layer(...changes: LayerChange[]): LayerSummary {
  const sizeBytes = changes.reduce((sum, c) => sum + (c.op === 'entry' && c.entry.type === 'file' ? c.entry.size : 0), 0);
  return {
    diffId: 'sha256:test',
    compression: 'none',
    blobBytes: 0,
    tarBytes: 0,
    sizeBytes,
    changes: LayerChanges.from(changes),
    warnings: [],
  };
}

test("dive's own TestEfficiency: implied directories, whiteout of one of them sized 0 → 0.75", () => {
  // Same trees as dive/filetree/efficiency_test.go. /etc and /etc/nginx are never listed, so they
  // are implicit nodes (FileInfo{}: not IsDir) and the whiteout of /etc/nginx counts 0 bytes.
  const m = diveMetrics([
    layer(file('etc/nginx/nginx.conf', 2000), file('etc/nginx/public', 3000)),
    layer(file('etc/nginx/nginx.conf', 5000), file('etc/athing', 10000)),
    layer(whiteout('etc/nginx')),
  ]);
  // min: 2000 + 3000 + 10000 + 0 = 15000; cumulative: 7000 + 3000 + 10000 + 0 = 20000
  assert.equal(m.efficiency, 15000 / 20000);
  assert.equal(m.efficiency, 0.75);
  assert.deepEqual(m.inefficiencies, [{ path: '/etc/nginx/nginx.conf', cumulativeSize: 7000, count: 2 }]);
  assert.equal(m.wastedBytes, 7000);
  assert.equal(m.sizeBytes, 20000);
  assert.equal(m.userSizeBytes, 15000);
  assert.equal(m.userWastedPercent, 7000 / 15000);
});

test('directory deleted via whiteout: sized by the subtree it deletes in the stacked tree (23/28)', () => {
  // As docker writes layers: parent directories listed. Stacked L0+L1, /etc/nginx is a directory
  // holding nginx.conf (5000, L1's) and public (3000): the whiteout node weighs 0 + 5000 + 3000.
  const m = diveMetrics([
    layer(dir('etc'), dir('etc/nginx'), file('etc/nginx/nginx.conf', 2000), file('etc/nginx/public', 3000)),
    layer(dir('etc'), dir('etc/nginx'), file('etc/nginx/nginx.conf', 5000), file('etc/athing', 10000)),
    layer(dir('etc'), whiteout('etc/nginx')),
  ]);
  // paths: nginx.conf 2000|7000, public 3000|3000, athing 10000|10000, /etc/nginx 8000|8000
  assert.equal(m.efficiency, 23000 / 28000); // = 23/28
  assert.equal(m.efficiency, 23 / 28);
  assert.deepEqual(m.inefficiencies, [{ path: '/etc/nginx/nginx.conf', cumulativeSize: 7000, count: 2 }]);
  assert.equal(m.wastedBytes, 7000);
});

test('deleted directory counts as waste only when its path has a second node; implied dirs weigh 0', () => {
  // L3 re-creates /d as an empty directory: a second leaf for path /d.
  const listed = diveMetrics([layer(dir('d'), file('d/f', 100)), layer(dir('d'), file('d/g', 50)), layer(whiteout('d')), layer(dir('d'))]);
  // /d: whiteout node 0 + 100 + 50 = 150, then the empty dir 0 → cumulative 150, min 0
  // min: 100 + 50 + 0 = 150; cumulative: 100 + 50 + 150 = 300
  assert.equal(listed.efficiency, 150 / 300);
  assert.deepEqual(listed.inefficiencies, [{ path: '/d', cumulativeSize: 150, count: 2 }]);
  assert.equal(listed.wastedBytes, 150);
  assert.equal(listed.userSizeBytes, 50);
  assert.equal(listed.userWastedPercent, 3);

  // The same, but L1 does not list d/: stacking copies L1's implicit /d (not a directory) over
  // L0's, so dive sizes the whiteout 0.
  const implied = diveMetrics([layer(dir('d'), file('d/f', 100)), layer(file('d/g', 50)), layer(whiteout('d')), layer(dir('d'))]);
  assert.equal(implied.efficiency, 1);
  assert.deepEqual(implied.inefficiencies, [{ path: '/d', cumulativeSize: 0, count: 2 }]);
  assert.equal(implied.wastedBytes, 0);
  assert.equal(implied.userWastedPercent, 0);
});

test('file overwritten in a later layer: efficiency 11/41', () => {
  const m = diveMetrics([layer(dir('a'), file('a/x', 100), file('a/y', 10)), layer(dir('a'), file('a/x', 300))]);
  // /a/x: 100 + 300 = 400 (min 100); /a/y: 10 → (100 + 10) / (400 + 10) = 110/410 = 11/41
  assert.equal(m.efficiency, 11 / 41);
  assert.deepEqual(m.inefficiencies, [{ path: '/a/x', cumulativeSize: 400, count: 2 }]);
  assert.equal(m.wastedBytes, 400);
  assert.equal(m.sizeBytes, 410);
  assert.equal(m.userSizeBytes, 300);
  assert.equal(m.userWastedPercent, 400 / 300);
});

test('file deleted via whiteout: all its copies are waste; no user bytes → userWastedPercent = +Infinity', () => {
  const m = diveMetrics([layer(file('f', 1000), file('g', 500)), layer(whiteout('f'))]);
  // /f: 1000 then the whiteout node 0 (a file, not IsDir) → cumulative 1000, min 0
  assert.equal(m.efficiency, 500 / 1500); // = 1/3
  assert.deepEqual(m.inefficiencies, [{ path: '/f', cumulativeSize: 1000, count: 2 }]);
  assert.equal(m.wastedBytes, 1000);
  assert.equal(m.userSizeBytes, 0);
  assert.equal(m.userWastedPercent, Infinity); // float64(1000) / float64(0) in Go
});

test('whiteout of a path missing below: dive abandons the rest of that layer and counts min −1', () => {
  // L1's leaves in name order: ".wh.b", "a", "c". GetNode("/b") fails at the first one.
  const early = diveMetrics([layer(file('a', 100)), layer(whiteout('b'), file('c', 50), file('a', 100))]);
  // paths: /a 100|100 (L0 only), /b −1|0
  assert.equal(early.efficiency, 99 / 100);
  assert.deepEqual(early.inefficiencies, []);
  assert.equal(early.wastedBytes, 0);
  assert.equal(early.userSizeBytes, 150);

  // In directory z/, the whiteout comes after "a" and "c": both are counted before the walk stops.
  const late = diveMetrics([layer(file('a', 100)), layer(whiteout('z/b'), file('c', 50), file('a', 100))]);
  // /a 100|200, /c 50|50, /z/b −1|0 → (100 + 50 − 1) / 250
  assert.equal(late.efficiency, 149 / 250);
  assert.deepEqual(late.inefficiencies, [{ path: '/a', cumulativeSize: 200, count: 2 }]);
});

test('duplicate entry in one layer: one node with the last size, both counted in the layer size', () => {
  const m = diveMetrics([layer(file('f', 100), file('f', 300)), layer(file('g', 10))]);
  assert.equal(m.efficiency, 1);
  assert.deepEqual(m.inefficiencies, []);
  assert.equal(m.sizeBytes, 410);
  assert.equal(m.userSizeBytes, 10);
  assert.equal(m.wastedBytes, 0);
  assert.equal(m.userWastedPercent, 0);

  // The later, smaller copy is the one dive keeps: 100 + 200 over two layers, min 100.
  const again = diveMetrics([layer(file('f', 300), file('f', 100)), layer(file('f', 200))]);
  assert.equal(again.efficiency, 100 / 300);
  assert.deepEqual(again.inefficiencies, [{ path: '/f', cumulativeSize: 300, count: 2 }]);
});

test('hard links and symlinks are 0-byte leaves; equal sizes listed latest-discovered first', () => {
  const m = diveMetrics([
    layer(
      dir('bin'),
      file('bin/busybox', 1000),
      hardlink('bin/ls', 'bin/busybox'),
      hardlink('bin/sh', 'bin/busybox'),
      symlink('sh', 'bin/sh'),
    ),
    layer(dir('bin'), file('bin/busybox', 1000), hardlink('bin/sh', 'bin/busybox')),
  ]);
  // /bin/busybox 1000|2000; /bin/ls 0|0; /bin/sh 0|0 (2 nodes); /sh 0|0
  assert.equal(m.efficiency, 1000 / 2000);
  assert.deepEqual(m.inefficiencies, [
    { path: '/bin/busybox', cumulativeSize: 2000, count: 2 },
    { path: '/bin/sh', cumulativeSize: 0, count: 2 },
  ]);
  assert.equal(m.wastedBytes, 2000);
  assert.equal(m.userWastedPercent, 2);

  // Ties keep discovery order, reported backwards (as dive prints its ascending slice in reverse).
  const ties = diveMetrics([layer(file('x', 10), file('y', 10)), layer(file('y', 10), file('x', 10))]);
  assert.deepEqual(ties.inefficiencies, [
    { path: '/y', cumulativeSize: 20, count: 2 },
    { path: '/x', cumulativeSize: 20, count: 2 },
  ]);
});

test('opaque markers are ignored as dive does; their directory is implied when not listed', () => {
  const m = diveMetrics([layer(dir('d'), file('d/f', 100), dir('e')), layer(dir('d'), opaque('d'), file('d/g', 5), opaque('e'))]);
  // d/f stays in dive's view (no waste); /e is an (empty) leaf in both layers: 0-byte inefficiency.
  assert.equal(m.efficiency, 1);
  assert.deepEqual(m.inefficiencies, [{ path: '/e', cumulativeSize: 0, count: 2 }]);
  assert.equal(m.wastedBytes, 0);
  assert.equal(m.userWastedPercent, 0);
});

test('empty image: efficiency 1, userWastedPercent NaN (0/0), as dive', () => {
  for (const summaries of [[], [layer()], [layer(), layer()], [layer(dir('tmp'))]]) {
    const m = diveMetrics(summaries);
    assert.equal(m.efficiency, 1);
    assert.equal(m.wastedBytes, 0);
    assert.equal(m.sizeBytes, 0);
    assert.equal(m.userSizeBytes, 0);
    assert.ok(Number.isNaN(m.userWastedPercent));
    assert.deepEqual(m.inefficiencies, []);
  }
});

test('synthetic tars through the walker: the test image recipe of dive, in miniature', async () => {
  // FROM base; ADD /somefile.txt; cp to example/1; chmod example/1; cp to example/2; rm -rf example
  const summaries = await summariseLayers([
    [
      { name: 'bin/', type: 'directory' },
      { name: 'bin/sh', content: 400 },
      { name: 'root/', type: 'directory' },
    ],
    [{ name: 'somefile.txt', content: 64 }],
    [
      { name: 'root/', type: 'directory' },
      { name: 'root/example/', type: 'directory' },
      { name: 'root/example/1', content: 64 },
    ],
    [
      { name: 'root/', type: 'directory' },
      { name: 'root/example/', type: 'directory' },
      { name: 'root/example/1', content: 64, mode: 0o444 },
    ],
    [
      { name: 'root/', type: 'directory' },
      { name: 'root/example/', type: 'directory' },
      { name: 'root/example/2', content: 64 },
    ],
    [
      { name: 'root/', type: 'directory' },
      { name: 'root/.wh.example', content: 0 },
    ],
  ]);
  const m = diveMetrics(summaries);
  // leaves: /bin/sh 400; /somefile.txt 64; /root/example/1 64 + 64; /root/example/2 64;
  // /root/.wh.example → /root/example, a directory in the stack: 0 + 64 + 64 = 128 (one node).
  // min: 400 + 64 + 64 + 64 + 128 = 720; cumulative: 400 + 64 + 128 + 64 + 128 = 784
  assert.equal(m.efficiency, 720 / 784);
  assert.deepEqual(m.inefficiencies, [{ path: '/root/example/1', cumulativeSize: 128, count: 2 }]);
  assert.equal(m.sizeBytes, 656);
  assert.equal(m.userSizeBytes, 256);
  assert.equal(m.wastedBytes, 128);
  assert.equal(m.userWastedPercent, 0.5);
});
