// Applies layer summaries base first, the way overlayfs presents them (the ground truth being
// `docker export`), and records for every path what each layer did to it. Views at a given
// layer are answered from that history on demand: nothing is materialised per layer.
//
// Storage is by column (typed arrays indexed by node id, and by event id), so a million-path
// image costs tens of bytes a path rather than an object, an array and a map entry each.
import type { ImagePath, LayerEntry, LayerSummary } from './model.js';
import { Op, TYPE_DIR, TYPE_FILE, TYPE_HARDLINK } from './changes.js';
import { baseName } from './paths.js';
import { InputError } from './errors.js';
import { exactCopy, heapExhausted, moreHeapHint, release, resized, withSmallYoungGeneration } from './memory.js';
import type { ImageWarning } from './warnings.js';

export type ChangeKind = 'added' | 'modified' | 'removed';
export type RemovalCause = 'whiteout' | 'opaque' | 'replaced';

/** What one layer did to one path, judged against the view after the layer below. */
export interface PathEvent {
  layer: number;
  change: ChangeKind;
  /** For added/modified: index in summaries[layer].changes of the entry now visible;
   *  -1 for a directory the layer implied without listing it. */
  entryIndex: number;
  cause?: RemovalCause;
}

export interface NodeState {
  entry: LayerEntry;
  /** Layer whose entry is visible. */
  layer: number;
  /** Index of that entry in summaries[layer].changes (-1: implied directory). */
  entryIndex: number;
  /** Layer that added the path (start of its current presence). */
  addedIn: number;
}

const IMPLICIT_DIR_MODE = 0o755;
/** Warnings kept per layer (as the walker does): a hostile layer cannot grow them without bound. */
const MAX_WARNINGS_PER_LAYER = 50;
const NONE = -1;
const KINDS: readonly ChangeKind[] = ['added', 'modified', 'removed'];
const ADDED = 0;
const MODIFIED = 1;
const REMOVED = 2;
const CAUSES: readonly (RemovalCause | undefined)[] = [undefined, 'whiteout', 'opaque', 'replaced'];
const CAUSE_WHITEOUT = 1;
const CAUSE_OPAQUE = 2;
const CAUSE_REPLACED = 3;

/** `a` with room for `size` elements (or half as many more), the new ones set to `fill`: a work
 *  array (memory.ts), in place while its slab has room. */
function grown<T extends Int32Array | Uint8Array>(a: T, size: number, fill?: number): T {
  if (size <= a.length) return a;
  const old = a.length;
  const b = resized(a, Math.max(size, Math.ceil(old * 1.5)));
  if (fill !== undefined) b.fill(fill, old);
  return b;
}

/** A merged tree's columns, to store and restore without merging again (see MergedTree.restore).
 *  Node paths are not stored: each node takes the path of a change that names it (the summaries
 *  hold those strings already), bar the directories no change names (`impliedPaths`). */
export interface MergedColumns {
  nodeCount: number;
  eventCount: number;
  impliedIds: Int32Array<ArrayBuffer>;
  impliedPaths: string[];
  parent: Int32Array<ArrayBuffer>;
  firstChild: Int32Array<ArrayBuffer>;
  nextSibling: Int32Array<ArrayBuffer>;
  firstEvent: Int32Array<ArrayBuffer>;
  evLayer: Int32Array<ArrayBuffer>;
  evKind: Uint8Array<ArrayBuffer>;
  evCause: Uint8Array<ArrayBuffer>;
  evEntry: Int32Array<ArrayBuffer>;
  evNext: Int32Array<ArrayBuffer>;
  slots: Int32Array<ArrayBuffer>;
  hashes: Int32Array<ArrayBuffer>;
  touchedBy: Int32Array<ArrayBuffer>[];
  nodeOfChange: Int32Array<ArrayBuffer>[];
  warnings: ImageWarning[];
}

