// The aligned compare tree as it was built before the two views were walked together: every
// visible path of each side in a map by path (walkVisible), the tree grown by path prefixes.
// What core/compareTree.ts must still give, row for row (the status rules, `settled`, are shared).
import type { Analysis } from '../../src/core/analysis.js';
import type { Comparison } from '../../src/core/compare.js';
import { type CompareNode, type CompareTree, emptyNode, type SideEntry, settled } from '../../src/core/compareTree.js';
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
  return settled(root, byPath, comparison);
}
