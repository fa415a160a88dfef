import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeLayers, listing } from '../helpers/core.js';
import { layerDiffStats } from '../../src/core/hiddenBytes.js';

const dir = (name: string) => ({ name, type: 'directory' as const });
const file = (name: string, content: number | string) => ({ name, content });
const wh = (name: string) => ({ name, content: '' });

test('layers apply base first; a later layer overwrites a file; bytes are accounted', async () => {
  const { tree, account } = await mergeLayers([
    [dir('etc'), file('etc/a', 100), file('etc/b', 10)],
    [dir('etc'), file('etc/a', 40)],
  ]);
  assert.deepEqual(listing(tree), ['/etc dir 0 L1', '/etc/a file 40 L1', '/etc/b file 10 L0']);
  assert.deepEqual(listing(tree, 0), ['/etc dir 0 L0', '/etc/a file 100 L0', '/etc/b file 10 L0']);
  assert.equal(account.storedBytes, 150);
  assert.equal(account.visibleBytes, 50);
  assert.equal(account.hiddenBytes, 100);
  assert.deepEqual(account.entries, [
    { path: 'etc/a', bytes: 100, count: 1, layers: [0], copies: [{ layer: 0, bytes: 100, hiddenBy: 1, how: 'overwritten' }] },
  ]);
  assert.deepEqual(account.hiddenByLayer, [100, 0]);
  const a = tree.idOf('etc/a')!;
  assert.deepEqual(
    tree.historyOf(a).map((e) => `${e.layer}:${e.change}`),
    ['0:added', '1:modified'],
  );
  assert.equal(tree.stateAt(a)!.addedIn, 0);
  assert.equal(tree.stateAt(a)!.layer, 1);
});

test('whiteout deletes a file and a whole directory subtree from lower layers', async () => {
  const { tree, account } = await mergeLayers([
    [dir('opt'), dir('opt/tool'), file('opt/tool/bin', 500), file('opt/tool/lib', 300), file('keep', 7), file('gone', 9)],
    [wh('.wh.gone'), dir('opt'), wh('opt/.wh.tool')],
  ]);
  assert.deepEqual(listing(tree), ['/keep file 7 L0', '/opt dir 0 L1']);
  assert.equal(account.hiddenBytes, 809);
  assert.deepEqual(
    account.entries.map((e) => [e.path, e.bytes]),
    [
      ['opt/tool/bin', 500],
      ['opt/tool/lib', 300],
      ['gone', 9],
    ],
  );
  const tool = tree.idOf('opt/tool')!;
  assert.deepEqual(
    tree.historyOf(tool).map((e) => `${e.layer}:${e.change}:${e.cause ?? ''}`),
    ['0:added:', '1:removed:whiteout'],
  );
  assert.deepEqual(
    tree.historyOf(tree.idOf('opt/tool/lib')!).map((e) => `${e.layer}:${e.change}:${e.cause ?? ''}`),
    ['0:added:', '1:removed:whiteout'],
  );
  const stats = layerDiffStats(tree, 1);
  assert.deepEqual(stats, { added: { count: 0, bytes: 0 }, modified: { count: 1, bytes: 0 }, removed: { count: 4, bytes: 809 } });
});

test('whiteouts never apply to their own layer; a path deleted and re-created in one layer is modified', async () => {
  const { tree, account } = await mergeLayers([[file('x', 10)], [wh('.wh.x'), file('x', 3)], [wh('.wh.y'), file('y', 4)]]);
  assert.deepEqual(listing(tree), ['/x file 3 L1', '/y file 4 L2']);
  assert.deepEqual(
    tree.historyOf(tree.idOf('x')!).map((e) => `${e.layer}:${e.change}`),
    ['0:added', '1:modified'],
  );
  assert.equal(account.hiddenBytes, 10);
  assert.deepEqual(tree.warnings, [
    { layer: 2, kind: 'whiteoutOfNothing', path: '/y', message: 'whiteout of /y, which no lower layer has' },
  ]);
});

test('opaque directory hides lower contents but keeps the same layer own entries', async () => {
  const { tree, account } = await mergeLayers([
    [dir('d'), file('d/old1', 11), dir('d/sub'), file('d/sub/old2', 22), file('other', 1)],
    [dir('d'), file('d/.wh..wh..opq', ''), file('d/new', 5), dir('d/sub'), file('d/sub/new2', 6)],
  ]);
  assert.deepEqual(listing(tree), ['/d dir 0 L1', '/d/new file 5 L1', '/d/sub dir 0 L1', '/d/sub/new2 file 6 L1', '/other file 1 L0']);
  assert.equal(account.hiddenBytes, 33);
  assert.deepEqual(
    tree.historyOf(tree.idOf('d/old1')!).map((e) => `${e.layer}:${e.change}:${e.cause ?? ''}`),
    ['0:added:', '1:removed:opaque'],
  );
  // d/sub was hidden and then re-created by the same layer: modified, not removed.
  assert.deepEqual(
    tree.historyOf(tree.idOf('d/sub')!).map((e) => `${e.layer}:${e.change}`),
    ['0:added', '1:modified'],
  );
});