export class MergedTree {
  readonly layerCount: number;
  readonly summaries: readonly LayerSummary[];
  /** Node 0 is the root ''. */
  private paths: ImagePath[] = [''];
  /** A restored tree's nodes name their path by the change that first named them (layer, index):
   *  the path string is made when first asked (a reopen's first frame needs a few of a million). */
  private originLayer: Uint16Array | undefined;
  private originIndex: Int32Array | undefined;
  /** Path → node id: open addressing over FNV-1a hashes of the path (see PathTable). */
  private readonly table = new PathTable();
  private parent = new Int32Array(1024).fill(NONE);
  private firstChild = new Int32Array(1024).fill(NONE);
  private lastChild = new Int32Array(1024).fill(NONE);
  private nextSibling = new Int32Array(1024).fill(NONE);
  private firstEvent = new Int32Array(1024).fill(NONE);
  private lastEvent = new Int32Array(1024).fill(NONE);
  private eventCount = 0;
  private evLayer = new Int32Array(1024);
  private evKind = new Uint8Array(1024);
  private evCause = new Uint8Array(1024);
  private evEntry = new Int32Array(1024);
  private evNext = new Int32Array(1024);
  /** Nodes each layer changed, in first-touch order. */
  readonly touchedBy: Int32Array<ArrayBuffer>[] = [];
  /** For each layer, the node each change names (-1 for a whiteout of a path never seen). */
  readonly nodeOfChange: Int32Array<ArrayBuffer>[] = [];
  /** Warnings raised while merging (e.g. whiteouts of paths that never existed). */
  readonly warnings: ImageWarning[] = [];

  constructor(summaries: readonly LayerSummary[], restored?: MergedColumns) {
    this.summaries = summaries;
    this.layerCount = summaries.length;
    if (restored) {
      this.adopt(restored);
      return;
    }
    // Every change makes at most one node and one event (bar implied directories): size the
    // columns once instead of doubling into up to twice the memory.
    const changes = summaries.reduce((n, s) => n + s.changes.length, 0) + 64;
    this.growNodes(changes);
    this.growEvents(changes);
    this.table.setRoot(FNV_SEED);
    withSmallYoungGeneration(() => {
      new Merger(this, changes).run();
      this.trim();
    });
  }

  /** Drops what only the merge's appends used (the last child and last event of each node) and
   *  the columns' spare capacity: the tree is read-only from here on. */
  private trim(): void {
    release(this.lastChild, this.lastEvent);
    this.lastChild = new Int32Array(0);
    this.lastEvent = new Int32Array(0);
    const n = this.nodeCount;
    const e = this.eventCount;
    // The work arrays' slabs go back; what stays is an array of its own size.
    const fit = exactCopy;
    this.parent = fit(this.parent, n);
    this.firstChild = fit(this.firstChild, n);
    this.nextSibling = fit(this.nextSibling, n);
    this.firstEvent = fit(this.firstEvent, n);
    this.evLayer = fit(this.evLayer, e);
    this.evKind = fit(this.evKind, e);
    this.evCause = fit(this.evCause, e);
    this.evEntry = fit(this.evEntry, e);
    this.evNext = fit(this.evNext, e);
    this.table.trim(n);
  }

  get nodeCount(): number {
    return this.paths.length;
  }

  /** The tree `columns` describe over these summaries, without merging; throws when they do not
   *  fit the summaries (a stored tree of other layers, or a damaged one). */
  static restore(summaries: readonly LayerSummary[], columns: MergedColumns): MergedTree {
    return new MergedTree(summaries, columns);
  }

  /** The columns to store (see restore), or undefined when a node's path is not a change's. */
  toColumns(): MergedColumns | undefined {
    const n = this.nodeCount;
    const named = new Uint8Array(n);
    named[0] = 1;
    for (let layer = 0; layer < this.layerCount; layer++) {
      const nodes = this.nodeOfChange[layer]!;
      const changes = this.summaries[layer]!.changes;
      for (let i = 0; i < nodes.length; i++) {
        const id = nodes[i]!;
        if (id === NONE || named[id]) continue;
        if (this.path(id) !== changes.path(i)) return undefined;
        named[id] = 1;
      }
    }
    const impliedIds: number[] = [];
    for (let id = 1; id < n; id++) if (!named[id]) impliedIds.push(id);
    const e = this.eventCount;
    return {
      nodeCount: n,
      eventCount: e,
      impliedIds: Int32Array.from(impliedIds),
      impliedPaths: impliedIds.map((id) => this.path(id)),
      parent: this.parent.subarray(0, n),
      firstChild: this.firstChild.subarray(0, n),
      nextSibling: this.nextSibling.subarray(0, n),
      firstEvent: this.firstEvent.subarray(0, n),
      evLayer: this.evLayer.subarray(0, e),
      evKind: this.evKind.subarray(0, e),
      evCause: this.evCause.subarray(0, e),
      evEntry: this.evEntry.subarray(0, e),
      evNext: this.evNext.subarray(0, e),
      ...this.table.columns(n),
      touchedBy: this.touchedBy,
      nodeOfChange: this.nodeOfChange,
      warnings: this.warnings,
    };
  }

