// The browser's state and its reducer: `(state, action) => state`, no rendering involved.
// The state is a small shell (size, focus, what the main pane and the details show, the prompt,
// the message) and one slice per pane; every list moves as src/ui/list.ts says. The reducer
// reads the image through the UiModel (rows, matches, hidden-bytes targets) and the terminal
// size through layoutFor(), so paging and scrolling use the same numbers the panes are drawn with.
import { preferences } from './preferences.js';
import { ancestorIds, parseFilter, SHOW_ALL, type SortOrder, type StatusFilter, type ViewOptions, type VisibleRows } from '../core/view.js';
import { displayPath, type ImagePath } from '../core/model.js';
import { commandFor, keyName, primaryKey, type Command, type KeyContext } from './keymap.js';
import { helpBox, layoutFor, hiddenBytesBodyRows, treeColumns, type Layout, type TerminalSize } from './layout.js';
import {
  clampMove,
  isListCommand,
  LIST_START,
  type ListCommand,
  type ListState,
  moveList,
  scrollText,
  scrollToShow,
  settleList,
  stepOf,
} from './list.js';
import type { UiModel } from './model.js';
import { detailLines } from './details.js';
import { overlayLines } from './help.js';
import { configRows } from './ListPane.js';

/** The three panes Tab cycles through. `main` holds the file tree or the hidden-bytes list. */
export type PaneId = 'layers' | 'main' | 'details';
export const PANES: readonly PaneId[] = ['layers', 'main', 'details'];

/** The list panes that take the main pane's place: packages, secrets, image config. */
export type ListView = 'packages' | 'secrets' | 'config';

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
  /** Permissions and uid:gid columns: the user's toggle; undefined until then (the configured
   *  default, when the pane has room: TreePane's treeColumns). */
  attributes?: boolean | undefined;
}

/** What the overlay over the panes shows: every key, the image's warnings, or what hidden bytes
 *  mean. */
export type OverlayTopic = 'keys' | 'warnings' | 'hiddenBytes';

export interface UiState {
  size: TerminalSize;
  focus: PaneId;
  mainView: 'tree' | 'hiddenBytes' | ListView;
  /** What the details pane describes: the selected layer, the tree's cursor, or the hidden-bytes entry. */
  subject: 'layer' | 'file' | 'hiddenBytes';
  /** The filter prompt's text while it is open. */
  prompt: string | undefined;
  message: { text: string; tone: 'info' | 'error' } | undefined;
  quit: boolean;
  /** The layers list; its cursor is the selected layer (the tree shows the filesystem after it). */
  layers: ListState;
  files: FilesState;
  hiddenBytes: ListState;
  /** The list pane shown (packages, secrets, config; reset when another is opened). */
  list: ListState;
  details: { scroll: number };
  help: { open: boolean; scroll: number; topic?: OverlayTopic };
  /** Layers pane: the selected layer's full command, size columns folded. */
  wideLayers?: boolean;
  /** The status line explains "hidden" (the first screen, until a key is pressed). */
  legend?: boolean;
}

export type Action =
  | { type: Command }
  /** A key press as read: its name (keyName) and the text it typed. The key map decides what it
   *  does, in the context the state is in (browsing, or typing at the filter prompt). */
  | { type: 'key'; name: string | undefined; text: string }
  | { type: 'resize'; columns: number; rows: number }
  | { type: 'filterType'; text: string };

export function initialState(model: UiModel, size: TerminalSize): UiState {
  return settle(model, {
    size,
    focus: 'layers',
    mainView: 'tree',
    subject: 'layer',
    prompt: undefined,
    message: undefined,
    quit: false,
    layers: { cursor: Math.max(0, model.layerCount - 1), scroll: 0 },
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
    hiddenBytes: { ...LIST_START },
    list: { ...LIST_START },
    details: { scroll: 0 },
    help: { open: false, scroll: 0 },
    legend: model.analysis.account.hiddenBytes > 0,
  });
}

/** The layer the tree shows the filesystem after. */
export function selectedLayer(state: UiState): number {
  return state.layers.cursor;
}

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

export function layoutOf(model: UiModel, state: UiState): Layout {
  return layoutFor(state.size, model.layerCount);
}

