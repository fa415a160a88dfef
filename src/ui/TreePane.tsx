// The merged filesystem after the selected layer, windowed: only the rows that fit are described
// and drawn. Markers and colours say what the selected layer did to each path.
import type React from 'react';
import { Box, Text } from 'ink';
import { bytes } from '../report/format.js';
import type { TreeRow } from '../core/view.js';
import type { PaneBox } from './layout.js';
import type { UiModel } from './model.js';
import { listWindow } from './list.js';
import { selectedLayer } from './panes/layers.js';
import { cursorRow, treeRows, viewOptions } from './panes/tree.js';
import type { UiState } from './shell.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { statusTone, theme } from './theme.js';
import { primaryKey } from './keymap.js';
import { cell, type Line } from './text.js';

export interface TreePaneProps {
  model: UiModel;
  state: UiState;
  focused: boolean;
  box: PaneBox;
}

const SIZE = 9;
const LAYER = 4;

export function treeLine(row: TreeRow, innerWidth: number, expanded: boolean, atCursor: boolean, filtering: boolean): Line {
  const { symbols } = theme;
  const indent = '  '.repeat(row.depth);
  const fold = row.isDir ? (expanded ? symbols.expanded : symbols.collapsed) : symbols.leaf;
  let name = row.name + (row.isDir ? '/' : '');
  if (row.entry.linkTarget !== undefined) {
    name += ` ${symbols.link} ${row.entry.type === 'hardlink' ? `/${row.entry.linkTarget}` : row.entry.linkTarget}`;
  }
  const nameWidth = Math.max(1, innerWidth - 3 - indent.length - 2 - SIZE - 1 - LAYER);
  const tone = statusTone(row.status);
  const nameTone = filtering && row.match && row.status === 'unchanged' ? 'match' : tone;
  return [
    { text: atCursor ? symbols.cursor : symbols.noCursor, tone: 'accent' },
    { text: `${symbols.marker[row.status]} `, tone },
    { text: `${indent + fold} `, tone: 'dim' },
    { text: cell(name, nameWidth), tone: nameTone },
    { text: `${cell(bytes(row.size), SIZE, 'right')} `, tone: row.status === 'removed' ? 'removed' : 'plain' },
    { text: cell(`L${row.addedIn}`, LAYER, 'right'), tone: 'dim' },
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
  const lines: React.JSX.Element[] = [];
  for (let i = window.from; i < window.to; i++) {
    const row = model.view.describe(rows.ids[i]!, rows.depths[i]!, options);
    if (!row) continue;
    const cursor = i === at;
    lines.push(
      <StyledLine
        key={row.id}
        line={treeLine(row, box.innerWidth, state.files.expanded.has(row.id), cursor, options.filter !== undefined)}
        style={cursor && focused ? { inverse: true } : {}}
      />,
    );
  }
  const info = window.label || `${rows.length} rows`;
  return (
    <Pane title={treeTitle(model, state)} info={info} focused={focused} box={box}>
      <Box flexDirection="column">{lines.length > 0 ? lines : <Text {...theme.tones.dim}>{emptyText(state)}</Text>}</Box>
    </Pane>
  );
}

function emptyText(state: UiState): string {
  if (state.files.filterText) return `  nothing matches ${state.files.filterText} here (${primaryKey('files', 'back')} clears the filter)`;
  if (state.files.changesOnly) return '  this layer changed no files';
  return '  nothing to show';
}