  private adopt(c: MergedColumns): void {
    const n = c.nodeCount;
    const e = c.eventCount;
    const fail = (why: string): never => {
      throw new Error(`stored merged tree does not fit: ${why}`);
    };
    if (c.touchedBy.length !== this.layerCount || c.nodeOfChange.length !== this.layerCount) fail('layer count');
    const sized = [c.parent, c.firstChild, c.nextSibling, c.firstEvent, c.hashes].every((a) => a.length === n);
    if (!sized || [c.evLayer, c.evKind, c.evCause, c.evEntry, c.evNext].some((a) => a.length !== e)) fail('column lengths');
    if (c.impliedIds.length !== c.impliedPaths.length || n > c.slots.length * MAX_LOAD || (c.slots.length & (c.slots.length - 1)) !== 0)
      fail('table');
    // Plain loops: `every` with a callback costs more than reading the file these came from.
    const within = (a: Int32Array | Uint8Array, low: number, high: number) => {
      for (let i = 0; i < a.length; i++) {
        const v = a[i]!;
        if (v < low || v >= high) return false;
      }
      return true;
    };
    const inNodes = (a: Int32Array, low: number) => within(a, low, n);
    const inEvents = (a: Int32Array) => within(a, NONE, e);
    if (!inNodes(c.parent, NONE) || !inNodes(c.firstChild, NONE) || !inNodes(c.nextSibling, NONE) || !inNodes(c.slots, NONE))
      fail('node ids');
    if (!inEvents(c.firstEvent) || !inEvents(c.evNext) || !within(c.evLayer, 0, this.layerCount)) fail('event ids');
    // Each node's path: the first change that names it (layer order), or an implied one.
    const named = new Uint8Array(n);
    const originLayer = new Uint16Array(n);
    const originIndex = new Int32Array(n);
    named[0] = 1;
    for (let layer = 0; layer < this.layerCount; layer++) {
      const nodes = c.nodeOfChange[layer]!;
      const changes = this.summaries[layer]!.changes;
      if (nodes.length !== changes.length) fail(`layer ${layer} change count`);
      for (let i = 0; i < nodes.length; i++) {
        const id = nodes[i]!;
        if (id === NONE) continue;
        if (id < 0 || id >= n) fail('node ids');
        if (named[id]) continue;
        named[id] = 1;
        originLayer[id] = layer;
        originIndex[id] = i;
      }
      if (!inNodes(c.touchedBy[layer]!, 0)) fail('node ids');
    }
    const paths = new Array<string>(n);
    paths[0] = '';
    for (let k = 0; k < c.impliedIds.length; k++) {
      const id = c.impliedIds[k]!;
      if (id <= 0 || id >= n) fail('node ids');
      paths[id] = c.impliedPaths[k]!;
      named[id] = 1;
    }
    const unnamed = named.indexOf(0);
    if (unnamed >= 0) fail(`node ${unnamed} has no path`);
    this.paths = paths;
    this.originLayer = originLayer;
    this.originIndex = originIndex;
    this.parent = c.parent;
    this.firstChild = c.firstChild;
    this.nextSibling = c.nextSibling;
    this.firstEvent = c.firstEvent;
    // The last child / event of each node only serve the merge's appends: a restored tree has none.
    this.lastChild = new Int32Array(0);
    this.lastEvent = new Int32Array(0);
    this.eventCount = e;
    this.evLayer = c.evLayer;
    this.evKind = c.evKind;
    this.evCause = c.evCause;
    this.evEntry = c.evEntry;
    this.evNext = c.evNext;
    this.table.adopt(c.slots, c.hashes, n);
    this.touchedBy.push(...c.touchedBy);
    this.nodeOfChange.push(...c.nodeOfChange);
    this.warnings.push(...c.warnings);
  }

  idOf(path: ImagePath): number | undefined {
    if (path === '') return 0;
    const id = this.table.find(path, hashRange(FNV_SEED, path, 0, path.length), this);
    return id === NONE ? undefined : id;
  }

  /** @internal The id of `path`, a child of `parent`, given the parent's path length. */
  childId(parent: number, path: ImagePath, from: number): number {
    return this.table.find(path, this.childHash(parent, path, from), this);
  }

  private childHash(parent: number, path: ImagePath, from: number): number {
    return hashRange(parent === 0 ? FNV_SEED : fnvStep(this.table.hashOf(parent), 0x2f), path, from, path.length);
  }

  pathOf(id: number): ImagePath {
    return this.path(id);
  }

  nameOf(id: number): string {
    return baseName(this.path(id));
  }

