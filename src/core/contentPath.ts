// Which stored copy of a path the user means: the visible one, or the one a given layer stores
// (hidden copies included), with symlinks followed inside the image root. Pure: reads the merged
// tree only; the bytes are fetched by sources/content.ts.
import type { MergedTree } from './merge.js';
import type { ImagePath, LayerEntry } from './model.js';
import { InputError } from './errors.js';
import { baseName, normaliseName, parentOf } from './paths.js';

/** Linux stops following symlinks after 40 too. */
const MAX_LINK_HOPS = 40;

/** One entry a layer stores for a path. */
export interface StoredCopy {
  path: ImagePath;
  /** Node id in the merged tree. */
  id: number;
  layer: number;
  /** Index in summaries[layer].changes. */
  index: number;
  entry: LayerEntry;
}

/** Every copy of `id` that a layer stores (added or modified), base layer first. */
export function storedCopies(tree: MergedTree, id: number): StoredCopy[] {
  const path = tree.pathOf(id);
  return tree
    .historyOf(id)
    .filter((e) => e.change !== 'removed' && e.entryIndex >= 0)
    .map((e) => ({ path, id, layer: e.layer, index: e.entryIndex, entry: tree.entryOf(id, e) }));
}

/** The stored copy before `copy` (the path's previous version), if there is one. */
export function previousCopy(tree: MergedTree, copy: StoredCopy): StoredCopy | undefined {
  const all = storedCopies(tree, copy.id).filter((c) => c.layer < copy.layer);
  return all[all.length - 1];
}

export function checkLayer(tree: MergedTree, layer: number, what = '--layer'): void {
  if (!Number.isInteger(layer) || layer < 0 || layer >= tree.layerCount) {
    throw new InputError(`${what} ${layer} is out of range: the image has ${tree.layerCount} layers (0–${tree.layerCount - 1})`);
  }
}

/** Parses a `--layer N` value. */
export function parseLayerOption(text: string | undefined, tree: MergedTree, what = '--layer'): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw new InputError(`${what} ${text}: expected a layer index (0–${tree.layerCount - 1})`);
  const n = Number(text);
  checkLayer(tree, n, what);
  return n;
}

/** Normalises what the user typed (`/etc/x`, `etc/x`, `./etc/x`). */
export function userPath(raw: string): ImagePath {
  const n = normaliseName(raw);
  if (!n.ok) throw new InputError(`${raw}: ${n.reason}`);
  return n.path;
}

/** `path` in the view after `layer` with every symlink (of a parent, and of the path itself when
 *  `followLast`) followed, never leaving the image root. Undefined when something on the way is
 *  missing. */
export function resolveInView(tree: MergedTree, path: ImagePath, layer: number, followLast = true): ImagePath | undefined {
  let pending = path === '' ? [] : path.split('/');
  let done: string[] = [];
  for (let hops = 0; pending.length > 0; ) {
    const segment = pending.shift()!;
    if (segment === '.' || segment === '') continue;
    if (segment === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, segment].join('/');
    const id = tree.idOf(candidate);
    const state = id === undefined ? undefined : tree.stateAt(id, layer);
    if (!state) return undefined;
    if (state.entry.type === 'symlink' && (pending.length > 0 || followLast)) {
      if (++hops > MAX_LINK_HOPS) return undefined;
      const target = state.entry.linkTarget ?? '';
      pending = [...target.split('/'), ...pending];
      if (target.startsWith('/')) done = [];
      continue;
    }
    done.push(segment);
  }
  return done.join('/');
}

export interface FindOptions {
  /** The copy this layer stores; default: the visible copy in the final image. */
  layer?: number;
  /** Follow a symlink at the path itself (cat, diff); extract and export keep links as links. */
  followLast?: boolean;
}

