// The first, straightforward dive-metrics implementation (one node object and Map per path per
// layer, as dive itself does): kept as the reference the optimised src/core/dive.ts is checked against.
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
 *   - Names are compared by code point (= UTF-8 byte order, as Go compares strings).
 *   - Entries the walker refuses (names escaping the root, aufs `.wh..wh.*` bookkeeping) are absent
 *     from `changes`; dive would add some of them as nodes. `implicit` entries (if any producer adds
 *     them) are skipped: dive creates those parents itself, with an empty FileInfo.
 */
import { posix } from 'node:path';
import type { LayerSummary } from '../../src/core/model.js';

export type { DiveInefficiency, DiveMetrics } from '../../src/core/dive.js';
import type { DiveMetrics } from '../../src/core/dive.js';

const WHITEOUT_PREFIX = '.wh.';
const DOUBLE_WHITEOUT_PREFIX = '.wh..wh..';

/** A FileNode of dive's: the payload is only what the metrics read. */
interface Node {
  name: string;
  /** FileInfo.Size */
  size: number;
  /** FileInfo.IsDir */
  isDir: boolean;
  parent: Node | null;
  children: Map<string, Node>;
}

function newNode(name: string, parent: Node | null): Node {
  return { name, size: 0, isDir: false, parent, children: new Map() };
}

/** Go's string order (UTF-8 bytes) = code point order: fix up UTF-16 unit order for surrogates. */
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
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000; // surrogates stand for code points ≥ U+10000
  if (u >= 0xe000) return u - 0x800;
  return u;
}

function sortedChildren(node: Node): Node[] {
  return [...node.children.values()].sort((p, q) => compareNames(p.name, q.name));
}

/** FileNode.Path(): the node's own `.wh.` prefix is stripped. */
function nodePath(node: Node): string {
  const names: string[] = [];
  for (let cur: Node = node; cur.parent !== null; cur = cur.parent) {
    names.push(cur === node && cur.name.startsWith(WHITEOUT_PREFIX) ? cur.name.slice(WHITEOUT_PREFIX.length) : cur.name);
  }
  return `/${names.reverse().join('/')}`.replaceAll('//', '/');
}

function isWhiteout(node: Node): boolean {
  return node.name.startsWith(WHITEOUT_PREFIX);
}

/** FileTree.AddPath. */
function addPath(root: Node, path: string, size: number, isDir: boolean): void {
  const clean = posix.normalize(`/${path}`);
  const names = clean.split('/').filter((s) => s !== '');
  let node = root;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    let child = node.children.get(name);
    if (child === undefined) {
      if (name.startsWith(DOUBLE_WHITEOUT_PREFIX)) return;
      child = newNode(name, node);
      node.children.set(name, child);
    }
    node = child;
    if (i === names.length - 1) {
      node.size = size;
      node.isDir = isDir;
    }
  }
}

/** FileTree.GetNode. */
function getNode(root: Node, path: string): Node | undefined {
  let node: Node | undefined = root;
  for (const name of path.split('/')) {
    if (name === '') continue;
    node = node.children.get(name);
    if (node === undefined) return undefined;
  }
  return node;
}

/** FileTree.RemovePath (a missing path is ignored, as Stack records and ignores the failure). */
function removePath(root: Node, path: string): void {
  const node = getNode(root, path);
  if (node === undefined || node.parent === null) return;
  node.parent.children.delete(node.name);
}

/** VisitDepthChildFirst: children (in name order) before parents, never the root. */
function* childFirst(node: Node): Generator<Node> {
  for (const child of sortedChildren(node)) yield* childFirst(child);
  if (node.parent !== null) yield node;
}

/** The sizes of a node and everything below it (the root itself is never visited: size 0 anyway). */
function subtreeSize(node: Node): number {
  let size = node.parent === null ? 0 : node.size;
  for (const child of node.children.values()) size += subtreeSize(child);
  return size;
}

function copyTree(node: Node, parent: Node | null): Node {
  const out: Node = { name: node.name, size: node.size, isDir: node.isDir, parent, children: new Map() };
  for (const [name, child] of node.children) out.children.set(name, copyTree(child, out));
  return out;
}

