// The mouse: SGR reports are taken out of the input before Ink (never keys), the wheel moves the
// list under the pointer, a click focuses and selects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { render } from 'ink-testing-library';
import { analysisOf, eventually, tick, plain } from '../helpers/ui.js';
import { Browser } from '../../src/ui/Browser.js';
import { mouseInput, splitMouse } from '../../src/ui/mouse.js';
import { paneAt } from '../../src/ui/pointer.js';
import { layoutFor } from '../../src/ui/layout.js';

const sgr = (code: number, x: number, y: number, final = 'M') => `\u001B[<${code};${x};${y}${final}`;

test('splitMouse: reports out, keys kept, a cut-off report held for the next read, Esc left alone', () => {
  const r = splitMouse(`j${sgr(0, 10, 5)}k${sgr(0, 10, 5, 'm')}${sgr(65, 3, 4)}${sgr(64, 3, 4)}${sgr(32, 11, 6)}`);
  assert.equal(r.text, 'jk');
  assert.deepEqual(
    r.events.map((e) => [e.kind, e.button, e.wheel, e.x, e.y]),
    [
      ['press', 0, undefined, 10, 5],
      ['release', 0, undefined, 10, 5],
      ['wheel', 1, 'down', 3, 4],
      ['wheel', 0, 'up', 3, 4],
      ['drag', 0, undefined, 11, 6],
    ],
  );
  assert.equal(splitMouse(`${sgr(4 + 16, 1, 1)}`).events[0]!.shift, true);
  assert.deepEqual(splitMouse('q\u001B[<0;1'), { text: 'q', events: [], rest: '\u001B[<0;1' });
  assert.deepEqual(splitMouse('\u001B'), { text: '\u001B', events: [], rest: '' });
  assert.deepEqual(splitMouse('\u001B[A'), { text: '\u001B[A', events: [], rest: '' });
});

test('mouseInput: a report split over two reads is one event and no text; raw mode goes to the terminal', async () => {
  const tty = new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
  let raw: boolean | undefined;
  Object.assign(tty, { isTTY: true, setRawMode: (on: boolean) => (raw = on) });
  const input = mouseInput(tty);
  const seen: string[] = [];
  input.events.on('mouse', (e) => seen.push(`${e.kind}@${e.x},${e.y}`));
  let text = '';
  input.stdin.on('data', (d) => (text += d));
  tty.write('a\u001B[<0;1');
  await tick(5);
  tty.write('2;7Mb');
  await tick(5);
  assert.equal(text, 'ab');
  assert.deepEqual(seen, ['press@12,7']);
  input.stdin.setRawMode(true);
  assert.equal(raw, true);
  input.close();
});

test('paneAt: the header, the layers body, the tree body below its headings, the details', () => {
  const layout = layoutFor({ columns: 80, rows: 24 }, 3);
  assert.equal(paneAt(layout, 'tree', 5, 1), undefined, 'the header line');
  assert.deepEqual(paneAt(layout, 'tree', 5, 2), { slot: 'layers', bodyRow: -2 }, 'the layers border');
  assert.deepEqual(paneAt(layout, 'tree', 5, 4), { slot: 'layers', bodyRow: 0 });
  const top = 2 + layout.layers.height;
  assert.deepEqual(paneAt(layout, 'tree', 5, top + 3), { slot: 'main', bodyRow: 0 });
  assert.equal(paneAt(layout, 'tree', layout.main.width + 2, top + 3)?.slot, 'details');
});

test('on screen: a click on a layer selects it, on a tree row focuses the tree and selects it; again: opens it; the wheel moves 3 rows', async () => {
  const mouse = new EventEmitter();
  const size = { columns: 100, rows: 30 };
  const r = render(<Browser analysis={await analysisOf()} size={size} mouse={mouse} />);
  const frame = () => plain(r.lastFrame());
  await eventually(frame, (f) => f.includes('Layers'));
  /** Clicks (or scrolls) where `text` is drawn, as the terminal would report it. */
  const at = (text: RegExp) => {
    const lines = frame().split('\n');
    const y = lines.findIndex((l) => text.test(l));
    assert.ok(y >= 0, `${text} is on screen`);
    return { x: lines[y]!.search(text) + 1, y: y + 1 };
  };
  const send = async (code: number, where: { x: number; y: number }) => {
    for (const e of splitMouse(sgr(code, where.x, where.y)).events) mouse.emit('mouse', e);
    await tick(30);
  };
  await send(0, at(/[│║] {4}0 {4}6\.61 kB/));
  let f = await eventually(frame, (x) => /Files after L0/.test(x));
  assert.match(f, /▶ Layers/);
  await send(0, at(/ usr\//));
  f = await eventually(frame, (x) => /▶ Files after L0/.test(x));
  assert.match(f, /║›\+ ▸ usr\//, 'the tree has focus, the cursor on usr/');
  await send(0, at(/ usr\//));
  f = await eventually(frame, (x) => /▾ usr\//.test(x));
  assert.match(f, /║ \+ {3}▸ bin\//, 'a second click opened it');
  // The wheel over the layers pane: three layers down (to L2, the last), focus stays in the tree.
  await send(65, at(/[│║] {4}1 /));
  f = await eventually(frame, (x) => /Files after L2/.test(x));
  assert.match(f, /▶ Files after L2/);
  await send(64, at(/[│║] {4}1 /));
  f = await eventually(frame, (x) => /Files after L0/.test(x));
  r.unmount();
});
