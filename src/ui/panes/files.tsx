// The file tree pane: its slice (./tree.ts), its keys (expand, collapse, the status toggles, the
// sort), the details of the path under its cursor, and how it is drawn (TreePane).
import { SHOW_ALL } from '../../core/view.js';
import { pathLines } from '../details.js';
import { clampMove, listWindow, scrollToShow, stepOf } from '../list.js';
import { layoutFor, treeColumns } from '../layout.js';
import type { UiModel } from '../model.js';
import { preferences } from '../preferences.js';
import { note, type PaneSpec, type UiState } from '../shell.js';
import { TreePane } from '../TreePane.js';
import { selectedLayer } from './layers.js';
import { cursorNode, cursorRow, TREE, treeRows, viewOptions, withExpanded, withFiles } from './tree.js';

function isDirAt(model: UiModel, s: UiState, id: number): boolean {
  const status = model.view.statusAt(id, selectedLayer(s));
  return status?.state.entry.type === 'dir';
}

function expand(model: UiModel, s: UiState): UiState {
  const rows = treeRows(model, s);
  const at = cursorRow(model, s, rows);
  if (at < 0) return s;
  const id = rows.ids[at]!;
  if (!isDirAt(model, s, id)) return s;
  if (!s.files.expanded.has(id)) return withExpanded(withFiles(s, { cursorId: id }), [id]);
  // Already open: step into it.
  if (at + 1 < rows.length && rows.depths[at + 1]! > rows.depths[at]!)
    return { ...withFiles(s, { cursorId: rows.ids[at + 1], cursorIndex: at + 1 }), details: { scroll: 0 } };
  return s;
}

function collapse(model: UiModel, s: UiState): UiState {
  const rows = treeRows(model, s);
  const at = cursorRow(model, s, rows);
  if (at < 0) return s;
  const id = rows.ids[at]!;
  if (s.files.expanded.has(id)) return withExpanded(withFiles(s, { cursorId: id }), [], [id]);
  const parent = model.analysis.tree.parentOf(id);
  if (parent > 0) return { ...withFiles(s, { cursorId: parent }), details: { scroll: 0 } };
  return s;
}

/** Every directory closed; when none is open, every directory opened (at any layer: the set is
 *  by node id, and a node with children is a directory wherever it is shown, so the parents are the set). */
function toggleExpandAll(model: UiModel, s: UiState): UiState {
  if (s.files.expanded.size > 0) return note(withFiles(s, { expanded: new Set() }), 'every directory collapsed');
  const tree = model.analysis.tree;
  const all = new Set<number>();
  for (let id = 1; id < tree.nodeCount; id++) {
    const parent = tree.parentOf(id);
    if (parent > 0) all.add(parent);
  }
  return note(withFiles(s, { expanded: all }), 'every directory expanded');
}

const STATUS_TOGGLES = {
  toggleAdded: 'added',
  toggleModified: 'modified',
  toggleRemoved: 'removed',
  toggleUnchanged: 'unchanged',
} as const;

export const filesPane: PaneSpec = {
  id: TREE,
  slot: 'main',
  context: 'files',
  subject: 'file',
  init: () => ({
    files: {
      expanded: new Set(),
      cursorId: undefined,
      cursorIndex: 0,
      scroll: 0,
      changesOnly: preferences().changesOnly,
      show: { ...SHOW_ALL, ...Object.fromEntries(preferences().hide.map((status) => [status, false])) },
      sort: preferences().sort,
      filterText: '',
      matchIndex: 0,
    },
  }),
  settle(model, s, layout) {
    const rows = treeRows(model, s);
    const at = Math.max(0, cursorRow(model, s, rows));
    const scroll = scrollToShow(s.files.scroll, at, layout.main.bodyRows, rows.length);
    return at === s.files.cursorIndex && scroll === s.files.scroll ? s : withFiles(s, { cursorIndex: at, scroll });
  },
  move(model, s, command, layout) {
    const rows = treeRows(model, s);
    if (rows.length === 0) return s;
    // The tree's cursor is a node (kept across layers), its row found again each time.
    const at = clampMove(cursorRow(model, s, rows), stepOf(command, layout.main.bodyRows), rows.length);
    return { ...withFiles(s, { cursorId: rows.ids[at], cursorIndex: at }), details: { scroll: 0 } };
  },
  activate(model, s) {
    const rows = treeRows(model, s);
    const at = cursorRow(model, s, rows);
    if (at < 0) return s;
    const id = rows.ids[at]!;
    if (!isDirAt(model, s, id)) return s;
    const on = withFiles(s, { cursorId: id });
    return s.files.expanded.has(id) ? withExpanded(on, [], [id]) : withExpanded(on, [id]);
  },
  command(model, s, command, focused) {
    const f = s.files;
    switch (command) {
      case 'expand':
        return focused ? expand(model, s) : s;
      case 'collapse':
        return focused ? collapse(model, s) : s;
      case 'toggleChangesOnly':
        return note(
          withFiles(s, { changesOnly: !f.changesOnly }),
          f.changesOnly ? 'whole filesystem after the layer' : 'only what this layer changed',
        );
      case 'toggleAdded':
      case 'toggleModified':
      case 'toggleRemoved':
      case 'toggleUnchanged': {
        const which = STATUS_TOGGLES[command];
        const show = { ...f.show, [which]: !f.show[which] };
        return note(withFiles(s, { show }), `${show[which] ? 'showing' : 'hiding'} ${which} paths`);
      }
      case 'toggleAttributes': {
        const shown = !treeColumns(layoutFor(s.size, model.layerCount).main.innerWidth, f.attributes).attributes;
        return note(withFiles(s, { attributes: shown }), shown ? 'showing permissions and uid:gid' : 'hiding permissions and uid:gid');
      }
      case 'toggleExpandAll':
        return toggleExpandAll(model, s);
      case 'toggleSort':
        return note(withFiles(s, { sort: f.sort === 'size' ? 'name' : 'size' }), f.sort === 'size' ? 'sorted by name' : 'sorted by size');
      case 'back':
        return f.filterText !== ''
          ? note(withFiles(s, { filterText: '', matchIndex: 0, matchId: undefined }), 'filter cleared')
          : undefined;
      default:
        return undefined;
    }
  },
  details: {
    title: () => 'Path',
    lines(model, s, width) {
      const id = cursorNode(model, s);
      if (id === undefined) return [[{ text: 'Nothing to show at this layer.', tone: 'dim' }]];
      return pathLines(model, id, selectedLayer(s), width, viewOptions(model, s));
    },
  },
  click(model, s, row, layout, wasFocused) {
    const rows = treeRows(model, s);
    const index = listWindow(s.files.scroll, layout.main.bodyRows, rows.length).from + row;
    const id = rows.ids[index];
    if (id === undefined) return s;
    // The row already selected: open or close it, as Enter does.
    if (wasFocused && s.files.cursorId === id) return filesPane.activate!(model, s);
    return { ...withFiles(s, { cursorId: id, cursorIndex: index }), details: { scroll: 0 } };
  },
  pointsAt(model, s) {
    const id = cursorNode(model, s);
    return id === undefined ? undefined : { path: model.analysis.tree.pathOf(id), layer: selectedLayer(s), id };
  },
  render: ({ model, state, focused, layout }) => <TreePane model={model} state={state} focused={focused} box={layout.main} />,
};