/** FileTree.Stack: graft every node of `upper` (whiteouts remove) onto `lower`. */
function stack(lower: Node, upper: Node): void {
  for (const node of childFirst(upper)) {
    if (isWhiteout(node)) removePath(lower, nodePath(node));
    else addPath(lower, nodePath(node), node.size, node.isDir);
  }
}

/** A layer's tree, as processLayerTar builds it from the tar entries. */
function layerTree(summary: LayerSummary): Node {
  const root = newNode('', null);
  for (const change of summary.changes) {
    switch (change.op) {
      case 'entry': {
        const { entry } = change;
        if (entry.implicit || entry.path === '') break;
        addPath(root, entry.path, entry.size, entry.type === 'dir');
        break;
      }
      case 'whiteout': {
        const slash = change.path.lastIndexOf('/');
        const dir = slash < 0 ? '' : change.path.slice(0, slash);
        const name = change.path.slice(slash + 1);
        addPath(root, posix.join(dir, WHITEOUT_PREFIX + name), 0, false);
        break;
      }
      case 'opaque':
        // `.wh..wh..opq`: refused by AddPath; only its missing parents get created.
        addPath(root, posix.join(change.path, `${DOUBLE_WHITEOUT_PREFIX}opq`), 0, false);
        break;
    }
  }
  return root;
}

interface PathData {
  path: string;
  cumulativeSize: number;
  minDiscoveredSize: number;
  count: number;
}

/** dive's Efficiency + Analyze over the layers, base first. */
export function referenceDiveMetrics(summaries: LayerSummary[]): DiveMetrics {
  const trees = summaries.map(layerTree);

  // StackTreeRange(trees, 0, n-1) for the layer being visited, built incrementally.
  let stacked: Node | undefined;
  let stackedThrough = -1;
  const stackedBelow = (layer: number): Node => {
    stacked ??= copyTree(trees[0]!, null);
    while (stackedThrough < layer - 1) {
      stackedThrough++;
      stack(stacked, trees[stackedThrough]!);
    }
    return stacked;
  };

  const byPath = new Map<string, PathData>();
  const inefficient: PathData[] = [];
  trees.forEach((tree, layer) => {
    for (const node of childFirst(tree)) {
      if (node.children.size !== 0) continue;
      const path = nodePath(node);
      let data = byPath.get(path);
      if (data === undefined) {
        data = { path, cumulativeSize: 0, minDiscoveredSize: -1, count: 0 };
        byPath.set(path, data);
      }
      let size = 0;
      if (isWhiteout(node)) {
        const previous = getNode(stackedBelow(layer), path);
        if (previous === undefined) return; // GetNode failed: dive abandons the rest of this layer
        if (previous.isDir) size = subtreeSize(previous);
      } else {
        size = node.size;
      }
      data.cumulativeSize += size;
      if (data.minDiscoveredSize < 0 || size < data.minDiscoveredSize) data.minDiscoveredSize = size;
      data.count++;
      if (data.count === 2) inefficient.push(data);
    }
  });

  let minimumPathSizes = 0;
  let discoveredPathSizes = 0;
  for (const data of byPath.values()) {
    minimumPathSizes += data.minDiscoveredSize;
    discoveredPathSizes += data.cumulativeSize;
  }
  const efficiency = discoveredPathSizes === 0 ? 1 : minimumPathSizes / discoveredPathSizes;

  // sort.Sort ascending (stable here), then reported backwards, as dive prints them.
  const sorted = inefficient
    .map((data, order) => ({ data, order }))
    .sort((p, q) => p.data.cumulativeSize - q.data.cumulativeSize || p.order - q.order)
    .map(({ data }) => data)
    .reverse();

  let sizeBytes = 0;
  let userSizeBytes = 0;
  summaries.forEach((summary, i) => {
    sizeBytes += summary.sizeBytes;
    if (i !== 0) userSizeBytes += summary.sizeBytes;
  });
  const wastedBytes = sorted.reduce((sum, data) => sum + data.cumulativeSize, 0);

  return {
    efficiency,
    wastedBytes,
    userWastedPercent: wastedBytes / userSizeBytes,
    userSizeBytes,
    sizeBytes,
    inefficiencies: sorted.map((d) => ({ path: d.path, cumulativeSize: d.cumulativeSize, count: d.count })),
  };
}