/** Clamps cursors and scroll offsets after any change. */
function settle(model: UiModel, s: UiState): UiState {
  const layout = layoutOf(model, s);
  const layers = settleList(s.layers, model.layerCount, layout.layers.bodyRows);
  const next = layers === s.layers ? s : { ...s, layers };
  const rows = treeRows(model, next);
  const at = Math.max(0, cursorRow(model, next, rows));
  const scroll = scrollToShow(s.files.scroll, at, layout.main.bodyRows, rows.length);
  return {
    ...next,
    files: at === s.files.cursorIndex && scroll === s.files.scroll ? s.files : { ...s.files, cursorIndex: at, scroll },
    hiddenBytes: settleList(s.hiddenBytes, model.analysis.account.entries.length, hiddenBytesBodyRows(layout)),
    list: settleList(s.list, isList(s.mainView) ? listLength(model, s.mainView) : 0, hiddenBytesBodyRows(layout)),
  };
}

export function createReducer(model: UiModel): (state: UiState, action: Action) => UiState {
  return (state, action) =>
    settle(model, action.type === 'key' ? keyPress(model, state, action.name, action.text) : reduce(model, state, action));
}

/** The key map context the state is in: the filter prompt, the help, or the focused pane. */
export function keyContext(state: UiState): KeyContext {
  if (state.prompt !== undefined) return 'prompt';
  if (state.help.open) return 'help';
  if (state.focus === 'layers') return 'layers';
  if (state.focus === 'details') return 'details';
  return state.mainView === 'tree' ? 'files' : state.mainView === 'hiddenBytes' ? 'hiddenBytes' : 'lists';
}

/** Looks the key up in the key map for the current context. Several keys read at once ("jj",
 *  "/usr") are taken one by one, so the context can change between them. */
function keyPress(model: UiModel, state: UiState, name: string | undefined, text: string): UiState {
  if (name === undefined && text.length > 1) {
    let s = state;
    for (const ch of text) s = keyPress(model, s, keyName(ch, {}), ch);
    return s;
  }
  const context = keyContext(state);
  const command = name === undefined ? undefined : commandFor(name, context);
  if (command) return reduce(model, state, { type: command });
  if (context === 'prompt' && text !== '' && !/^[\x00-\x1f\x7f]/.test(text)) return reduce(model, state, { type: 'filterType', text });
  return state;
}

