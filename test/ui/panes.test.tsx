// Each pane, rendered with Ink for a synthetic image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type React from 'react';
import { render } from 'ink-testing-library';
import { analysisOf, plain } from '../helpers/ui.js';
import { createModel } from '../../src/ui/model.js';
import { createReducer, detailLines, detailTitle, initialState, type UiState } from '../../src/ui/state.js';
import { layoutFor, helpBox } from '../../src/ui/layout.js';
import type { Command } from '../../src/ui/keymap.js';
import { KEYMAP, keyLabel } from '../../src/ui/keymap.js';
import { BROWSER_HELP_CONTEXTS } from '../../src/ui/help.js';
import { LayersPane } from '../../src/ui/LayersPane.js';
import { TreePane } from '../../src/ui/TreePane.js';
import { DetailsPane } from '../../src/ui/DetailsPane.js';
import { HiddenBytesPane } from '../../src/ui/HiddenBytesPane.js';
import { StatusBar } from '../../src/ui/StatusBar.js';
import { HelpOverlay } from '../../src/ui/HelpOverlay.js';
import { LoadingView } from '../../src/ui/LoadingView.js';

/** A details box wide enough that no field wraps. */
const WIDE = { width: 100, height: 40, innerWidth: 98, bodyRows: 37 };

/** The details pane as the browser draws it for `state`. */
function detailsOf(model: ReturnType<typeof createModel>, state: UiState): React.JSX.Element {
  return (
    <DetailsPane
      title={detailTitle(model, state)}
      lines={detailLines(model, state, WIDE.innerWidth)}
      scroll={state.details.scroll}
      focused={false}
      box={WIDE}
    />
  );
}

async function setup(size = { columns: 100, rows: 30 }) {
  const model = createModel(await analysisOf());
  const reducer = createReducer(model);
  const state = initialState(model, size);
  const run = (s: UiState, ...commands: Command[]) => commands.reduce((acc, type) => reducer(acc, { type }), s);
  return { model, state, run, layout: layoutFor(size, model.layerCount) };
}

function frameOf(node: React.ReactElement): string {
  const { lastFrame, unmount } = render(node);
  const out = plain(lastFrame());
  unmount();
  return out;
}

