// `--json-format dive`: dive's `--json` export schema (layer[], image{…}), field for field, so
// scripts written for dive keep working; `--json` alone keeps layerscope's own schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diveFileList } from '../../src/report/diveJson.js';
import { summariseLayers } from '../helpers/core.js';
import { repoRoot, runLayerscope } from '../helpers/cli.js';
import { ImageWorkspace } from '../helpers/image.js';

const example = join(repoRoot, 'examples', 'multistage-final.tar');

test('--json-format dive on the bundled example: dive export keys, layers and image metrics, exact', async () => {
  const r = await runLayerscope([example, '--json-format', 'dive']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), ['layer', 'image']);
  assert.deepEqual(out.image, {
    sizeBytes: 2185066,
    inefficientBytes: 81989,
    efficiencyScore: 0.9624867166483758,
    fileReference: [
      { count: 2, sizeBytes: 81920, file: '/tmp/assets.tar' },
      { count: 2, sizeBytes: 69, file: '/etc/app/app.conf' },
    ],
  });
  assert.equal(out.layer.length, 7);
  assert.deepEqual(Object.keys(out.layer[0]), ['index', 'id', 'digestId', 'sizeBytes', 'command', 'fileList']);
  assert.deepEqual(
    out.layer.map((l: { index: number; sizeBytes: number; fileList: unknown[] }) => [l.index, l.sizeBytes, l.fileList.length]),
    [
      [0, 1982256, 2],
      [1, 0, 269],
      [2, 20, 7],
      [3, 40821, 4],
      [4, 161920, 6],
      [5, 0, 2],
      [6, 49, 3],
    ],
  );
  // The layer that ran `RUN rm`: its whiteout node, then the directory (children first); the
  // command as dive writes it (created_by without `/bin/sh -c `).
  assert.deepEqual(out.layer[5], {
    index: 5,
    id: '559f91338cc2e1aa37148d34f11451785ef044b68a2fbb90055e49ffb17f6c5a',
    digestId: 'sha256:559f91338cc2e1aa37148d34f11451785ef044b68a2fbb90055e49ffb17f6c5a',
    sizeBytes: 0,
    command: 'rm /tmp/assets.tar',
    fileList: [
      { path: 'tmp/.wh.assets.tar', typeFlag: 48, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false },
      { path: 'tmp', typeFlag: 53, linkName: '', size: 0, fileMode: 2147484141, uid: 0, gid: 0, isDir: true },
    ],
  });
  // A symlink: Go's os.FileMode with ModeSymlink (1<<27) over 0777.
  assert.deepEqual(out.layer[1].fileList[0], {
    path: 'bin/[',
    typeFlag: 50,
    linkName: '/bin/busybox',
    size: 0,
    fileMode: 134218239,
    uid: 0,
    gid: 0,
    isDir: false,
  });
});

test('--json-format dive with --json FILE writes there; --json alone keeps our schema; a bad schema is one line', async () => {
  const ws = new ImageWorkspace();
  try {
    const file = join(ws.dir, 'dive.json');
    const r = await runLayerscope([example, '--json', file, '--json-format', 'dive']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8'))), ['layer', 'image']);
    const ours = await runLayerscope([example, '--json']);
    assert.deepEqual(Object.keys(JSON.parse(ours.stdout)).slice(0, 3), ['image', 'layers', 'waste']);
    const bad = await runLayerscope([example, '--json-format', 'yaml']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'layerscope: --json-format yaml: expected layerscope or dive\n');
  } finally {
    ws.cleanup();
  }
});

test("dive's layer tree: unlisted parents are empty nodes, an opaque marker adds none, a name listed twice is one node", async () => {
  const [summary] = await summariseLayers([
    [
      { name: 'a/b/c.txt', content: 5, mode: 0o4755, uid: 10, gid: 20 },
      { name: 'a/b/c.txt', content: 7, mode: 0o644 },
      { name: 'd/.wh..wh..opq' },
      { name: 'e', type: 'directory', mode: 0o1777 },
      { name: 'e/.wh.gone' },
    ],
  ]);
  assert.deepEqual(diveFileList(summary!), [
    { path: 'a/b/c.txt', typeFlag: 48, linkName: '', size: 7, fileMode: 0o644, uid: 0, gid: 0, isDir: false },
    { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false },
    { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false },
    { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false },
    { path: 'e/.wh.gone', typeFlag: 48, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false },
    { path: 'e', typeFlag: 53, linkName: '', size: 0, fileMode: 0o777 + 2 ** 20 + 2 ** 31, uid: 0, gid: 0, isDir: true },
  ]);
});
