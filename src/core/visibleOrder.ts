// The merged view after a layer as two columns: every visible path's node id in walk order (the
// root's children by name, each directory followed by what it holds: MergedTree.walkVisible's
// order) and the event that shows it. Built once per tree and layer and kept; the walks over a
// whole image (compare, package accounting) read it without sorting directories again or
// building an object per path.
import { TYPE_DIR } from './changes.js';
import type { MergedTree } from './merge.js';

export interface VisibleOrder {
  /** Node ids, walk order (the root left out). */
  ids: Int32Array;
  /** The visible event of ids[k] (its layer and change index: MergedTree.eventLayer / eventEntryIndex). */
  events: Int32Array;
  length: number;
}

const built = new WeakMap<MergedTree, Map<number, VisibleOrder>>();

export function visibleOrder(tree: MergedTree, layer = tree.layerCount - 1): VisibleOrder {
  let byLayer = built.get(tree);
  if (!byLayer) {
    byLayer = new Map();
    built.set(tree, byLayer);
  }
  const known = byLayer.get(layer);
  if (known) return known;
  const order = walk(tree, layer);
  // One or two layers are walked whole (the last, for compare and packages): keep those.
  if (byLayer.size >= 2) byLayer.delete(byLayer.keys().next().value!);
  byLayer.set(layer, order);
  return order;
}

/** Whether the event shows a directory (an implied one has no entry). */
export function eventIsDir(tree: MergedTree, event: number): boolean {
  const index = tree.eventEntryIndex(event);
  return index < 0 || tree.summaries[tree.eventLayer(event)]!.changes.typeCode(index) === TYPE_DIR;
}

function walk(tree: MergedTree, layer: number): VisibleOrder {
  // Never more visible paths than nodes.
  const ids = new Int32Array(Math.max(1, tree.nodeCount));
  const events = new Int32Array(ids.length);
  let length = 0;
  // An explicit stack (hostile images nest deeper than the call stack goes): children pushed
  // last first, so they come off it by name.
  const stack: number[] = [];
  const pushChildren = (id: number) => {
    const kids = tree.visibleChildren(id, layer);
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
  };
  pushChildren(0);
  while (stack.length > 0) {
    const id = stack.pop()!;
    const event = tree.visibleEvent(id, layer);
    ids[length] = id;
    events[length] = event;
    length++;
    if (eventIsDir(tree, event)) pushChildren(id);
  }
  return { ids: ids.subarray(0, length), events: events.subarray(0, length), length };
}
