// dive's keys as aliases of ours: Ctrl-Space (and z) collapse/expand every directory, Ctrl-A/R/U
// the status toggles, Ctrl-F the filter, Ctrl-O the sort. Driven through stdin, as typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { analysisOf, eventually, tick, plain } from '../helpers/ui.js';
import { Browser } from '../../src/ui/Browser.js';
import { commandFor, keyName } from '../../src/ui/keymap.js';

async function browse() {
  const r = render(<Browser analysis={await analysisOf()} size={{ columns: 80, rows: 24 }} />);
  const frame = () => plain(r.lastFrame());
  await eventually(frame, (f) => f.includes('Layers'));
  const press = async (key: string, until: RegExp) => {
    r.stdin.write(key);
    await tick(10);
    return eventually(frame, (f) => until.test(f));
  };
  return { ...r, frame, press };
}

test('Ctrl-Space expands every directory, then collapses them all; z does the same', async () => {
  const b = await browse();
  let f = await b.press('\u0000', /every directory expanded/);
  for (const row of [/▾ usr\//, /▾ bin\//, /▾ etc\//, /\+\s+e\s+7 B/, /passwd\s+120 B/]) assert.match(f, row);
  f = await b.press('\u0000', /every directory collapsed/);
  assert.doesNotMatch(f, /▾/);
  assert.match(f, /▸ usr\//);
  f = await b.press('z', /every directory expanded/);
  assert.match(f, /▾ bin\//);
  f = await b.press('z', /every directory collapsed/);
  b.unmount();
});

test('Ctrl-A, Ctrl-R, Ctrl-U toggle added, removed, unchanged; Ctrl-O sorts; Ctrl-F opens the filter', async () => {
  const b = await browse();
  let f = await b.press('\u0001', /hiding added paths/);
  f = await b.press('\u0012', /hiding removed paths/);
  f = await b.press('\u0015', /hiding unchanged paths/);
  f = await b.press('\u000F', /sorted by name/);
  assert.match(f, /by name/);
  f = await b.press('\u0006', /^\/█/m);
  assert.match(f, /^\/█ {2}Enter apply/m, 'Ctrl-F: the filter prompt');
  f = await b.press('\u0015', /^\/█/m);
  assert.match(f, /^\/█/m, 'at the prompt Ctrl-U clears the text (not the unchanged toggle)');
  b.unmount();
});

test('key names: Ctrl-Space, and Ctrl-M is Enter (the same byte)', () => {
  assert.equal(keyName(' ', { ctrl: true }), 'ctrl-space');
  assert.equal(commandFor('ctrl-space', 'files'), 'toggleExpandAll');
  assert.equal(commandFor('ctrl-a', 'layers'), 'toggleAdded');
  assert.equal(commandFor('ctrl-o', 'details'), 'toggleSort');
  assert.equal(commandFor('ctrl-f', 'hiddenBytes'), 'filter');
  assert.equal(commandFor('ctrl-u', 'prompt'), 'filterClear');
  assert.equal(commandFor('ctrl-u', 'files'), 'toggleUnchanged');
});
