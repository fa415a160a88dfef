// The side-by-side compare browser: its rows and reducer as plain data, and the screen driven by
// keys through stdin (ink-testing-library) at 80×24.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { compareAnalyses } from '../../src/core/compare.js';
import { compareTree } from '../../src/core/compareTree.js';
import { CompareBrowser } from '../../src/ui/CompareBrowser.js';
import { CompareLoading, type CompareLoadResult } from '../../src/ui/CompareLoading.js';
import type { Analysis } from '../../src/core/analysis.js';
import type { LoadHooks } from '../../src/app/open.js';
import {
  compareBrowserReducer,
  initialCompareBrowserState,
  sideLabels,
  visibleRows,
  type CompareBrowserState,
  type CompareData,
  type CompareRequest,
} from '../../src/ui/compareBrowserModel.js';
import { analysisOf } from '../helpers/analysis.js';
import { eventually, tick, plain } from '../helpers/ui.js';
import type { TarSpec } from '../helpers/tar.js';

const T = new Date('2024-01-01T00:00:00Z');
const BASE: TarSpec[] = [{ name: 'bin/sh', content: 1000, mode: 0o755, mtime: T }];

async function data(): Promise<CompareData> {
  const a = await analysisOf('app:builder', [
    BASE,
    [
      { name: 'opt/toolchain/bin/cc', content: 5000, mode: 0o755, mtime: T },
      { name: 'root/.cache/pip/x.whl', content: 700, mtime: T },
      { name: 'build/app', content: 'the real binary', mtime: T },
      { name: 'usr/share/doc/libssl3/changelog.gz', content: 'AAAAAAAA', mtime: T },
    ],
  ]);
  const b = await analysisOf('app:final', [
    BASE,
    [{ name: 'usr/local/bin/app', content: 'the real binary', mtime: T }],
    [{ name: 'usr/local/bin/app', content: 'the real binary', mode: 0o755, mtime: T }],
    [{ name: 'usr/share/doc/openssl/changelog.gz', content: 'BBBBBBBB', mtime: T }],
  ]);
  const comparison = compareAnalyses(a, b, { aLabel: 'app:builder', bLabel: 'app:final' });
  return { comparison, tree: compareTree(a, b, comparison) };
}

const SIZE = { columns: 80, rows: 24 };
const paths = (d: CompareData, s: CompareBrowserState) => visibleRows(d, s).map((n) => `/${n.path} ${n.status}`);

test('rows: top level first, sorted by difference; expand, sort, differences only, filter', async () => {
  const d = await data();
  assert.deepEqual(sideLabels(d.comparison), { a: 'builder', b: 'final' });
  const reduce = compareBrowserReducer(d);
  let s = initialCompareBrowserState(d, SIZE);
  assert.deepEqual(paths(d, s), ['/opt onlyA', '/root onlyA', '/usr changed', '/build copied', '/bin identical']);
  s = reduce(reduce(s, { type: 'down' }), { type: 'down' });
  s = reduce(s, { type: 'expand' });
  assert.deepEqual(paths(d, s).slice(2, 5), ['/usr changed', '/usr/local copied', '/usr/share changed']);
  s = reduce(s, { type: 'toggleSort' });
  assert.equal(s.sort, 'sizeA');
  assert.equal(visibleRows(d, s)[s.cursor]!.path, 'usr', 'the cursor stays on its path');
  s = reduce(s, { type: 'toggleDifferences' });
  assert.ok(!paths(d, s).includes('/bin identical'));
  for (const c of '/tmp') s = reduce(s, { type: 'key', name: c, text: c });
  assert.equal(s.prompt, 'tmp');
  s = reduce(s, { type: 'key', name: 'ctrl-u', text: 'u' });
  assert.equal(s.prompt, '', 'Ctrl-U clears the text at the prompt');
  assert.equal(s.differencesOnly, true, 'and is not a compare-screen key there');
  for (const c of 'changelog') s = reduce(s, { type: 'key', name: c, text: c });
  assert.equal(s.prompt, 'changelog');
  s = reduce(s, { type: 'key', name: 'enter', text: '' });
  assert.deepEqual(paths(d, s), [
    '/usr changed',
    '/usr/share changed',
    '/usr/share/doc changed',
    '/usr/share/doc/libssl3 onlyA',
    '/usr/share/doc/libssl3/changelog.gz onlyA',
    '/usr/share/doc/openssl onlyB',
    '/usr/share/doc/openssl/changelog.gz onlyB',
  ]);
  assert.equal(s.message, '2 files match');
  s = reduce(s, { type: 'back' });
  assert.equal(s.filter, '');
});

