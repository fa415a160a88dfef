// The two merged views of a comparison aligned by path, for the side-by-side browser and the
// JSON rows: every path either side shows, with its size on each side and a status. A file's
// status comes from content identity (equal digests) and from the comparison's copies:
//   onlyA      only A has it (left behind by the split)
//   onlyB      only B has it (new in B)
//   identical  both have it with the same content (or, not a file, the same type and target)
//   changed    both have it, with other content
//   copied     it crossed from A to B: on A's side the source (copiedTo: where it went), on B's
//              the destination (copiedFrom: where it came from, also when the path is the same)
// A directory carries both sides' sums (each stored copy counted once, like visibleBytes) and the
// status of what it holds: identical when everything under it is identical, onlyA / onlyB when
// only one side has it (copied when all it holds crossed), changed otherwise.
import type { Analysis } from './analysis.js';
import { sameContent, sharedLayers, StoredContent, type Comparison } from './compare.js';
import type { LayerChanges } from './changes.js';
import { compareNames } from './merge.js';
import { displayPath, type EntryType, type ImagePath } from './model.js';
import { baseName } from './paths.js';

export type CompareStatus = 'onlyA' | 'onlyB' | 'identical' | 'changed' | 'copied';

export interface SideEntry {
  type: EntryType;
  /** Content bytes the path shows (a hard link: its content's; 0 for non-files). */
  size: number;
  /** Content digest (xxh128, hex) for files and hard links. */
  digest?: string;
  mode: number;
  /** Symlink target. */
  linkTarget?: string;
  /** Layer whose entry is visible. */
  layer: number;
}

export interface CompareNode {
  path: ImagePath;
  name: string;
  depth: number;
  /** Either side's entry; undefined where that side has nothing at this path. */
  a: SideEntry | undefined;
  b: SideEntry | undefined;
  /** Bytes under (or of) this path on each side. */
  sumA: number;
  sumB: number;
  status: CompareStatus;
  /** B's side of a copy: A's path it came from. */
  copiedFrom?: ImagePath;
  /** A's side of a copy: B's paths it went to. */
  copiedTo?: ImagePath[];
  children: CompareNode[];
  /** Files under this node (itself when a file) whose status is not identical. */
  differences: number;
  /** Of those, the copied ones. */
  copiedFiles: number;
}

export interface CompareTree {
  root: CompareNode;
  byPath: Map<ImagePath, CompareNode>;
}

/** One image's merged view as the aligned walk reads it: entries by node id, each stored copy's
 *  bytes counted once (the first path of the walk that shows it), like visibleBytes. */
class Side {
  private readonly tree: Analysis['tree'];
  // Stored copies already counted: one flag per change of each layer (no string key per file).
  private readonly seen: Uint8Array[];

  constructor(
    x: Analysis,
    /** Layers both images start with: an entry of one of those is the same stored entry on both sides. */
    private readonly shared: number,
  ) {
    this.tree = x.tree;
    this.seen = x.image.summaries.map((s) => new Uint8Array(s.changes.length));
  }

  /** The entry `id` shows, and the bytes it adds to a sum (called in walk order). */
  entry(id: number): { entry: SideEntry; counted: number } {
    const { tree } = this;
    const event = tree.visibleEvent(id);
    const index = tree.eventEntryIndex(event);
    const layer = tree.eventLayer(event);
    const changes = tree.summaries[layer]!.changes;
    // An implied directory has no entry of its own: the tree describes it.
    if (index < 0) {
      const e = tree.stateAt(id)!.entry;
      return { entry: { type: e.type, size: 0, mode: e.mode, layer }, counted: 0 };
    }
    const type = changes.type(index);
    const content = type === 'file' ? index : type === 'hardlink' ? changes.linkedContent(index) : undefined;
    const size = type === 'file' || type === 'hardlink' ? tree.contentSizeAt(layer, index) : 0;
    const first = content !== undefined && this.seen[layer]![content] === 0;
    if (content !== undefined) this.seen[layer]![content] = 1;
    const entry = new StoredEntry(type, size, changes.mode(index), layer, changes, content, layer < this.shared);
    if (type === 'symlink') {
      const target = changes.entry(index).linkTarget;
      if (target !== undefined) entry.linkTarget = target;
    }
    return { entry, counted: first ? size : 0 };
  }

  /** The visible children of a directory, by name. */
  children(id: number): number[] {
    return this.tree.visibleChildren(id);
  }

  pathOf(id: number): ImagePath {
    return this.tree.pathOf(id);
  }
}

/** A side's entry read from its layer's columns (its digest when first asked). */
class StoredEntry extends StoredContent implements SideEntry {
  linkTarget?: string;

  constructor(
    readonly type: EntryType,
    readonly size: number,
    readonly mode: number,
    layer: number,
    changes: LayerChanges,
    content: number | undefined,
    inSharedBase: boolean,
  ) {
    super(layer, changes, content, inSharedBase);
  }
}

const isFile = (e: SideEntry | undefined) => e !== undefined && (e.type === 'file' || e.type === 'hardlink');

function fileStatus(a: SideEntry | undefined, b: SideEntry | undefined): CompareStatus {
  if (!b) return 'onlyA';
  if (!a) return 'onlyB';
  if (isFile(a) && isFile(b)) return sameContent(a, b) ? 'identical' : 'changed';
  if (a.type !== b.type) return 'changed';
  return a.type === 'symlink' && a.linkTarget !== b.linkTarget ? 'changed' : 'identical';
}

const byName = (x: CompareNode, y: CompareNode) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

