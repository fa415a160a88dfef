// What a mouse event does in the browser: the wheel moves the list under the pointer (three rows
// a notch, focus unchanged), a click focuses the pane under it and selects the row clicked (a
// click on the directory already selected opens or closes it). Where things are comes from
// layoutFor(), the numbers the panes are drawn with; what a click on a row does, from the pane's
// spec (PaneSpec.click).
import { HEADER_LINES, type Layout } from './layout.js';
import type { UiModel } from './model.js';
import type { MouseEvent } from './mouse.js';
import { PANES, paneIn } from './panes/index.js';
import type { Slot, UiState } from './shell.js';

export const WHEEL_ROWS = 3;

/** The pane under (x, y) (1-based, as the terminal counts) and the row of its body there (0 is
 *  its first body row; negative on its border or headings). */
export function paneAt(layout: Layout, mainView: string, x: number, y: number): { slot: Slot; bodyRow: number } | undefined {
  const row = y - 1;
  const col = x - 1;
  // Row 0 is the header line; the layers pane below it, then the main and details panes.
  const layersTop = 1;
  const middleTop = layersTop + layout.layers.height;
  if (row >= layersTop && row < middleTop) return { slot: 'layers', bodyRow: row - layersTop - 1 - HEADER_LINES.layers };
  if (row >= middleTop && row < middleTop + layout.main.height) {
    if (col < layout.main.width) {
      const pane = PANES.find((p) => p.slot === 'main' && p.id === mainView);
      const headings = layout.main.height - 2 - (pane?.bodyRows?.(layout) ?? layout.main.bodyRows);
      return { slot: 'main', bodyRow: row - middleTop - 1 - headings };
    }
    return { slot: 'details', bodyRow: row - middleTop - 1 - HEADER_LINES.details };
  }
  return undefined;
}

function focusSlot(s: UiState, focus: Slot): UiState {
  const subject = focus === 'details' ? s.subject : paneIn(s, focus).subject;
  return { ...s, focus, subject, details: subject === s.subject ? s.details : { scroll: 0 } };
}

export function pointerAction(model: UiModel, s: UiState, e: MouseEvent, layout: Layout): UiState {
  if (s.prompt !== undefined || layout.tooSmall) return s;
  const at = paneAt(layout, s.mainView, e.x, e.y);
  if (s.help.open || !at) return s;
  const pane = paneIn(s, at.slot);
  if (e.kind === 'wheel') {
    if (!pane.move) return s;
    let next = s;
    for (let i = 0; i < WHEEL_ROWS; i++) next = pane.move(model, next, e.wheel === 'up' ? 'up' : 'down', layout);
    return next;
  }
  if (e.kind !== 'press' || e.button !== 0) return s;
  const focused = focusSlot(s, at.slot);
  if (at.bodyRow < 0) return focused;
  return pane.click ? pane.click(model, focused, at.bodyRow, layout, s.focus === at.slot) : focused;
}