function reduce(model: UiModel, state: UiState, action: Action): UiState {
  if (action.type === 'key') return keyPress(model, state, action.name, action.text);
  if (action.type === 'resize') return { ...state, size: { columns: action.columns, rows: action.rows } };
  const s: UiState = state.message || state.legend ? { ...state, message: undefined, legend: false } : state;
  if (action.type === 'quit') return { ...s, quit: true };
  if (s.prompt !== undefined) return promptAction(model, s, action);
  if (action.type === 'filterType') return s;
  if (s.help.open) return helpAction(model, s, action.type);
  if (isListCommand(action.type)) return move(model, s, action.type);
  const f = s.files;
  switch (action.type) {
    case 'expand':
      return s.focus === 'main' && s.mainView === 'tree' ? expand(model, s) : s;
    case 'collapse':
      return s.focus === 'main' && s.mainView === 'tree' ? collapse(model, s) : s;
    case 'activate':
      return activate(model, s);
    case 'nextPane':
    case 'prevPane': {
      const i = PANES.indexOf(s.focus) + (action.type === 'nextPane' ? 1 : -1);
      return focusPane(s, PANES[(i + PANES.length) % PANES.length]!);
    }
    case 'nextLayer':
      return selectLayer(s, selectedLayer(s) + 1);
    case 'prevLayer':
      return selectLayer(s, selectedLayer(s) - 1);
    case 'toggleHiddenBytes':
      return s.mainView === 'hiddenBytes'
        ? { ...s, mainView: 'tree', focus: 'main', subject: 'file', details: { scroll: 0 } }
        : { ...s, mainView: 'hiddenBytes', focus: 'main', subject: 'hiddenBytes', details: { scroll: 0 } };
    case 'togglePackages':
    case 'toggleSecrets':
    case 'toggleConfig': {
      const view = ({ togglePackages: 'packages', toggleSecrets: 'secrets', toggleConfig: 'config' } as const)[action.type];
      return s.mainView === view
        ? { ...s, mainView: 'tree', focus: 'main', subject: 'file', details: { scroll: 0 } }
        : { ...s, mainView: view, focus: 'main', subject: 'layer', list: { ...LIST_START }, details: { scroll: 0 } };
    }
    case 'filter':
      return { ...s, prompt: f.filterText };
    case 'nextMatch':
      return nextMatch(model, s, 1);
    case 'prevMatch':
      return nextMatch(model, s, -1);
    case 'toggleChangesOnly':
      return note(
        withFiles(s, { changesOnly: !f.changesOnly }),
        f.changesOnly ? 'whole filesystem after the layer' : 'only what this layer changed',
      );
    case 'toggleAdded':
    case 'toggleModified':
    case 'toggleRemoved':
    case 'toggleUnchanged': {
      const which = ({ toggleAdded: 'added', toggleModified: 'modified', toggleRemoved: 'removed', toggleUnchanged: 'unchanged' } as const)[
        action.type
      ];
      const show = { ...f.show, [which]: !f.show[which] };
      return note(withFiles(s, { show }), `${show[which] ? 'showing' : 'hiding'} ${which} paths`);
    }
    case 'toggleSort':
      return note(withFiles(s, { sort: f.sort === 'size' ? 'name' : 'size' }), f.sort === 'size' ? 'sorted by name' : 'sorted by size');
    case 'toggleHelp':
      return { ...s, help: { open: true, scroll: 0, topic: 'keys' } };
    case 'toggleWarnings':
      return { ...s, help: { open: true, scroll: 0, topic: 'warnings' } };
    case 'explainHidden':
      return { ...s, help: { open: true, scroll: 0, topic: 'hiddenBytes' } };
    case 'toggleAttributes': {
      const shown = !treeColumns(layoutOf(model, s).main.innerWidth, f.attributes).attributes;
      return note(withFiles(s, { attributes: shown }), shown ? 'showing permissions and uid:gid' : 'hiding permissions and uid:gid');
    }
    case 'toggleWideLayers':
      return note(
        { ...s, wideLayers: !s.wideLayers },
        s.wideLayers ? 'layers: one line each' : 'layers: full command of the selected layer',
      );
    case 'back':
      if (s.mainView !== 'tree') return { ...s, mainView: 'tree', subject: s.focus === 'main' ? 'file' : s.subject };
      if (f.filterText !== '') return note(withFiles(s, { filterText: '', matchIndex: 0 }), 'filter cleared');
      return s;
    default:
      return s;
  }
}

function withFiles(s: UiState, files: Partial<FilesState>): UiState {
  return { ...s, files: { ...s.files, ...files } };
}

function note(s: UiState, text: string, tone: 'info' | 'error' = 'info'): UiState {
  return { ...s, message: { text, tone } };
}

function focusPane(s: UiState, focus: PaneId): UiState {
  const main = s.mainView === 'tree' ? 'file' : s.mainView === 'hiddenBytes' ? 'hiddenBytes' : 'layer';
  const subject = focus === 'layers' ? 'layer' : focus === 'main' ? main : s.subject;
  return { ...s, focus, subject, details: subject === s.subject ? s.details : { scroll: 0 } };
}

function selectLayer(s: UiState, layer: number): UiState {
  return { ...s, layers: { ...s.layers, cursor: layer }, details: { scroll: 0 } };
}

/** ↑ ↓ PgUp PgDn g G in the focused pane: every pane is a list (src/ui/list.ts). */
function move(model: UiModel, s: UiState, command: ListCommand): UiState {
  const layout = layoutOf(model, s);
  switch (s.focus) {
    case 'layers':
      return { ...s, layers: moveList(s.layers, command, model.layerCount, layout.layers.bodyRows), details: { scroll: 0 } };
    case 'details': {
      const total = detailLines(model, s, layout.details.innerWidth).length;
      return { ...s, details: { scroll: scrollText(s.details.scroll, command, total, layout.details.bodyRows) } };
    }
    case 'main': {
      if (isList(s.mainView)) return { ...s, list: moveList(s.list, command, listLength(model, s.mainView), hiddenBytesBodyRows(layout)) };
      if (s.mainView === 'hiddenBytes') {
        const count = model.analysis.account.entries.length;
        return { ...s, hiddenBytes: moveList(s.hiddenBytes, command, count, hiddenBytesBodyRows(layout)), details: { scroll: 0 } };
      }
      const rows = treeRows(model, s);
      if (rows.length === 0) return s;
      // The tree's cursor is a node (kept across layers), its row found again each time.
      const at = clampMove(cursorRow(model, s, rows), stepOf(command, layout.main.bodyRows), rows.length);
      return { ...withFiles(s, { cursorId: rows.ids[at], cursorIndex: at }), details: { scroll: 0 } };
    }
  }
}

