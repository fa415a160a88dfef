// Answers about one path or one hidden-bytes entry, for the details and hidden-bytes panes.
// Pure functions over the MergedTree and the byte account.
import type { EntryType } from './model.js';
import type { ChangeKind, MergedTree, RemovalCause } from './merge.js';
import type { HiddenEntry } from './hiddenBytes.js';

export interface HistoryItem {
  layer: number;
  change: ChangeKind;
  cause?: RemovalCause;
  /** Type of the entry the layer stored (added/modified), or of the one it removed. */
  type: EntryType;
  /** Bytes this copy stores in its layer (regular files only; 0 for a removal). */
  storedBytes: number;
  /** A hard link shares the bytes of another entry of its layer. */
  sharedBytes: number;
  /** This stored copy is unreachable in the final image (counted in hiddenBytes). */
  hidden: boolean;
}

/** Everything every layer did to a path, base first, with the bytes each copy stores and
 *  whether the byte account counts that copy as hidden. */
export function pathHistory(tree: MergedTree, id: number, hidden?: HiddenEntry): HistoryItem[] {
  const hiddenLayers = new Set(hidden?.layers ?? []);
  return tree.historyOf(id).map((event) => {
    if (event.change === 'removed') {
      const before = event.layer > 0 ? tree.stateAt(id, event.layer - 1) : undefined;
      return {
        layer: event.layer,
        change: event.change,
        ...(event.cause ? { cause: event.cause } : {}),
        type: before?.entry.type ?? 'other',
        storedBytes: 0,
        sharedBytes: 0,
        hidden: false,
      };
    }
    const entry = tree.entryOf(id, event);
    const storedBytes = entry.type === 'file' ? entry.size : 0;
    return {
      layer: event.layer,
      change: event.change,
      type: entry.type,
      storedBytes,
      sharedBytes: entry.type === 'hardlink' ? tree.contentSize(entry, event.layer) : 0,
      hidden: storedBytes > 0 && hiddenLayers.has(event.layer),
    };
  });
}

export interface HiddenTarget {
  /** Node of the path, if the merged tree knows it. */
  id: number | undefined;
  /** Layer that stores the largest hidden copy. */
  layer: number;
  /** Bytes of that copy. */
  bytes: number;
  /** The first later layer that changed the path: it made the copy unreachable. Undefined when
   *  the copy was superseded inside its own layer (a later duplicate in the same tar). */
  hiddenBy?: { layer: number; change: ChangeKind; cause?: RemovalCause };
}

/** Where the largest hidden copy of a hidden entry lives, and which layer hid it. */
export function hiddenTarget(tree: MergedTree, hidden: HiddenEntry): HiddenTarget {
  const id = tree.idOf(hidden.path);
  const layers = new Set(hidden.layers);
  let best: { layer: number; bytes: number } | undefined;
  const history = id === undefined ? [] : tree.historyOf(id);
  for (const event of history) {
    if (event.change === 'removed' || !layers.has(event.layer)) continue;
    const entry = tree.entryOf(id!, event);
    const bytes = entry.type === 'file' ? entry.size : 0;
    if (!best || bytes > best.bytes) best = { layer: event.layer, bytes };
  }
  // Copies that a later duplicate in the same tar superseded have no event of their own.
  best ??= { layer: hidden.layers[hidden.layers.length - 1] ?? 0, bytes: Math.round(hidden.bytes / Math.max(1, hidden.count)) };
  const next = history.find((e) => e.layer > best.layer);
  return {
    id,
    layer: best.layer,
    bytes: best.bytes,
    ...(next ? { hiddenBy: { layer: next.layer, change: next.change, ...(next.cause ? { cause: next.cause } : {}) } } : {}),
  };
}
