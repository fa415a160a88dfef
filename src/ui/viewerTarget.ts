// Which stored copy the viewer opens from the browser: in the file tree, the copy the selected
// layer stores (or, if it stores none, the one visible at that layer); in Hidden bytes, the
// entry's largest hidden copy. Symlinks are followed inside the image root at that layer.
import { previousCopy, resolveInView, storedCopies, type StoredCopy } from '../core/contentPath.js';
import type { MergedTree } from '../core/merge.js';
import type { PagedBytes } from './viewerModel.js';
import type { ViewerTarget } from './Viewer.js';

/** What the viewer needs from the image's content reader (sources/content.ts ImageContent). */
export interface ContentAccess {
  open(layer: number, index: number): Promise<PagedBytes>;
}

/** The copy of node `id` to show at `layer`: the one that layer stores, else the one visible there. */
export function copyAt(tree: MergedTree, id: number, layer: number): StoredCopy | undefined {
  const copies = storedCopies(tree, id);
  const own = copies.find((c) => c.layer === layer);
  if (own) return own;
  const state = tree.stateAt(id, layer);
  if (state && state.entryIndex >= 0) return { path: tree.pathOf(id), id, layer: state.layer, index: state.entryIndex, entry: state.entry };
  // Removed at this layer: the last copy stored before it.
  return copies.filter((c) => c.layer < layer).pop();
}

/** `secrets`: the analysis' findings; a copy they name (path and layer) opens masked. */
export function viewerTarget(
  tree: MergedTree,
  copy: StoredCopy,
  content: ContentAccess,
  secrets: ReadonlyArray<{ path: string; layer: number; rule: string }> = [],
): ViewerTarget | undefined {
  const type = copy.entry.type;
  if (type === 'dir' || type === 'other') return undefined;
  const final = tree.stateAt(copy.id);
  const hidden = !final || final.layer !== copy.layer || final.entryIndex !== copy.index;
  const opens = type === 'file' || type === 'hardlink';
  const previous = opens ? previousCopy(tree, copy) : undefined;
  const previousOpens = previous && (previous.entry.type === 'file' || previous.entry.type === 'hardlink');
  const rules = [...new Set(secrets.filter((f) => f.path === copy.path && f.layer === copy.layer).map((f) => f.rule))];
  return {
    path: copy.path,
    layer: copy.layer,
    entry: copy.entry,
    hidden,
    ...(rules.length > 0 ? { secrets: rules } : {}),
    ...(opens ? { open: () => content.open(copy.layer, copy.index) } : {}),
    ...(previous && previousOpens ? { previous: { layer: previous.layer, open: () => content.open(previous.layer, previous.index) } } : {}),
  };
}

/** Where a symlink copy leads at its layer, as a copy to view (undefined: nowhere in the image). */
export function linkTargetCopy(tree: MergedTree, copy: { path: string; layer: number }): StoredCopy | undefined {
  const resolved = resolveInView(tree, copy.path, copy.layer, true);
  const id = resolved === undefined ? undefined : tree.idOf(resolved);
  const state = id === undefined ? undefined : tree.stateAt(id, copy.layer);
  if (id === undefined || !state || state.entryIndex < 0) return undefined;
  return { path: resolved!, id, layer: state.layer, index: state.entryIndex, entry: state.entry };
}