test('a file replaces a directory and its whole subtree; a directory replaces a file', async () => {
  const { tree, account } = await mergeLayers([
    [dir('a'), file('a/x', 70), dir('a/y'), file('a/y/z', 30), file('b', 8)],
    [file('a', 2), dir('b'), file('b/c', 1)],
  ]);
  assert.deepEqual(listing(tree), ['/a file 2 L1', '/b dir 0 L1', '/b/c file 1 L1']);
  assert.equal(account.hiddenBytes, 108);
  assert.deepEqual(
    tree.historyOf(tree.idOf('a/y/z')!).map((e) => `${e.layer}:${e.change}:${e.cause ?? ''}`),
    ['0:added:', '1:removed:replaced'],
  );
  assert.deepEqual(
    tree.historyOf(tree.idOf('b')!).map((e) => `${e.layer}:${e.change}`),
    ['0:added', '1:modified'],
  );
});

test('a child under a lower file implies a directory (the file is replaced)', async () => {
  const { tree } = await mergeLayers([[file('p', 5)], [file('p/q', 1)]]);
  assert.deepEqual(listing(tree), ['/p dir 0 L1', '/p/q file 1 L1']);
  assert.equal(tree.stateAt(tree.idOf('p')!)!.entry.implicit, true);
});

test('duplicate entries in one tar: the later wins and the earlier copy is hidden', async () => {
  const { tree, account } = await mergeLayers([[file('dup', 100), file('dup', 25), dir('dd'), file('dd/f', 3), file('dd', 4)]]);
  assert.deepEqual(listing(tree), ['/dd file 4 L0', '/dup file 25 L0']);
  assert.equal(account.storedBytes, 132);
  assert.equal(account.visibleBytes, 29);
  assert.deepEqual(account.entries, [
    { path: 'dup', bytes: 100, count: 1, layers: [0], copies: [{ layer: 0, bytes: 100, hiddenBy: 0, how: 'duplicate' }] },
    { path: 'dd/f', bytes: 3, count: 1, layers: [0], copies: [{ layer: 0, bytes: 3, hiddenBy: 0, how: 'overwritten' }] },
  ]);
  // Within one layer the path was never visible below, so it counts as added, once.
  assert.deepEqual(
    tree.historyOf(tree.idOf('dup')!).map((e) => `${e.layer}:${e.change}`),
    ['0:added'],
  );
});

test('chmod-only change re-stores the whole file: the lower copy is hidden', async () => {
  const { tree, account } = await mergeLayers([[file('app', 1000)], [{ name: 'app', content: 1000, mode: 0o755 }]]);
  assert.equal(account.hiddenBytes, 1000);
  assert.equal(tree.stateAt(tree.idOf('app')!)!.entry.mode, 0o755);
  assert.deepEqual(
    tree.historyOf(tree.idOf('app')!).map((e) => `${e.layer}:${e.change}`),
    ['0:added', '1:modified'],
  );
});

test('hard links: bytes counted once, and stay visible through a link when the original is deleted', async () => {
  const { tree, account } = await mergeLayers([
    [
      dir('bin'),
      file('bin/busybox', 1000),
      { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' },
      { name: 'bin/cat', type: 'link', linkname: 'bin/busybox' },
    ],
    [dir('bin'), wh('bin/.wh.busybox')],
  ]);
  assert.deepEqual(listing(tree), ['/bin dir 0 L1', '/bin/cat hardlink 1000 L0', '/bin/ls hardlink 1000 L0']);
  assert.equal(account.storedBytes, 1000);
  assert.equal(account.visibleBytes, 1000);
  assert.equal(account.hiddenBytes, 0);
  assert.deepEqual(account.entries, []);
});

test('hard links to a copy overwritten later: the old content stays visible through the link', async () => {
  const { account } = await mergeLayers([[file('a', 50), { name: 'b', type: 'link', linkname: 'a' }], [file('a', 20)]]);
  assert.equal(account.storedBytes, 70);
  assert.equal(account.visibleBytes, 70);
  assert.equal(account.hiddenBytes, 0);
});

test('symlinks and devices are listed with size 0 and never followed', async () => {
  const { tree } = await mergeLayers([
    [
      dir('bin'),
      file('bin/busybox', 10),
      { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
      { name: 'dev/null', type: 'character-device' },
    ],
  ]);
  assert.deepEqual(listing(tree), [
    '/bin dir 0 L0',
    '/bin/busybox file 10 L0',
    '/bin/sh symlink 0 L0',
    '/dev dir 0 L0',
    '/dev/null other 0 L0',
  ]);
  assert.equal(tree.stateAt(tree.idOf('bin/sh')!)!.entry.linkTarget, '/bin/busybox');
});

test('the sum of waste entries equals hiddenBytes, and per-layer hidden bytes add up', async () => {
  const { account } = await mergeLayers([
    [file('a', 10), file('b', 20), dir('c'), file('c/d', 30)],
    [file('a', 11), wh('.wh.c')],
    [wh('.wh.a'), file('b', 1)],
  ]);
  assert.equal(account.hiddenBytes, 10 + 20 + 30 + 11);
  assert.equal(
    account.entries.reduce((n, e) => n + e.bytes, 0),
    account.hiddenBytes,
  );
  assert.deepEqual(account.hiddenByLayer, [60, 11, 0]);
  // What each layer hid of the layers below: L1 a (10) and c/d (30); L2 a (11) and b (20).
  assert.deepEqual(account.hidByLayer, [0, 40, 31]);
  assert.deepEqual(
    account.entries.find((e) => e.path === 'a'),
    {
      path: 'a',
      bytes: 21,
      count: 2,
      layers: [0, 1],
      copies: [
        { layer: 0, bytes: 10, hiddenBy: 1, how: 'overwritten' },
        { layer: 1, bytes: 11, hiddenBy: 2, how: 'deleted' },
      ],
    },
  );
});
