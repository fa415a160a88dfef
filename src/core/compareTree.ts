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
import { sameContent, type Comparison } from './compare.js';
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

interface Visible {
  entry: SideEntry;
  counted: number;
}

function visibleEntries(x: Analysis): Map<ImagePath, Visible> {
  const out = new Map<ImagePath, Visible>();
  // Stored copies already counted: one flag per change of each layer (no string key per file).
  const seen = x.image.summaries.map((s) => new Uint8Array(s.changes.length));
  const { tree } = x;
  for (const { id, state } of tree.walkVisible()) {
    const e = state.entry;
    const isContent = e.type === 'file' || e.type === 'hardlink';
    const content = e.type === 'file' ? state.entryIndex : e.type === 'hardlink' ? e.linkedContent : undefined;
    const size = isContent ? tree.contentSize(e, state.layer) : 0;
    const first = content !== undefined && seen[state.layer]![content] === 0;
    if (content !== undefined) seen[state.layer]![content] = 1;
    const digest = content === undefined ? undefined : x.image.summaries[state.layer]!.changes.digest(content);
    const entry: SideEntry = { type: e.type, size, mode: e.mode, layer: state.layer };
    if (digest !== undefined) entry.digest = digest;
    if (e.type === 'symlink' && e.linkTarget !== undefined) entry.linkTarget = e.linkTarget;
    out.set(tree.pathOf(id), { entry, counted: first ? size : 0 });
  }
  return out;
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
  const left = visibleEntries(a);
  const right = visibleEntries(b);
  const root = emptyNode('', '/', 0);
  const byPath = new Map<ImagePath, CompareNode>([['', root]]);
  const nodeOf = (path: ImagePath): CompareNode => {
    const known = byPath.get(path);
    if (known) return known;
    const cut = path.lastIndexOf('/');
    const parent = nodeOf(cut < 0 ? '' : path.slice(0, cut));
    const node = emptyNode(path, baseName(path), parent.depth + 1);
    parent.children.push(node);
    byPath.set(path, node);
    return node;
  };
  for (const [path, v] of left) {
    const n = nodeOf(path);
    n.a = v.entry;
    n.sumA = v.counted;
  }
  for (const [path, v] of right) {
    const n = nodeOf(path);
    n.b = v.entry;
    n.sumB = v.counted;
  }
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
function emptyNode(path: ImagePath, name: string, depth: number): CompareNode {
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