  /** @internal The path of node `id` (made from its naming change when first asked). */
  path(id: number): ImagePath {
    const known = this.paths[id];
    if (known !== undefined) return known;
    const p = this.summaries[this.originLayer![id]!]!.changes.path(this.originIndex![id]!);
    this.paths[id] = p;
    return p;
  }

  parentOf(id: number): number {
    return this.parent[id]!;
  }

  /** Every child that ever existed under `id`, in first-seen order. Filter with stateAt. */
  childrenOf(id: number): number[] {
    const out: number[] = [];
    for (let c = this.firstChild[id]!; c !== NONE; c = this.nextSibling[c]!) out.push(c);
    return out;
  }

  historyOf(id: number): PathEvent[] {
    const out: PathEvent[] = [];
    for (let e = this.firstEvent[id]!; e !== NONE; e = this.evNext[e]!) out.push(this.eventObject(e));
    return out;
  }

  /** The event id of the entry visible at `id` after `layer`, or -1 if absent. Allocation-free. */
  visibleEvent(id: number, layer = this.layerCount - 1): number {
    let found = NONE;
    for (let e = this.firstEvent[id]!; e !== NONE && this.evLayer[e]! <= layer; e = this.evNext[e]!) found = e;
    return found !== NONE && this.evKind[found] !== REMOVED ? found : NONE;
  }

  /** Layer and change index of an event (see visibleEvent). */
  eventLayer(event: number): number {
    return this.evLayer[event]!;
  }

  eventEntryIndex(event: number): number {
    return this.evEntry[event]!;
  }

  /** The first event of `id` (layer order), or -1; then nextEventOf. Allocation-free. */
  firstEventOf(id: number): number {
    return this.firstEvent[id]!;
  }

  nextEventOf(event: number): number {
    return this.evNext[event]!;
  }

  /** Why a removing event removed its path (undefined for any other event). */
  eventCause(event: number): RemovalCause | undefined {
    return CAUSES[this.evCause[event]!];
  }

  /** Whether an event removed its path. */
  eventRemoves(event: number): boolean {
    return this.evKind[event] === REMOVED;
  }

  /** Whether the node shows a directory after `layer` (false if absent). */
  isDirAt(id: number, layer = this.layerCount - 1): boolean {
    if (id === 0) return true;
    const e = this.visibleEvent(id, layer);
    if (e === NONE) return false;
    const index = this.evEntry[e]!;
    return index === NONE || this.summaries[this.evLayer[e]!]!.changes.typeCode(index) === TYPE_DIR;
  }

  /** The entry visible at `id` after `layer` (default: the last), or undefined if absent. */
  stateAt(id: number, layer = this.layerCount - 1): NodeState | undefined {
    if (id === 0) return { entry: implicitDir(''), layer: 0, entryIndex: NONE, addedIn: 0 };
    let current = NONE;
    let start = NONE;
    for (let e = this.firstEvent[id]!; e !== NONE && this.evLayer[e]! <= layer; e = this.evNext[e]!) {
      if (this.evKind[e] === REMOVED) start = NONE;
      else if (start === NONE) start = e;
      current = e;
    }
    if (current === NONE || this.evKind[current] === REMOVED) return undefined;
    const entryIndex = this.evEntry[current]!;
    const entryLayer = this.evLayer[current]!;
    return { entry: this.entryAt(id, entryLayer, entryIndex), layer: entryLayer, entryIndex, addedIn: this.evLayer[start]! };
  }

  /** The event `layer` recorded for `id`, if that layer changed it. */
  eventAt(id: number, layer: number): PathEvent | undefined {
    for (let e = this.firstEvent[id]!; e !== NONE; e = this.evNext[e]!) if (this.evLayer[e] === layer) return this.eventObject(e);
    return undefined;
  }

  entryOf(id: number, event: PathEvent): LayerEntry {
    return this.entryAt(id, event.layer, event.entryIndex);
  }

  private entryAt(id: number, layer: number, index: number): LayerEntry {
    if (index === NONE) return implicitDir(this.path(id));
    const changes = this.summaries[layer]!.changes;
    if (changes.op(index) !== Op.Entry) throw new Error('internal: event points at a whiteout');
    return changes.entry(index);
  }

  private eventObject(e: number): PathEvent {
    const event: PathEvent = { layer: this.evLayer[e]!, change: KINDS[this.evKind[e]!]!, entryIndex: this.evEntry[e]! };
    const cause = this.eventCause(e);
    if (cause) event.cause = cause;
    return event;
  }