/** The aligned tree of `a` and `b`; `comparison` (compareAnalyses of the same two) gives the copies. */
export function compareTree(a: Analysis, b: Analysis, comparison: Comparison): CompareTree {
  const shared = sharedLayers(a, b);
  const left = new Side(a, shared);
  const right = new Side(b, shared);
  const root = emptyNode('', '/', 0);
  const byPath = new Map<ImagePath, CompareNode>([['', root]]);
  // Both views walked together, children by name, depth first (an explicit stack: hostile
  // images nest deeper than the call stack goes). -1: that side has nothing at the path.
  const stack: Array<[CompareNode, number, number]> = [[root, 0, 0]];
  while (stack.length > 0) {
    const [node, ia, ib] = stack.pop()!;
    let dirA = ia === 0;
    let dirB = ib === 0;
    if (node !== root) {
      if (ia >= 0) {
        const v = left.entry(ia);
        node.a = v.entry;
        node.sumA = v.counted;
        dirA = v.entry.type === 'dir';
      }
      if (ib >= 0) {
        const v = right.entry(ib);
        node.b = v.entry;
        node.sumB = v.counted;
        dirB = v.entry.type === 'dir';
      }
    }
    const ka = dirA ? left.children(ia) : [];
    const kb = dirB ? right.children(ib) : [];
    const next: Array<[CompareNode, number, number]> = [];
    for (let i = 0, j = 0; i < ka.length || j < kb.length; ) {
      const pa = i < ka.length ? left.pathOf(ka[i]!) : undefined;
      const pb = j < kb.length ? right.pathOf(kb[j]!) : undefined;
      const order = pa === undefined ? 1 : pb === undefined ? -1 : compareNames(pa, pb);
      const path = (order <= 0 ? pa : pb)!;
      const child = emptyNode(path, baseName(path), node.depth + 1);
      node.children.push(child);
      byPath.set(path, child);
      next.push([child, order <= 0 ? ka[i++]! : -1, order >= 0 ? kb[j++]! : -1]);
    }
    for (let k = next.length - 1; k >= 0; k--) stack.push(next[k]!);
  }
  return settled(root, byPath, comparison);
}

/** The tree once every path is placed: the copies marked, children by name, each directory's sums,
 *  counts and status from what it holds. */
export function settled(root: CompareNode, byPath: Map<ImagePath, CompareNode>, comparison: Comparison): CompareTree {
  const strip = (p: string) => p.replace(/^\//, '');
  for (const c of comparison.copied) {
    if (c.status !== 'identical') continue;
    const from = strip(c.source);
    const to = strip(c.destination);
    const dest = byPath.get(to);
    const source = byPath.get(from);
    if (dest?.b) dest.copiedFrom = from;
    if (source?.a) source.copiedTo = [...(source.copiedTo ?? []), to];
  }
  const settle = (n: CompareNode): void => {
    n.children.sort(byName);
    for (const child of n.children) {
      settle(child);
      n.differences += child.differences;
      n.copiedFiles += child.copiedFiles;
      n.sumA += child.sumA;
      n.sumB += child.sumB;
    }
    const isDir = n.a?.type === 'dir' || n.b?.type === 'dir' || n.children.length > 0;
    if (n === root) n.status = n.differences === 0 ? 'identical' : 'changed';
    else if (isDir) {
      const sides = fileStatus(n.a, n.b);
      // A directory one side has, everything in it copied across: a copy, not left behind.
      const allCopied = n.differences > 0 && n.copiedFiles === n.differences;
      n.status =
        sides === 'onlyA' || sides === 'onlyB'
          ? allCopied
            ? 'copied'
            : sides
          : sides === 'identical' && n.differences === 0
            ? 'identical'
            : 'changed';
    } else {
      n.status = n.copiedFrom !== undefined && n.b ? 'copied' : n.copiedTo && !n.b ? 'copied' : fileStatus(n.a, n.b);
      n.differences = n.status === 'identical' ? 0 : 1;
      n.copiedFiles = n.status === 'copied' ? 1 : 0;
    }
  };
  settle(root);
  return { root, byPath };
}

/** One path of the tree for `--json`: both sides and the status (pre-order, children by name). */
export interface CompareRowJson {
  path: string;
  type: EntryType;
  status: CompareStatus;
  a: { size: number; digest?: string; type: EntryType; layer: number } | null;
  b: { size: number; digest?: string; type: EntryType; layer: number } | null;
  /** Directories: bytes under them on each side. */
  sumA?: number;
  sumB?: number;
  copiedFrom?: string;
  copiedTo?: string[];
}

export function compareRowsJson(t: CompareTree): CompareRowJson[] {
  const out: CompareRowJson[] = [];
  const side = (e: SideEntry | undefined) =>
    e ? { size: e.size, ...(e.digest !== undefined ? { digest: e.digest } : {}), type: e.type, layer: e.layer } : null;
  const visit = (n: CompareNode) => {
    if (n.path !== '') {
      const type = (n.b ?? n.a)?.type ?? 'dir';
      const row: CompareRowJson = { path: displayPath(n.path), type, status: n.status, a: side(n.a), b: side(n.b) };
      if (type === 'dir') {
        row.sumA = n.sumA;
        row.sumB = n.sumB;
      }
      if (n.copiedFrom !== undefined) row.copiedFrom = displayPath(n.copiedFrom);
      if (n.copiedTo) row.copiedTo = n.copiedTo.map(displayPath);
      out.push(row);
    }
    for (const c of n.children) visit(c);
  };
  visit(t.root);
  return out;
}

/** A row before either side is known: sums and counts are filled in as files are placed. */
export function emptyNode(path: ImagePath, name: string, depth: number): CompareNode {
  return {
    path,
    name,
    depth,
    a: undefined,
    b: undefined,
    sumA: 0,
    sumB: 0,
    status: 'identical',
    children: [],
    differences: 0,
    copiedFiles: 0,
  };
}
