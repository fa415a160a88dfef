// The browser's reducer, driven without rendering anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisOf } from '../helpers/ui.js';
import { createModel } from '../../src/ui/model.js';
import {
  createReducer,
  cursorNode,
  cursorRow,
  detailLines,
  initialState,
  treeRows,
  type Action,
  type UiState,
} from '../../src/ui/state.js';
import type { Command } from '../../src/ui/keymap.js';
import { layoutFor } from '../../src/ui/layout.js';

async function setup(size = { columns: 100, rows: 30 }) {
  const model = createModel(await analysisOf());
  const reducer = createReducer(model);
  const state = initialState(model, size);
  const run = (s: UiState, ...actions: Array<Command | Action>): UiState =>
    actions.reduce<UiState>((acc, a) => reducer(acc, typeof a === 'string' ? { type: a } : a), s);
  const path = (s: UiState) => {
    const id = cursorNode(model, s);
    return id === undefined ? undefined : model.analysis.tree.pathOf(id);
  };
  const visible = (s: UiState) => treeRows(model, s).ids.map((id) => model.analysis.tree.pathOf(id));
  return { model, reducer, state, run, path, visible };
}

const type = (text: string): Action => ({ type: 'filterType', text });

test('starts on the last layer, layers focused, tree sorted by size, nothing expanded', async () => {
  const { state, visible } = await setup();
  assert.equal(state.layers.cursor, 2);
  assert.equal(state.focus, 'layers');
  assert.equal(state.subject, 'layer');
  assert.equal(state.mainView, 'tree');
  assert.equal(state.files.sort, 'size');
  assert.deepEqual(visible(state), ['etc', 'usr']);
});

test('in Layers, up/down/top/bottom select the layer the tree shows; [ and ] do it from any pane', async () => {
  const { state, run, visible } = await setup();
  assert.equal(run(state, 'up').layers.cursor, 1);
  assert.deepEqual(visible(run(state, 'up')), ['big', 'usr', 'etc']);
  assert.equal(run(state, 'top').layers.cursor, 0);
  assert.equal(run(state, 'top', 'up').layers.cursor, 0);
  assert.equal(run(state, 'top', 'bottom').layers.cursor, 2);
  assert.equal(run(state, 'down').layers.cursor, 2);
  const inTree = run(state, 'nextPane', 'prevLayer', 'prevLayer');
  assert.equal(inTree.layers.cursor, 0);
  assert.equal(inTree.focus, 'main');
  assert.equal(run(inTree, 'nextLayer').layers.cursor, 1);
});

test('Tab and Shift-Tab cycle the panes; the details follow the layers or the tree', async () => {
  const { state, run } = await setup();
  const s1 = run(state, 'nextPane');
  assert.deepEqual([s1.focus, s1.subject], ['main', 'file']);
  const s2 = run(s1, 'nextPane');
  assert.deepEqual([s2.focus, s2.subject], ['details', 'file']);
  assert.equal(run(s2, 'nextPane').focus, 'layers');
  assert.equal(run(state, 'prevPane').focus, 'details');
  assert.equal(run(state, 'prevPane').subject, 'layer');
  // Enter on a layer opens its tree.
  assert.deepEqual([run(state, 'activate').focus, run(state, 'activate').subject], ['main', 'file']);
});

test('tree: move, expand, step in, collapse, go to parent', async () => {
  const { state, run, path, visible } = await setup();
  let s = run(state, 'nextPane');
  assert.equal(path(s), 'etc');
  s = run(s, 'down');
  assert.equal(path(s), 'usr');
  s = run(s, 'expand');
  assert.deepEqual(visible(s), ['etc', 'usr', 'usr/bin']);
  assert.equal(path(s), 'usr');
  s = run(s, 'expand');
  assert.equal(path(s), 'usr/bin', 'expand on an open directory steps into it');
  s = run(s, 'activate');
  assert.deepEqual(visible(s), ['etc', 'usr', 'usr/bin', 'usr/bin/a', 'usr/bin/b', 'usr/bin/d', 'usr/bin/e', 'usr/bin/c']);
  s = run(s, 'bottom');
  assert.equal(path(s), 'usr/bin/c');
  s = run(s, 'collapse');
  assert.equal(path(s), 'usr/bin', 'collapse on a file goes to its parent');
  s = run(s, 'collapse');
  assert.deepEqual(visible(s), ['etc', 'usr', 'usr/bin']);
  s = run(s, 'activate');
  assert.equal(visible(s).length, 8);
  s = run(s, 'top');
  assert.equal(path(s), 'etc');
  // Expanding a file does nothing.
  const file = run(s, 'expand', 'expand');
  assert.equal(path(file), 'etc/passwd');
  assert.equal(run(file, 'expand').files.expanded, file.files.expanded);
  assert.equal(path(run(file, 'expand')), 'etc/passwd');
});

