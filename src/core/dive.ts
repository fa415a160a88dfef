/**
 * dive-compatible metrics (`efficiency`, `wastedBytes`, `userWastedPercent`) for `--ci`, so that a
 * `.dive-ci` file gives the same verdict here as with dive (github.com/wagoodman/dive, v0.12/v0.13:
 * the algorithm is the same in both). These are compatibility numbers, not ours: dive's "wasted"
 * counts every copy of a path, including the one that stays visible (see `hiddenBytes` for that).
 *
 * What dive does, and what this module reproduces:
 *
 * Layer trees — `dive/image/docker/image_archive.go` (processLayerTar, getFileList) and
 * `dive/filetree/file_tree.go` (AddPath):
 *   - Each layer is a tree of the tar's paths (`path.Clean(header.Name)`, "." skipped). A missing
 *     parent is created implicitly with an empty FileInfo: size 0 and **not a directory**
 *     (`node.AddChild(name, FileInfo{})`); a later entry for the same path replaces the payload
 *     and keeps the children (so a duplicate in one layer is one node with the last entry's size).
 *   - A whiteout `.wh.NAME` is an ordinary node named `.wh.NAME`; `Path()` strips the `.wh.`
 *     prefix of a node's own name ("white out prefixes are fictitious on leaf nodes").
 *   - Any name starting `.wh..wh..` is refused (`if strings.HasPrefix(name, doubleWhiteoutPrefix)
 *     { return nil, addedNodes, nil }`): an opaque marker `.wh..wh..opq` adds no node and has no
 *     effect at all, except that its directory is created implicitly if the layer did not list it
 *     (dive issue #391). We replicate that: `{op:'opaque'}` only ever creates that implicit node.
 *   - Layer size: `tree.FileSize += uint64(element.Size)` over every tar entry (duplicates, whiteouts
 *     and refused names included) — `LayerSummary.sizeBytes`, the same sum.
 *
 * Efficiency — `dive/filetree/efficiency.go` (Efficiency):
 *   - For each layer tree in order, visit its leaves (`node.IsLeaf()`: no children *in that layer's
 *     tree*; empty directories, symlinks, hard links and whiteouts included), depth first, children
 *     in name order (`sort.Strings`), children before parents, never the root.
 *   - A leaf's size: `sizeBytes = node.Data.FileInfo.Size` (the tar header size: 0 for directories,
 *     links and whiteouts). For a whiteout: `StackTreeRange(trees, 0, currentTree-1)` (a copy of
 *     layer 0, then layers 0…n−1 stacked on it: layer 0 is applied twice, harmless except that
 *     layer 0's own whiteout nodes stay in the copy), then `stackedTree.GetNode(node.Path())`, and
 *     `if previousTreeNode.Data.FileInfo.IsDir` the sum of `FileInfo.Size` over that node's whole
 *     subtree (the node included); otherwise 0. So a deleted file adds a 0-byte node (its earlier
 *     copies already made it a ≥2-node path); a deleted directory adds the size of the subtree it
 *     deletes — but only if the stacked node is a directory entry: a directory that some layer
 *     only implied (no tar entry) is not `IsDir`, and stacking copies every node's FileInfo, so an
 *     upper layer that merely implies it resets it to "not a directory" too.
 *   - If that path is not in the stacked tree, `GetNode` fails, the visitor returns the error and
 *     the rest of that layer's walk is abandoned (logged at debug level only). The path's entry was
 *     already created with `minDiscoveredSize: -1`, so if nothing else visits that path it adds −1
 *     to the minimum sum.
 *   - Per path: `data.CumulativeSize += sizeBytes`; `minDiscoveredSize` = smallest size seen;
 *     the path becomes an inefficiency when its second node arrives (`len(data.Nodes) == 2`).
 *   - `score = float64(minimumPathSizes) / float64(discoveredPathSizes)`, sums over all paths;
 *     `if discoveredPathSizes == 0 { score = 1.0 }`.
 *   - `sort.Sort(inefficientMatches)` by CumulativeSize ascending.
 *
 * Totals — `dive/image/analysis.go` (Analyze; `dive/image/image.go` in v0.12):
 *   - `sizeBytes += v.Size` over all layers; `if i != 0 { userSizeBytes += v.Size }`.
 *   - `wastedBytes += uint64(file.CumulativeSize)` over the inefficiencies.
 *   - `WastedUserPercent: float64(wastedBytes) / float64(userSizeBytes)` — a ratio, not a percent;
 *     with no user bytes that is NaN (0/0) or +Infinity (x/0), exactly as in Go, and dive's CI
 *     rule then passes (NaN) or fails (+Inf). NaN serialises as `null` in JSON.
 *
 * Differences, all invisible to the metrics themselves:
 *   - Inefficiencies are returned largest first, the order dive prints them (its CI report and
 *     `--json` export walk the sorted slice backwards). Equal sizes keep discovery order, reversed;
 *     Go's `sort.Sort` is not stable, but for up to 12 items it is an insertion sort, so the order
 *     is dive's exactly there, and may differ among equal sizes beyond that.
 *   - dive recomputes the stacked tree for every whiteout (O(whiteouts × image)); we build it once,
 *     incrementally: layers are visited in order, each reads only the stack of the layers below it,
 *     and reading never changes it, so every whiteout sees the tree dive would have built.
 *   - Storage: one id per path (the merged tree's, plus ids for paths only dive's trees have) and
 *     typed arrays per id, no node objects. Leaf order within a layer matters to dive only when a
 *     whiteout's path is missing below (the rest of the layer is abandoned) or a layer both
 *     deletes and re-adds under one path, and for the order of equal-sized inefficiencies: those
 *     cases are sorted into dive's exact visiting order; everything else is order-free sums.
 *     test/helpers/diveReference.ts keeps the object-per-node version this is checked against.
 *   - Names are compared by code point (= UTF-8 byte order, as Go compares strings).
 *   - Entries the walker refuses (names escaping the root, aufs `.wh..wh.*` bookkeeping) are absent
 *     from `changes`; dive would add some of them as nodes. `implicit` entries (if any producer adds
 *     them) are skipped: dive creates those parents itself, with an empty FileInfo.
 */
