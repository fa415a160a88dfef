// The browser's shell state: what every pane shares (terminal size, focus, what the main pane
// and the details show, the filter prompt, the message, the help overlay), and the contract a
// pane fulfils to join the browser (PaneSpec). Each pane adds its own slice to UiState from its
// own module (`declare module '../shell.js' { interface PaneSlices { … } }`) and is registered
// once, in src/ui/panes/index.tsx; the reducer (state.ts) and the screen (Browser.tsx) read the
// registry. Types and small helpers only: no pane is imported here.
import type React from 'react';
import type { Command, KeyContext } from './keymap.js';
import type { Layout, TerminalSize } from './layout.js';
import type { ListCommand } from './list.js';
import type { UiModel } from './model.js';
import type { Line } from './text.js';
import type { FilterInput } from './filterInput.js';
import type { MouseEvent } from './mouse.js';

/** The three places Tab cycles through. `main` holds the file tree or a pane in its place. */
export type Slot = 'layers' | 'main' | 'details';
export const SLOTS: readonly Slot[] = ['layers', 'main', 'details'];

export interface ShellState {
  size: TerminalSize;
  focus: Slot;
  /** The pane shown in the main slot, by its id ('tree', 'hiddenBytes', 'packages', …). */
  mainView: string;
  /** What the details pane describes, by a pane's `subject` ('layer', 'file', 'hiddenBytes'). */
  subject: string;
  /** The filter prompt's text while it is open. */
  prompt: string | undefined;
  /** The pane whose rows the open prompt filters (its `filter`); undefined: the tree's paths. */
  promptFor?: string;
  /** The prompt's history, the filter it opened on, what is wrong with its text. */
  filterInput: FilterInput;
  message: { text: string; tone: 'info' | 'error' } | undefined;
  quit: boolean;
  details: { scroll: number };
  help: { open: boolean; scroll: number; topic?: OverlayTopic };
  /** The status line explains "hidden" (the first screen, until a key is pressed). */
  legend?: boolean;
}

/** What the overlay over the panes shows: every key, the image's warnings, or what hidden bytes
 *  mean. */
export type OverlayTopic = 'keys' | 'warnings' | 'hiddenBytes';

/** Every pane's slice, added by the pane's own module (declaration merging). */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each pane's module
export interface PaneSlices {}

export type UiState = ShellState & PaneSlices;

export type Action =
  | { type: Command }
  /** A key press as read: its name (keyName) and the text it typed. The key map decides what it
   *  does, in the context the state is in (browsing, or typing at the filter prompt). */
  | { type: 'key'; name: string | undefined; text: string }
  | { type: 'resize'; columns: number; rows: number }
  | { type: 'filterType'; text: string }
  /** The tree follows the text typed at the prompt (sent once typing pauses). */
  | { type: 'filterPreview' }
  /** A line for the status bar from outside the reducer (what a copy did). */
  | { type: 'notify'; text: string; tone: 'info' | 'error' }
  /** A mouse report (src/ui/mouse.ts): the wheel, a click. */
  | { type: 'mouse'; event: MouseEvent };

export interface PaneRenderProps {
  model: UiModel;
  state: UiState;
  focused: boolean;
  layout: Layout;
}

/** A path of the image at a layer, as a pane's cursor points at it. */
export interface PanePointer {
  path: string;
  layer: number;
  id?: number;
}

/** What the details pane shows for a subject. */
export interface PaneDetails {
  title(model: UiModel, state: UiState): string;
  lines(model: UiModel, state: UiState, width: number): Line[];
}

/** A pane of the browser: its slice, how it reacts, what the details say about its cursor, how
 *  it is drawn. Every function is pure except `render`. */
export interface PaneSpec {
  /** Its name: the value of `mainView` while a main-slot pane is shown. */
  id: string;
  slot: Slot;
  /** The key map context while it has focus (its rows are listed in the help in registry order). */
  context: KeyContext;
  /** What the details pane describes while it has focus. */
  subject: string;
  /** The command that shows it in the main slot (pressed again: back to the tree). */
  toggle?: Command;
  /** Its slice(s) as they start. */
  init?(model: UiModel): Partial<PaneSlices>;
  /** The state as it is shown: called when the toggle opens it (reset a cursor, say). */
  open?(state: UiState): UiState;
  /** Clamps its cursors after any change; returns `state` itself when nothing moved. */
  settle?(model: UiModel, state: UiState, layout: Layout): UiState;
  /** ↑ ↓ PgUp PgDn g G while it has focus. */
  move?(model: UiModel, state: UiState, command: ListCommand, layout: Layout): UiState;
  /** Enter while it has focus. */
  activate?(model: UiModel, state: UiState): UiState;
  /** The filter prompt (`/`) while it has focus filters its rows instead of the tree's paths:
   *  the text in effect, and the state with `text` applied (as it is typed, and on Enter). */
  filter?: { text(state: UiState): string; apply(model: UiModel, state: UiState, text: string): UiState };
  /** Esc while it has focus, before the shell's "back to the tree"; undefined: not handled. */
  back?(model: UiModel, state: UiState): UiState | undefined;
  /** Any other command; `focused` says whether it has focus. undefined: not its command. */
  command?(model: UiModel, state: UiState, command: Command, focused: boolean): UiState | undefined;
  /** The details of its `subject`. */
  details?: PaneDetails;
  /** Rows of its list below its headings (default: its box's bodyRows): where a click lands. */
  bodyRows?(layout: Layout): number;
  /** A click on row `row` of its body (0: the first row shown); `state` has already given it
   *  focus, `wasFocused` says whether it had focus before the click. */
  click?(model: UiModel, state: UiState, row: number, layout: Layout, wasFocused: boolean): UiState;
  /** The path its cursor points at and the layer to read it at (node `id` when the merged tree
   *  has it): what the file viewer opens and `y`/`Y` copy. undefined: nothing to read there. */
  pointsAt?(model: UiModel, state: UiState): PanePointer | undefined;
  render(props: PaneRenderProps): React.JSX.Element;
}

export function note(s: UiState, text: string, tone: 'info' | 'error' = 'info'): UiState {
  return { ...s, message: { text, tone } };
}
