// The merged-tree cache (src/sources/mergedCache.ts): a reopened image restores the tree it
// merged to instead of merging again, and the restored tree is the merged one, node for node;
// anything that does not fit (other layers, a damaged file, a layer file that changed) is a miss.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseImage } from '../../src/core/analyse.js';
import { analyse } from '../../src/core/analysis.js';
import type { MergedTree } from '../../src/core/merge.js';
import { openSummaryCache } from '../../src/sources/cache.js';
import { openImage } from '../../src/sources/open.js';
import { buildImage, ImageWorkspace } from '../helpers/image.js';
import { packTar, packTarGz } from '../helpers/tar.js';

const temp = mkdtempSync(join(tmpdir(), 'layerscope-merged-test-'));
const workspace = new ImageWorkspace();
after(() => {
  rmSync(temp, { recursive: true, force: true });
  workspace.cleanup();
});

let n = 0;
const freshDir = () => join(temp, `c${++n}`);

/** Whiteouts, an opaque directory, a file over a directory, hard links, symlinks, implied parents. */
async function layers(): Promise<Buffer[]> {
  return [
    await packTarGz([
      { name: 'etc', type: 'directory' },
      { name: 'etc/passwd', content: 'root:x:0:0' },
      { name: 'etc/conf.d/a', content: 40 },
      { name: 'usr/lib/libc.so', content: 1000 },
      { name: 'usr/lib/link', type: 'link', linkname: 'usr/lib/libc.so' },
      { name: 'var/cache/big', content: 5000 },
      { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
    ]),
    await packTar([
      { name: 'etc/.wh.passwd' },
      { name: 'var/cache/.wh..wh..opq' },
      { name: 'var/cache/small', content: 7 },
      { name: 'usr/lib', content: 'now a file' },
      { name: 'opt/deep/er/x', content: 3 },
    ]),
    await packTarGz([{ name: 'etc/passwd', content: 'back' }, { name: '.wh.opt' }, { name: 'etc/.wh.nothing' }]),
  ];
}

async function analysed(path: string, cache: ReturnType<typeof openSummaryCache>) {
  const source = await openImage(path);
  try {
    const image = await analyseImage(source, { cache });
    const analysis = analyse(image);
    if (!image.merged) {
      const columns = analysis.tree.toColumns();
      assert.ok(columns, 'every node path is a change path or an implied directory');
      await cache.putMerged(image.summaries, columns);
    }
    return { image, analysis };
  } finally {
    await source.close();
  }
}

/** Everything a reader of the tree can ask, node by node and layer by layer. */
function described(tree: MergedTree): unknown[] {
  const out: unknown[] = [];
  for (let id = 0; id < tree.nodeCount; id++) {
    const layers = Array.from({ length: tree.layerCount }, (_, l) => [tree.stateAt(id, l), tree.visibleEvent(id, l), tree.isDirAt(id, l)]);
    out.push([tree.pathOf(id), tree.parentOf(id), tree.childrenOf(id), tree.historyOf(id), layers, tree.idOf(tree.pathOf(id))]);
  }
  out.push(
    [...tree.walkVisible()].map((v) => v.id),
    tree.touchedBy,
    tree.nodeOfChange,
    tree.warnings,
    tree.idOf('no/such/path'),
  );
  return out;
}

test('a reopened image restores its merged tree: the same tree, node for node, and the same account and warnings', async () => {
  const path = workspace.ociLayoutDir([buildImage({ layers: await layers() })], 'merged');
  const cache = openSummaryCache({ dir: freshDir(), mergedMinEntries: 0 });
  const first = await analysed(path, cache);
  assert.equal(first.image.merged, undefined);
  assert.equal(readdirSync(join(cache.dir, 'merged')).filter((f) => f.endsWith('.bin')).length, 1);
  const second = await analysed(path, cache);
  assert.ok(second.image.merged, 'the second open finds the merged tree');
  assert.deepEqual(described(second.analysis.tree), described(first.analysis.tree));
  assert.deepEqual(second.analysis.account, first.analysis.account);
  assert.deepEqual(second.analysis.warnings, first.analysis.warnings);
  // The same changes, whatever each holds in memory (a restored layer decodes its paths when asked).
  const plain = (x: typeof first) => x.image.summaries.map((s) => ({ ...s, changes: s.changes.toJSON() }));
  assert.deepEqual(plain(second), plain(first));
  // A sanity check that the image is the one meant: what the restored tree says at the end.
  const visible = [...second.analysis.tree.walkVisible()].map((v) => second.analysis.tree.pathOf(v.id));
  assert.deepEqual(visible, [
    'bin',
    'etc',
    'etc/conf.d',
    'etc/conf.d/a',
    'etc/passwd',
    'usr',
    'usr/lib',
    'var',
    'var/cache',
    'var/cache/small',
  ]);
  assert.equal(second.analysis.account.hiddenBytes, first.analysis.account.hiddenBytes);
  assert.equal(first.analysis.account.hiddenBytes, 10 + 1000 + 5000 + 3);
});

test('small images are not stored; another chain of layers is a miss', async () => {
  const base = await layers();
  const path = workspace.ociLayoutDir([buildImage({ layers: base })], 'small');
  const small = openSummaryCache({ dir: freshDir() });
  await analysed(path, small);
  assert.equal((await analysed(path, small)).image.merged, undefined, 'below mergedMinEntries nothing is stored');
  const cache = openSummaryCache({ dir: freshDir(), mergedMinEntries: 0 });
  await analysed(path, cache);
  const other = workspace.ociLayoutDir([buildImage({ layers: [base[0]!, base[2]!] })], 'other');
  const reopened = await analysed(other, cache);
  assert.equal(reopened.image.merged, undefined, 'layers 0 and 2 without layer 1 are another chain');
  assert.deepEqual(
    [...reopened.analysis.tree.walkVisible()].map((v) => reopened.analysis.tree.pathOf(v.id)),
    [
      'bin',
      'etc',
      'etc/conf.d',
      'etc/conf.d/a',
      'etc/passwd',
      'usr',
      'usr/lib',
      'usr/lib/libc.so',
      'usr/lib/link',
      'var',
      'var/cache',
      'var/cache/big',
    ],
  );
});

test('a damaged merged-tree file is a miss, removed, and the layers are merged again', async () => {
  const path = workspace.ociLayoutDir([buildImage({ layers: await layers() })], 'damaged');
  const cache = openSummaryCache({ dir: freshDir(), mergedMinEntries: 0 });
  const first = await analysed(path, cache);
  const dir = join(cache.dir, 'merged');
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.bin'));
  truncateSync(join(dir, file!), 100);
  const second = await analysed(path, cache);
  assert.equal(second.image.merged, undefined);
  assert.deepEqual(described(second.analysis.tree), described(first.analysis.tree));
  // Stored again by that open; garbage in place of it is a miss as well.
  writeFileSync(join(dir, file!), 'LSMERGE1garbage');
  assert.equal((await analysed(path, cache)).image.merged, undefined);
  assert.ok((await analysed(path, cache)).image.merged);
});

test('a layer file that changed since it was read proves nothing: no merged tree for it', async () => {
  const path = workspace.ociLayoutDir([buildImage({ layers: await layers() })], 'touched');
  const cache = openSummaryCache({ dir: freshDir(), mergedMinEntries: 0 });
  const first = await analysed(path, cache);
  const source = await openImage(path);
  const blob = source.blobFile!(1)!.path;
  await source.close();
  utimesSync(blob, new Date(2001, 1, 1), new Date(2001, 1, 1));
  const second = await analysed(path, cache);
  assert.equal(second.image.merged, undefined);
  assert.deepEqual(described(second.analysis.tree), described(first.analysis.tree));
});
