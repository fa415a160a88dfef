// The file tree's slice and what other panes ask of it: the rows shown at the selected layer,
// where the cursor is, and "show this path in the tree". Pure; the pane itself is ./files.tsx.
import { ancestorIds, SHOW_ALL, type SortOrder, type StatusFilter, type ViewOptions, type VisibleRows } from '../../core/view.js';
import type { UiModel } from '../model.js';
import type { UiState } from '../shell.js';
import { selectedLayer, selectLayer } from './layers.js';

/** The file tree: what it shows (the view options) and where its cursor is. */
export interface FilesState {
  /** Expanded directories, by node id (kept across layers). Replaced, never mutated. */
  expanded: ReadonlySet<number>;
  /** The node the tree cursor is on; if it is not shown at this layer the cursor sits on its
   *  nearest shown ancestor (or at cursorIndex) until it moves. */
  cursorId: number | undefined;
  cursorIndex: number;
  scroll: number;
  changesOnly: boolean;
  show: StatusFilter;
  sort: SortOrder;
  /** The applied filter ('' for none). */
  filterText: string;
  matchIndex: number;
  /** The match n/N last went to (undefined: the first, where the filter put the cursor). */
  matchId?: number | undefined;
  /** Permissions and uid:gid columns: the user's toggle; undefined until then (the configured
   *  default, when the pane has room: layout.ts treeColumns). */
  attributes?: boolean | undefined;
}

declare module '../shell.js' {
  interface PaneSlices {
    files: FilesState;
  }
}

/** The file tree's id in `mainView`: the main slot shows it unless another pane took its place. */
export const TREE = 'tree';

export function viewOptions(model: UiModel, state: UiState): ViewOptions {
  const f = state.files;
  return { layer: selectedLayer(state), changesOnly: f.changesOnly, show: f.show, sort: f.sort, filter: model.filter(f.filterText) };
}

export function treeRows(model: UiModel, state: UiState): VisibleRows {
  return model.rows(viewOptions(model, state), state.files.expanded);
}

/** Where the tree cursor is drawn: the row of cursorId, else of its nearest shown ancestor,
 *  else cursorIndex clamped. -1 when the tree is empty. */
export function cursorRow(model: UiModel, state: UiState, rows = treeRows(model, state)): number {
  if (rows.length === 0) return -1;
  const { cursorId, cursorIndex } = state.files;
  if (cursorId !== undefined) {
    const tree = model.analysis.tree;
    for (let id = cursorId; id > 0; id = tree.parentOf(id)) {
      const at = rows.indexOf(id);
      if (at >= 0) return at;
    }
  }
  return Math.max(0, Math.min(cursorIndex, rows.length - 1));
}

/** The node under the tree cursor, if any. */
export function cursorNode(model: UiModel, state: UiState): number | undefined {
  const rows = treeRows(model, state);
  const at = cursorRow(model, state, rows);
  return at < 0 ? undefined : rows.ids[at];
}

export function withFiles(s: UiState, files: Partial<FilesState>): UiState {
  return { ...s, files: { ...s.files, ...files } };
}

export function withExpanded(s: UiState, add: readonly number[], remove: readonly number[] = []): UiState {
  const { expanded } = s.files;
  if (add.every((id) => expanded.has(id)) && remove.every((id) => !expanded.has(id))) return s;
  const next = new Set(expanded);
  for (const id of add) next.add(id);
  for (const id of remove) next.delete(id);
  return withFiles(s, { expanded: next });
}

/** Puts the tree cursor on `id`, expanding its ancestors; the tree takes the main slot and focus. */
export function reveal(model: UiModel, s: UiState, id: number): UiState {
  return withExpanded(
    { ...withFiles(s, { cursorId: id }), mainView: TREE, focus: 'main', subject: 'file', details: { scroll: 0 } },
    ancestorIds(model.analysis.tree, id),
  );
}

/** Shows `id` in the tree after `layer`, clearing filters that would hide it; `cleared` is the
 *  note to add when it did. */
export function showInTree(model: UiModel, s: UiState, layer: number, id: number): { state: UiState; cleared: string } {
  let next = reveal(model, selectLayer(s, layer), id);
  let cleared = '';
  if (treeRows(model, next).indexOf(id) < 0) {
    // A filter or a status toggle hides it at that layer: show everything.
    next = withFiles(next, { filterText: '', changesOnly: false, show: { ...SHOW_ALL } });
    cleared = ' (filters cleared to show it)';
  }
  return { state: next, cleared };
}
