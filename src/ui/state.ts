// The browser's reducer: `(state, action) => state`, no rendering involved. The state is the
// shell (src/ui/shell.ts: size, focus, what the main slot and the details show, the prompt, the
// message, the help) plus one slice per pane; the panes are registered in src/ui/panes/ and this
// module only composes them: it starts and settles every slice, gives a key to the focused
// pane (or to the pane that owns the command), and keeps the filter prompt and the help. The
// terminal size is read through layoutFor(), so paging and scrolling use the same numbers the
// panes are drawn with.
import { parseFilter } from '../core/view.js';
import type { ImagePath } from '../core/model.js';
import { commandFor, keyName, primaryKey, type Command, type KeyContext } from './keymap.js';
import { helpBox, layoutFor, type Layout, type TerminalSize } from './layout.js';
import { isListCommand, type ListCommand, scrollText } from './list.js';
import type { UiModel } from './model.js';
import { overlayLines } from './help.js';
import { NO_FILTER_INPUT, remember, stepHistory } from './filterInput.js';
import { pointerAction } from './pointer.js';
import { focusedPane, PANES, paneIn } from './panes/index.js';
import { selectedLayer } from './panes/layers.js';
import { reveal, TREE, viewOptions, withFiles } from './panes/tree.js';
import { note, SLOTS, type Action, type ShellState, type Slot, type UiState } from './shell.js';

export type { Action, UiState } from './shell.js';
export { detailLines, detailTitle } from './panes/index.js';
export { selectedLayer } from './panes/layers.js';
export { cursorNode, cursorRow, treeRows, viewOptions } from './panes/tree.js';

export function initialState(model: UiModel, size: TerminalSize): UiState {
  const shell: ShellState = {
    size,
    focus: 'layers',
    mainView: TREE,
    subject: 'layer',
    prompt: undefined,
    filterInput: NO_FILTER_INPUT,
    message: undefined,
    quit: false,
    details: { scroll: 0 },
    help: { open: false, scroll: 0 },
    legend: model.analysis.account.hiddenBytes > 0,
  };
  let s = shell as UiState;
  for (const pane of PANES) if (pane.init) s = { ...s, ...pane.init(model) };
  return settle(model, s);
}

export function layoutOf(model: UiModel, state: UiState): Layout {
  return layoutFor(state.size, model.layerCount, state.layersWide === true);
}

/** Clamps cursors and scroll offsets after any change, pane by pane in registry order. */
function settle(model: UiModel, s: UiState): UiState {
  const layout = layoutOf(model, s);
  let next = s;
  for (const pane of PANES) if (pane.settle) next = pane.settle(model, next, layout);
  return next;
}

export function createReducer(model: UiModel): (state: UiState, action: Action) => UiState {
  return (state, action) =>
    settle(model, action.type === 'key' ? keyPress(model, state, action.name, action.text) : reduce(model, state, action));
}

/** The key map context the state is in: the filter prompt, the help, or the focused pane's. */
export function keyContext(state: UiState): KeyContext {
  if (state.prompt !== undefined) return 'prompt';
  if (state.help.open) return 'help';
  return focusedPane(state).context;
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
  if (action.type === 'filterPreview')
    return state.prompt === undefined || state.promptFor !== undefined ? state : previewFilter(model, state);
  if (action.type === 'notify') return note(state, action.text, action.tone);
  if (action.type === 'mouse') return pointerAction(model, state, action.event, layoutOf(model, state));
  const s: UiState = state.message || state.legend ? { ...state, message: undefined, legend: false } : state;
  if (action.type === 'quit') return { ...s, quit: true };
  if (s.prompt !== undefined) return promptAction(model, s, action);
  if (action.type === 'filterType') return s;
  if (s.help.open) return helpAction(model, s, action.type);
  if (isListCommand(action.type)) return move(model, s, action.type);
  switch (action.type) {
    case 'activate':
      return activate(model, s);
    case 'nextPane':
    case 'prevPane': {
      const i = SLOTS.indexOf(s.focus) + (action.type === 'nextPane' ? 1 : -1);
      return focusSlot(s, SLOTS[(i + SLOTS.length) % SLOTS.length]!);
    }
    case 'filter': {
      // A pane with its own filter (the packages' names): the prompt filters its rows.
      const own = focusedPane(s);
      if (own.filter) {
        const before = own.filter.text(s);
        return { ...s, prompt: before, promptFor: own.id, filterInput: { ...s.filterInput, at: undefined, before, error: undefined } };
      }
      // The prompt starts empty; the filter in effect is one ↑ away (and Esc goes back to it).
      return {
        ...s,
        prompt: '',
        filterInput: {
          history: remember(s.filterInput.history, s.files.filterText),
          at: undefined,
          before: s.files.filterText,
          error: undefined,
        },
      };
    }
    case 'nextMatch':
      return nextMatch(model, s, 1);
    case 'prevMatch':
      return nextMatch(model, s, -1);
    case 'toggleHelp':
      return { ...s, help: { open: true, scroll: 0, topic: 'keys' } };
    case 'toggleWarnings':
      return { ...s, help: { open: true, scroll: 0, topic: 'warnings' } };
    case 'explainHidden':
      return { ...s, help: { open: true, scroll: 0, topic: 'hiddenBytes' } };
    case 'back': {
      const handled = focusedPane(s).back?.(model, s);
      if (handled) return handled;
      if (s.mainView !== TREE) return { ...s, mainView: TREE, subject: s.focus === 'main' ? 'file' : s.subject };
      break;
    }
  }
  return toggle(s, action.type) ?? paneCommand(model, s, action.type);
}

