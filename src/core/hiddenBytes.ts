// Byte accounting, defined once (see the design guide):
//   storedBytes  = Σ layers' sizeBytes (every regular-file entry of every tar)
//   visibleBytes = content reachable from the final merged view, each stored copy once
//                  (a hard link reaches the copy it shares, even if the original name is gone)
//   hiddenBytes  = storedBytes − visibleBytes
// A "copy" is one regular-file entry of one layer tar, identified by (layer, change index).
import type { ImagePath } from './model.js';
import type { MergedTree } from './merge.js';
import { Op, TYPE_FILE, TYPE_HARDLINK } from './changes.js';

export interface HiddenEntry {
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
  entries: HiddenEntry[];
  /** Hidden bytes each layer carries (stored in it, unreachable at the end). */
  hiddenByLayer: number[];
}

/** For each layer, which of its changes hold content visible at the end (1) or not (0):
 *  a visible file, or the file a visible hard link shares. */
export function visibleCopies(tree: MergedTree): Uint8Array[] {
  const visible = tree.summaries.map((s) => new Uint8Array(s.changes.length));
  const last = tree.layerCount - 1;
  for (let id = 1; id < tree.nodeCount; id++) {
    const event = tree.visibleEvent(id, last);
    if (event < 0) continue;
    const layer = tree.eventLayer(event);
    const index = tree.eventEntryIndex(event);
    if (index < 0) continue;
    const changes = tree.summaries[layer]!.changes;
    const type = changes.typeCode(index);
    if (type === TYPE_FILE) visible[layer]![index] = 1;
    else if (type === TYPE_HARDLINK) {
      const linked = changes.linkedContent(index);
      if (linked !== undefined) visible[layer]![linked] = 1;
    }
  }
  return visible;
}

export function accountBytes(tree: MergedTree): ByteAccount {
  const visible = visibleCopies(tree);
  const byPath = new Map<ImagePath, HiddenEntry>();
  const hiddenByLayer = tree.summaries.map(() => 0);
  let storedBytes = 0;
  let visibleBytes = 0;
  tree.summaries.forEach((summary, layer) => {
    storedBytes += summary.sizeBytes;
    // Bytes of entries the walker refused (suspicious names) are stored but never visible.
    let hidden = summary.sizeBytes;
    const { changes } = summary;
    const seen = visible[layer]!;
    for (let index = 0; index < changes.length; index++) {
      if (changes.op(index) !== Op.Entry || changes.typeCode(index) !== TYPE_FILE) continue;
      const size = changes.size(index);
      if (seen[index]) {
        visibleBytes += size;
        hidden -= size;
        continue;
      }
      if (size === 0) continue;
      const path = changes.path(index);
      const entry = byPath.get(path) ?? { path, bytes: 0, count: 0, layers: [] };
      entry.bytes += size;
      entry.count += 1;
      if (entry.layers[entry.layers.length - 1] !== layer) entry.layers.push(layer);
      byPath.set(path, entry);
    }
    hiddenByLayer[layer] = hidden;
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
    const now = tree.visibleEvent(id, layer);
    const before = layer > 0 ? tree.visibleEvent(id, layer - 1) : -1;
    const bucket = now < 0 ? stats.removed : before < 0 ? stats.added : stats.modified;
    const shown = now < 0 ? before : now;
    bucket.count += 1;
    if (shown >= 0) bucket.bytes += tree.contentSizeAt(tree.eventLayer(shown), tree.eventEntryIndex(shown));
  }
  return stats;
}