import type { LayerSummary } from './model.js';
import { Op, TYPE_DIR } from './changes.js';
import { MergedTree } from './merge.js';
import { release } from './memory.js';

export interface DiveInefficiency {
  /** Display path, with a leading '/'. */
  path: string;
  /** dive's CumulativeSize: the sizes of every node of this path, over all layers, summed. */
  cumulativeSize: number;
  /** Number of nodes (layer leaves) found for this path. Always ≥ 2. */
  count: number;
}

export interface DiveMetrics {
  /** sum(min size per path) / sum(cumulative size per path); 1 when nothing has a size. */
  efficiency: number;
  /** Sum of `cumulativeSize` over the inefficiencies. */
  wastedBytes: number;
  /** wastedBytes / userSizeBytes as a ratio (NaN or Infinity when userSizeBytes is 0, like dive). */
  userWastedPercent: number;
  /** Sum of layer sizes except layer 0. */
  userSizeBytes: number;
  /** Sum of all layer sizes. */
  sizeBytes: number;
  /** Paths with two nodes or more, largest cumulative size first. */
  inefficiencies: DiveInefficiency[];
}

const WHITEOUT_PREFIX = '.wh.';
const NONE = -1;

/** Go compares strings by bytes; UTF-16 code units agree except around surrogates. */
function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

function codeUnitRank(u: number): number {
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000;
  if (u >= 0xe000) return u - 0x800;
  return u;
}

