// What the browser puts on screen: the header (image, stage, warnings), the tree's columns and
// their headings, one meaning for a directory's size, the layers' wide mode, the first screen's
// legend of "hidden", the explain overlay, the help's key card, plurals, deep paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type React from 'react';
import { render } from 'ink-testing-library';
import { analysisOf, plain, firstFrame, keyPresser } from '../helpers/ui.js';
import { analyse, type Analysis } from '../../src/core/analysis.js';
import { Browser } from '../../src/ui/Browser.js';
import { createModel } from '../../src/ui/model.js';
import { createReducer, initialState, revealPath, type UiState } from '../../src/ui/state.js';
import { helpBox, layoutFor } from '../../src/ui/layout.js';
import type { Command } from '../../src/ui/keymap.js';
import { indentText, TreePane } from '../../src/ui/TreePane.js';
import { LayersPane, layerColumns } from '../../src/ui/LayersPane.js';
import { HelpOverlay } from '../../src/ui/HelpOverlay.js';
import { StatusBar } from '../../src/ui/StatusBar.js';
import { hiddenBytesTotals } from '../../src/ui/HiddenBytesPane.js';
import { detailLines, detailTitle } from '../../src/ui/state.js';
import { keyCard } from '../../src/ui/help.js';
import { resetPreferences, setPreferences } from '../../src/ui/preferences.js';
import { lineLength } from '../../src/ui/text.js';
import type { TarSpec } from '../helpers/tar.js';

const ESC = '\u001B';

function frameOf(node: React.ReactElement): string {
  const { lastFrame, unmount } = render(node);
  const out = plain(lastFrame());
  unmount();
  return out;
}

/** The lines of a pane's frame without its borders, trailing blanks trimmed. */
const inside = (frame: string) => frame.split('\n').map((l) => l.replace(/^[│║]|[│║]$/g, '').trimEnd());

async function setup(size = { columns: 100, rows: 30 }, analysis?: Analysis) {
  const model = createModel(analysis ?? (await analysisOf()));
  const reducer = createReducer(model);
  const state = initialState(model, size);
  const run = (s: UiState, ...commands: Command[]) => commands.reduce((acc, type) => reducer(acc, { type }), s);
  return { model, state, run, layout: layoutFor(size, model.layerCount) };
}

async function browse(analysis: Analysis, size = { columns: 100, rows: 30 }, stage?: string) {
  const r = render(<Browser analysis={analysis} size={size} {...(stage ? { stage } : {})} />);
  await firstFrame(r);
  return { ...r, press: keyPresser(r), frame: () => plain(r.lastFrame()) };
}

/** The sample image (test/helpers/ui.ts) with warnings as the sources and the walk give them. */
async function sampleWithWarnings(): Promise<Analysis> {
  const base = await analysisOf();
  return analyse({
    ...base.image,
    warnings: ['app.tar holds 2 images; analysing the first (app:1); others: web:2; choose one with app.tar:NAME'],
    summaries: base.image.summaries.map((s, i) =>
      i === 1
        ? { ...s, warnings: [{ kind: 'whiteoutOfNothing', path: '/nope', message: 'whiteout of /nope, which no lower layer has' }] }
        : s,
    ),
  });
}

test('changes only: a directory has one size, the same in the tree and in Details, and both say what it counts', async () => {
  const { model, state, run, layout } = await setup();
  // L1 in changes-only mode: /big removed (5 kB), /etc/passwd modified (now 120 B), /usr/bin/d added (50 B).
  const s = run(state, 'up', 'toggleChangesOnly', 'nextPane', 'down');
  const tree = inside(frameOf(<TreePane model={model} state={s} focused={true} box={layout.main} />));
  assert.match(tree[1]!, /^▶ Files after L1 · changes only · by size\s+3 rows$/);
  assert.match(tree[2]!, /^ {3}name {2,}changed added$/, 'the heading says the sizes are bytes changed');
  assert.deepEqual(
    tree.slice(3, 6).map((l) => l.replace(/\s+/g, ' ').trim()),
    ['- big 5 kB L0', '›~ ▸ etc/ 120 B L0', '▸ usr/ 50 B L0'],
  );
  // Details of /etc at L1: the tree's 120 B (passwd's new size), not the 130 B of every file below.
  const details = detailLines(model, s, 98)
    .map((line) => line.map((seg) => seg.text).join(''))
    .find((l) => l.startsWith('size'));
  assert.equal(details, 'size      120 B changed below by L1 (added, modified and removed files)');
  // The whole filesystem again: the subtree's bytes, said as such, and the heading says size.
  const all = run(s, 'toggleChangesOnly');
  const allDetails = detailLines(model, all, 98)
    .map((line) => line.map((seg) => seg.text).join(''))
    .find((l) => l.startsWith('size'));
  assert.equal(allDetails, 'size      130 B of files below');
  assert.match(inside(frameOf(<TreePane model={model} state={all} focused={true} box={layout.main} />))[2]!, /^ {3}name {2,}size added$/);
});

