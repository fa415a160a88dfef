// The filter prompt: the tree follows the text as it is typed, / starts empty with the filters
// applied before one ↑ away, Ctrl-U clears, Esc goes back to the filter it opened on, a bad
// regex or size condition is said on the prompt line while typing goes on; size conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { analysisOf, eventually, tick, plain } from '../helpers/ui.js';
import { createModel } from '../../src/ui/model.js';
import { createReducer, cursorNode, initialState, type Action, type UiState } from '../../src/ui/state.js';
import type { Command } from '../../src/ui/keymap.js';
import { Browser } from '../../src/ui/Browser.js';
import { FILTER_DEBOUNCE_MS, remember, stepHistory, HISTORY_LIMIT } from '../../src/ui/filterInput.js';

const type = (text: string): Action => ({ type: 'filterType', text });

async function setup() {
  const model = createModel(await analysisOf());
  const reducer = createReducer(model);
  const state = initialState(model, { columns: 100, rows: 30 });
  const run = (s: UiState, ...actions: Array<Command | Action>): UiState =>
    actions.reduce<UiState>((acc, a) => reducer(acc, typeof a === 'string' ? { type: a } : a), s);
  const path = (s: UiState) => {
    const id = cursorNode(model, s);
    return id === undefined ? undefined : model.analysis.tree.pathOf(id);
  };
  return { state, run, path };
}

test('reducer: preview follows the text; Enter keeps it in the history; / starts empty, ↑ ↓ walk the history; Ctrl-U; Esc restores', async () => {
  const { state, run, path } = await setup();
  let s = run(state, 'filter', type('pass'));
  assert.equal(s.files.filterText, '', 'typing alone edits the text only');
  s = run(s, { type: 'filterPreview' });
  assert.equal(s.prompt, 'pass', 'the prompt stays open');
  assert.equal(s.files.filterText, 'pass', 'the tree shows the filter typed so far');
  assert.equal(path(s), 'etc/passwd', 'on its first match');
  s = run(s, 'filterApply');
  assert.deepEqual([s.prompt, s.files.filterText], [undefined, 'pass']);
  s = run(s, 'filter', type('bin'), 'filterApply');
  assert.deepEqual(s.filterInput.history, ['pass', 'bin']);
  s = run(s, 'filter');
  assert.equal(s.prompt, '', '/ starts empty');
  s = run(s, 'filterHistoryPrev');
  assert.equal(s.prompt, 'bin');
  s = run(s, 'filterHistoryPrev', 'filterHistoryPrev');
  assert.equal(s.prompt, 'pass', 'stops at the oldest');
  s = run(s, 'filterHistoryNext');
  assert.equal(s.prompt, 'bin');
  s = run(s, 'filterHistoryNext');
  assert.equal(s.prompt, '', 'past the newest: empty again');
  s = run(s, type('hosts'), { type: 'filterPreview' });
  assert.equal(s.files.filterText, 'hosts');
  assert.equal(run(s, 'filterClear').prompt, '', 'Ctrl-U clears the text');
  s = run(s, 'filterCancel');
  assert.deepEqual([s.prompt, s.files.filterText], [undefined, 'bin'], 'Esc: back to the filter the prompt opened on');
  // A bad regex: said while typing, the tree keeps the last good filter, the prompt stays open.
  s = run(s, 'filter', type('/[a/'), { type: 'filterPreview' });
  assert.equal(s.prompt, '/[a/');
  assert.match(s.filterInput.error ?? '', /^bad regular expression: /);
  assert.equal(s.files.filterText, 'bin');
  s = run(s, 'filterErase', type(']/'), { type: 'filterPreview' });
  assert.equal(s.filterInput.error, undefined, 'fixed: the error goes');
  assert.equal(s.files.filterText, '/[a]/');
  // Size conditions, with a name pattern.
  s = run(s, 'filterClear', type('bin >600'), 'filterApply');
  assert.equal(path(s), 'usr/bin/a', 'the only file under bin over 600 bytes at L2 (a 1000 B, b 500 B)');
});

test('history: newest last, each once, at most HISTORY_LIMIT; stepping', () => {
  assert.deepEqual(remember(['a', 'b'], 'a'), ['b', 'a']);
  assert.deepEqual(remember(['a'], ''), ['a']);
  assert.equal(
    remember(
      Array.from({ length: 60 }, (_, i) => `f${i}`),
      'x',
    ).length,
    HISTORY_LIMIT,
  );
  const input = { history: ['a', 'b'], at: undefined, before: '', error: undefined };
  assert.deepEqual(stepHistory(input, -1), { at: 1, text: 'b' });
  assert.equal(stepHistory(input, 1), undefined);
  assert.equal(stepHistory({ ...input, history: [] }, -1), undefined);
});

test('on screen: the tree updates as you type (no Enter), a bad regex shows inline, ↑ recalls, Ctrl-U clears', async () => {
  const analysis = await analysisOf();
  const r = render(<Browser analysis={analysis} size={{ columns: 80, rows: 24 }} />);
  const frame = () => plain(r.lastFrame());
  await eventually(frame, (f) => f.includes('Layers'));
  const type = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k);
      await tick(5);
    }
  };
  await type('/', 'h', 'o', 's');
  let f = await eventually(frame, (x) => /filter hos/.test(x), FILTER_DEBOUNCE_MS * 20);
  assert.match(f, /Files after L2 · all · by size · filter hos/, 'the tree follows before Enter');
  assert.match(f, /^\/hos█/m, 'the prompt is still open');
  assert.match(f, /›\s+hosts\s+10 B/, 'the cursor is on the first match');
  await type('\r', '/');
  f = await eventually(frame, (x) => /^\/█/m.test(x));
  assert.match(f, /^\/█ {2}Enter apply · Esc cancel · ↑ history/m, '/ starts empty');
  await type('\u001B[A');
  f = await eventually(frame, (x) => /^\/hos█/m.test(x));
  assert.match(f, /^\/hos█/m, '↑ recalls the last filter');
  await type('\u0015');
  f = await eventually(frame, (x) => /^\/█/m.test(x));
  assert.match(f, /^\/█/m, 'Ctrl-U clears');
  await type('/', '(', '/');
  f = await eventually(frame, (x) => /bad regular expression/.test(x), FILTER_DEBOUNCE_MS * 20);
  assert.match(f, /^\/\/\(\/█ {2}bad regular expression/m, 'the error is on the prompt line, the prompt stays open');
  await type('\u007F', 'x', ')', '/');
  f = await eventually(frame, (x) => /filter \/\(x\)\//.test(x), FILTER_DEBOUNCE_MS * 20);
  assert.doesNotMatch(f, /bad regular expression/);
  assert.match(f, /^\/\/\(x\)\/█/m);
  r.unmount();
});
