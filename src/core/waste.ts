// Byte accounting, defined once (see the design guide):
//   storedBytes  = Σ layers' sizeBytes (every regular-file entry of every tar)
//   visibleBytes = content reachable from the final merged view, each stored copy once
//                  (a hard link reaches the copy it shares, even if the original name is gone)
//   hiddenBytes  = storedBytes − visibleBytes
// A "copy" is one regular-file entry of one layer tar, identified by (layer, change index).
import type { ImagePath } from './model.js';
import type { MergedTree } from './merge.js';

export interface WasteEntry {
  path: ImagePath;
  /** Hidden bytes stored under this path, over all its hidden copies. */
  bytes: number;
  /** Number of hidden copies. */
  count: number;
  /** Layers holding those copies, ascending. */
  layers: number[];
}

export interface ByteAccount {
  storedBytes: number;
  visibleBytes: number;
  hiddenBytes: number;
  /** Paths whose stored bytes are hidden, most bytes first. */
  entries: WasteEntry[];
  /** Hidden bytes each layer carries (stored in it, unreachable at the end). */
  hiddenByLayer: number[];
}

/** Packs (layer, change index) into one number: exact below 2^21 layers. */
function copyKey(layer: number, index: number): number {
  return layer * 0x1_0000_0000 + index;
}

export function visibleCopies(tree: MergedTree): Set<number> {
  const visible = new Set<number>();
  for (const { state } of tree.walkVisible()) {
    const { entry, layer } = state;
    if (entry.type === 'file') {
      visible.add(copyKey(layer, state.entryIndex));
    } else if (entry.type === 'hardlink' && entry.linkedContent !== undefined) {
      visible.add(copyKey(layer, entry.linkedContent));
    }
  }
  return visible;
}

export function accountBytes(tree: MergedTree): ByteAccount {
  const visible = visibleCopies(tree);
  const byPath = new Map<ImagePath, WasteEntry>();
  const hiddenByLayer = tree.summaries.map(() => 0);
  let storedBytes = 0;
  let visibleBytes = 0;
  tree.summaries.forEach((summary, layer) => {
    storedBytes += summary.sizeBytes;
    // Bytes of entries the walker refused (suspicious names) are stored but never visible.
    hiddenByLayer[layer] = summary.sizeBytes;
    summary.changes.forEach((change, index) => {
      if (change.op !== 'entry' || change.entry.type !== 'file') return;
      const { path, size } = change.entry;
      if (visible.has(copyKey(layer, index))) {
        visibleBytes += size;
        hiddenByLayer[layer]! -= size;
        return;
      }
      if (size === 0) return;
      const waste = byPath.get(path) ?? { path, bytes: 0, count: 0, layers: [] };
      waste.bytes += size;
      waste.count += 1;
      if (waste.layers[waste.layers.length - 1] !== layer) waste.layers.push(layer);
      byPath.set(path, waste);
    });
  });
  const hiddenBytes = storedBytes - visibleBytes;
  const entries = [...byPath.values()].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { storedBytes, visibleBytes, hiddenBytes, entries, hiddenByLayer };
}

export interface LayerDiffStats {
  added: { count: number; bytes: number };
  modified: { count: number; bytes: number };
  removed: { count: number; bytes: number };
}

/** What a layer did to the merged view: counts and content bytes of added, modified and removed
 *  paths (removed bytes are those of the entries the layer made unreachable by name). */
export function layerDiffStats(tree: MergedTree, layer: number): LayerDiffStats {
  const stats: LayerDiffStats = {
    added: { count: 0, bytes: 0 },
    modified: { count: 0, bytes: 0 },
    removed: { count: 0, bytes: 0 },
  };
  for (const id of tree.touchedBy[layer] ?? []) {
    const event = tree.eventAt(id, layer)!;
    const bucket = stats[event.change];
    bucket.count += 1;
    if (event.change === 'removed') {
      const before = layer > 0 ? tree.stateAt(id, layer - 1) : undefined;
      if (before) bucket.bytes += tree.contentSize(before.entry, before.layer);
    } else {
      const entry = tree.entryOf(id, event);
      bucket.bytes += tree.contentSize(entry, layer);
    }
  }
  return stats;
}
