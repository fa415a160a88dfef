// The whole screen driven by keys through stdin, as a user would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import type { Key } from 'ink';
import { analysisOf, eventually, plain, firstFrame, keyPresser } from '../helpers/ui.js';
import { Browser } from '../../src/ui/Browser.js';
import { App } from '../../src/ui/App.js';
import { KEYMAP, keyLabel } from '../../src/ui/keymap.js';
import { BROWSER_HELP_CONTEXTS } from '../../src/ui/help.js';
import type { Analysis } from '../../src/core/analysis.js';

const DOWN = '\u001B[B';
const UP = '\u001B[A';
const ESC = '\u001B';

async function browse(size = { columns: 100, rows: 30 }) {
  const analysis = await analysisOf();
  const r = render(<Browser analysis={analysis} size={size} />);
  await firstFrame(r);
  const press = keyPresser(r);
  /** The tree row the cursor is on (its text, squeezed): the tree is the left 60% below the layers. */
  const cursorLine = (frame: string) =>
    frame
      .split('\n')
      .map((l) => l.slice(0, Math.round(size.columns * 0.6)).replace(/[│║╔╗╚╝┌┐└┘]/g, ' '))
      .find((l) => /^\s*›/.test(l) && !/^\s*›\s+\d+\s/.test(l))
      ?.replace(/\s+/g, ' ')
      .trim();
  return { ...r, press, frame: () => plain(r.lastFrame()), cursorLine };
}

