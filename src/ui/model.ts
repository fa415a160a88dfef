// What the screens read: the analysis plus memoised views of it. Built once per image.
import type { Analysis } from '../core/analysis.js';
import { parseFilter, TreeView, type PathFilter, type ViewOptions, type VisibleRows } from '../core/view.js';
import { hiddenTarget, type HiddenTarget } from '../core/inspect.js';
import type { HiddenEntry } from '../core/hiddenBytes.js';
import { layerDiffStats, type LayerDiffStats } from '../core/hiddenBytes.js';

export interface UiModel {
  analysis: Analysis;
  view: TreeView;
  layerCount: number;
  /** Largest layer sizeBytes (bars are drawn relative to it). */
  maxLayerBytes: number;
  /** The flattened tree rows, memoised on the options and the expanded set's identity. */
  rows(options: ViewOptions, expanded: ReadonlySet<number>): VisibleRows;
  filter(text: string): PathFilter | undefined;
  hiddenEntryFor(path: string): HiddenEntry | undefined;
  hiddenTarget(index: number): HiddenTarget | undefined;
  layerStats(layer: number): LayerDiffStats;
}

export function createModel(analysis: Analysis): UiModel {
  const view = new TreeView(analysis.tree);
  let last: { key: ViewOptions; expanded: ReadonlySet<number>; rows: VisibleRows } | undefined;
  const filters = new Map<string, PathFilter | undefined>();
  let hiddenByPath: Map<string, HiddenEntry> | undefined;
  const targets = new Map<number, HiddenTarget>();
  const stats = new Map<number, LayerDiffStats>();
  const sameOptions = (a: ViewOptions, b: ViewOptions) =>
    a.layer === b.layer &&
    a.changesOnly === b.changesOnly &&
    a.sort === b.sort &&
    a.filter === b.filter &&
    a.show.added === b.show.added &&
    a.show.modified === b.show.modified &&
    a.show.removed === b.show.removed &&
    a.show.unchanged === b.show.unchanged;
  return {
    analysis,
    view,
    layerCount: analysis.image.layers.length,
    maxLayerBytes: Math.max(1, ...analysis.image.summaries.map((s) => s.sizeBytes)),
    rows(options, expanded) {
      if (last && last.expanded === expanded && sameOptions(last.key, options)) return last.rows;
      const rows = view.rows(options, expanded);
      last = { key: options, expanded, rows };
      return rows;
    },
    filter(text) {
      if (!filters.has(text)) {
        const parsed = parseFilter(text);
        filters.set(text, parsed.ok ? parsed.filter : undefined);
      }
      return filters.get(text);
    },
    hiddenEntryFor(path) {
      hiddenByPath ??= new Map(analysis.account.entries.map((e) => [e.path, e]));
      return hiddenByPath.get(path);
    },
    hiddenTarget(index) {
      const entry = analysis.account.entries[index];
      if (!entry) return undefined;
      let target = targets.get(index);
      if (!target) {
        target = hiddenTarget(analysis.tree, entry);
        targets.set(index, target);
      }
      return target;
    },
    layerStats(layer) {
      let s = stats.get(layer);
      if (!s) {
        s = layerDiffStats(analysis.tree, layer);
        stats.set(layer, s);
      }
      return s;
    },
  };
}
