// The merged filesystem after the selected layer, windowed: only the rows that fit are described
// and drawn. Markers and colours say what the selected layer did to each path.
import type React from 'react';
import { Box, Text } from 'ink';
import { bytes } from '../report/format.js';
import { modeString, type TreeRow } from '../core/view.js';
import { TREE_WIDTHS, treeColumns, type PaneBox, type TreeColumns } from './layout.js';
import type { UiModel } from './model.js';
import { listWindow } from './list.js';
import { selectedLayer } from './panes/layers.js';
import { cursorRow, treeRows, viewOptions } from './panes/tree.js';
import type { UiState } from './shell.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { statusTone, theme } from './theme.js';
import { primaryKey } from './keymap.js';
import { cell, fitLine, plural, type Line } from './text.js';

export interface TreePaneProps {
  model: UiModel;
  state: UiState;
  focused: boolean;
  box: PaneBox;
}

const { SIZE, LAYER, MODE, OWNER, MTIME } = TREE_WIDTHS;
/** Past this share of the name column the indent stops growing and says the depth instead. */
const MAX_INDENT_SHARE = 1 / 3;

/** The indent for a depth, at most a third of the room: deeper rows say their depth (`·1234 `)
 *  instead of drawing thousands of columns of spaces (hostile images nest 10,000 deep). */
export function indentText(depth: number, room: number): string {
  const cap = Math.max(4, Math.floor(room * MAX_INDENT_SHARE));
  if (depth * 2 <= cap) return '  '.repeat(depth);
  return cell(`·${depth} `, cap, 'right');
}

function mtimeText(seconds: number): string {
  return seconds > 0 ? new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') : '';
}

export function treeLine(
  row: TreeRow,
  innerWidth: number,
  expanded: boolean,
  atCursor: boolean,
  filtering: boolean,
  columns: TreeColumns = { attributes: false, mtime: false },
): Line {
  const { symbols } = theme;
  const attrWidth = (columns.attributes ? MODE + 1 + OWNER + 1 : 0) + (columns.mtime ? MTIME + 1 : 0);
  const room = Math.max(1, innerWidth - 3 - 2 - SIZE - 1 - LAYER - attrWidth);
  const indent = indentText(row.depth, room);
  const fold = row.isDir ? (expanded ? symbols.expanded : symbols.collapsed) : symbols.leaf;
  let name = row.name + (row.isDir ? '/' : '');
  if (row.entry.linkTarget !== undefined) {
    name += ` ${symbols.link} ${row.entry.type === 'hardlink' ? `/${row.entry.linkTarget}` : row.entry.linkTarget}`;
  }
  const nameWidth = Math.max(1, room - indent.length);
  const tone = statusTone(row.status);
  const nameTone = filtering && row.match && row.status === 'unchanged' ? 'match' : tone;
  return [
    { text: atCursor ? symbols.cursor : symbols.noCursor, tone: 'accent' },
    { text: `${symbols.marker[row.status]} `, tone },
    { text: `${indent + fold} `, tone: 'dim' },
    { text: cell(name, nameWidth), tone: nameTone },
    ...(columns.attributes
      ? [
          { text: `${modeString(row.entry)} `, tone: 'dim' as const },
          { text: `${cell(`${row.entry.uid}:${row.entry.gid}`, OWNER)} `, tone: 'dim' as const },
        ]
      : []),
    ...(columns.mtime ? [{ text: `${cell(mtimeText(row.entry.mtime), MTIME)} `, tone: 'dim' as const }] : []),
    { text: `${cell(bytes(row.size), SIZE, 'right')} `, tone: row.status === 'removed' ? 'removed' : 'plain' },
    { text: cell(`L${row.addedIn}`, LAYER, 'right'), tone: 'dim' },
  ];
}

/** The column headings, aligned with treeLine's cells. In changes-only mode a directory's size
 *  is the bytes the layer changed below it, and the heading says so. */
export function treeHeading(innerWidth: number, columns: TreeColumns, changesOnly: boolean): Line {
  const attrWidth = (columns.attributes ? MODE + 1 + OWNER + 1 : 0) + (columns.mtime ? MTIME + 1 : 0);
  const room = Math.max(1, innerWidth - 3 - 2 - SIZE - 1 - LAYER - attrWidth);
  return [
    {
      text:
        `${' '.repeat(3)}${cell('name', room + 2)}` +
        (columns.attributes ? `${cell('mode', MODE)} ${cell('uid:gid', OWNER)} ` : '') +
        (columns.mtime ? `${cell('modified', MTIME)} ` : '') +
        `${cell(changesOnly ? 'changed' : 'size', SIZE, 'right')} ${cell('added', LAYER, 'right')}`,
      tone: 'dim',
    },
  ];
}

export function treeTitle(_model: UiModel, state: UiState): string {
  const parts = [`Files after L${selectedLayer(state)}`];
  const f = state.files;
  parts.push(f.changesOnly ? 'changes only' : 'all');
  const hidden = (['added', 'modified', 'removed', 'unchanged'] as const).filter((k) => !f.show[k]);
  if (hidden.length > 0) parts.push(`hiding ${hidden.join(',')}`);
  parts.push(`by ${f.sort}`);
  if (f.filterText) parts.push(`filter ${f.filterText}`);
  return parts.join(' · ');
}

export function TreePane({ model, state, focused, box }: TreePaneProps): React.JSX.Element {
  const rows = treeRows(model, state);
  const options = viewOptions(model, state);
  const at = cursorRow(model, state, rows);
  const window = listWindow(state.files.scroll, box.bodyRows, rows.length);
  const columns = treeColumns(box.innerWidth, state.files.attributes);
  const lines: React.JSX.Element[] = [];
  for (let i = window.from; i < window.to; i++) {
    const row = model.view.describe(rows.ids[i]!, rows.depths[i]!, options);
    if (!row) continue;
    const cursor = i === at;
    lines.push(
      <StyledLine
        key={row.id}
        line={treeLine(row, box.innerWidth, state.files.expanded.has(row.id), cursor, options.filter !== undefined, columns)}
        style={cursor && focused ? { inverse: true } : {}}
      />,
    );
  }
  const info = window.label || plural(rows.length, 'row');
  return (
    <Pane title={treeTitle(model, state)} info={info} focused={focused} box={box}>
      <StyledLine line={fitLine(treeHeading(box.innerWidth, columns, state.files.changesOnly), box.innerWidth)} />
      <Box flexDirection="column">{lines.length > 0 ? lines : <Text {...theme.tones.dim}>{emptyText(state)}</Text>}</Box>
    </Pane>
  );
}

function emptyText(state: UiState): string {
  if (state.files.filterText) return `  nothing matches ${state.files.filterText} here (${primaryKey('files', 'back')} clears the filter)`;
  if (state.files.changesOnly) return '  this layer changed no files';
  return '  nothing to show';
}
