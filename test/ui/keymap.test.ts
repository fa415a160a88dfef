import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  commandFor,
  hintsOf,
  hintText,
  KEY_CONTEXTS,
  KEYMAP,
  keyConflicts,
  keyLabel,
  keyName,
  keysFor,
  primaryKey,
  rowsOf,
  setKeymap,
  withOverrides,
} from '../../src/ui/keymap.js';
import { BROWSER_HELP_CONTEXTS, helpLines, keyTableMarkdown, README_KEYS_END, README_KEYS_START, withKeyTable } from '../../src/ui/help.js';
import { colourWanted, makeTheme } from '../../src/ui/theme.js';

test('key names from Ink key events', () => {
  assert.equal(keyName('', { downArrow: true }), 'down');
  assert.equal(keyName('', { upArrow: true }), 'up');
  assert.equal(keyName('', { pageDown: true }), 'pgdn');
  assert.equal(keyName('', { tab: true }), 'tab');
  assert.equal(keyName('', { tab: true, shift: true }), 'shift-tab');
  assert.equal(keyName('', { return: true }), 'enter');
  assert.equal(keyName('', { escape: true, meta: true }), 'esc');
  assert.equal(keyName('', { delete: true }), 'backspace', 'most terminals send DEL for Backspace');
  assert.equal(keyName(' ', {}), 'space');
  assert.equal(keyName('G', { shift: true }), 'G');
  assert.equal(keyName('c', { ctrl: true }), 'ctrl-c');
  assert.equal(keyName('ab', {}), undefined);
});

test('the key map: no key means two actions in a context, and no command needs Ctrl', () => {
  assert.deepEqual(keyConflicts(KEYMAP), []);
  for (const context of KEY_CONTEXTS) {
    const rows = rowsOf(context);
    assert.ok(rows.length > 0, `${context} has keys`);
    for (const row of rows) {
      for (const k of row.key) assert.equal(commandFor(k, context), row.action, `${k} in ${context}`);
      // At the prompt every printable key is text (Ctrl-C is its only way out besides Esc); the
      // build screen only stops.
      if (context !== 'prompt' && context !== 'build')
        assert.ok(
          row.key.some((k) => !k.startsWith('ctrl-')),
          `${row.action} has a plain key in ${context}`,
        );
    }
  }
  assert.equal(commandFor('j', 'prompt'), undefined, 'letters are typed at the prompt');
  // A pane inherits the browser's keys, and its own rows win.
  assert.equal(commandFor('w', 'layers'), 'toggleHiddenBytes');
  assert.equal(commandFor('l', 'files'), 'expand');
  assert.equal(commandFor('l', 'layers'), undefined);
  assert.equal(commandFor('esc', 'help'), 'closeHelp');
  assert.equal(commandFor('l', 'compare'), 'expand');
  assert.equal(commandFor('tab', 'compare'), 'nextPane');
  assert.equal(commandFor('d', 'compare'), 'toggleDifferences');
  assert.equal(commandFor('c', 'picker'), 'compare');
  assert.equal(commandFor('esc', 'picker'), 'quit');
});

test('hints come from the rows shown on screen, neighbours with one label merged', () => {
  assert.equal(hintText('compare', { separator: '  ' }), 'Enter open  Tab groups  d diffs  s sort  / filter  a b browse  ? help  q back');
  assert.equal(hintText('picker'), 'Enter open · ↑ ↓ move · c compare · q quit');
  assert.equal(hintText('prompt'), 'Enter apply · Esc cancel · ↑ history');
  assert.deepEqual(
    hintsOf('files').map((h) => `${h.keys} ${h.label}${h.always ? ' (always)' : ''}`),
    [
      'v view',
      'w hidden bytes',
      '/ filter',
      'Tab pane',
      'Space open',
      '[ ] layer',
      'c changes only',
      's sort',
      '? help (always)',
      'q quit (always)',
    ],
  );
  assert.deepEqual(
    hintsOf('hiddenBytes').map((h) => `${h.keys} ${h.label}`),
    [
      'v view',
      'e explain',
      'w back to files',
      '/ filter',
      'Tab pane',
      'Enter show in tree',
      '[ ] layer',
      'c changes only',
      's sort',
      '? help',
      'q quit',
    ],
  );
  assert.equal(keysFor('help', 'closeHelp'), '? or Esc');
  assert.equal(primaryKey('viewer', 'search'), '/');
});