/** A pane's toggle shows it in the main slot (with focus); pressed again, the tree comes back. */
function toggle(s: UiState, command: Command): UiState | undefined {
  const pane = PANES.find((p) => p.toggle === command);
  if (!pane) return undefined;
  if (s.mainView === pane.id) return { ...s, mainView: TREE, focus: 'main', subject: 'file', details: { scroll: 0 } };
  const shown: UiState = { ...s, mainView: pane.id, focus: 'main', subject: pane.subject, details: { scroll: 0 } };
  return pane.open ? pane.open(shown) : shown;
}

/** Any other command: the focused pane first, then the pane that owns it (the tree's status
 *  toggles work whatever has focus). */
function paneCommand(model: UiModel, s: UiState, command: Command): UiState {
  const focused = focusedPane(s);
  const first = focused.command?.(model, s, command, true);
  if (first !== undefined) return first;
  for (const pane of PANES) {
    if (pane === focused) continue;
    const next = pane.command?.(model, s, command, false);
    if (next !== undefined) return next;
  }
  return s;
}

function focusSlot(s: UiState, focus: Slot): UiState {
  const subject = focus === 'details' ? s.subject : paneIn(s, focus).subject;
  return { ...s, focus, subject, details: subject === s.subject ? s.details : { scroll: 0 } };
}

/** ↑ ↓ PgUp PgDn g G in the focused pane: every pane is a list (src/ui/list.ts). */
function move(model: UiModel, s: UiState, command: ListCommand): UiState {
  const pane = focusedPane(s);
  return pane.move ? pane.move(model, s, command, layoutOf(model, s)) : s;
}

function activate(model: UiModel, s: UiState): UiState {
  // Enter on a layer: its filesystem, in the tree.
  if (s.focus === 'layers') return focusSlot({ ...s, mainView: TREE }, 'main');
  const pane = focusedPane(s);
  return pane.activate ? pane.activate(model, s) : s;
}

/** The browser opened at `path` (its ancestors expanded, the cursor on it); unchanged when the
 *  merged view has no such path. */
export function revealPath(model: UiModel, s: UiState, path: ImagePath): UiState {
  const id = model.analysis.tree.idOf(path);
  return id === undefined ? s : settle(model, reveal(model, s, id));
}

function nextMatch(model: UiModel, s: UiState, step: number): UiState {
  const { filterText, matchIndex } = s.files;
  if (filterText === '') return note(s, `no filter: press ${primaryKey('browser', 'filter')} to filter paths`, 'error');
  const options = viewOptions(model, s);
  const count = model.view.matchCount(options);
  if (count === 0) return note(s, `no path matches ${filterText} at L${selectedLayer(s)}`, 'error');
  const index = (((matchIndex + step) % count) + count) % count;
  // From the match the cursor was sent to, walking the shown rows: no list of every match. When
  // that one is no longer shown (another layer, other toggles) the list says where index lies.
  const from = s.files.matchId ?? model.view.firstMatch(options);
  const beside = from === undefined ? undefined : model.view.matchBeside(from, step === 1 ? 1 : -1, options);
  const target = beside ?? model.view.matchesInOrder(options)[index]!;
  return note(reveal(model, withFiles(s, { matchIndex: index, matchId: target }), target), `match ${index + 1} of ${count}`);
}

/** The prompt of a pane's own filter: its rows follow the text as it is typed; Enter keeps it,
 *  Esc goes back to the filter before. */
function panePromptAction(model: UiModel, s: UiState, action: Action): UiState {
  const pane = PANES.find((p) => p.id === s.promptFor);
  const draft = s.prompt ?? '';
  if (!pane?.filter) return { ...s, prompt: undefined, promptFor: undefined };
  const typed = (text: string): UiState => pane.filter!.apply(model, { ...s, prompt: text }, text);
  const edited = editedPrompt(draft, action);
  if (edited !== undefined) return typed(edited);
  switch (action.type) {
    case 'filterCancel':
      return pane.filter.apply(model, { ...s, prompt: undefined, promptFor: undefined }, s.filterInput.before);
    case 'filterApply':
      return pane.filter.apply(model, { ...s, prompt: undefined, promptFor: undefined }, draft.trim());
    default:
      return s;
  }
}

