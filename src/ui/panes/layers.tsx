// The layers pane's slice: its cursor is the selected layer (the tree shows the filesystem after
// it); the details describe that layer.
import { LayersPane } from '../LayersPane.js';
import { layerLines } from '../details.js';
import { LIST_START, listWindow, moveList, settleList, type ListState } from '../list.js';
import { note, type PaneSpec, type UiState } from '../shell.js';

declare module '../shell.js' {
  interface PaneSlices {
    /** The layers list; its cursor is the selected layer. */
    layers: ListState;
    /** Wide mode: the selected layer's full command, the size columns folded. */
    layersWide?: boolean;
  }
}

/** The layer the tree shows the filesystem after. */
export function selectedLayer(state: UiState): number {
  return state.layers.cursor;
}

export function selectLayer(s: UiState, layer: number): UiState {
  return { ...s, layers: { ...s.layers, cursor: layer }, details: { scroll: 0 } };
}

export const layersPane: PaneSpec = {
  id: 'layers',
  slot: 'layers',
  context: 'layers',
  subject: 'layer',
  init: (model) => ({ layers: { ...LIST_START, cursor: Math.max(0, model.layerCount - 1) } }),
  settle(model, s, layout) {
    const layers = settleList(s.layers, model.layerCount, layout.layers.bodyRows);
    return layers === s.layers ? s : { ...s, layers };
  },
  move: (model, s, command, layout) => ({
    ...s,
    layers: moveList(s.layers, command, model.layerCount, layout.layers.bodyRows),
    details: { scroll: 0 },
  }),
  command(_model, s, command) {
    if (command === 'nextLayer') return selectLayer(s, selectedLayer(s) + 1);
    if (command === 'prevLayer') return selectLayer(s, selectedLayer(s) - 1);
    if (command === 'toggleWideLayers')
      return note(
        { ...s, layersWide: !s.layersWide },
        s.layersWide ? 'layers: one line each' : 'layers: the full command of the selected layer',
      );
    return undefined;
  },
  click(model, s, row, layout) {
    const index = listWindow(s.layers.scroll, layout.layers.bodyRows, model.layerCount).from + row;
    return index < model.layerCount ? { ...s, layers: { ...s.layers, cursor: index }, details: { scroll: 0 } } : s;
  },
  details: {
    title: (model, s) => `Layer ${selectedLayer(s)} (${selectedLayer(s) + 1} of ${model.layerCount})`,
    lines: (model, s, width) => layerLines(model, selectedLayer(s), width),
  },
  render: ({ model, state, focused, layout }) => (
    <LayersPane
      model={model}
      selected={state.layers.cursor}
      scroll={state.layers.scroll}
      wide={state.layersWide === true}
      focused={focused}
      box={layout.layers}
    />
  ),
};