test('withOverrides: new keys for an action everywhere or in one context; conflicts and unknown names refused', () => {
  const moved = withOverrides(KEYMAP, { toggleSort: ['S', 'o'], 'compare.quit': ['x'] });
  assert.deepEqual(moved.find((r) => r.action === 'toggleSort')!.key, ['S', 'o']);
  assert.deepEqual(moved.find((r) => r.context === 'compare' && r.action === 'quit')!.key, ['x']);
  assert.deepEqual(moved.find((r) => r.context === 'browser' && r.action === 'quit')!.key, ['q', 'ctrl-c']);
  // Every row of an action follows a plain action id: the panes' too.
  const down = withOverrides(KEYMAP, { down: ['J'] });
  assert.deepEqual(
    down.filter((r) => r.action === 'down').map((r) => `${r.context}:${r.key.join(',')}`),
    ['browser:J', 'layers:J', 'details:J', 'help:J', 'compare:J', 'picker:J', 'viewer:J'],
  );
  assert.equal(KEYMAP.find((r) => r.action === 'toggleSort')!.key[0], 's', 'the built-in table is not changed');
  assert.throws(() => withOverrides(KEYMAP, { toggleSort: ['j'] }), {
    name: 'KeymapError',
    message: 'keys: key j is bound to both down and toggleSort in the Browser (every pane) context',
  });
  // A pane row may not take a key the browser gives another action.
  assert.throws(() => withOverrides(KEYMAP, { expand: ['w'] }), {
    message: 'keys: key w is bound to both expand and toggleHiddenBytes in the Files pane context',
  });
  assert.throws(() => withOverrides(KEYMAP, { fly: ['f'] } as never), { message: 'keys: unknown action fly' });
  assert.throws(() => withOverrides(KEYMAP, { 'picker.toggleSort': ['s'] }), {
    message: 'keys: picker.toggleSort: no toggleSort in the picker context',
  });
  assert.throws(() => withOverrides(KEYMAP, { toggleSort: [] }), { message: 'keys: toggleSort: give at least one key' });
  assert.throws(() => withOverrides(KEYMAP, { toggleSort: ['F5'] }), { message: /^keys: toggleSort: unknown key "F5"/ });
});

test('the key map in effect can be replaced (a configuration file) and the lookups follow it', () => {
  try {
    setKeymap(withOverrides(KEYMAP, { toggleSort: ['o'] }));
    assert.equal(commandFor('o', 'files'), 'toggleSort');
    assert.equal(commandFor('s', 'files'), undefined);
    assert.ok(hintText('files').includes('o sort'));
  } finally {
    setKeymap(KEYMAP);
  }
  assert.equal(commandFor('s', 'files'), 'toggleSort');
});

test('README: the key tables are the ones generated from the key map (npm run docs:keys)', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  assert.ok(readme.includes(README_KEYS_START) && readme.includes(README_KEYS_END), 'README has the key markers');
  assert.equal(readme, withKeyTable(readme), 'README.md key tables are stale: run npm run docs:keys');
  const table = keyTableMarkdown();
  for (const row of KEYMAP) assert.ok(table.includes(row.help.replace(/\|/g, '\\|')), `README explains ${row.context}.${row.action}`);
});

test("the help text lists every key of the browser's contexts", () => {
  const text = helpLines(100)
    .map((line) => line.map((s) => s.text).join(''))
    .join('\n');
  for (const row of KEYMAP.filter((r) => BROWSER_HELP_CONTEXTS.includes(r.context))) {
    for (const k of row.key) assert.ok(text.includes(keyLabel(k)), `help lists ${keyLabel(k)}`);
    assert.ok(text.includes(row.help.slice(0, 20)), `help explains ${row.action}`);
  }
  assert.ok(text.includes('Hidden bytes\n'), 'a section per pane');
});

test('NO_COLOR (set and not empty) turns every colour off', () => {
  assert.equal(colourWanted({ NO_COLOR: '1' }), false);
  assert.equal(colourWanted({ NO_COLOR: '' }), true);
  assert.equal(colourWanted({}), true);
  const plain = makeTheme(false);
  const styles = [...Object.values(plain.tones), plain.border, plain.focusBorder];
  assert.ok(styles.every((s) => s.color === undefined));
  assert.ok(Object.values(makeTheme(true).tones).some((s) => s.color !== undefined));
});