test('LayersPane: index, size, bar, hidden bytes and the command of each layer', async () => {
  const { model, state, layout } = await setup();
  const frame = frameOf(<LayersPane model={model} selected={state.layers.cursor} scroll={0} focused={true} box={layout.layers} />);
  const lines = frame.split('\n');
  assert.match(frame, /▶ Layers\s+size\s+compressed\s+hidden\s+command\s+3 layers/);
  assert.match(lines.find((l) => l.includes('ADD rootfs.tar'))!, /0\s+6\.61 kB █+\s+n\/a\s+6\.6 kB {2}ADD rootfs\.tar \//);
  assert.match(lines.find((l) => l.includes('apt-get'))!, /1\s+170 B █░+\s+n\/a\s+50 B {2}RUN apt-get install -y tools && rm \/big/);
  // L2 stores nothing hidden, but its opaque /usr/bin hid a, b and d of the layers below.
  assert.match(lines.find((l) => l.includes('make install'))!, /› +2\s+7 B █░+\s+n\/a\s+hid 1\.55 kB {2}RUN make install/);
});

test('TreePane: rows with markers, sizes and the layer that added each path', async () => {
  const { model, state, run, layout } = await setup();
  const s = run(state, 'nextPane', 'down', 'activate', 'down', 'activate');
  const frame = frameOf(<TreePane model={model} state={s} focused={true} box={layout.main} />);
  const rows = frame.split('\n').map((l) => l.replace(/[│║]/g, '').trimEnd());
  assert.match(rows[1]!, /▶ Files after L2 · all · by size\s+8 rows/);
  assert.match(rows[2]!, /^ {3}name {2,}size added$/);
  const body = rows.slice(3, 11).map((r) => r.replace(/\s+/g, ' ').trim());
  assert.deepEqual(body, [
    '▸ etc/ 130 B L0',
    '▾ usr/ 7 B L0',
    '›~ ▾ bin/ 7 B L0',
    '- a 1 kB L0',
    '- b 500 B L0',
    '- d 50 B L1',
    '+ e 7 B L2',
    '- c → a 0 B L0',
  ]);
});

test('DetailsPane: a file with type, size, mode, owner and its history across layers', async () => {
  const { model, state, run } = await setup({ columns: 120, rows: 40 });
  // /usr/bin/a after L2: removed by the opaque directory.
  const s = run(state, 'nextPane', 'down', 'activate', 'down', 'activate', 'down');
  const frame = frameOf(detailsOf(model, s));
  for (const text of [
    '/usr/bin/a',
    'status    removed by L2 (opaque)',
    'type      file',
    'size      1 kB',
    'mode      -rwsr-xr-x (4755)',
    'uid:gid   0:0',
    'added in  L0',
    'hidden    1 kB in 1 copy (L0)',
    '▸L2 removed (opaque)',
    ' L0 added 1 kB hidden',
    'RUN make install',
  ]) {
    assert.ok(frame.includes(text), `details show ${JSON.stringify(text)}\n${frame}`);
  }
  const link = run(s, 'bottom');
  const linkFrame = frameOf(detailsOf(model, link));
  assert.ok(linkFrame.includes('target    a'), linkFrame);
  assert.ok(linkFrame.includes('mode      lrw-r--r-- (0644)'), linkFrame);
});

test('DetailsPane: a layer with diffID, full command, sizes and what it changed', async () => {
  const { model, state, run } = await setup({ columns: 120, rows: 40 });
  const s = run(state, 'up');
  const frame = frameOf(detailsOf(model, s));
  const diffId = model.analysis.image.summaries[1]!.diffId;
  for (const text of [
    'Layer 1 (2 of 3)',
    'command   RUN apt-get install -y tools && rm /big',
    `diffID    ${diffId.slice(0, 30)}`,
    'size      170 B in files',
    'hidden    50 B of it unreachable in the final image',
    '+ added        1 path       50 B',
    '~ modified    3 paths      120 B',
    '- removed      1 path       5 kB',
  ]) {
    assert.ok(frame.includes(text), `layer details show ${JSON.stringify(text)}\n${frame}`);
  }
});

test('HiddenBytesPane: entries by hidden bytes with where they are stored and what hid them; totals', async () => {
  const { model, layout } = await setup();
  const frame = frameOf(<HiddenBytesPane model={model} cursor={0} scroll={0} focused={true} layout={layout} />);
  assert.ok(frame.includes('6.65 kB hidden in 5 paths · dive efficiency 24.56%'), frame);
  const rows = frame.split('\n').map((l) => l.replace(/[│║]/g, '').replace(/\s+/g, ' ').trim());
  const at = rows.findIndex((r) => r.includes('/big'));
  assert.deepEqual(rows.slice(at, at + 5), [
    '› 5 kB ×1 L0→L1 /big',
    '1 kB ×1 L0→L2 /usr/bin/a',
    '500 B ×1 L0→L2 /usr/bin/b',
    '100 B ×1 L0→L1 /etc/passwd',
    '50 B ×1 L1→L2 /usr/bin/d',
  ]);
});

test('StatusBar: hints point at the hidden bytes; the filter prompt replaces them', async () => {
  const { model, state: first, run } = await setup();
  // The first screen explains "hidden" (see the legend test); any key brings the hints.
  const state = run(first, 'nextLayer');
  assert.match(
    frameOf(<StatusBar model={model} state={state} width={100} />),
    /^w hidden bytes \(6\.65 kB\) {2}\/ filter {2}Tab pane .*\? help {2}q quit$/,
  );
  const narrow = frameOf(<StatusBar model={model} state={state} width={60} />);
  assert.ok(narrow.length <= 60 && narrow.endsWith('? help  q quit'), narrow);
  const prompt = { ...run(state, 'filter'), prompt: 'usr' };
  assert.match(frameOf(<StatusBar model={model} state={prompt} width={100} />), /^\/usr█ {2}Enter apply · Esc cancel/);
});

test('HelpOverlay lists every key of the key map', async () => {
  const { model } = await setup();
  const layout = layoutFor({ columns: 100, rows: 200 }, 3);
  const frame = frameOf(<HelpOverlay box={helpBox(layout)} scroll={0} model={model} />);
  for (const row of KEYMAP.filter((r) => BROWSER_HELP_CONTEXTS.includes(r.context)))
    for (const k of row.key) assert.ok(frame.includes(keyLabel(k)), `help shows ${keyLabel(k)}`);
  assert.ok(frame.includes('At the filter prompt'));
});

test('LoadingView: per-layer bytes read of the total with a bar, the layers being read, totals', () => {
  const frame = frameOf(
    <LoadingView
      size={{ columns: 100, rows: 30 }}
      state={{
        phase: 'reading',
        ref: 'myapp:latest',
        layers: [
          { index: 0, command: 'ADD rootfs.tar /', total: 2048, read: 2048, started: true, done: true },
          { index: 1, command: 'RUN /bin/sh -c make', total: 4096, read: 1024, started: true, done: false },
          { index: 2, command: 'COPY app /app', total: 1000, read: 0, started: false, done: false },
        ],
      }}
    />,
  );
  assert.ok(frame.includes('reading myapp:latest'), frame);
  assert.match(frame, /✓ L0\s+█+ {2}2\.05 kB \/ 2\.05 kB\s+ADD rootfs\.tar \//);
  assert.match(frame, /› L1\s+█+░+ {2}1\.02 kB \/ 4\.1 kB\s+RUN make/);
  assert.match(frame, / {2}L2\s+░+ {2}0 B \/ 1 kB/);
  assert.match(frame, /1 of 3 layers read · 3\.07 kB of 7\.14 kB \(43%\) · reading L1/);
});

test('names are escaped for the terminal: control characters show as \\xNN, never act', async () => {
  const evil = 'evil\u001B[2J\u0007name';
  const model = createModel(
    await analysisOf(
      [
        [
          { name: 'tmp', type: 'directory' },
          { name: `tmp/${evil}`, content: 5 },
        ],
      ],
      ['RUN touch \u001B[31mred'],
    ),
  );
  const reducer = createReducer(model);
  let s = initialState(model, { columns: 100, rows: 30 });
  for (const type of ['nextPane', 'activate', 'down'] as const) s = reducer(s, { type });
  const layout = layoutFor(s.size, model.layerCount);
  const tree = render(<TreePane model={model} state={s} focused={true} box={layout.main} />);
  const details = render(detailsOf(model, s));
  const layers = render(<LayersPane model={model} selected={0} scroll={0} focused={false} box={layout.layers} />);
  for (const frame of [tree.lastFrame()!, details.lastFrame()!, layers.lastFrame()!]) {
    assert.doesNotMatch(plain(frame), /[\u0000-\u0009\u000B-\u001F]/, 'no raw control characters reach the terminal');
  }
  assert.ok(plain(tree.lastFrame()).includes('evil\\x1b[2J\\x07name'), plain(tree.lastFrame()));
  assert.ok(plain(details.lastFrame()).includes('/tmp/evil\\x1b[2J\\x07name'));
  assert.ok(plain(layers.lastFrame()).includes('RUN touch \\x1b[31mred'));
  for (const r of [tree, details, layers]) r.unmount();
});

test('LoadingView: an engine pull shows per-blob progress before the layers are read', () => {
  const frame = frameOf(
    <LoadingView
      size={{ columns: 100, rows: 30 }}
      state={{
        phase: 'opening',
        pull: {
          ref: 'busybox:latest',
          lines: [
            { id: 'a1b2c3d4e5f6', status: 'Downloading', current: 500, total: 1000 },
            { status: 'Status: Downloaded newer image for busybox:latest' },
          ],
        },
      }}
    />,
  );
  assert.ok(frame.includes('Pulling busybox:latest through the engine…'), frame);
  assert.match(frame, /a1b2c3d4e5f6\s+█+░+ {2}Downloading 500 B \/ 1 kB/);
  assert.match(frame, /Status: Downloaded newer image for busybox:latest/);
});