test('Enter on a copy goes to its other end; on another file asks for the diff; a / b ask to open a side', async () => {
  const d = await data();
  const reduce = compareBrowserReducer(d);
  let s = reduce(initialCompareBrowserState(d, SIZE), { type: 'reveal', path: 'usr/local/bin/app' });
  assert.equal(visibleRows(d, s)[s.cursor]!.path, 'usr/local/bin/app');
  s = reduce(s, { type: 'activate' });
  assert.equal(visibleRows(d, s)[s.cursor]!.path, 'build/app');
  assert.equal(s.message, 'copied from /build/app (builder)');
  s = reduce(s, { type: 'activate' });
  assert.equal(visibleRows(d, s)[s.cursor]!.path, 'usr/local/bin/app', 'and back');
  s = reduce(s, { type: 'openA' });
  assert.equal(s.request, undefined);
  assert.equal(s.message, '/usr/local/bin/app is not in builder');
  s = reduce(s, { type: 'openB' });
  assert.deepEqual(s.request, { kind: 'open', side: 'b', path: 'usr/local/bin/app' });
  s = reduce(reduce(s, { type: 'requestDone' }), { type: 'reveal', path: 'bin/sh' });
  s = reduce(s, { type: 'activate' });
  assert.equal(s.message, '/bin/sh: identical (no diff viewer here)');
  const withDiff = compareBrowserReducer({ ...d, canDiff: true });
  assert.deepEqual(withDiff(s, { type: 'activate' }).request, { kind: 'diff', a: 'bin/sh', b: 'bin/sh' });
  // A left-behind group: Enter shows its files.
  let g = reduce(initialCompareBrowserState(d, SIZE), { type: 'nextPane' });
  assert.equal(g.focus, 'groups');
  g = reduce(g, { type: 'activate' });
  assert.equal(g.focus, 'tree');
  assert.equal(visibleRows(d, g)[g.cursor]!.path, 'opt/toolchain');
  assert.deepEqual(paths(d, g).slice(0, 3), ['/opt onlyA', '/opt/toolchain onlyA', '/opt/toolchain/bin onlyA']);
});

test('the screen at 80×24: summary, groups, both columns, a name on every row; keys move and open', async () => {
  const d = await data();
  const requests: CompareRequest[] = [];
  let left: CompareBrowserState | undefined;
  const r = render(<CompareBrowser data={d} size={SIZE} onRequest={(q) => requests.push(q)} onDone={(state) => (left = state)} />);
  await eventually(
    () => r.frames.length,
    (n) => n > 0,
  );
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k);
      await tick(40);
    }
    return plain(r.lastFrame());
  };
  let lines = plain(r.lastFrame()).split('\n');
  assert.equal(lines.length, 24);
  assert.equal(lines[0], 'builder 6.72 kB → final 1.04 kB, −84.6%   copied 1 file, 15 B');
  assert.equal(lines[1], 'shared base 1 kB, 1 layer · own layers: builder 5.72 kB/1 → final 38 B/3, −99.3%');
  assert.equal(lines[2], 'left behind in builder: 3 files, 5.71 kB  (Tab: choose)');
  assert.deepEqual(
    lines.slice(3, 6).map((l) => l.trim()),
    ['5 kB  toolchain  /opt/toolchain  1 file', '700 B  cache      /root/.cache  1 file', '8 B  docs       /usr/share/doc  1 file'],
  );
  assert.match(lines[6]!, /^builder 6\.72 kB {24}Δ final 1\.02 kB/);
  const tree = lines.slice(7, 22).filter((l) => l.trim() !== '');
  assert.deepEqual(
    tree.map((l) => l.replace(/\s+/g, ' ').trim()),
    ['▸ opt 5 kB −', '▸ root 700 B −', '▸ usr 8 B ≠ ▸ usr 23 B', '▸ build 15 B →', '▸ bin 1 kB = ▸ bin 1 kB'],
  );
  lines = (await press('j', 'j', 'l', 'j')).split('\n');
  assert.match(lines[22]!, /^\/usr\/local {2}builder — · final 15 B {2}copied, 1 difference inside$/);
  assert.match(lines[23]!, /^Enter open {2}Tab groups/);
  await press('b');
  assert.deepEqual(requests, [{ kind: 'open', side: 'b', path: 'usr/local' }]);
  // Ctrl-U at the filter prompt clears what was typed; Esc leaves the prompt.
  const shown = (line: string) =>
    eventually(
      () => plain(r.lastFrame()).split('\n'),
      (l) => l.includes(line),
      10_000,
    );
  await press('/', 'd', 'o', 'c');
  lines = await shown('/doc█');
  assert.ok(lines.includes('/doc█'), lines.join('\n'));
  await press('\u0015');
  lines = await shown('/█');
  assert.ok(lines.includes('/█'), lines.join('\n'));
  await press('\u001B');
  await press('q');
  assert.equal(left?.cursor, 3, 'leaving hands back the state, to come back to');
  r.unmount();
});

test('while the two images load: the progress of each side and the layers being read; q leaves', async () => {
  const results: CompareLoadResult[] = [];
  const pending = (total: number) => (hooks: LoadHooks) =>
    new Promise<Analysis>(() => {
      hooks.onOpen?.({
        ref: 'x',
        layers: [
          { index: 0, blobSize: total, command: 'ADD rootfs.tar /' },
          { index: 1, blobSize: 1000, command: 'RUN make' },
        ],
      });
      hooks.onProgress?.({ layer: 0, blobBytesRead: total / 2, blobBytesTotal: total, done: false });
    });
  const r = render(
    <CompareLoading
      labels={{ a: 'examples/multistage-builder.tar', b: 'app:final' }}
      loadA={pending(4000)}
      loadB={pending(2000)}
      onDone={(x) => results.push(x)}
      size={SIZE}
    />,
  );
  try {
    const frame = await eventually(
      () => plain(r.lastFrame()),
      // Both sides' progress: each arrives in its own render.
      (f) => f.includes('multistage-builder: 0 of 2 layers read · 2 kB of 5 kB (40%)') && f.includes('app:final: 0 of 2 layers read'),
    );
    assert.match(frame, /app:final: 0 of 2 layers read · 1 kB of 3 kB \(33%\)/);
    assert.match(frame, /^ multistage-… › L0 +████░░░░ +2 kB \/ 4 kB +ADD rootfs\.tar \/$/m);
    assert.match(frame, /q quits · Ctrl-C interrupts/);
    r.stdin.write('q');
    await eventually(
      () => results.length,
      (n) => n > 0,
    );
    assert.deepEqual(results, [{ kind: 'quit' }]);
  } finally {
    r.unmount();
  }
});