test('the header names the image and the stage, counts the warnings; ! lists them, Esc closes', async () => {
  const b = await browse(await sampleWithWarnings(), { columns: 100, rows: 30 }, 'builder');
  let frame = b.frame();
  assert.equal(frame.split('\n')[0], 'sample:latest · stage builder · 3 layers · 6.79 kB stored  ⚠ 2 warnings (! lists them)');
  frame = await b.press('!');
  const lines = inside(frame);
  assert.match(lines[2]!, /^▶ Warnings \(2\) · \? or Esc to close$/);
  assert.deepEqual(lines.slice(3, 10), [
    'The image (1)',
    'app.tar holds 2 images; analysing the first (app:1); others: web:2; choose one with app.tar:NAME',
    '',
    'Its layers (1)',
    'layer 1: whiteout of /nope, which no lower layer has',
    '',
    '',
  ]);
  frame = await b.press(ESC);
  assert.match(frame, /▶ Layers/);
  b.unmount();
  // No warnings: none counted; a long reference is cut in the middle, its tail kept.
  const base = await analysisOf();
  const long = analyse({ ...base.image, ref: `registry.example.com:5000/${'team/'.repeat(12)}app:v1.2.3` });
  const c = await browse(long, { columns: 60, rows: 20 });
  assert.equal(c.frame().split('\n')[0], 'registry.example.com:5000/team…eam/team/team/team/app:v1.2.3');
  c.unmount();
});

test('tree columns: permissions and uid:gid with headings when there is room; b (and Ctrl-B) toggles them; the config sets the default', async () => {
  const wide = { columns: 200, rows: 40 };
  const { model, state, run, layout } = await setup(wide);
  const open = run(state, 'nextPane', 'down', 'activate', 'down', 'activate');
  const rows = inside(frameOf(<TreePane model={model} state={open} focused={true} box={layout.main} />));
  assert.equal(layout.main.innerWidth, 118, 'at 200 columns the tree is 120 wide, the details 80');
  assert.match(rows[2]!, /^ {3}name {2,}mode {7}uid:gid {5}modified {14}size added$/);
  const bin = rows.find((l) => l.includes('a ') && l.includes('1 kB'))!;
  assert.match(bin, /^ - {7}a {53}-rwsr-xr-x 0:0 {9}2023-11-14 22:13 {6}1 kB {4}L0$/);
  assert.equal(bin.length, 118, 'the row uses the whole width');
  const off = run(open, 'toggleAttributes');
  assert.equal(off.files.attributes, false);
  assert.match(inside(frameOf(<TreePane model={model} state={off} focused={true} box={layout.main} />))[2]!, /^ {3}name {2,}size added$/);
  // The key map: b and Ctrl-B, in every pane.
  const reducer = createReducer(model);
  assert.equal(reducer(open, { type: 'key', name: 'ctrl-b', text: 'b' }).files.attributes, false);
  assert.equal(reducer(open, { type: 'key', name: 'b', text: 'b' }).files.attributes, false);
  // Narrow: no room, no attributes, until asked for.
  const narrow = await setup({ columns: 80, rows: 24 });
  const n = narrow.run(narrow.state, 'nextPane');
  assert.match(inside(frameOf(<TreePane model={narrow.model} state={n} focused={true} box={narrow.layout.main} />))[2]!, /size added$/);
  const asked = narrow.run(n, 'toggleAttributes');
  assert.match(
    inside(frameOf(<TreePane model={narrow.model} state={asked} focused={true} box={narrow.layout.main} />))[2]!,
    /mode\s+uid:gid\s+size added$/,
  );
  // dive's filetree.show-attributes: false (config attributes) turns the default off.
  setPreferences({ attributes: false });
  try {
    const configured = await setup(wide);
    const c = configured.run(configured.state, 'nextPane');
    assert.match(
      inside(frameOf(<TreePane model={configured.model} state={c} focused={true} box={configured.layout.main} />))[2]!,
      /^ {3}name {2,}size added$/,
    );
  } finally {
    resetPreferences();
  }
});