  /** Bytes the entry's path shows: a hard link shows the size of the content it shares. */
  contentSize(entry: LayerEntry, layer: number): number {
    if (entry.type !== 'hardlink') return entry.size;
    if (entry.linkedContent === undefined) return 0;
    const changes = this.summaries[layer]!.changes;
    return changes.op(entry.linkedContent) === Op.Entry ? changes.size(entry.linkedContent) : 0;
  }

  /** Content bytes behind change `index` of `layer`, following a hard link. Allocation-free. */
  contentSizeAt(layer: number, index: number): number {
    if (index === NONE) return 0;
    const changes = this.summaries[layer]!.changes;
    const type = changes.typeCode(index);
    if (type === TYPE_FILE) return changes.size(index);
    if (type !== TYPE_HARDLINK) return 0;
    const linked = changes.linkedContent(index);
    return linked === undefined ? 0 : changes.size(linked);
  }

  /** Visits the merged view after `layer` depth-first, children sorted by name. */
  *walkVisible(layer = this.layerCount - 1, from = 0): Generator<{ id: number; state: NodeState }> {
    const stack: number[] = [from];
    while (stack.length > 0) {
      const id = stack.pop()!;
      const state = this.stateAt(id, layer);
      if (!state) continue;
      if (id !== 0) yield { id, state };
      if (state.entry.type !== 'dir') continue;
      // Pushed last first: they come off the stack by name.
      const kids = this.visibleChildren(id, layer);
      for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
    }
  }

  /** The children of `id` visible after `layer`, by name (siblings share their parent's path,
   *  so their paths sort as their names do). */
  visibleChildren(id: number, layer = this.layerCount - 1): number[] {
    const kids: number[] = [];
    for (let c = this.firstChild[id]!; c !== NONE; c = this.nextSibling[c]!) if (this.visibleEvent(c, layer) !== NONE) kids.push(c);
    return kids.sort((a, b) => compareNames(this.path(a), this.path(b)));
  }

  // --- mutation, used by Merger only ---

  /** The id of the nearest ancestor of `path` that has a node, and how many of `path`'s proper
   *  ancestors (from the top) that covers; the others are `path.slice(0, cuts[k])` for the
   *  later k. One pass over the path, whatever its depth (FNV-1a is a running hash, so every
   *  prefix's hash falls out on the way). */
  nearestAncestor(path: ImagePath): { id: number; cuts: number[]; known: number } {
    const cuts: number[] = [];
    const hashes: number[] = [];
    let h = FNV_SEED;
    for (let i = 0; i < path.length; i++) {
      const c = path.charCodeAt(i);
      if (c === 0x2f) {
        cuts.push(i);
        hashes.push(h);
      }
      h = fnvStep(h, c);
    }
    for (let k = cuts.length - 1; k >= 0; k--) {
      const id = this.table.find(path.slice(0, cuts[k]), hashes[k]!, this);
      if (id !== NONE) return { id, cuts, known: k + 1 };
    }
    return { id: 0, cuts, known: 0 };
  }

  /** @internal */ ensureNode(path: ImagePath): number {
    const known = this.idOf(path);
    if (known !== undefined) return known;
    // Add the missing ancestors top down: a loop, not recursion, since a hostile layer can nest
    // directories thousands deep.
    const near = this.nearestAncestor(path);
    let parent = near.id;
    for (let k = near.known; k < near.cuts.length; k++) parent = this.addNode(path.slice(0, near.cuts[k]), parent);
    return this.addNode(path, parent);
  }

  /** @internal */ addNode(path: ImagePath, parent: number): number {
    const id = this.paths.length;
    if (id >= this.parent.length) this.growNodes(id + 1);
    this.paths.push(path);
    this.table.add(id, this.childHash(parent, path, parent === 0 ? 0 : this.path(parent).length + 1));
    this.parent[id] = parent;
    if (this.lastChild[parent] === NONE) this.firstChild[parent] = id;
    else this.nextSibling[this.lastChild[parent]!] = id;
    this.lastChild[parent] = id;
    return id;
  }

  /** @internal */ record(id: number, layer: number, kind: number, entryIndex: number, cause: number): void {
    const e = this.eventCount++;
    if (e >= this.evLayer.length) this.growEvents(e + 1);
    this.evLayer[e] = layer;
    this.evKind[e] = kind;
    this.evCause[e] = cause;
    this.evEntry[e] = entryIndex;
    this.evNext[e] = NONE;
    if (this.lastEvent[id] === NONE) this.firstEvent[id] = e;
    else this.evNext[this.lastEvent[id]!] = e;
    this.lastEvent[id] = e;
  }