test('changing layers keeps the cursor on its path, or on the nearest shown ancestor meanwhile', async () => {
  const { state, run, path } = await setup();
  let s = run(state, 'nextPane', 'down', 'expand', 'expand', 'activate');
  while (path(s) !== 'usr/bin/e') s = run(s, 'down');
  s = run(s, 'prevLayer');
  assert.equal(s.layers.cursor, 1);
  assert.equal(path(s), 'usr/bin', 'e does not exist after L1');
  s = run(s, 'nextLayer');
  assert.equal(path(s), 'usr/bin/e');
});

test('filter prompt: typed text, Enter jumps to the first match, n/N cycle, bad regex keeps the prompt', async () => {
  const { state, run, path } = await setup();
  let s = run(state, 'filter');
  assert.equal(s.prompt, '');
  s = run(s, type('bi'), type('n'), 'filterErase', type('n'));
  assert.equal(s.prompt, 'bin');
  // Keys the prompt does not bind are ignored while it is open.
  assert.equal(run(s, 'down').prompt, 'bin');
  s = run(s, 'filterApply');
  assert.equal(s.prompt, undefined);
  assert.equal(s.files.filterText, 'bin');
  assert.equal(s.focus, 'main');
  assert.equal(path(s), 'usr/bin');
  assert.match(s.message?.text ?? '', /match 1 of 6/);
  s = run(s, 'nextMatch');
  assert.equal(path(s), 'usr/bin/a');
  s = run(s, 'prevMatch', 'prevMatch');
  assert.equal(path(s), 'usr/bin/c', 'wraps around (matches in display order: by size, c is last)');
  const bad = run(s, 'filter', 'filterErase', 'filterErase', 'filterErase', type('/[/'), 'filterApply');
  assert.equal(bad.prompt, '/[/');
  assert.match(bad.filterInput.error ?? '', /^bad regular expression/, 'said on the prompt line; the prompt stays open');
  assert.equal(run(bad, 'filterCancel').files.filterText, 'bin');
  const cleared = run(s, 'back');
  assert.equal(cleared.files.filterText, '');
  const none = run(state, 'filter', type('nothing-like-this'), 'filterApply');
  assert.equal(none.message?.tone, 'error');
  assert.equal(run(state, 'nextMatch').message?.tone, 'error');
});

test('hidden bytes: w opens the list, Enter jumps to the largest hidden copy at its layer', async () => {
  const { state, run, path, model } = await setup();
  let s = run(state, 'toggleHiddenBytes');
  assert.deepEqual([s.mainView, s.focus, s.subject], ['hiddenBytes', 'main', 'hiddenBytes']);
  assert.equal(model.analysis.account.entries[s.hiddenBytes.cursor]!.path, 'big');
  s = run(s, 'activate');
  assert.deepEqual([s.mainView, s.focus, s.subject, s.layers.cursor], ['tree', 'main', 'file', 0]);
  assert.equal(path(s), 'big');
  assert.match(s.message?.text ?? '', /\/big: largest hidden copy in L0, hidden by L1/);
  // The third entry is /usr/bin/b: its ancestors get expanded.
  s = run(state, 'toggleHiddenBytes', 'down', 'down', 'activate');
  assert.equal(path(s), 'usr/bin/b');
  assert.equal(s.layers.cursor, 0);
  // The jump clears a filter that would hide the path.
  const filtered = run(state, 'filter', type('etc'), 'filterApply', 'toggleHiddenBytes', 'activate');
  assert.equal(path(filtered), 'big');
  assert.equal(filtered.files.filterText, '');
  // w again (or Esc) goes back to the tree.
  assert.equal(run(state, 'toggleHiddenBytes', 'toggleHiddenBytes').mainView, 'tree');
  assert.equal(run(state, 'toggleHiddenBytes', 'back').mainView, 'tree');
});