function isDirAt(model: UiModel, s: UiState, id: number): boolean {
  const status = model.view.statusAt(id, selectedLayer(s));
  return status?.state.entry.type === 'dir';
}

function withExpanded(s: UiState, add: readonly number[], remove: readonly number[] = []): UiState {
  const { expanded } = s.files;
  if (add.every((id) => expanded.has(id)) && remove.every((id) => !expanded.has(id))) return s;
  const next = new Set(expanded);
  for (const id of add) next.add(id);
  for (const id of remove) next.delete(id);
  return withFiles(s, { expanded: next });
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

function activate(model: UiModel, s: UiState): UiState {
  if (s.focus === 'layers') return focusPane({ ...s, mainView: 'tree' }, 'main');
  if (s.focus !== 'main') return s;
  if (s.mainView === 'hiddenBytes') return jumpToHidden(model, s);
  if (s.mainView === 'packages') return jumpToPackage(model, s);
  if (s.mainView === 'secrets') return jumpToSecret(model, s);
  if (s.mainView === 'config') return s;
  const rows = treeRows(model, s);
  const at = cursorRow(model, s, rows);
  if (at < 0) return s;
  const id = rows.ids[at]!;
  if (!isDirAt(model, s, id)) return s;
  const on = withFiles(s, { cursorId: id });
  return s.files.expanded.has(id) ? withExpanded(on, [], [id]) : withExpanded(on, [id]);
}

/** The browser opened at `path` (its ancestors expanded, the cursor on it); unchanged when the
 *  merged view has no such path. */
export function revealPath(model: UiModel, s: UiState, path: ImagePath): UiState {
  const id = model.analysis.tree.idOf(path);
  return id === undefined ? s : settle(model, reveal(model, s, id));
}

/** Puts the tree cursor on `id`, expanding its ancestors. */
function reveal(model: UiModel, s: UiState, id: number): UiState {
  return withExpanded(
    { ...withFiles(s, { cursorId: id }), mainView: 'tree', focus: 'main', subject: 'file', details: { scroll: 0 } },
    ancestorIds(model.analysis.tree, id),
  );
}

function jumpToHidden(model: UiModel, s: UiState): UiState {
  const index = s.hiddenBytes.cursor;
  const entry = model.analysis.account.entries[index];
  const target = model.hiddenTarget(index);
  if (!entry || !target) return s;
  if (target.id === undefined) return note(s, `${displayPath(entry.path)} is not in the merged tree`, 'error');
  let next = reveal(model, selectLayer(s, target.layer), target.id);
  let cleared = '';
  if (treeRows(model, next).indexOf(target.id) < 0) {
    // A filter or a status toggle hides it at that layer: show everything.
    next = withFiles(next, { filterText: '', changesOnly: false, show: { ...SHOW_ALL } });
    cleared = ' (filters cleared to show it)';
  }
  const by = target.hiddenBy ? `, hidden by L${target.hiddenBy.layer}` : '';
  return note(next, `${displayPath(entry.path)}: largest hidden copy in L${target.layer}${by}${cleared}`);
}

export function isList(view: UiState['mainView']): view is ListView {
  return view === 'packages' || view === 'secrets' || view === 'config';
}

/** Rows of a list pane (see ListPane.tsx): packages, secrets, config lines. */
export function listLength(model: UiModel, view: ListView): number {
  if (view === 'packages') return model.analysis.packages.packages.length;
  if (view === 'secrets') return model.analysis.secrets.length;
  return configRows(model.analysis.image.config).length;
}

/** Shows `id` in the tree after `layer`, clearing filters that would hide it. */
function showInTree(model: UiModel, s: UiState, layer: number, id: number): { state: UiState; cleared: string } {
  let next = reveal(model, selectLayer(s, layer), id);
  let cleared = '';
  if (treeRows(model, next).indexOf(id) < 0) {
    next = withFiles(next, { filterText: '', changesOnly: false, show: { ...SHOW_ALL } });
    cleared = ' (filters cleared to show it)';
  }
  return { state: next, cleared };
}

function jumpToPackage(model: UiModel, s: UiState): UiState {
  const p = model.analysis.packages.packages[s.list.cursor];
  if (!p) return s;
  const tree = model.analysis.tree;
  const layer = p.removedIn !== undefined ? p.removedIn - 1 : model.layerCount - 1;
  // Its largest file first: where its bytes are.
  let best: number | undefined;
  let bestSize = -1;
  for (const id of p.fileIds) {
    const st = tree.stateAt(id, layer);
    const size = st ? tree.contentSize(st.entry, st.layer) : 0;
    if (size > bestSize) {
      best = id;
      bestSize = size;
    }
  }
  if (best === undefined) return note(s, `${p.name} owns no file in the image`, 'error');
  const { state, cleared } = showInTree(model, s, layer, best);
  const where = p.removedIn !== undefined ? `L${p.layer}, removed in L${p.removedIn}` : `L${p.layer}`;
  return note(
    state,
    `${p.name} ${p.version}: ${p.bytes} bytes in ${p.files} files (${where}); largest ${displayPath(tree.pathOf(best))}${cleared}`,
  );
}

function jumpToSecret(model: UiModel, s: UiState): UiState {
  const f = model.analysis.secrets[s.list.cursor];
  if (!f) return s;
  const id = model.analysis.tree.idOf(f.path);
  if (id === undefined) return note(s, `${displayPath(f.path)} is not in the merged tree`, 'error');
  const { state, cleared } = showInTree(model, s, f.layer, id);
  return note(state, `${displayPath(f.path)}: the copy stored in L${f.layer}${cleared}`);
}

function nextMatch(model: UiModel, s: UiState, step: number): UiState {
  const { filterText, matchIndex } = s.files;
  if (filterText === '') return note(s, `no filter: press ${primaryKey('browser', 'filter')} to filter paths`, 'error');
  const matches = model.view.matchesInOrder(viewOptions(model, s));
  if (matches.length === 0) return note(s, `no path matches ${filterText} at L${selectedLayer(s)}`, 'error');
  const index = (((matchIndex + step) % matches.length) + matches.length) % matches.length;
  return note(reveal(model, withFiles(s, { matchIndex: index }), matches[index]!), `match ${index + 1} of ${matches.length}`);
}

function promptAction(model: UiModel, s: UiState, action: Action): UiState {
  const draft = s.prompt ?? '';
  switch (action.type) {
    case 'filterType':
      return { ...s, prompt: draft + action.text.replace(/[\x00-\x1f\x7f]/g, '') };
    case 'filterErase':
      return { ...s, prompt: draft.slice(0, -1) };
    case 'filterCancel':
      return { ...s, prompt: undefined };
    case 'filterApply': {
      const parsed = parseFilter(draft);
      if (!parsed.ok) return note(s, parsed.error, 'error');
      const applied: UiState = { ...withFiles(s, { filterText: parsed.filter ? draft.trim() : '', matchIndex: 0 }), prompt: undefined };
      if (!parsed.filter) return note(applied, 'filter cleared');
      const matches = model.view.matchesInOrder(viewOptions(model, applied));
      if (matches.length === 0)
        return note(
          { ...applied, mainView: 'tree', focus: 'main', subject: 'file' },
          `no path matches ${draft.trim()} at L${selectedLayer(s)}`,
          'error',
        );
      return note(
        reveal(model, applied, matches[0]!),
        `match 1 of ${matches.length} (${primaryKey('browser', 'nextMatch')}: next, ${primaryKey('browser', 'prevMatch')}: previous)`,
      );
    }
    default:
      return s;
  }
}

function helpAction(model: UiModel, s: UiState, command: Command | 'filterType'): UiState {
  const topic = s.help.topic ?? 'keys';
  if (
    command === 'closeHelp' ||
    command === 'toggleHelp' ||
    command === 'back' ||
    command === 'toggleWarnings' ||
    command === 'explainHidden'
  )
    return { ...s, help: { open: false, scroll: 0, topic } };
  if (!isListCommand(command)) return s;
  const box = helpBox(layoutOf(model, s));
  const total = overlayLines(model, topic, box.innerWidth).length;
  return { ...s, help: { open: true, scroll: scrollText(s.help.scroll, command, total, box.bodyRows), topic } };
}