test("layers' wide mode: f shows the selected layer's full command below its row, the size columns folded", async () => {
  const long = `RUN ${Array.from({ length: 12 }, (_, i) => `step-${i} --with-a-long-flag`).join(' && ')}`;
  const analysis = await analysisOf(undefined, ['ADD rootfs.tar /', 'RUN apt-get install -y tools && rm /big', long]);
  const size = { columns: 100, rows: 40 };
  const { model, state, run, layout: one } = await setup(size, analysis);
  const layout = layoutFor(size, model.layerCount, true);
  assert.equal(layout.layers.bodyRows, 11, 'wide mode: the layers pane grows for the command');
  const narrowFrame = inside(frameOf(<LayersPane model={model} selected={2} scroll={0} focused={true} box={one.layers} />));
  assert.ok(narrowFrame.find((l) => l.includes('step-0'))!.endsWith('…'), 'one line: the command is cut');
  const s = run(state, 'toggleWideLayers');
  assert.equal(s.layersWide, true);
  const lines = inside(frameOf(<LayersPane model={model} selected={2} scroll={0} focused={true} wide={true} box={layout.layers} />));
  assert.match(lines[1]!, /^▶ Layers {4}size +hidden {2}command/, 'no bar, no compressed column');
  const at = lines.findIndex((l) => l.includes('step-0'));
  const start = layout.layers.innerWidth - layerColumns(layout.layers.innerWidth, true).command;
  assert.equal(lines[at]!.indexOf('RUN'), start);
  assert.equal(lines[at + 5]!.search(/\S/), start, 'continuation lines start under the command column');
  const text = lines
    .slice(at, at + 6)
    .map((l, i) => (i === 0 ? l.slice(l.indexOf('RUN')) : l.trim()))
    .join(' ');
  assert.equal(text.trim(), long, 'the whole command, wrapped over the lines below the row');
  assert.equal(run(s, 'toggleWideLayers').layersWide, false);
});

test('the first screen explains "hidden" in the status line; any key brings the hints back', async () => {
  const { model, state, run } = await setup();
  assert.equal(
    frameOf(<StatusBar model={model} state={state} width={100} />),
    'hidden = stored in a layer, unreachable in the final image  w hidden bytes (6.65 kB)  ? help  q quit',
  );
  assert.equal(
    frameOf(<StatusBar model={model} state={state} width={80} />),
    'hidden = stored in a layer, unreachable in the final image  ? help  q quit',
  );
  assert.match(
    frameOf(<StatusBar model={model} state={run(state, 'nextPane')} width={100} />),
    /^v view {2}w hidden bytes \(6\.65 kB\) {2}\/ filter/,
  );
});

