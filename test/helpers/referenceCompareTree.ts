// The aligned compare tree as it was built before the two views were walked together: every
// visible path of each side in a map by path (walkVisible), the tree grown by path prefixes.
// What core/compareTree.ts must still give, row for row.
import type { Analysis } from '../../src/core/analysis.js';
import { sameContent, type Comparison } from '../../src/core/compare.js';
import type { CompareNode, CompareStatus, CompareTree, SideEntry } from '../../src/core/compareTree.js';
import type { ImagePath } from '../../src/core/model.js';
import { baseName } from '../../src/core/paths.js';

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
export function referenceCompareTree(a: Analysis, b: Analysis, comparison: Comparison): CompareTree {
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
