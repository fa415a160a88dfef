// The hidden-bytes pane: every path with bytes stored but unreachable, largest first. Enter
// shows the largest hidden copy in the tree, at the layer that stored it.
import { displayPath } from '../../core/model.js';
import { hiddenLines } from '../details.js';
import { HiddenBytesPane } from '../HiddenBytesPane.js';
import { hiddenBytesBodyRows } from '../layout.js';
import { LIST_START, listWindow, moveList, settleList, type ListState } from '../list.js';
import { note, type PaneSpec } from '../shell.js';
import { showInTree } from './tree.js';

declare module '../shell.js' {
  interface PaneSlices {
    hiddenBytes: ListState;
  }
}

export const hiddenBytesPane: PaneSpec = {
  id: 'hiddenBytes',
  slot: 'main',
  context: 'hiddenBytes',
  subject: 'hiddenBytes',
  toggle: 'toggleHiddenBytes',
  init: () => ({ hiddenBytes: { ...LIST_START } }),
  settle(model, s, layout) {
    // Only while shown: the list is built from every hidden copy on first read, which the first
    // frame (the tree in this slot) does not need.
    if (s.mainView !== 'hiddenBytes') return s;
    const hiddenBytes = settleList(s.hiddenBytes, model.analysis.account.entries.length, hiddenBytesBodyRows(layout));
    return hiddenBytes === s.hiddenBytes ? s : { ...s, hiddenBytes };
  },
  move: (model, s, command, layout) => ({
    ...s,
    hiddenBytes: moveList(s.hiddenBytes, command, model.analysis.account.entries.length, hiddenBytesBodyRows(layout)),
    details: { scroll: 0 },
  }),
  activate(model, s) {
    const index = s.hiddenBytes.cursor;
    const entry = model.analysis.account.entries[index];
    const target = model.hiddenTarget(index);
    if (!entry || !target) return s;
    if (target.id === undefined) return note(s, `${displayPath(entry.path)} is not in the merged tree`, 'error');
    const { state, cleared } = showInTree(model, s, target.layer, target.id);
    const by = target.hiddenBy ? `, hidden by L${target.hiddenBy.layer}` : '';
    return note(state, `${displayPath(entry.path)}: largest hidden copy in L${target.layer}${by}${cleared}`);
  },
  details: {
    title: () => 'Hidden copy',
    lines: (model, s, width) => hiddenLines(model, s.hiddenBytes.cursor, width),
  },
  bodyRows: hiddenBytesBodyRows,
  click(model, s, row, layout) {
    const count = model.analysis.account.entries.length;
    const index = listWindow(s.hiddenBytes.scroll, hiddenBytesBodyRows(layout), count).from + row;
    return index < count ? { ...s, hiddenBytes: { ...s.hiddenBytes, cursor: index }, details: { scroll: 0 } } : s;
  },
  /** The largest hidden copy, at the layer that stored it. */
  pointsAt(model, s) {
    const entry = model.analysis.account.entries[s.hiddenBytes.cursor];
    const target = model.hiddenTarget(s.hiddenBytes.cursor);
    if (!entry || !target) return undefined;
    return { path: entry.path, layer: target.layer, ...(target.id !== undefined ? { id: target.id } : {}) };
  },
  render: ({ model, state, focused, layout }) => (
    <HiddenBytesPane model={model} cursor={state.hiddenBytes.cursor} scroll={state.hiddenBytes.scroll} focused={focused} layout={layout} />
  ),
};