/** dive's child-first visiting order for two nodes of one layer tree, given as name lists. */
function compareVisitOrder(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareNames(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  // An ancestor comes after its descendants.
  return b.length - a.length;
}

/** Ids for every path any layer tree has: the merged tree's, then extra ones for paths only
 *  dive's trees hold (parents of whiteouts of paths that never existed). */
class PathIds {
  private readonly extra = new Map<string, number>();
  private readonly extraParent: number[] = [];
  private readonly extraPath: string[] = [];
  private readonly extraChildren = new Map<number, number[]>();

  constructor(private readonly tree: MergedTree) {}

  get count(): number {
    return this.tree.nodeCount + this.extraPath.length;
  }

  idOf(path: string): number {
    const known = this.known(path);
    if (known !== undefined) return known;
    // The nearest ancestor the merged tree has; below it, ancestors only dive's trees have (or
    // new ones), top down. A loop: hostile paths nest thousands deep.
    const near = this.tree.nearestAncestor(path);
    let parent = near.id;
    for (let k = near.known; k < near.cuts.length; k++) {
      const prefix = path.slice(0, near.cuts[k]);
      parent = this.extra.get(prefix) ?? this.add(prefix, parent);
    }
    return this.add(path, parent);
  }

  private known(path: string): number | undefined {
    return this.tree.idOf(path) ?? this.extra.get(path);
  }

  private add(path: string, parent: number): number {
    const id = this.tree.nodeCount + this.extraPath.length;
    this.extra.set(path, id);
    this.extraPath.push(path);
    this.extraParent.push(parent);
    const siblings = this.extraChildren.get(parent) ?? [];
    siblings.push(id);
    this.extraChildren.set(parent, siblings);
    return id;
  }

  parentOf(id: number): number {
    return id < this.tree.nodeCount ? this.tree.parentOf(id) : this.extraParent[id - this.tree.nodeCount]!;
  }

  pathOf(id: number): string {
    return id < this.tree.nodeCount ? this.tree.pathOf(id) : this.extraPath[id - this.tree.nodeCount]!;
  }

  *childrenOf(id: number): Generator<number> {
    if (id < this.tree.nodeCount) yield* this.tree.childrenOf(id);
    const more = this.extraChildren.get(id);
    if (more) yield* more;
  }
}

/** Growable per-id columns. Stamps are 1 + a layer index (an image has at most MAX_LAYERS). */
class Columns {
  layerStamp = new Uint16Array(0);
  childStamp = new Uint16Array(0);
  size = new Float64Array(0);
  isDir = new Uint8Array(0);
  stackedPresent = new Uint8Array(0);
  stackedSize = new Float64Array(0);
  stackedIsDir = new Uint8Array(0);
  cumulative = new Float64Array(0);
  minimum = new Float64Array(0);
  count = new Uint32Array(0);

  fit(n: number): void {
    if (n <= this.layerStamp.length) return;
    const size = Math.max(n, Math.ceil(this.layerStamp.length * 1.25), 1024);
    const grow = <T extends Uint16Array | Float64Array | Uint8Array | Uint32Array>(a: T, fill = 0): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      if (fill !== 0) b.fill(fill, a.length);
      release(a);
      return b;
    };
    this.layerStamp = grow(this.layerStamp);
    this.childStamp = grow(this.childStamp);
    this.size = grow(this.size);
    this.isDir = grow(this.isDir);
    this.stackedPresent = grow(this.stackedPresent);
    this.stackedSize = grow(this.stackedSize);
    this.stackedIsDir = grow(this.stackedIsDir);
    this.cumulative = grow(this.cumulative);
    this.minimum = grow(this.minimum, NONE);
    this.count = grow(this.count);
  }

  /** Gives the columns' memory back (see memory.ts release): they are done with. */
  release(): void {
    release(this.layerStamp, this.childStamp, this.size, this.isDir, this.stackedPresent, this.stackedSize, this.stackedIsDir);
    release(this.cumulative, this.minimum, this.count);
  }
}