test('toggles: sort, changes only, statuses', async () => {
  const { state, run, visible } = await setup();
  assert.equal(run(state, 'toggleSort').files.sort, 'name');
  assert.deepEqual(visible(run(state, 'toggleSort')), ['etc', 'usr']);
  const changes = run(state, 'up', 'toggleChangesOnly');
  assert.equal(changes.files.changesOnly, true);
  assert.deepEqual(visible(changes), ['big', 'etc', 'usr']);
  assert.deepEqual(visible(run(changes, 'toggleRemoved')), ['etc', 'usr']);
  assert.equal(run(state, 'toggleAdded').files.show.added, false);
  assert.equal(run(state, 'toggleModified').files.show.modified, false);
  assert.equal(run(state, 'toggleUnchanged').files.show.unchanged, false);
  assert.equal(run(state, 'toggleUnchanged', 'toggleUnchanged').files.show.unchanged, true);
});

test('help overlay: ? opens, Esc or ? closes, other keys wait; q quits from anywhere', async () => {
  const { state, run } = await setup({ columns: 80, rows: 24 });
  const help = run(state, 'toggleHelp');
  assert.equal(help.help.open, true);
  assert.equal(run(help, 'nextPane').focus, 'layers');
  assert.equal(run(help, 'down').help.scroll, 1);
  assert.equal(run(help, 'bottom', 'top').help.scroll, 0);
  assert.equal(run(help, 'back').help.open, false);
  assert.equal(run(help, 'toggleHelp').help.open, false);
  assert.equal(run(help, 'quit').quit, true);
  assert.equal(run(state, 'filter', 'quit').quit, true);
});

test('windowing: the tree scroll follows the cursor and the terminal size', async () => {
  // 14 rows: the header, the status line, the layers (4), the tree's title and column headings.
  const { model, state, run } = await setup({ columns: 40, rows: 14 });
  const layout = layoutFor(state.size, model.layerCount);
  assert.equal(layout.main.bodyRows, 3);
  let s = run(state, 'top', 'nextPane', 'down', 'activate', 'down', 'activate', 'bottom', 'activate');
  assert.equal(treeRows(model, s).length, 9);
  s = run(s, 'bottom');
  assert.equal(cursorRow(model, s), 8);
  assert.equal(s.files.scroll, 6);
  s = run(s, 'top');
  assert.equal(s.files.scroll, 0);
  s = run(s, 'pageDown');
  assert.equal(cursorRow(model, s), 2);
  s = run(s, 'bottom', { type: 'resize', columns: 100, rows: 40 });
  assert.equal(s.files.scroll, 0, 'everything fits after the resize');
  assert.equal(s.size.columns, 100);
});

test('details pane scrolls within its text when focused', async () => {
  const { model, state, run } = await setup({ columns: 60, rows: 14 });
  const layout = layoutFor(state.size, model.layerCount);
  let s = run(state, 'prevPane');
  assert.equal(s.focus, 'details');
  const total = detailLines(model, s, layout.details.innerWidth).length;
  assert.ok(total > layout.details.bodyRows, `layer details (${total} lines) overflow ${layout.details.bodyRows} rows`);
  s = run(s, 'down', 'down');
  assert.equal(s.details.scroll, 2);
  s = run(s, 'bottom');
  assert.equal(s.details.scroll, total - layout.details.bodyRows);
  s = run(s, 'down');
  assert.equal(s.details.scroll, total - layout.details.bodyRows);
  // Moving to another layer starts its details at the top.
  assert.equal(run(s, 'prevLayer').details.scroll, 0);
});

test('keys go through the key map in the current context; keys read together are taken one by one', async () => {
  const { state, run, path } = await setup();
  const key = (name: string | undefined, text = name ?? ''): Action => ({ type: 'key', name, text });
  assert.equal(run(state, key('k')).layers.cursor, 1);
  assert.equal(run(state, key(undefined, 'kk')).layers.cursor, 0);
  // "/" opens the prompt, so the rest of the same read is text.
  const typed = run(state, key(undefined, '/pass'));
  assert.equal(typed.prompt, 'pass');
  const applied = run(typed, key('enter', '\r'));
  assert.equal(path(applied), 'etc/passwd');
  assert.equal(run(state, key(undefined, '/ab\r')).files.filterText, 'ab');
  assert.equal(run(state, key('/'), key('space', ' ')).prompt, ' ');
  assert.equal(run(state, key('/'), key('q')).prompt, 'q', 'q is text at the prompt');
  assert.equal(run(state, key('/'), key('esc', '')).prompt, undefined);
  assert.equal(run(state, key('ctrl-c', '')).quit, true);
  assert.deepEqual(run(state, key('X')), state, 'unbound keys do nothing');
});
