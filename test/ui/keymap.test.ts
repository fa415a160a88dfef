import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandFor, KEYMAP, keyLabel, keyName } from '../../src/ui/keymap.js';
import { helpLines } from '../../src/ui/help.js';
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

test('the key map: no key bound twice in a context, and no command needs Ctrl', () => {
  for (const context of ['browse', 'prompt'] as const) {
    const seen = new Set<string>();
    for (const row of KEYMAP.filter((r) => r.context === context)) {
      for (const k of row.key) {
        assert.ok(!seen.has(k), `${k} bound twice in ${context}`);
        seen.add(k);
        assert.equal(commandFor(k, context), row.action);
      }
      // At the prompt every printable key is text: Esc, then q, quits from there.
      if (context === 'browse')
        assert.ok(
          row.key.some((k) => !k.startsWith('ctrl-')),
          `${row.action} has a plain key`,
        );
    }
  }
  assert.equal(commandFor('j', 'prompt'), undefined, 'letters are typed at the prompt');
});

test('the help text lists every key of the table', () => {
  const text = helpLines(100)
    .map((line) => line.map((s) => s.text).join(''))
    .join('\n');
  for (const row of KEYMAP) {
    for (const k of row.key) assert.ok(text.includes(keyLabel(k)), `help lists ${keyLabel(k)}`);
    assert.ok(text.includes(row.help.slice(0, 20)), `help explains ${row.action}`);
  }
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