  /** @internal */ firstChildOf(id: number): number {
    return this.firstChild[id]!;
  }

  /** @internal */ nextSiblingOf(id: number): number {
    return this.nextSibling[id]!;
  }

  private growEvents(n: number): void {
    this.evLayer = grown(this.evLayer, n);
    this.evKind = grown(this.evKind, n);
    this.evCause = grown(this.evCause, n);
    this.evEntry = grown(this.evEntry, n);
    this.evNext = grown(this.evNext, n);
  }

  private growNodes(n: number): void {
    this.parent = grown(this.parent, n, NONE);
    this.firstChild = grown(this.firstChild, n, NONE);
    this.lastChild = grown(this.lastChild, n, NONE);
    this.nextSibling = grown(this.nextSibling, n, NONE);
    this.firstEvent = grown(this.firstEvent, n, NONE);
    this.lastEvent = grown(this.lastEvent, n, NONE);
    this.table.reserve(n);
  }
}

const FNV_SEED = 0x811c9dc5 | 0;

function fnvStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, 0x01000193);
}

/** FNV-1a over path[from, to): a child's hash continues its parent's over '/' and its name,
 *  so the merge hashes only the new name, never the whole path again. */
function hashRange(seed: number, path: string, from: number, to: number): number {
  let h = seed;
  for (let i = from; i < to; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return h;
}

/** Share of a finished table's slots that may be used (linear probing: ~1.5 probes a hit). */
const MAX_LOAD = 0.6;

/** A hash table from path to node id in typed arrays: a fraction of a Map's memory for a
 *  million paths, and no doubling of a million-entry table mid-merge. */
class PathTable {
  private slots = new Int32Array(1 << 10).fill(NONE);
  private hashes = new Int32Array(1024);
  private count = 0;

  hashOf(id: number): number {
    return this.hashes[id]!;
  }

  /** The table's columns for `n` ids (see MergedColumns). */
  columns(n: number): { slots: Int32Array<ArrayBuffer>; hashes: Int32Array<ArrayBuffer> } {
    return { slots: this.slots, hashes: this.hashes.subarray(0, n) };
  }

  /** Takes over stored columns (see MergedTree.restore). */
  adopt(slots: Int32Array<ArrayBuffer>, hashes: Int32Array<ArrayBuffer>, count: number): void {
    this.slots = slots;
    this.hashes = hashes;
    this.count = count;
  }

  setRoot(hash: number): void {
    this.hashes[0] = hash;
  }

  /** Drops the spare capacity of the hashes past id `n` (no more ids are added). */
  trim(n: number): void {
    this.hashes = exactCopy(this.hashes, n);
    // Sized for every change while merging (paths named by several layers or whiteouts make
    // fewer nodes): the smallest power of two at most MAX_LOAD full (~half a million-path tree's).
    let size = 1024;
    while (n > size * MAX_LOAD) size *= 2;
    if (size >= this.slots.length) return;
    const old = this.slots;
    this.slots = new Int32Array(size).fill(NONE);
    for (let id = 0; id < n; id++) this.insert(id, this.hashes[id]!);
    release(old);
  }

  /** Makes room for ids below `n` without rehashing. */
  reserve(n: number): void {
    if (n > this.hashes.length) {
      this.hashes = resized(this.hashes, n);
    }
    if (n * 2 > this.slots.length) this.rehash(n * 2);
  }

  find(path: string, hash: number, tree: { path(id: number): string }): number {
    const mask = this.slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const id = this.slots[i]!;
      if (id === NONE) return NONE;
      if (this.hashes[id] === hash && tree.path(id) === path) return id;
    }
  }

  add(id: number, hash: number): void {
    this.reserve(id + 1);
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    this.hashes[id] = hash;
    this.insert(id, hash);
    this.count++;
  }

  private insert(id: number, hash: number): void {
    const mask = this.slots.length - 1;
    let i = hash & mask;
    while (this.slots[i] !== NONE) i = (i + 1) & mask;
    this.slots[i] = id;
  }

  private rehash(minimum: number): void {
    let size = this.slots.length;
    while (size < minimum) size *= 2;
    const old = this.slots;
    this.slots = new Int32Array(size).fill(NONE);
    for (const id of old) if (id !== NONE) this.insert(id, this.hashes[id]!);
    release(old);
  }
}

function implicitDir(path: ImagePath): LayerEntry {
  return { path, type: 'dir', size: 0, mode: IMPLICIT_DIR_MODE, uid: 0, gid: 0, mtime: 0, implicit: true };
}