interface Whiteout {
  /** The deleted path's id (what dive's Path() gives for the `.wh.` node). */
  target: number;
  parent: number;
  name: string;
}

/** One layer's tree, as dive builds it: the tar's nodes, implied parents, whiteout nodes. */
interface LayerTree {
  nodes: number[];
  whiteouts: Whiteout[];
}

/** `tree` is the merged tree of the same summaries when the caller has one (it lends its path ids). */
export function diveMetrics(summaries: LayerSummary[], tree: MergedTree = new MergedTree(summaries)): DiveMetrics {
  const ids = new PathIds(tree);
  const col = new Columns();
  // Paths only dive's trees have are rare: size the columns for the merged tree's nodes.
  col.fit(tree.nodeCount + 64);
  const inefficient: number[] = [];
  /** Paths whose data dive created without a node (a whiteout of a path missing below). */
  const withoutNode = new Set<number>();

  const visit = (id: number, size: number): void => {
    col.cumulative[id]! += size;
    if (col.minimum[id]! < 0 || size < col.minimum[id]!) col.minimum[id] = size;
    col.count[id]! += 1;
    if (col.count[id] === 2) inefficient.push(id);
  };

  summaries.forEach((summary, layer) => {
    const layerTree = buildLayerTree(summary, layer, ids, col, tree.nodeOfChange[layer]);
    // dive's stack below layer 0 is a copy of layer 0 itself; below layer n, that copy with
    // layers 0…n−1 stacked on it.
    if (layer === 0) for (const id of layerTree.nodes) addToStack(id, col);
    const leaves = layerTree.nodes.filter((id) => col.childStamp[id] !== layer + 1);
    const firstNew = inefficient.length;
    if (layerTree.whiteouts.every((w) => col.stackedPresent[w.target])) {
      for (const id of leaves) visit(id, col.size[id]!);
      for (const w of layerTree.whiteouts) visit(w.target, deletedSize(w.target, ids, col));
      sortNewInefficiencies(inefficient, firstNew, layer, layerTree, ids, col);
    } else {
      // Already in dive's order.
      visitInOrder(leaves, layerTree.whiteouts, ids, col, visit, withoutNode);
    }
    stackLayer(layerTree, layer, ids, col);
  });

  let minimumPathSizes = 0;
  let discoveredPathSizes = 0;
  col.fit(ids.count);
  // The root is never a leaf: start at 1.
  for (let id = 1; id < ids.count; id++) {
    if (col.count[id] === 0 && !withoutNode.has(id)) continue;
    minimumPathSizes += col.minimum[id]!;
    discoveredPathSizes += col.cumulative[id]!;
  }
  const efficiency = discoveredPathSizes === 0 ? 1 : minimumPathSizes / discoveredPathSizes;

  // sort.Sort ascending (stable here), then reported backwards, as dive prints them.
  const sorted = inefficient
    .map((id, order) => ({ id, order }))
    .sort((p, q) => col.cumulative[p.id]! - col.cumulative[q.id]! || p.order - q.order)
    .map(({ id }) => id)
    .reverse();

  let sizeBytes = 0;
  let userSizeBytes = 0;
  summaries.forEach((summary, i) => {
    sizeBytes += summary.sizeBytes;
    if (i !== 0) userSizeBytes += summary.sizeBytes;
  });
  const wastedBytes = sorted.reduce((sum, id) => sum + col.cumulative[id]!, 0);
  const inefficiencies = sorted.map((id) => ({ path: `/${ids.pathOf(id)}`, cumulativeSize: col.cumulative[id]!, count: col.count[id]! }));
  col.release();
  return {
    efficiency,
    wastedBytes,
    userWastedPercent: wastedBytes / userSizeBytes,
    userSizeBytes,
    sizeBytes,
    inefficiencies,
  };
}

