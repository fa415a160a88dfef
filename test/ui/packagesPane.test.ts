// The Packages pane driven through the reducer: the name filter at the prompt (as typed, Enter,
// Esc), Enter on a package lists its files with their sizes (largest first), Enter on a file
// shows it in the tree, Esc goes back to the package list where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisOf } from '../helpers/ui.js';
import { createModel } from '../../src/ui/model.js';
import { createReducer, cursorNode, initialState, type Action, type UiState } from '../../src/ui/state.js';
import type { Command } from '../../src/ui/keymap.js';
import { listLength, packageFiles, packageRows } from '../../src/ui/ListPane.js';
import type { TarSpec } from '../helpers/tar.js';

const status = (names: string[]) => names.map((n) => `Package: ${n}\nStatus: install ok installed\nVersion: 1.${n.length}\n`).join('\n');
const LAYERS: TarSpec[][] = [
  [
    { name: 'bin/sh', content: 100 },
    { name: 'var/lib/dpkg/status', content: status(['dash']) },
    { name: 'var/lib/dpkg/info/dash.list', content: '/.\n/bin\n/bin/sh\n' },
  ],
  [
    { name: 'usr/bin/gcc-12', content: 3000 },
    { name: 'usr/lib/gcc/x86_64-linux-gnu/12/cc1', content: 9000 },
    { name: 'usr/lib/gcc/x86_64-linux-gnu/12/lto1', content: 7000 },
    { name: 'usr/share/doc/gcc-12/copyright', content: 40 },
    { name: 'usr/bin/cpp-12', content: 2500 },
    { name: 'usr/bin/curl', content: 400 },
    { name: 'var/lib/dpkg/status', content: status(['dash', 'gcc-12', 'cpp-12', 'curl']) },
    {
      name: 'var/lib/dpkg/info/gcc-12.list',
      content: '/usr\n/usr/bin\n/usr/bin/gcc-12\n/usr/lib/gcc/x86_64-linux-gnu/12/lto1\n/usr/share/doc/gcc-12/copyright\n',
    },
    { name: 'var/lib/dpkg/info/cpp-12.list', content: '/usr/bin/cpp-12\n/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n' },
    { name: 'var/lib/dpkg/info/curl.list', content: '/usr/bin/curl\n' },
  ],
];

async function setup() {
  const model = createModel(await analysisOf(LAYERS, ['ADD rootfs /', 'RUN apt-get install -y gcc-12 curl']));
  const reducer = createReducer(model);
  const state = initialState(model, { columns: 120, rows: 30 });
  const run = (s: UiState, ...actions: Array<Command | Action>): UiState =>
    actions.reduce<UiState>((acc, a) => reducer(acc, typeof a === 'string' ? { type: a } : a), s);
  return { model, state, run };
}
const type = (text: string): Action => ({ type: 'filterType', text });

test('the name filter: rows follow the text as typed, Enter keeps it, Esc goes back; the tree filter is untouched', async () => {
  const { model, state, run } = await setup();
  const names = (s: UiState) => packageRows(model, s.packages.filter).map((i) => model.analysis.packages.packages[i]!.name);
  const pane = run(state, 'togglePackages');
  assert.equal(pane.mainView, 'packages');
  assert.deepEqual(names(pane), ['cpp-12', 'gcc-12', 'curl', 'dash']);
  const typing = run(pane, 'filter', type('-1'));
  assert.equal(typing.promptFor, 'packages');
  assert.equal(typing.prompt, '-1');
  assert.deepEqual(names(typing), ['cpp-12', 'gcc-12']);
  const applied = run(typing, type('2'), 'filterErase', 'filterClear', type('GCC'), 'filterApply');
  assert.deepEqual([applied.prompt, applied.promptFor, applied.packages.filter], [undefined, undefined, 'GCC']);
  assert.deepEqual(names(applied), ['gcc-12']);
  assert.deepEqual(applied.message, { text: '1 package named *GCC*', tone: 'info' });
  assert.equal(applied.files.filterText, '', 'the tree filter is not the packages filter');
  // Esc at the prompt: back to the filter before; an empty filter shows every package.
  assert.equal(run(applied, 'filter', type('zzz'), 'filterCancel').packages.filter, 'GCC');
  assert.deepEqual(run(applied, 'filter', type('zzz'), 'filterApply').message, { text: 'no package name contains GCCzzz', tone: 'error' });
  assert.equal(listLength(model, 'packages', run(applied, 'filter', 'filterClear', 'filterApply').packages), 4);
  // Reopening the pane keeps the filter.
  assert.equal(run(applied, 'togglePackages', 'togglePackages').packages.filter, 'GCC');
});

test("Enter lists the package's files with their sizes, largest first; Enter on one shows it in the tree; Esc goes back", async () => {
  const { model, state, run } = await setup();
  const gcc = run(state, 'togglePackages', 'down');
  assert.equal(gcc.list.cursor, 1);
  const files = run(gcc, 'activate');
  const index = model.analysis.packages.packages.findIndex((p) => p.name === 'gcc-12');
  assert.equal(files.packages.open, index);
  assert.deepEqual(
    packageFiles(model, index).map((f) => [f.path, f.bytes, f.layer]),
    [
      ['/usr/lib/gcc/x86_64-linux-gnu/12/lto1', 7000, 1],
      ['/usr/bin/gcc-12', 3000, 1],
      ['/usr/share/doc/gcc-12/copyright', 40, 1],
    ],
  );
  assert.equal(model.analysis.packages.packages[index]!.bytes, 10_040);
  assert.equal(listLength(model, 'packages', files.packages), 3);
  // The second file: /usr/bin/gcc-12, in the tree.
  const shown = run(files, 'down', 'activate');
  assert.equal(shown.mainView, 'tree');
  assert.equal(model.analysis.tree.pathOf(cursorNode(model, shown)!), 'usr/bin/gcc-12');
  assert.equal(shown.message?.text, '/usr/bin/gcc-12: 3000 bytes, of gcc-12 1.6 (10040 bytes in 3 files, L1)');
  // Esc in the file list: the package list, the cursor where it was; Esc again: the tree.
  const back = run(files, 'down', 'back');
  assert.deepEqual([back.mainView, back.packages.open, back.list.cursor], ['packages', undefined, 1]);
  assert.equal(run(back, 'back').mainView, 'tree');
});
