// One row per layer: index, size with a proportional bar, the hidden bytes it carries, and its
// command. The selected row is the layer the tree shows the filesystem after.
import type React from 'react';
import { Box } from 'ink';
import { bytes, shortCommand } from '../report/format.js';
import { sourceText } from '../core/model.js';
import type { PaneBox } from './layout.js';
import type { UiModel } from './model.js';
import { listWindow } from './list.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { theme } from './theme.js';
import { bar, cell, type Line } from './text.js';

export interface LayersPaneProps {
  model: UiModel;
  selected: number;
  scroll: number;
  focused: boolean;
  box: PaneBox;
}

/** The hidden column: what the layer stores that is hidden, or what it hid below (`hid 81.9 kB`). */
const HIDDEN = 12;

export function layerColumns(innerWidth: number): { bar: number; compressed: number; command: number } {
  const barWidth = innerWidth >= 90 ? 12 : innerWidth >= 60 ? 8 : 4;
  // The blob's stored (compressed) size, when there is room: what pulling the layer costs.
  const compressed = innerWidth >= 80 ? 11 : 0;
  const fixed = 2 + 3 + 2 + 9 + 1 + barWidth + 1 + compressed + HIDDEN + 2;
  return { bar: barWidth, compressed, command: Math.max(0, innerWidth - fixed) };
}

export function layerLine(model: UiModel, index: number, innerWidth: number, selected: boolean): Line {
  const { image, account } = model.analysis;
  const cols = layerColumns(innerWidth);
  const size = image.summaries[index]!.sizeBytes;
  const hidden = account.hiddenByLayer[index] ?? 0;
  // A layer that stores nothing hidden may have hidden bytes of the layers below (a `RUN rm`).
  const hid = account.hidByLayer[index] ?? 0;
  const info = image.layers[index];
  const compressed = info?.compressedBytes ?? null;
  const command = info?.source ? sourceText(info.source) : shortCommand(info?.command ?? '') || '(no command recorded)';
  return [
    { text: `${selected ? theme.symbols.cursor : theme.symbols.noCursor} `, tone: 'accent' },
    { text: `${cell(String(index), 3, 'right')}  `, tone: 'label' },
    { text: `${cell(bytes(size), 9, 'right')} ` },
    { text: `${bar(size / model.maxLayerBytes, cols.bar, theme.symbols.barFull, theme.symbols.barEmpty)} `, tone: 'accent' },
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

export function LayersPane({ model, selected, scroll, focused, box }: LayersPaneProps): React.JSX.Element {
  const cols = layerColumns(box.innerWidth);
  const count = model.layerCount;
  const window = listWindow(scroll, box.bodyRows, count, (i) => `L${i}`);
  const visible: number[] = [];
  for (let i = window.from; i < window.to; i++) visible.push(i);
  // Column headings aligned with the rows (the pane's marker takes the first two columns).
  const heading =
    `${cell('Layers', 10)}size ${' '.repeat(cols.bar)} ` +
    `${cols.compressed > 0 ? `${cell('compressed', cols.compressed - 1, 'right')} ` : ''}${cell('hidden', HIDDEN, 'right')}  command`;
  return (
    <Pane title={heading} info={window.label || `${count} layers`} focused={focused} box={box}>
      <Box flexDirection="column">
        {visible.map((i) => (
          <StyledLine
            key={i}
            line={layerLine(model, i, box.innerWidth, i === selected)}
            style={i === selected ? (focused ? { inverse: true } : { bold: true }) : {}}
          />
        ))}
      </Box>
    </Pane>
  );
}