function buildLayerTree(summary: LayerSummary, layer: number, ids: PathIds, col: Columns, known: Int32Array | undefined): LayerTree {
  const stamp = layer + 1;
  const nodes: number[] = [];
  const whiteouts: Whiteout[] = [];
  /** A name listed twice is one node of the layer tree. */
  const whitedOut = new Set<number>();
  const { changes } = summary;
  /** Marks `id` and its unlisted ancestors as nodes of this layer (ancestors: empty FileInfo). */
  const include = (id: number): void => {
    let at = id;
    while (at > 0 && col.layerStamp[at] !== stamp) {
      col.layerStamp[at] = stamp;
      col.size[at] = 0;
      col.isDir[at] = 0;
      nodes.push(at);
      const parent = ids.parentOf(at);
      col.childStamp[parent] = stamp;
      at = parent;
    }
  };
  for (let i = 0; i < changes.length; i++) {
    const op = changes.op(i);
    const path = changes.path(i);
    // The merge already resolved each change's path to a node: reuse it (no re-hashing).
    const resolved = known?.[i] ?? NONE;
    if (op === Op.Entry) {
      if (path === '') continue;
      const id = resolved !== NONE ? resolved : ids.idOf(path);
      col.fit(ids.count);
      include(id);
      col.size[id] = changes.size(i);
      col.isDir[id] = changes.typeCode(i) === TYPE_DIR ? 1 : 0;
    } else if (op === Op.Whiteout) {
      const slash = path.lastIndexOf('/');
      const target = resolved !== NONE ? resolved : ids.idOf(path);
      const parent = slash < 0 ? 0 : ids.parentOf(target);
      col.fit(ids.count);
      include(parent);
      col.childStamp[parent] = stamp;
      if (whitedOut.has(target)) continue;
      whitedOut.add(target);
      whiteouts.push({ target, parent, name: WHITEOUT_PREFIX + path.slice(slash + 1) });
    } else if (path !== '') {
      // An opaque marker adds no node; its directory is created if the layer did not list it.
      const id = resolved !== NONE ? resolved : ids.idOf(path);
      col.fit(ids.count);
      include(id);
    }
  }
  return { nodes, whiteouts };
}

/** The bytes a whiteout of `target` deletes, as dive sizes it from the stacked tree below. */
function deletedSize(target: number, ids: PathIds, col: Columns): number {
  if (!col.stackedIsDir[target]) return 0;
  let total = 0;
  const stack = [target];
  while (stack.length > 0) {
    const id = stack.pop()!;
    total += col.stackedSize[id]!;
    for (const child of ids.childrenOf(id)) if (col.stackedPresent[child]) stack.push(child);
  }
  return total;
}

/** A sort key whose plain string order is dive's visiting order: segments joined by \0 and
 *  ended by \x01, so a shorter name sorts first among siblings and a descendant before its
 *  ancestor. Valid when no name holds \0, \x01 or a character codeUnitRank moves. */
function plainKey(names: readonly string[]): string {
  return `${names.join('\0')}\x01`;
}

const NEEDS_RANK = /[\x00\x01\ud800-\uffff]/;