/** The prompt's text after typing, erasing or clearing (undefined: not an edit). Control
 *  characters typed or pasted never reach it. */
function editedPrompt(draft: string, action: Action): string | undefined {
  if (action.type === 'filterType') return draft + action.text.replace(/[\x00-\x1f\x7f]/g, '');
  if (action.type === 'filterErase') return draft.slice(0, -1);
  if (action.type === 'filterClear') return '';
  return undefined;
}

function promptAction(model: UiModel, s: UiState, action: Action): UiState {
  if (s.promptFor !== undefined) return panePromptAction(model, s, action);
  const draft = s.prompt ?? '';
  const input = s.filterInput;
  const typed = (prompt: string, at: number | undefined = undefined): UiState => ({ ...s, prompt, filterInput: { ...input, at } });
  const edited = editedPrompt(draft, action);
  if (edited !== undefined) return typed(edited);
  switch (action.type) {
    case 'filterHistoryPrev':
    case 'filterHistoryNext': {
      const step = stepHistory(input, action.type === 'filterHistoryPrev' ? -1 : 1);
      return step ? typed(step.text, step.at) : s;
    }
    case 'filterCancel':
      // Back to the filter in effect when the prompt opened.
      return {
        ...withFiles(s, input.before === s.files.filterText ? {} : { filterText: input.before, matchIndex: 0, matchId: undefined }),
        prompt: undefined,
        filterInput: { ...input, at: undefined, error: undefined },
      };
    case 'filterApply': {
      const parsed = parseFilter(draft);
      if (!parsed.ok) return { ...s, filterInput: { ...input, error: parsed.error } };
      const text = parsed.filter ? draft.trim() : '';
      const applied: UiState = {
        ...withFiles(s, { filterText: text, matchIndex: 0, matchId: undefined }),
        prompt: undefined,
        filterInput: { history: remember(input.history, text), at: undefined, before: text, error: undefined },
      };
      if (!parsed.filter) return note(applied, 'filter cleared');
      // The count and the first match only: listing every match in order waits for n/N.
      const options = viewOptions(model, applied);
      const count = model.view.matchCount(options);
      const first = count === 0 ? undefined : model.view.firstMatch(options);
      if (first === undefined)
        return note(
          { ...applied, mainView: TREE, focus: 'main', subject: 'file' },
          `no path matches ${draft.trim()} at L${selectedLayer(s)}`,
          'error',
        );
      return note(
        reveal(model, applied, first),
        `match 1 of ${count} (${primaryKey('browser', 'nextMatch')}: next, ${primaryKey('browser', 'prevMatch')}: previous)`,
      );
    }
    default:
      return s;
  }
}

/** The most paths a filter may draw from to be shown as it is typed (Enter shows any). */
export const PREVIEW_LIMIT = 100_000;

/** The tree follows the prompt's text as typed: the filter it makes is shown (the cursor on its
 *  first match), or what is wrong with it is said on the prompt line, the tree left as it was. */
function previewFilter(model: UiModel, s: UiState): UiState {
  const draft = s.prompt ?? '';
  const parsed = parseFilter(draft);
  if (!parsed.ok) return s.filterInput.error === parsed.error ? s : { ...s, filterInput: { ...s.filterInput, error: parsed.error } };
  const text = parsed.filter ? draft.trim() : '';
  // Showing a filter that keeps most of a big tree costs seconds: that one waits for Enter.
  const candidates = parsed.filter ? model.view.matchingIds(parsed.filter).length : 0;
  const error = candidates > PREVIEW_LIMIT ? `${candidates} paths to show: type more, or Enter` : undefined;
  const clean = s.filterInput.error === error ? s : { ...s, filterInput: { ...s.filterInput, error } };
  if (error || text === s.files.filterText) return clean;
  const shown = withFiles(clean, { filterText: text, matchIndex: 0, matchId: undefined });
  if (!parsed.filter) return shown;
  const first = model.view.firstMatch(viewOptions(model, shown));
  return first === undefined ? { ...shown, mainView: TREE } : reveal(model, shown, first);
}

function helpAction(model: UiModel, s: UiState, command: Command | 'filterType'): UiState {
  const topic = s.help.topic ?? 'keys';
  if (['closeHelp', 'toggleHelp', 'back', 'toggleWarnings', 'explainHidden'].includes(command))
    return { ...s, help: { open: false, scroll: 0, topic } };
  if (!isListCommand(command)) return s;
  const box = helpBox(layoutOf(model, s));
  const total = overlayLines(model, topic, box.innerWidth).length;
  return { ...s, help: { open: true, scroll: scrollText(s.help.scroll, command, total, box.bodyRows), topic } };
}
