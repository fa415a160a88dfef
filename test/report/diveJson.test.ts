// dive compatibility of the command line: `--json-format dive` writes dive's `--json` export
// schema (layer[], image{…}) field for field, `--json` alone keeps layerscope's own; `--ci`
// prints dive's report as dive does, then layerscope's; CI=true means --ci, as for dive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { humanizeBytes } from '../../src/report/ci/text.js';
import { diveFileList } from '../../src/report/diveJson.js';
import { childEnv, EXAMPLE_DIVE_CI_HEAD, repoRoot, runLayerscope } from '../helpers/cli.js';
import { summariseLayers } from '../helpers/core.js';
import { commandAvailable, need } from '../helpers/env.js';
import { ImageWorkspace, writeImageFixtures } from '../helpers/image.js';
import { packTar } from '../helpers/tar.js';
import { Terminal } from '../helpers/terminal.js';

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

test('CI=true with no output asked for runs --ci, as dive does (also on a terminal); --text or --json is written alone', async () => {
  const ci = await runLayerscope([example], { env: { ...childEnv, CI: 'true' } });
  assert.equal(ci.code, 1, ci.stderr);
  assert.deepEqual(ci.stdout.split('\n').slice(0, 8), EXAMPLE_DIVE_CI_HEAD);
  assert.ok(ci.stdout.includes('\nResult:FAIL [Total:3] [Passed:1] [Failed:1] [Warn:0] [Skipped:1]\n'), ci.stdout);
  for (const value of ['1', 'yes']) assert.equal((await runLayerscope([example], { env: { ...childEnv, CI: value } })).code, 1, value);
  const text = await runLayerscope([example, '--text'], { env: { ...childEnv, CI: 'true' } });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Image /);
  const json = await runLayerscope([example, '--json'], { env: { ...childEnv, CI: 'true' } });
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).image.hiddenBytes, 81940);
  const off = await runLayerscope([example], { env: { ...childEnv, CI: 'false' } });
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /^Image /);
});

test('CI=true on a terminal: the CI verdict instead of the browser (tmux)', async (t) => {
  if (!need(t, 'tmux', commandAvailable('tmux'))) return;
  const term = new Terminal(100, 30);
  try {
    term.run(`CI=true node bin/layerscope.js ${example}; echo "exit=$?"`);
    const screen = await term.waitFor(/exit=\d+/, 30_000);
    assert.match(screen, /^ {2}efficiency: 96\.2487 %$/m);
    assert.match(screen, /^Result:FAIL \[Total:3\]/m);
    assert.match(screen, /^exit=1$/m);
  } finally {
    term.close();
  }
});

test("dive's byte and percent formats: go-humanize Bytes, Go's %.4f (NaN with no user bytes)", async () => {
  assert.deepEqual([0, 9, 10, 999, 1000, 1234, 12_500, 81_989, 250_000, 2_185_066].map(humanizeBytes), [
    '0 B',
    '9 B',
    '10 B',
    '999 B',
    '1.0 kB',
    '1.2 kB',
    '12 kB',
    '82 kB',
    '250 kB',
    '2.2 MB',
  ]);
  // One layer: no user bytes, dive's userWastedPercent is 0/0.
  const fx = await writeImageFixtures({ layers: [await packTar([{ name: 'a', content: 5 }])] });
  try {
    const r = await runLayerscope([fx.legacyTar, '--ci']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').slice(0, 6), [
      '  efficiency: 100.0000 %',
      '  wastedBytes: 0 bytes (0 B)',
      '  userWastedPercent: NaN %',
      'Inefficient Files:',
      'Count  Wasted Space  File Path',
      'None',
    ]);
  } finally {
    fx.cleanup();
  }
});