/** (Exported: the dive-format export lists a layer tree's nodes in this order.) */
export function sortVisits<T extends { names: string[] }>(visits: T[]): T[] {
  if (visits.some((v) => v.names.some((n) => NEEDS_RANK.test(n)))) return visits.sort((a, b) => compareVisitOrder(a.names, b.names));
  const keyed = visits.map((v) => ({ v, key: plainKey(v.names) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.v);
}

function namesOf(ids: PathIds, id: number): string[] {
  const path = ids.pathOf(id);
  return path === '' ? [] : path.split('/');
}

type Visit = { names: string[]; id: number; whiteout: boolean };

function orderedVisits(leaves: number[], whiteouts: Whiteout[], ids: PathIds): Visit[] {
  const visits: Visit[] = leaves.map((id) => ({ names: namesOf(ids, id), id, whiteout: false }));
  for (const w of whiteouts) visits.push({ names: [...namesOf(ids, w.parent), w.name], id: w.target, whiteout: true });
  return sortVisits(visits);
}

/** The exact, ordered walk: needed when a whiteout's path is missing below, since dive then
 *  abandons the rest of the layer. */
function visitInOrder(
  leaves: number[],
  whiteouts: Whiteout[],
  ids: PathIds,
  col: Columns,
  visit: (id: number, size: number) => void,
  withoutNode: Set<number>,
): void {
  for (const v of orderedVisits(leaves, whiteouts, ids)) {
    if (!v.whiteout) {
      visit(v.id, col.size[v.id]!);
      continue;
    }
    if (!col.stackedPresent[v.id]) {
      // The path's data exists from here on with no node: its minimum stays −1 unless visited later.
      if (col.count[v.id] === 0) withoutNode.add(v.id);
      return;
    }
    visit(v.id, deletedSize(v.id, ids, col));
  }
}

/** Inefficiencies found in this layer, put in dive's visiting order (ties sort by it). A path
 *  becomes one at its second visit overall: in this layer, at its first visit here if an earlier
 *  layer visited it, else at its second visit here (as a leaf and as a whiteout). */
function sortNewInefficiencies(inefficient: number[], from: number, layer: number, tree: LayerTree, ids: PathIds, col: Columns): void {
  if (inefficient.length - from < 2) return;
  const stamp = layer + 1;
  const whiteoutOf = new Map(tree.whiteouts.map((w) => [w.target, w]));
  const key = (id: number): string[] => {
    const visits: string[][] = [];
    if (col.layerStamp[id] === stamp && col.childStamp[id] !== stamp) visits.push(namesOf(ids, id));
    const w = whiteoutOf.get(id);
    if (w) visits.push([...namesOf(ids, w.parent), w.name]);
    visits.sort(compareVisitOrder);
    const before = col.count[id]! - visits.length;
    return visits[before >= 1 ? 0 : 1]!;
  };
  const fresh = sortVisits(inefficient.splice(from).map((id) => ({ id, names: key(id) })));
  for (const f of fresh) inefficient.push(f.id);
}

function addToStack(id: number, col: Columns): void {
  col.stackedPresent[id] = 1;
  col.stackedSize[id] = col.size[id]!;
  col.stackedIsDir[id] = col.isDir[id]!;
}

function removeFromStack(id: number, ids: PathIds, col: Columns): void {
  const stack = [id];
  while (stack.length > 0) {
    const at = stack.pop()!;
    if (!col.stackedPresent[at]) continue;
    col.stackedPresent[at] = 0;
    for (const child of ids.childrenOf(at)) stack.push(child);
  }
}

/** Applies a layer to the stacked tree (dive's StackTreeRange): whiteouts, then nodes; or in
 *  dive's exact order when the layer re-adds under a path it deletes. */
function stackLayer(tree: LayerTree, layer: number, ids: PathIds, col: Columns): void {
  const stamp = layer + 1;
  if (!tree.whiteouts.some((w) => col.layerStamp[w.target] === stamp)) {
    for (const w of tree.whiteouts) removeFromStack(w.target, ids, col);
    for (const id of tree.nodes) addToStack(id, col);
    return;
  }
  const all = tree.nodes.map((id) => ({ names: namesOf(ids, id), id, whiteout: false }));
  for (const w of tree.whiteouts) all.push({ names: [...namesOf(ids, w.parent), w.name], id: w.target, whiteout: true });
  for (const v of sortVisits(all)) {
    if (v.whiteout) {
      removeFromStack(v.id, ids, col);
      continue;
    }
    // addPath creates missing parents in the stacked tree as empty nodes.
    for (let p = ids.parentOf(v.id); p > 0 && !col.stackedPresent[p]; p = ids.parentOf(p)) {
      col.stackedPresent[p] = 1;
      col.stackedSize[p] = 0;
      col.stackedIsDir[p] = 0;
    }
    addToStack(v.id, col);
  }
}