test('arrows and vim keys move; Tab moves focus; Enter and Space expand', async () => {
  const b = await browse();
  let frame = b.frame();
  assert.match(frame, /▶ Layers/);
  assert.match(frame, /Files after L2/);
  frame = await b.press(UP);
  assert.match(frame, /Files after L1/, 'moving in Layers selects the layer');
  assert.match(frame, /-\s+big\s+5 kB/, 'the whiteout at L1 shows /big as removed');
  frame = await b.press('j');
  assert.match(frame, /Files after L2/);
  frame = await b.press('\t');
  assert.match(frame, /▶ Files after L2/);
  assert.equal(b.cursorLine(frame), '› ▸ etc/ 130 B L0');
  frame = await b.press(DOWN, '\r');
  assert.equal(b.cursorLine(frame), '› ▾ usr/ 7 B L0');
  assert.match(frame, /~\s+▸ bin\//);
  frame = await b.press('j', ' ');
  assert.match(frame, /\+\s+e\s/);
  frame = await b.press('G');
  assert.equal(b.cursorLine(frame), '›- c → a 0 B L0');
  frame = await b.press('h');
  assert.equal(b.cursorLine(frame), '›~ ▾ bin/ 7 B L0');
  frame = await b.press('g', 'k');
  assert.equal(b.cursorLine(frame), '› ▸ etc/ 130 B L0');
  frame = await b.press('\u001B[Z');
  assert.match(frame, /▶ Layers/, 'Shift-Tab goes back');
  b.unmount();
});

test('/ filters and jumps to the first match; n moves to the next; Esc clears', async () => {
  const b = await browse();
  let frame = await b.press('/');
  assert.match(frame, /^\/█ {2}Enter apply/m);
  frame = await b.press('p', 'a', 's', 's');
  assert.match(frame, /^\/pass█/m);
  frame = await b.press('\r');
  assert.match(frame, /Files after L2 · all · by size · filter pass/);
  assert.match(frame, /▶ Files/);
  assert.equal(b.cursorLine(frame), '› passwd 120 B L0');
  assert.match(frame, /match 1 of 1/);
  frame = await b.press('/', '\u007F', '\u007F', '\u007F', '\u007F', 'b', 'i', 'n', '\r');
  assert.equal(b.cursorLine(frame), '›~ ▸ bin/ 7 B L0');
  frame = await b.press('n');
  assert.equal(b.cursorLine(frame), '›- a 1 kB L0');
  frame = await b.press('N', 'N');
  assert.equal(b.cursorLine(frame), '›- c → a 0 B L0');
  frame = await b.press(ESC);
  assert.match(frame, /filter cleared/);
  assert.doesNotMatch(frame, /· filter /);
  b.unmount();
});

test('w opens hidden bytes; Enter jumps to the largest hidden copy at its layer', async () => {
  const b = await browse();
  let frame = await b.press('w');
  assert.match(frame, /▶ Hidden bytes \(largest first\)/);
  assert.match(frame, /› +5 kB +×1 L0→L1 +\/big/);
  assert.match(frame, /hidden by L1: removed \(whiteout\)/);
  frame = await b.press(DOWN, '\r');
  assert.match(frame, /▶ Files after L0/);
  assert.equal(b.cursorLine(frame), '›+ a 1 kB L0');
  assert.match(frame, /\/usr\/bin\/a: largest hidden copy in L0, hidden by L2/);
  assert.match(frame, /status {4}added by L0/);
  b.unmount();
});

test('? shows help generated from the key map; Esc closes it', async () => {
  const b = await browse({ columns: 100, rows: 200 });
  let frame = await b.press('?');
  for (const row of KEYMAP.filter((r) => BROWSER_HELP_CONTEXTS.includes(r.context)))
    for (const k of row.key) assert.ok(frame.includes(keyLabel(k)), `help lists ${keyLabel(k)}`);
  assert.match(frame, /Help · \? or Esc to close/);
  frame = await b.press(ESC);
  assert.doesNotMatch(frame, /Help ·/);
  assert.match(frame, /▶ Layers/);
  b.unmount();
});

test('c, s, r toggles show in the tree title', async () => {
  const b = await browse();
  let frame = await b.press('c');
  assert.match(frame, /Files after L2 · changes only · by size/);
  frame = await b.press('s', 'r');
  assert.match(frame, /Files after L2 · changes only · hiding removed · by name/);
  b.unmount();
});

test('the layout follows the terminal size (resize events)', async () => {
  const analysis = await analysisOf();
  const r = render(<Browser analysis={analysis} />);
  await eventually(
    () => r.frames.length,
    (n) => n > 0,
  );
  const resize = async (columns: number, rows: number) => {
    Object.defineProperty(r.stdout, 'columns', { value: columns, configurable: true });
    Object.defineProperty(r.stdout, 'rows', { value: rows, configurable: true });
    r.stdout.emit('resize');
    // Ink throttles frames after a resize: wait for one drawn at the new width.
    const frame = await eventually(
      () => plain(r.lastFrame()),
      (f) => f.split('\n').some((l) => l.length === columns) && f.split('\n').every((l) => l.length <= columns),
    );
    return frame.split('\n');
  };
  let lines = await resize(80, 24);
  assert.equal(lines.length, 23, 'one row short of the terminal, so it never scrolls');
  assert.equal(Math.max(...lines.map((l) => l.length)), 80);
  lines = await resize(60, 16);
  assert.equal(lines.length, 15);
  assert.equal(Math.max(...lines.map((l) => l.length)), 60);
  lines = await resize(30, 8);
  assert.match(lines.join('\n'), /Terminal too small \(30x8\)/);
  r.unmount();
});

test('App: loading progress, then the browser; a failed load is one line and reported', async () => {
  const analysis = await analysisOf();
  let release: (a: Analysis) => void = () => undefined;
  const r = render(
    <App
      size={{ columns: 100, rows: 30 }}
      load={(hooks) => {
        hooks.onOpen?.({
          ref: 'sample:latest',
          layers: [0, 1, 2].map((index) => ({ index, blobSize: 1000, command: `RUN step ${index}` })),
        });
        hooks.onProgress?.({ layer: 0, blobBytesRead: 1000, blobBytesTotal: 1000, done: true });
        hooks.onProgress?.({ layer: 1, blobBytesRead: 500, blobBytesTotal: 1000, done: false });
        return new Promise((resolve) => (release = resolve));
      }}
    />,
  );
  let frame = await eventually(
    () => plain(r.lastFrame()),
    (f) => f.includes('reading sample:latest'),
  );
  assert.match(frame, /1 of 3 layers read · 1.5 kB of 3 kB \(50%\) · reading L1/);
  release(analysis);
  frame = await eventually(
    () => plain(r.lastFrame()),
    (f) => f.includes('▶ Layers'),
  );
  assert.match(frame, /▶ Layers/);
  r.unmount();

  let reported = '';
  const failed = render(<App load={() => Promise.reject(new Error('no such image:\n  nope'))} onError={(_e, m) => (reported = m)} />);
  await eventually(
    () => reported,
    (m) => m !== '',
  );
  assert.equal(reported, 'no such image: nope');
  // The app exits right after drawing the line (Ink may write a last empty frame when it sees CI=true).
  assert.ok(failed.frames.some((f) => plain(f).includes('layerscope: no such image: nope')));
  failed.unmount();
});

test('keys pressed before the browser listens (App keeps them) are handled in order when it starts', async () => {
  const analysis = await analysisOf();
  let taken = 0;
  const takeEarlyKeys = () => {
    taken += 1;
    // A Tab, then j: only the fields keyName reads are set.
    return [
      ['\t', { tab: true }],
      ['j', {}],
    ] as unknown as Array<[string, Key]>;
  };
  const r = render(<Browser analysis={analysis} size={{ columns: 100, rows: 30 }} takeEarlyKeys={takeEarlyKeys} />);
  const frame = await eventually(
    () => plain(r.lastFrame()),
    (f) => /▶ Files after L2/.test(f),
  );
  assert.match(frame, /▶ Files after L2/, 'Tab moved the focus to the tree');
  assert.equal(taken, 1, 'taken once');
  r.unmount();
});
