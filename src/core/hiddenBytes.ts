// Byte accounting, defined once (see the design guide):
//   storedBytes  = Σ layers' sizeBytes (every regular-file entry of every tar)
//   visibleBytes = content reachable from the final merged view, each stored copy once
//                  (a hard link reaches the copy it shares, even if the original name is gone)
//   hiddenBytes  = storedBytes − visibleBytes
// A "copy" is one regular-file entry of one layer tar, identified by (layer, change index).
import type { ImagePath } from './model.js';
import type { MergedTree } from './merge.js';
import { Op, TYPE_FILE, TYPE_HARDLINK } from './changes.js';
import { release, withSmallYoungGeneration } from './memory.js';

/** How a later entry took a stored copy out of view. */
export type HiddenHow =
  /** the path was deleted (a whiteout, an opaque directory) */
  | 'deleted'
  /** a new copy with other content (or another kind of entry) took its place */
  | 'overwritten'
  /** a new copy with the same content: only the mode, owner or times changed (chmod, chown, touch) */
  | 'metadata'
  /** a later entry for the same path in the same layer's tar */
  | 'duplicate';

/** One hidden copy: the layer that stores it and the layer that hid it. */
export interface HiddenCopy {
  layer: number;
  bytes: number;
  /** The layer whose entry made this copy unreachable (its own layer for a duplicate); undefined
   *  when no entry of the path did (a name the walker refused). */
  hiddenBy?: number;
  how?: HiddenHow;
}

export interface HiddenEntry {
  path: ImagePath;
  /** Hidden bytes stored under this path, over all its hidden copies. */
  bytes: number;
  /** Number of hidden copies. */
  count: number;
  /** Layers holding those copies, ascending. */
  layers: number[];
  /** Each hidden copy, base first. */
  copies: HiddenCopy[];
}

export interface ByteAccount {
  storedBytes: number;
  visibleBytes: number;
  hiddenBytes: number;
  /** Paths whose stored bytes are hidden, most bytes first (built on first read). */
  readonly entries: HiddenEntry[];
  /** Hidden bytes each layer carries (stored in it, unreachable at the end). */
  hiddenByLayer: number[];
  /** Bytes of lower layers' copies each layer made unreachable (what a `RUN rm` hid). */
  hidByLayer: number[];
}

/** Which entry took copy `index` of `layer` out of view, and how. */
function hiddenHow(tree: MergedTree, layer: number, index: number): Pick<HiddenCopy, 'hiddenBy' | 'how'> {
  const id = tree.nodeOfChange[layer]?.[index];
  if (id === undefined || id < 0) return {};
  const changes = tree.summaries[layer]!.changes;
  // The path's events walked on the tree's columns (no event objects: this runs per hidden copy).
  for (let event = tree.firstEventOf(id); event >= 0; event = tree.nextEventOf(event)) {
    const at = tree.eventLayer(event);
    if (at < layer) continue;
    const entryIndex = tree.eventEntryIndex(event);
    if (at === layer) {
      if (!tree.eventRemoves(event) && entryIndex !== index) return { hiddenBy: layer, how: 'duplicate' };
      continue;
    }
    if (tree.eventRemoves(event)) return { hiddenBy: at, how: tree.eventCause(event) === 'replaced' ? 'overwritten' : 'deleted' };
    const later = tree.summaries[at]!.changes;
    const same =
      entryIndex >= 0 &&
      later.typeCode(entryIndex) === TYPE_FILE &&
      later.size(entryIndex) === changes.size(index) &&
      later.digest(entryIndex) !== undefined &&
      later.digest(entryIndex) === changes.digest(index);
    return { hiddenBy: at, how: same ? 'metadata' : 'overwritten' };
  }
  // No later entry of its own: its layer replaced a directory above it (`d/f`, then a file `d`).
  return { hiddenBy: layer, how: 'overwritten' };
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
  return withSmallYoungGeneration(() => account(tree));
}

function account(tree: MergedTree): ByteAccount {
  const visible = visibleCopies(tree);
  const hiddenByLayer = tree.summaries.map(() => 0);
  const hidByLayer = tree.summaries.map(() => 0);
  // The hidden copies, base first: the per-path list is built from them when first read (the
  // browser's first frame needs only the totals).
  const copyLayers: number[] = [];
  const copyIndices: number[] = [];
  const copyHows: Pick<HiddenCopy, 'hiddenBy' | 'how'>[] = [];
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
      const how = hiddenHow(tree, layer, index);
      if (how.hiddenBy !== undefined && how.hiddenBy > layer) hidByLayer[how.hiddenBy]! += size;
      copyLayers.push(layer);
      copyIndices.push(index);
      copyHows.push(how);
    }
    hiddenByLayer[layer] = hidden;
  });
  release(...visible);
  const hiddenBytes = storedBytes - visibleBytes;
  let entries: HiddenEntry[] | undefined;
  return {
    storedBytes,
    visibleBytes,
    hiddenBytes,
    get entries() {
      entries ??= hiddenEntries(tree, copyLayers, copyIndices, copyHows);
      return entries;
    },
    hiddenByLayer,
    hidByLayer,
  };
}

/** The hidden copies grouped by path, most bytes first. */
function hiddenEntries(tree: MergedTree, layers: number[], indices: number[], hows: Pick<HiddenCopy, 'hiddenBy' | 'how'>[]): HiddenEntry[] {
  const byPath = new Map<ImagePath, HiddenEntry>();
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const changes = tree.summaries[layer]!.changes;
    const index = indices[i]!;
    const size = changes.size(index);
    const path = changes.path(index);
    let entry = byPath.get(path);
    if (!entry) {
      entry = { path, bytes: 0, count: 0, layers: [], copies: [] };
      byPath.set(path, entry);
    }
    entry.bytes += size;
    entry.count += 1;
    if (entry.layers[entry.layers.length - 1] !== layer) entry.layers.push(layer);
    entry.copies.push({ layer, bytes: size, ...hows[i] });
  }
  return [...byPath.values()].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
