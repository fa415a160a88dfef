// One list behaviour for every list on screen (layers, files, hidden bytes, details, help, the
// stage picker, compare's panes): a cursor, or only a scroll offset for text, over `count` rows
// of which `rows` fit; moving by a row, a page or to either end; the window that follows the
// cursor; the "a–b of n" label. Pure.
import type { Command } from './keymap.js';

/** A list with a cursor: the row it is on and the first row shown. */
export interface ListState {
  cursor: number;
  scroll: number;
}

export const LIST_START: Readonly<ListState> = { cursor: 0, scroll: 0 };

export type ListCommand = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom';

const LIST_COMMANDS: ReadonlySet<string> = new Set<ListCommand>(['up', 'down', 'pageUp', 'pageDown', 'top', 'bottom']);

export function isListCommand(command: Command | string): command is ListCommand {
  return LIST_COMMANDS.has(command);
}

/** A page: the rows shown less one (the last row stays in sight), at least one. */
export function pageOf(rows: number): number {
  return Math.max(1, rows - 1);
}

/** How far a command moves: a row, a page, or to either end (±Infinity). */
export function stepOf(command: ListCommand, rows: number): number {
  switch (command) {
    case 'down':
      return 1;
    case 'up':
      return -1;
    case 'pageDown':
      return pageOf(rows);
    case 'pageUp':
      return -pageOf(rows);
    case 'top':
      return -Infinity;
    case 'bottom':
      return Infinity;
  }
}

/** `current` moved by `delta` within [0, count); 0 for an empty list. */
export function clampMove(current: number, delta: number, count: number): number {
  if (count <= 0) return 0;
  if (delta === -Infinity) return 0;
  if (delta === Infinity) return count - 1;
  return Math.max(0, Math.min(count - 1, current + delta));
}

/** Keeps `cursor` inside the window [scroll, scroll + rows). */
export function scrollToShow(scroll: number, cursor: number, rows: number, total: number): number {
  let s = scroll;
  if (cursor < s) s = cursor;
  if (cursor >= s + rows) s = cursor - rows + 1;
  return Math.max(0, Math.min(s, Math.max(0, total - rows)));
}

/** The cursor clamped to the list and the window moved to show it. */
export function settleList(list: ListState, count: number, rows: number): ListState {
  const cursor = Math.max(0, Math.min(list.cursor, count - 1));
  const scroll = scrollToShow(list.scroll, cursor, rows, count);
  return cursor === list.cursor && scroll === list.scroll ? list : { cursor, scroll };
}

/** The list after a command: the cursor moves, the window follows. */
export function moveList(list: ListState, command: ListCommand, count: number, rows: number): ListState {
  return settleList({ ...list, cursor: clampMove(list.cursor, stepOf(command, rows), count) }, count, rows);
}

/** Text that scrolls (no cursor): the first line shown after a command. */
export function scrollText(scroll: number, command: ListCommand, count: number, rows: number): number {
  const max = Math.max(0, count - rows);
  return clampMove(Math.min(scroll, max), stepOf(command, rows), max + 1);
}

export interface ListWindow {
  /** First row shown. */
  from: number;
  /** One past the last row shown. */
  to: number;
  /** "a–b of n" when not every row fits, else ''. */
  label: string;
}

/** The rows shown from `scroll` (clamped), with their label; `name` writes a row's number
 *  (default: 1-based; the layers pane says L0). */
export function listWindow(
  scroll: number,
  rows: number,
  count: number,
  name: (index: number) => string = (i) => String(i + 1),
): ListWindow {
  const from = Math.max(0, Math.min(scroll, Math.max(0, count - rows)));
  const to = Math.min(count, from + rows);
  return { from, to, label: count > rows ? `${name(from)}–${name(to - 1)} of ${count}` : '' };
}
