// The browser's panes, registered once. The reducer (state.ts) starts, settles and routes keys
// through this list, the screen (Browser.tsx) draws from it, the help lists their key contexts
// in this order. Adding a pane: its module (component + PaneSpec + its slice), a line here, its
// key map rows (and a box in layout.ts if it needs a new place on screen).
import { DetailsPane } from '../DetailsPane.js';
import { configPane, packagesPane, secretsPane } from '../ListPane.js';
import { scrollText } from '../list.js';
import type { UiModel } from '../model.js';
import type { PaneSpec, UiState } from '../shell.js';
import type { Line } from '../text.js';
import { filesPane } from './files.js';
import { hiddenBytesPane } from './hiddenBytes.js';
import { layersPane } from './layers.js';

/** What the details pane shows: the details of the focused pane's subject (./shell.ts). */
export function detailTitle(model: UiModel, state: UiState): string {
  return subjectPane(state)?.details?.title(model, state) ?? '';
}

export function detailLines(model: UiModel, state: UiState, width: number): Line[] {
  return subjectPane(state)?.details?.lines(model, state, Math.max(10, width)) ?? [];
}

const detailsPane: PaneSpec = {
  id: 'details',
  slot: 'details',
  context: 'details',
  subject: '',
  move(model, s, command, layout) {
    const total = detailLines(model, s, layout.details.innerWidth).length;
    return { ...s, details: { scroll: scrollText(s.details.scroll, command, total, layout.details.bodyRows) } };
  },
  render: ({ model, state, focused, layout }) => (
    <DetailsPane
      title={detailTitle(model, state)}
      lines={detailLines(model, state, layout.details.innerWidth)}
      scroll={state.details.scroll}
      focused={focused}
      box={layout.details}
    />
  ),
};

/** In order: the layers, the tree, the details, then the panes that take the tree's place. */
export const PANES: readonly PaneSpec[] = [layersPane, filesPane, detailsPane, hiddenBytesPane, packagesPane, secretsPane, configPane];

/** The pane drawn in `slot`: for the main slot, the one `mainView` names. */
export function paneIn(state: UiState, slot: PaneSpec['slot']): PaneSpec {
  const pane = PANES.find((p) => p.slot === slot && (slot !== 'main' || p.id === state.mainView));
  if (!pane) throw new Error(`no pane for ${slot} (${state.mainView})`);
  return pane;
}

/** The pane that has focus. */
export function focusedPane(state: UiState): PaneSpec {
  return paneIn(state, state.focus);
}

function subjectPane(state: UiState): PaneSpec | undefined {
  return PANES.find((p) => p.details && p.subject === state.subject);
}
