// One row per layer: index, size with a proportional bar, the hidden bytes it carries, and its
// command. The selected row is the layer the tree shows the filesystem after.
import type React from 'react';
import { Box } from 'ink';
import { bytes, shortCommand } from '../report/format.js';
import { sourceText } from '../core/model.js';
import type { PaneBox } from './layout.js';
import type { UiModel } from './model.js';
import { listWindow, scrollToShow } from './list.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { theme } from './theme.js';
import { bar, cell, plural, wrap, type Line } from './text.js';

export interface LayersPaneProps {
  model: UiModel;
  selected: number;
  scroll: number;
  focused: boolean;
  box: PaneBox;
  /** Wide mode: the selected layer's full command (wrapped below its row), the bar and the
   *  compressed size folded so every command gets more of the line. */
  wide?: boolean;
}

/** The hidden column: what the layer stores that is hidden, or what it hid below (`hid 81.9 kB`). */
const HIDDEN = 12;

export function layerColumns(innerWidth: number, wide = false): { bar: number; compressed: number; command: number } {
  const barWidth = wide ? 0 : innerWidth >= 90 ? 12 : innerWidth >= 60 ? 8 : 4;
  // The blob's stored (compressed) size, when there is room: what pulling the layer costs.
  const compressed = !wide && innerWidth >= 80 ? 11 : 0;
  const fixed = 2 + 3 + 2 + 9 + 1 + (barWidth > 0 ? barWidth + 1 : 0) + compressed + HIDDEN + 2;
  return { bar: barWidth, compressed, command: Math.max(0, innerWidth - fixed) };
}

/** The command shown for a layer: its Dockerfile line when we built it, else the recorded one. */
function commandText(model: UiModel, index: number, full: boolean): string {
  const info = model.analysis.image.layers[index];
  if (info?.source) return sourceText(info.source);
  const command = full ? (info?.command ?? '').replace(/\s+/g, ' ').trim() : shortCommand(info?.command ?? '');
  return command || '(no command recorded)';
}

export function layerLine(model: UiModel, index: number, innerWidth: number, selected: boolean, wide = false): Line {
  const { image, account } = model.analysis;
  const cols = layerColumns(innerWidth, wide);
  const size = image.summaries[index]!.sizeBytes;
  const hidden = account.hiddenByLayer[index] ?? 0;
  // A layer that stores nothing hidden may have hidden bytes of the layers below (a `RUN rm`).
  const hid = account.hidByLayer[index] ?? 0;
  const info = image.layers[index];
  const compressed = info?.compressedBytes ?? null;
  const command = commandText(model, index, false);
  return [
    { text: `${selected ? theme.symbols.cursor : theme.symbols.noCursor} `, tone: 'accent' },
    { text: `${cell(String(index), 3, 'right')}  `, tone: 'label' },
    { text: `${cell(bytes(size), 9, 'right')} ` },
    ...(cols.bar > 0
      ? [{ text: `${bar(size / model.maxLayerBytes, cols.bar, theme.symbols.barFull, theme.symbols.barEmpty)} `, tone: 'accent' as const }]
      : []),
    ...(cols.compressed > 0
      ? [{ text: `${cell(compressed === null ? 'n/a' : bytes(compressed), cols.compressed - 1, 'right')} `, tone: 'dim' as const }]
      : []),
    {
      text: `${cell(hidden > 0 ? bytes(hidden) : hid > 0 ? `hid ${bytes(hid)}` : '-', HIDDEN, 'right')}  `,
      tone: hidden > 0 ? 'hidden' : 'dim',
    },
    { text: cell(command, cols.command) },
  ];
}

/** Continuation lines of the selected layer's full command in wide mode (none when it fits). */
export function fullCommandLines(model: UiModel, index: number, innerWidth: number, maxLines: number): Line[] {
  const cols = layerColumns(innerWidth, true);
  const start = innerWidth - cols.command;
  const parts = wrap(commandText(model, index, true), Math.max(10, cols.command), 0);
  if (parts.length <= 1) return [];
  const shown = parts.slice(1, 1 + Math.max(0, maxLines));
  // More than the pane holds: the last line shown says so.
  if (parts.length - 1 > shown.length && shown.length > 0)
    shown[shown.length - 1] = `${shown[shown.length - 1]!.slice(0, cols.command - 1)}…`;
  return shown.map((part) => [{ text: ' '.repeat(start) + part, tone: 'plain' as const }]);
}

export function LayersPane({ model, selected, scroll, focused, box, wide = false }: LayersPaneProps): React.JSX.Element {
  const cols = layerColumns(box.innerWidth, wide);
  const count = model.layerCount;
  // Wide mode: the selected row's first line shows the start of the full command, the rest
  // follows below it; the window keeps that row in sight.
  const fullFirst = wide ? wrap(commandText(model, selected, true), Math.max(10, cols.command), 0)[0] : undefined;
  const extra = wide ? fullCommandLines(model, selected, box.innerWidth, box.bodyRows - 1) : [];
  const rows = Math.max(1, box.bodyRows - extra.length);
  const window = listWindow(wide ? scrollToShow(scroll, selected, rows, count) : scroll, rows, count, (i) => `L${i}`);
  const visible: number[] = [];
  for (let i = window.from; i < window.to; i++) visible.push(i);
  // Column headings aligned with the rows (the pane's marker takes the first two columns).
  const heading =
    `${cell('Layers', 10)}size ${cols.bar > 0 ? `${' '.repeat(cols.bar)} ` : ''}` +
    `${cols.compressed > 0 ? `${cell('compressed', cols.compressed - 1, 'right')} ` : ''}${cell('hidden', HIDDEN, 'right')}  command`;
  const lineOf = (i: number): Line => {
    const line = layerLine(model, i, box.innerWidth, i === selected, wide);
    if (i !== selected || fullFirst === undefined) return line;
    return [...line.slice(0, -1), { text: cell(fullFirst, cols.command) }];
  };
  return (
    <Pane title={heading} info={window.label || plural(count, 'layer')} focused={focused} box={box}>
      <Box flexDirection="column">
        {visible.flatMap((i) => [
          <StyledLine key={i} line={lineOf(i)} style={i === selected ? (focused ? { inverse: true } : { bold: true }) : {}} />,
          ...(i === selected ? extra.map((line, k) => <StyledLine key={`${i}.${k}`} line={line} />) : []),
        ])}
      </Box>
    </Pane>
  );
}