test('hidden bytes: e explains hidden bytes and dive efficiency in one key; the totals line never cuts a number', async () => {
  const { model, state, run, layout } = await setup({ columns: 80, rows: 24 });
  const s = run(state, 'toggleHiddenBytes', 'explainHidden');
  assert.equal(s.help.open, true);
  assert.equal(s.help.topic, 'hiddenBytes');
  const frame = inside(frameOf(<HelpOverlay box={helpBox(layout)} scroll={0} model={model} topic="hiddenBytes" />));
  assert.match(frame[1]!, /^▶ What the numbers mean · \? or Esc to close/);
  assert.equal(frame[2], 'Hidden bytes');
  assert.ok(frame[3]!.startsWith('bytes a layer stores (and every pull downloads) that no path of the final'), frame[3]);
  assert.ok(frame.includes("dive's efficiency"));
  assert.equal(run(s, 'back').help.open, false);
  // The totals at every width: whole parts only, dive's metric named as dive's.
  const seen = new Set<string>();
  for (let width = 10; width <= 120; width++) {
    const text = hiddenBytesTotals(model, width)
      .map((seg) => seg.text)
      .join('');
    seen.add(text);
    assert.ok(text.length <= width || text === '6.65 kB hidden', `${width}: ${text}`);
  }
  assert.deepEqual(
    [...seen],
    [
      '6.65 kB hidden',
      '6.65 kB hidden in 5 paths',
      '6.65 kB hidden · dive efficiency 24.56%',
      '6.65 kB hidden in 5 paths · dive efficiency 24.56%',
      '6.65 kB hidden in 5 paths (98.0% of 6.79 kB stored) · dive efficiency 24.56%',
      '6.65 kB hidden in 5 paths (98.0% of 6.79 kB stored) · dive efficiency 24.56% (e explains)',
    ],
  );
});

test('help at 80×24: every key of the browser and its panes on the first screen, in columns, no line cut', async () => {
  const { model, layout } = await setup({ columns: 80, rows: 24 });
  const box = helpBox(layout);
  const card = keyCard(box.innerWidth);
  assert.ok(card.length <= box.bodyRows, `the key card has ${card.length} lines for ${box.bodyRows} rows`);
  for (const line of card) assert.ok(lineLength(line) <= box.innerWidth, lineLength(line).toString());
  const frame = frameOf(<HelpOverlay box={box} scroll={0} model={model} />);
  assert.doesNotMatch(frame, /…/, 'nothing is cut');
  for (const entry of ['b Ctrl-B attributes', 'w hidden bytes', 'e explain', '! warnings', 'f full commands', '[ ] layer', 'q Ctrl-C quit'])
    assert.ok(frame.includes(entry), `the first screen shows ${entry}\n${frame}`);
  // Three columns side by side.
  assert.match(frame, /║Browser {19}\S.*\S {2,}\S.*║/);
});

test('one of a thing is singular: 1 row, 1 layer', async () => {
  const analysis = await analysisOf([[{ name: 'only', content: 3 }]], ['ADD only /']);
  const { model, state, run, layout } = await setup({ columns: 100, rows: 30 }, analysis);
  assert.match(frameOf(<LayersPane model={model} selected={0} scroll={0} focused={true} box={layout.layers} />), /1 layer║/);
  const tree = frameOf(<TreePane model={model} state={run(state, 'nextPane')} focused={true} box={layout.main} />);
  assert.match(tree, /by size\s+1 row[│║]/);
  assert.equal(detailTitle(model, state), 'Layer 0 (1 of 1)');
});

test('a 10,000-level path: rows keep their width, the indent stops growing and says the depth', async () => {
  const depth = 10_000;
  const deep = `${Array.from({ length: depth }, () => 'd').join('/')}/leaf.txt`;
  const layers: TarSpec[][] = [[{ name: deep, content: 5 }]];
  const analysis = await analysisOf(layers, ['ADD deep /']);
  const { model, state, layout } = await setup({ columns: 100, rows: 30 }, analysis);
  const s = revealPath(model, state, deep);
  const box = layout.main;
  const lines = inside(frameOf(<TreePane model={model} state={s} focused={true} box={box} />));
  const cursor = lines.find((l) => l.startsWith('›'))!;
  assert.equal(cursor, '›+      ·10000   leaf.txt                        5 B    L0');
  for (const line of lines.slice(1, -1)) assert.ok(line.length <= box.innerWidth, `${line.length} columns: ${line.slice(0, 40)}`);
  assert.equal(lines[lines.indexOf(cursor) - 1], ' +       ·9999 ▾ d/                              5 B    L0');
  // Shallow rows still indent two columns a level, up to a third of the name column (38 here).
  assert.equal(indentText(6, 38), '            ');
  assert.equal(indentText(7, 38), '         ·7 ');
  assert.equal(indentText(10_000, 38), '     ·10000 ');
  const details = detailLines(model, { ...s, focus: 'main', subject: 'file' }, 60);
  assert.ok(details.length > 0);
});
