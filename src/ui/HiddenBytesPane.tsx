// Hidden bytes: every path with stored copies unreachable in the final image, most bytes first,
// with the layer that stores the largest copy and the layer that hid it. Enter jumps there.
import type React from 'react';
import { Box, Text } from 'ink';
import { displayPath } from '../core/model.js';
import { bytes, hiddenCopiesText, percent } from '../report/format.js';
import { hiddenBytesBodyRows, type Layout } from './layout.js';
import type { UiModel } from './model.js';
import { listWindow } from './list.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { theme } from './theme.js';
import { primaryKey } from './keymap.js';
import { cell, lineLength, plural, type Line } from './text.js';

export interface HiddenBytesPaneProps {
  model: UiModel;
  cursor: number;
  scroll: number;
  focused: boolean;
  layout: Layout;
}

const BYTES = 9;
const COUNT = 4;
const WHERE = 11;

export function hiddenLine(model: UiModel, index: number, innerWidth: number, atCursor: boolean): Line {
  const entry = model.analysis.account.entries[index]!;
  // Every hidden copy: the layer that stores it → the layer that hid it.
  const where = hiddenCopiesText(entry.copies);
  return [
    { text: `${atCursor ? theme.symbols.cursor : theme.symbols.noCursor} `, tone: 'accent' },
    { text: `${cell(bytes(entry.bytes), BYTES, 'right')} `, tone: 'hidden' },
    { text: `${cell(`×${entry.count}`, COUNT, 'right')} ` },
    { text: `${cell(where, WHERE)} `, tone: 'label' },
    { text: cell(displayPath(entry.path), Math.max(1, innerWidth - 2 - BYTES - 1 - COUNT - 1 - WHERE - 1)) },
  ];
}

/** The totals line, fitted to `width` by leaving out whole parts (never a number cut in two):
 *  the share first, then the path count; dive's efficiency, labelled as dive's (it is not the
 *  complement of the hidden share), goes last of all. */
export function hiddenBytesTotals(model: UiModel, width: number): Line {
  const { account, dive } = model.analysis;
  const share = account.storedBytes > 0 ? account.hiddenBytes / account.storedBytes : 0;
  const head: Line = [{ text: `${bytes(account.hiddenBytes)} hidden`, tone: 'hidden' }];
  const paths: Line = [{ text: ` in ${plural(account.entries.length, 'path')}` }];
  const of: Line = [{ text: ` (${percent(share)} of ${bytes(account.storedBytes)} stored)` }];
  const diveEff: Line = [
    { text: ' · ' },
    { text: `dive efficiency ${percent(dive.efficiency, 2)}`, tone: 'label' },
    { text: ` (${primaryKey('hiddenBytes', 'explainHidden')} explains)`, tone: 'dim' },
  ];
  const candidates: Line[] = [
    [...head, ...paths, ...of, ...diveEff],
    [...head, ...paths, ...of, ...diveEff.slice(0, 2)],
    [...head, ...paths, ...diveEff.slice(0, 2)],
    [...head, ...diveEff.slice(0, 2)],
    [...head, ...paths],
    head,
  ];
  return candidates.find((line) => lineLength(line) <= width) ?? head;
}

export function hiddenBytesSummary(model: UiModel, width = Number.POSITIVE_INFINITY): Line[] {
  return [
    hiddenBytesTotals(model, width),
    [
      {
        text: `${' '.repeat(2)}${cell('bytes', BYTES, 'right')} ${cell('copy', COUNT, 'right')} ${cell('in→hid by', WHERE)} path`,
        tone: 'dim',
      },
    ],
  ];
}

export function HiddenBytesPane({ model, cursor, scroll, focused, layout }: HiddenBytesPaneProps): React.JSX.Element {
  const box = layout.main;
  const entries = model.analysis.account.entries;
  const rows = hiddenBytesBodyRows(layout);
  const window = listWindow(scroll, rows, entries.length);
  const lines: React.JSX.Element[] = [];
  for (let i = window.from; i < window.to; i++) {
    lines.push(
      <StyledLine
        key={i}
        line={hiddenLine(model, i, box.innerWidth, i === cursor)}
        style={i === cursor && focused ? { inverse: true } : {}}
      />,
    );
  }
  return (
    <Pane
      title="Hidden bytes (largest first)"
      info={window.label || `${primaryKey('hiddenBytes', 'activate')}: show in tree`}
      focused={focused}
      box={box}
    >
      {hiddenBytesSummary(model, box.innerWidth).map((line, i) => (
        <StyledLine key={`h${i}`} line={line} />
      ))}
      <Box flexDirection="column">
        {lines.length > 0 ? lines : <Text {...theme.tones.dim}> No hidden bytes: every stored file is reachable in the final image.</Text>}
      </Box>
    </Pane>
  );
}