/** The copy of `raw` the user asked for. Throws an InputError (exit 2) saying what exists instead. */
export function findCopy(tree: MergedTree, raw: string, options: FindOptions = {}): StoredCopy {
  const path = userPath(raw);
  const last = tree.layerCount - 1;
  const layer = options.layer;
  const shown = `/${path}`;
  if (layer !== undefined) {
    checkLayer(tree, layer);
    const id =
      tree.idOf(path) ??
      (() => {
        const resolved = resolveInView(tree, path, layer, false);
        return resolved === undefined ? undefined : tree.idOf(resolved);
      })();
    const stored = id === undefined ? undefined : storedCopies(tree, id).find((c) => c.layer === layer);
    if (stored) return follow(tree, stored, layer, options);
    if (id !== undefined && storedCopies(tree, id).length > 0) {
      const layers = storedCopies(tree, id).map((c) => c.layer);
      throw new InputError(
        `layer ${layer} stores no copy of ${shown}; layer${layers.length > 1 ? 's' : ''} ${layers.join(', ')} do${layers.length > 1 ? '' : 'es'}`,
      );
    }
    throw notFound(tree, path);
  }
  const resolved = resolveInView(tree, path, last, false);
  const id = resolved === undefined ? undefined : tree.idOf(resolved);
  const state = id === undefined ? undefined : tree.stateAt(id, last);
  if (id !== undefined && state && state.entryIndex >= 0) {
    return follow(tree, { path: resolved!, id, layer: state.layer, index: state.entryIndex, entry: state.entry }, last, options);
  }
  if (id !== undefined && state && state.entry.type === 'dir')
    return { path: resolved!, id, layer: state.layer, index: -1, entry: state.entry };
  const hiddenId = tree.idOf(path);
  const hidden = hiddenId === undefined ? [] : storedCopies(tree, hiddenId);
  if (hidden.length > 0) {
    const layers = hidden.map((c) => c.layer);
    throw new InputError(
      `${shown} is not in the final image (deleted or replaced); its hidden cop${layers.length > 1 ? 'ies are' : 'y is'} in layer${layers.length > 1 ? 's' : ''} ${layers.join(', ')}: add --layer ${layers[layers.length - 1]}`,
    );
  }
  throw notFound(tree, path);
}

function follow(tree: MergedTree, copy: StoredCopy, layer: number, options: FindOptions): StoredCopy {
  if (!options.followLast || copy.entry.type !== 'symlink') return copy;
  const target = resolveInView(tree, copy.path, layer, true);
  const id = target === undefined ? undefined : tree.idOf(target);
  const state = id === undefined ? undefined : tree.stateAt(id, layer);
  if (id === undefined || !state) {
    throw new InputError(
      `/${copy.path} is a symlink to ${copy.entry.linkTarget ?? ''}, which does not exist in the image after layer ${layer}`,
    );
  }
  return { path: target!, id, layer: state.layer, index: state.entryIndex, entry: state.entry };
}

function notFound(tree: MergedTree, path: ImagePath): InputError {
  const near = closestPaths(tree, path);
  const hint = near.length > 0 ? `; closest: ${near.map((p) => `/${p}`).join(', ')}` : '';
  return new InputError(`no such path in the image: /${path}${hint}`);
}

/** Up to `limit` paths that exist in some layer and look like `path`: the same name elsewhere,
 *  then the nearest existing directory's entries by edit distance. */
export function closestPaths(tree: MergedTree, path: ImagePath, limit = 3): ImagePath[] {
  const name = baseName(path);
  const scored: Array<{ path: ImagePath; score: number }> = [];
  const everExisted = (id: number) => tree.historyOf(id).some((e) => e.change !== 'removed');
  // The nearest ancestor that exists, and its children.
  let dir = parentOf(path);
  let dirId = tree.idOf(dir);
  while (dirId === undefined && dir !== '') {
    dir = parentOf(dir);
    dirId = tree.idOf(dir);
  }
  if (dirId !== undefined) {
    const rest = path.slice(dir === '' ? 0 : dir.length + 1).split('/')[0] ?? '';
    for (const child of tree.childrenOf(dirId)) {
      if (!everExisted(child)) continue;
      const d = editDistance(rest, tree.nameOf(child));
      if (d <= Math.max(2, Math.floor(rest.length / 2))) scored.push({ path: tree.pathOf(child), score: d });
    }
  }
  // The same name anywhere (bounded: a million-path image is scanned once, names compared only).
  if (name !== '') {
    for (let id = 1; id < tree.nodeCount && scored.length < 1000; id++) {
      if (tree.nameOf(id) === name && tree.pathOf(id) !== path && everExisted(id)) scored.push({ path: tree.pathOf(id), score: 0.5 });
    }
  }
  scored.sort((a, b) => a.score - b.score || a.path.localeCompare(b.path));
  const out: ImagePath[] = [];
  for (const s of scored) if (!out.includes(s.path) && out.length < limit) out.push(s.path);
  return out;
}

function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