/** Byte-wise order, like `ls` in the C locale and like `docker export`. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The running state while layers are applied: which entry each path shows right now. */
class Merger {
  private curLayer = new Int32Array(1024).fill(NONE);
  private curEntry = new Int32Array(1024).fill(NONE);
  private curIsDir = new Uint8Array(1024);
  /** Per node: 1 + the layer that last touched it; presence before that layer; first removal cause. */
  private touchStamp = new Int32Array(1024);
  private wasPresent = new Uint8Array(1024);
  private cause = new Uint8Array(1024);
  /** Nodes this layer touched, in first-touch order (a work array: see memory.ts). */
  private touched = new Int32Array(1024);
  private touchedCount = 0;
  private layer = 0;
  /** This layer's change → node ids. */
  private nodes = new Int32Array(0);

  constructor(
    private readonly tree: MergedTree,
    capacity: number,
  ) {
    this.fit(capacity);
    this.curLayer[0] = 0;
    this.curIsDir[0] = 1;
  }

  run(): void {
    this.tree.summaries.forEach((summary, layer) => {
      this.layer = layer;
      this.touchedCount = 0;
      this.nodes = new Int32Array(summary.changes.length).fill(NONE);
      this.tree.nodeOfChange.push(this.nodes);
      this.applyDeletions(summary);
      this.applyEntries(summary);
      this.recordLayer();
    });
    // The running state is done with: its columns go back now, before what follows the merge.
    release(this.curLayer, this.curEntry, this.curIsDir, this.touchStamp, this.wasPresent, this.cause, this.touched);
  }

  private present(id: number): boolean {
    return this.curLayer[id] !== NONE;
  }

  private fit(id: number): void {
    if (id < this.curLayer.length) return;
    const n = Math.max(id + 1, Math.ceil(this.curLayer.length * 1.5));
    this.curLayer = grown(this.curLayer, n, NONE);
    this.curEntry = grown(this.curEntry, n, NONE);
    this.curIsDir = grown(this.curIsDir, n);
    this.touchStamp = grown(this.touchStamp, n);
    this.wasPresent = grown(this.wasPresent, n);
    this.cause = grown(this.cause, n);
  }

  private node(path: ImagePath): number {
    const id = this.tree.ensureNode(path);
    this.fit(this.tree.nodeCount);
    return id;
  }

  private touch(id: number): void {
    if (this.touchStamp[id] === this.layer + 1) return;
    this.touchStamp[id] = this.layer + 1;
    this.wasPresent[id] = this.present(id) ? 1 : 0;
    this.cause[id] = 0;
    if (this.touchedCount === this.touched.length) this.touched = resized(this.touched, this.touchedCount * 2);
    this.touched[this.touchedCount++] = id;
  }

  /** Whiteouts and opaque markers act on the layers below only, so they go first. */
  private applyDeletions(summary: LayerSummary): void {
    const changes = summary.changes;
    let unmatched = 0;
    for (let i = 0; i < changes.length; i++) {
      const op = changes.op(i);
      if (op === Op.Entry) continue;
      const id = this.tree.idOf(changes.path(i));
      if (id !== undefined) {
        this.nodes[i] = id;
        changes.sharePath(i, this.tree.pathOf(id));
      }
      if (op === Op.Whiteout) {
        if (id !== undefined && this.present(id)) this.removeSubtree(id, CAUSE_WHITEOUT);
        else if (++unmatched <= MAX_WARNINGS_PER_LAYER)
          this.tree.warnings.push({
            layer: this.layer,
            kind: 'whiteoutOfNothing',
            path: `/${changes.path(i)}`,
            message: `whiteout of /${changes.path(i)}, which no lower layer has`,
          });
      } else if (id !== undefined && this.present(id) && this.curIsDir[id]) {
        this.removeChildren(id, CAUSE_OPAQUE);
      }
    }
    if (unmatched > MAX_WARNINGS_PER_LAYER) {
      this.tree.warnings.push({
        layer: this.layer,
        kind: 'more',
        message: `… and ${unmatched - MAX_WARNINGS_PER_LAYER} more whiteouts of paths no lower layer has`,
      });
    }
  }

  private applyEntries(summary: LayerSummary): void {
    const changes = summary.changes;
    // Tars list a directory's entries together: remember the last parent to skip look-ups.
    let lastParentPath = '';
    let lastParent = 0;
    for (let i = 0; i < changes.length; i++) {
      if (changes.op(i) !== Op.Entry) {
        // The engine creates the directories a whiteout or an opaque marker sits in (MkdirAll
        // of the entry's parent), whether or not a lower layer has them.
        const target = changes.path(i);
        const dir = changes.op(i) === Op.Opaque ? target : target.slice(0, Math.max(0, target.lastIndexOf('/')));
        if (dir !== '') {
          const id = this.node(dir);
          if (!(this.present(id) && this.curIsDir[id])) this.ensureDirectories(id);
        }
        continue;
      }
      if ((i & 0xffff) === 0xffff) this.checkHeap();
      const path = changes.path(i);
      const slash = path.lastIndexOf('/');
      let parent = 0;
      if (slash >= 0) {
        if (slash === lastParentPath.length && path.startsWith(lastParentPath)) parent = lastParent;
        else {
          lastParentPath = path.slice(0, slash);
          parent = this.node(lastParentPath);
          lastParent = parent;
        }
        if (!(this.present(parent) && this.curIsDir[parent])) this.ensureDirectories(parent);
      }
      let id = this.tree.childId(parent, path, slash + 1);
      if (id === NONE) {
        id = this.tree.addNode(path, parent);
        this.fit(id);
      } else changes.sharePath(i, this.tree.pathOf(id));
      this.nodes[i] = id;
      const isDir = changes.typeCode(i) === TYPE_DIR;
      // A non-directory replaces a directory with its whole subtree; a directory over a
      // directory merges; anything over a non-directory replaces it.
      if (!isDir && this.present(id) && this.curIsDir[id]) this.removeChildren(id, CAUSE_REPLACED);
      this.set(id, i, isDir);
    }
  }

  /** Stops with a clear message, rather than a V8 abort, when the heap is nearly full. */
  private checkHeap(): void {
    const limit = heapExhausted(0.9);
    if (limit !== undefined) {
      throw new InputError(
        `merging layer ${this.layer} needs more memory than this process may use (a ${limit} MiB heap); run with ${moreHeapHint(limit)} to analyse the image`,
      );
    }
  }

  /** A child needs its parent to be a directory: keep one, or imply one (overlayfs does). */
  private ensureDirectories(id: number): void {
    const chain: number[] = [];
    for (let a = id; a > 0 && !(this.present(a) && this.curIsDir[a]); a = this.tree.parentOf(a)) chain.push(a);
    for (let k = chain.length - 1; k >= 0; k--) this.set(chain[k]!, NONE, true);
  }

  private set(id: number, entryIndex: number, isDir: boolean): void {
    this.touch(id);
    this.curLayer[id] = this.layer;
    this.curEntry[id] = entryIndex;
    this.curIsDir[id] = isDir ? 1 : 0;
  }

  private removeSubtree(id: number, cause: number): void {
    this.removeChildren(id, cause);
    this.remove(id, cause);
  }

  /** Removes every present node below `id`, deepest first (an explicit stack: hostile layers
   *  nest deeper than the call stack goes). */
  private removeChildren(id: number, cause: number): void {
    const stack: number[] = [];
    const pushChildren = (of: number) => {
      for (let c = this.tree.firstChildOf(of); c !== NONE; c = this.tree.nextSiblingOf(c)) if (this.present(c)) stack.push(c);
    };
    pushChildren(id);
    // Pre-order visit, then removal in reverse: children before their parents, as recursion did.
    const order: number[] = [];
    while (stack.length > 0) {
      const c = stack.pop()!;
      order.push(c);
      pushChildren(c);
    }
    for (let k = order.length - 1; k >= 0; k--) this.remove(order[k]!, cause);
  }

  private remove(id: number, cause: number): void {
    this.touch(id);
    if (this.cause[id] === 0) this.cause[id] = cause;
    this.curLayer[id] = NONE;
    this.curEntry[id] = NONE;
    this.curIsDir[id] = 0;
  }

  private recordLayer(): void {
    // The nodes kept are written over the touched ones (never ahead of the reading).
    const touched = this.touched;
    let kept = 0;
    for (let k = 0; k < this.touchedCount; k++) {
      const id = touched[k]!;
      const isPresent = this.present(id);
      const was = this.wasPresent[id] === 1;
      if (!was && !isPresent) continue;
      touched[kept++] = id;
      if (!isPresent) this.tree.record(id, this.layer, REMOVED, NONE, this.cause[id] || CAUSE_REPLACED);
      else this.tree.record(id, this.layer, was ? MODIFIED : ADDED, this.curEntry[id]!, 0);
    }
    this.tree.touchedBy.push(touched.slice(0, kept));
  }
}
