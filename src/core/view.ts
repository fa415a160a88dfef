// What the file tree shows at one layer: which paths, in which order, with which sizes and
// change markers. Pure functions over a MergedTree — the UI renders the result, and nothing here
// knows about the screen.
//
// Everything is lazy. The visible rows come only from directories the user expanded; a
// directory's children are listed (and sorted) the first time it is expanded under a given set
// of options; subtree sizes are computed once per layer, in one pass over the node ids, and kept
// in a small cache. Nothing walks the whole tree per keystroke.
import type { LayerEntry } from './model.js';
import { compareNames, type MergedTree, type NodeState, type RemovalCause } from './merge.js';
import { TYPE_DIR, TYPE_FILE } from './changes.js';
import { NameIndex } from './nameIndex.js';

/** What the selected layer did to a path: the three changes, or nothing. */
export type RowStatus = 'added' | 'modified' | 'removed' | 'unchanged';
export type SortOrder = 'size' | 'name';

/** Which statuses are shown. A directory hidden by these is still shown when something shown
 *  lies below it. */
export interface StatusFilter {
  added: boolean;
  modified: boolean;
  removed: boolean;
  unchanged: boolean;
}

export const SHOW_ALL: Readonly<StatusFilter> = Object.freeze({ added: true, modified: true, removed: true, unchanged: true });

/** A size condition of a filter: `>1MB`, `<=10kB`, `>500` (bytes). */
export interface SizeBound {
  op: '>' | '>=' | '<' | '<=';
  bytes: number;
}

export interface PathFilter {
  /** The text as the user wrote it. */
  source: string;
  /** The name pattern's kind ('size' when the filter is size conditions only). */
  kind: 'substring' | 'regex' | 'size';
  /** The name pattern as written, without the size conditions ('' for none). */
  name: string;
  /** Size conditions: only regular files (and hard links) whose bytes pass them all match. */
  sizes: readonly SizeBound[];
  /** Tests a displayed path (`/usr/bin/env`) against the name pattern. */
  test(displayedPath: string): boolean;
  /** The same test on a stored path (`usr/bin/env`), without building the displayed string:
   *  what scanning a million paths per filter uses. */
  testPath(path: string): boolean;
  /** A plain piece of text (a substring filter's name pattern): what NameIndex can look up. */
  literal?: { text: string; ignoreCase: boolean };
}

/** Whether `bytes` passes every size condition. */
export function passesSizes(sizes: readonly SizeBound[], bytes: number): boolean {
  for (const { op, bytes: limit } of sizes) {
    if (op === '>' ? !(bytes > limit) : op === '>=' ? !(bytes >= limit) : op === '<' ? !(bytes < limit) : !(bytes <= limit)) return false;
  }
  return true;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `>1MB` → { op: '>', bytes: 1000000 }; units as the screen prints them (kB = 1000 bytes,
 *  KiB = 1024), any case; a bare number is bytes. */
export function parseSizeBound(token: string): SizeBound | undefined {
  const m = /^(>=|<=|>|<)(\d+(?:\.\d+)?)([a-z]*)$/i.exec(token);
  if (!m) return undefined;
  const unit = UNITS[m[3]!.toLowerCase()];
  if (unit === undefined) return undefined;
  return { op: m[1] as SizeBound['op'], bytes: Math.round(Number(m[2]) * unit) };
}

export interface ViewOptions {
  /** Show the merged filesystem after this layer. */
  layer: number;
  /** Only paths this layer changed (and their directories), sized by the bytes it changed. */
  changesOnly: boolean;
  show: StatusFilter;
  sort: SortOrder;
  filter?: PathFilter | undefined;
}

/** One row of the tree, described for display. */
export interface TreeRow {
  id: number;
  /** 0 for the entries of `/`. */
  depth: number;
  name: string;
  status: RowStatus;
  /** The entry shown: the visible one, or for a removed path the one the layer removed. */
  entry: LayerEntry;
  /** Layer that stores `entry`. */
  entryLayer: number;
  /** Layer that added the path (start of its current presence). */
  addedIn: number;
  isDir: boolean;
  /** Content bytes of the entry itself (0 for a directory; a hard link shows the bytes it shares). */
  ownSize: number;
  /** Regular-file bytes below a directory (what this layer changed below it, in changes-only mode);
   *  equal to ownSize for anything else. */
  size: number;
  /** Why a removed path went. */
  cause?: RemovalCause;
  /** The path itself matches the filter (rather than being shown as an ancestor of a match). */
  match: boolean;
}

/** The flattened rows for one set of options and expanded directories: node ids and depths. */
export class VisibleRows {
  private index?: Map<number, number>;
  constructor(
    readonly ids: readonly number[],
    readonly depths: readonly number[],
  ) {}

  get length(): number {
    return this.ids.length;
  }

  indexOf(id: number): number {
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.ids.length; i++) this.index.set(this.ids[i]!, i);
    }
    return this.index.get(id) ?? -1;
  }
}

/** Parses what the user typed at the filter prompt: `/body/` or `/body/i` is a regular
 *  expression, anything else a substring (case-insensitive unless it has an upper-case letter).
 *  Words starting with `>` or `<` at the start or the end are size conditions (`>1MB`, `lib
 *  <10kB`, `>1MB <1GB`): only regular files of that size match. Empty text means no filter. */
export function parseFilter(text: string): { ok: true; filter: PathFilter | undefined } | { ok: false; error: string } {
  const source = text.trim();
  if (source === '') return { ok: true, filter: undefined };
  // Size conditions: whole words at either end.
  const sizes: SizeBound[] = [];
  let rest = source;
  const take = (word: string): string | undefined => {
    const bound = parseSizeBound(word);
    if (!bound) return `bad size condition ${word}: write >1MB, <10kB or >=500B (units B kB MB GB, KiB MiB GiB)`;
    sizes.push(bound);
    return undefined;
  };
  for (;;) {
    const m = /^([<>]\S*)(?:\s+|$)/.exec(rest);
    if (!m) break;
    const error = take(m[1]!);
    if (error) return { ok: false, error };
    rest = rest.slice(m[0].length);
  }
  for (;;) {
    const m = /(?:^|\s+)([<>]\S*)$/.exec(rest);
    // Inside a regular expression (`/a >b/`) it is part of the pattern.
    if (!m || (rest.startsWith('/') && !/^\/.+\/i?$/s.test(rest.slice(0, m.index)))) break;
    const error = take(m[1]!);
    if (error) return { ok: false, error };
    rest = rest.slice(0, m.index);
  }
  const name = rest.trim();
  if (name === '') return { ok: true, filter: { source, kind: 'size', name, sizes, test: () => true, testPath: () => true } };
  const re = /^\/(.+)\/(i?)$/s.exec(name);
  if (re) {
    let regex: RegExp;
    try {
      regex = new RegExp(re[1]!, re[2]);
    } catch (e) {
      return { ok: false, error: `bad regular expression: ${e instanceof Error ? e.message : String(e)}` };
    }
    const test = (p: string) => regex.test(p);
    return { ok: true, filter: { source, kind: 'regex', name, sizes, test, testPath: (p) => test(`/${p}`) } };
  }
  // Case-insensitive unless the text has an upper-case letter. A literal regex does the
  // case-folding without a lower-cased copy of every path.
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const flags = /[A-Z]/.test(name) ? '' : 'i';
  const literal = new RegExp(escaped, flags);
  // A displayed path is '/' + the stored one: a leading '/' in the text matches at the start.
  const start = name.startsWith('/') ? new RegExp(`^${escaped.slice(1)}`, flags) : undefined;
  const test = (p: string) => literal.test(p);
  const testPath = (p: string) => literal.test(p) || start?.test(p) === true;
  return {
    ok: true,
    filter: { source, kind: 'substring', name, sizes, test, testPath, literal: { text: name, ignoreCase: flags === 'i' } },
  };
}

/** Node ids from the root's child down to `id`'s parent: the directories to expand to reveal it. */
export function ancestorIds(tree: MergedTree, id: number): number[] {
  const out: number[] = [];
  for (let p = tree.parentOf(id); p > 0; p = tree.parentOf(p)) out.push(p);
  return out.reverse();
}

interface Status {
  status: RowStatus;
  /** Visible state, or for a removed path the state just before the layer. */
  state: NodeState;
  cause?: RemovalCause;
}

/** Per-options memo: displayed children of each directory, and the displayed set when the
 *  options restrict what is shown to a computable set. */
interface OptionsCache {
  children: Map<number, number[]>;
  /** Nodes shown when every unchanged path is shown and no filter applies: hidden-status nodes
   *  resolved on demand (true: shown because something shown lies below). */
  memo: Map<number, boolean>;
  /** Otherwise: the shown nodes, precomputed from the changed paths or the filter matches… */
  closure?: Set<number>;
  /** …and the same nodes by parent, so listing a directory never scans its hidden children. */
  closureChildren?: Map<number, number[]>;
  matches?: number[];
  /** With a filter: how many of the shown nodes match it (matches.length, without listing them). */
  matchCount?: number;
  /** The closure's own count of the matches it was drawn from (size conditions: all of them). */
  closureMatched?: number;
}

const OPTIONS_CACHE_SIZE = 16;
/** Most entries (directories × layers) of the subtree-bytes table: 64 MB. */
const DIRECTORY_BYTES_LIMIT = 8_000_000;

export class TreeView {
  private readonly sizeCache = new Map<number, Float64Array>();
  /** See directoryBytes; false: too big for one table. */
  private directoryTable: { row: Int32Array; bytes: Float64Array } | false | undefined;
  private readonly sizeCacheLimit: number;
  private readonly changedCache = new Map<number, Map<number, number>>();
  private readonly optionsCache = new Map<string, OptionsCache>();
  private readonly matchCache = new Map<string, number[]>();
  private readonly names: NameIndex;

  constructor(readonly tree: MergedTree) {
    // Subtree sizes cost 8 bytes a node per layer: keep as many layers as fit in ~64 MB.
    this.sizeCacheLimit = Math.max(2, Math.floor(8_000_000 / Math.max(1, tree.nodeCount)));
    this.names = new NameIndex(tree);
  }

  /** What `layer` did to `id`, with the entry to show; undefined when the path is absent after
   *  the layer and the layer did not remove it. */
  statusAt(id: number, layer: number): Status | undefined {
    const { tree } = this;
    if (id === 0) return { status: 'unchanged', state: tree.stateAt(0, layer)! };
    const event = tree.eventAt(id, layer);
    if (event?.change === 'removed') {
      const before = layer > 0 ? tree.stateAt(id, layer - 1) : undefined;
      if (!before) return undefined;
      return { status: 'removed', state: before, ...(event.cause ? { cause: event.cause } : {}) };
    }
    const state = tree.stateAt(id, layer);
    if (!state) return undefined;
    return { status: event ? event.change : 'unchanged', state };
  }

  /** Regular-file bytes visible below (and at) every node after `layer`, indexed by node id.
   *  One pass over the node ids (a parent's id is always below its children's), cached. */
  sizesAt(layer: number): Float64Array {
    const cached = this.sizeCache.get(layer);
    if (cached) {
      this.sizeCache.delete(layer);
      this.sizeCache.set(layer, cached);
      return cached;
    }
    const { tree } = this;
    const sizes = new Float64Array(tree.nodeCount);
    for (let id = tree.nodeCount - 1; id > 0; id--) {
      const event = tree.visibleEvent(id, layer);
      if (event < 0) continue;
      const changes = tree.summaries[tree.eventLayer(event)]!.changes;
      const index = tree.eventEntryIndex(event);
      if (index >= 0 && changes.typeCode(index) === TYPE_FILE) sizes[id]! += changes.size(index);
      sizes[tree.parentOf(id)]! += sizes[id]!;
    }
    this.sizeCache.set(layer, sizes);
    if (this.sizeCache.size > this.sizeCacheLimit) this.sizeCache.delete(this.sizeCache.keys().next().value!);
    return sizes;
  }

  /** Regular-file bytes visible below (and at) node `id` after `layer`: sizesAt(layer)[id],
   *  answered for every layer from one table built on first use (see directoryBytes), so a
   *  layer's first visit costs no pass over the nodes. */
  subtreeBytes(id: number, layer: number): number {
    const table = this.directoryBytes();
    if (!table) return this.sizesAt(layer)[id] ?? 0;
    const row = table.row[id]!;
    if (row >= 0) return table.bytes[row * this.tree.layerCount + layer]!;
    const { tree } = this;
    const event = tree.visibleEvent(id, layer);
    if (event < 0) return 0;
    const index = tree.eventEntryIndex(event);
    const changes = tree.summaries[tree.eventLayer(event)]!.changes;
    return index >= 0 && changes.typeCode(index) === TYPE_FILE ? changes.size(index) : 0;
  }

  /** Subtree bytes at every layer of every node that is a directory at some layer: one pass over
   *  the events. A file shown from layer a until layer b (its next event) adds its size to its
   *  directory's row from a to b; a row, once its children are in (they have higher ids), goes
   *  into its parent's; a prefix sum over the layers then gives each layer's bytes. A visible
   *  path's parent is a visible directory, so this is what sizesAt sums layer by layer.
   *  Undefined when the table would pass DIRECTORY_BYTES_LIMIT entries. */
  private directoryBytes(): { row: Int32Array; bytes: Float64Array } | undefined {
    if (this.directoryTable !== undefined) return this.directoryTable || undefined;
    const { tree } = this;
    const n = tree.nodeCount;
    const layers = tree.layerCount;
    const row = new Int32Array(n).fill(-1);
    let rows = 1;
    row[0] = 0;
    for (let id = 1; id < n; id++) {
      for (let e = tree.firstEventOf(id); e >= 0; e = tree.nextEventOf(e)) {
        if (tree.eventRemoves(e)) continue;
        const index = tree.eventEntryIndex(e);
        if (index < 0 || tree.summaries[tree.eventLayer(e)]!.changes.typeCode(index) === TYPE_DIR) {
          row[id] = rows++;
          break;
        }
      }
    }
    if (rows * (layers + 1) > DIRECTORY_BYTES_LIMIT) {
      this.directoryTable = false;
      return undefined;
    }
    const width = layers + 1;
    const delta = new Float64Array(rows * width);
    for (let id = n - 1; id > 0; id--) {
      const own = row[id]!;
      const target = own >= 0 ? own : row[tree.parentOf(id)]!;
      for (let e = tree.firstEventOf(id); e >= 0; ) {
        const next = tree.nextEventOf(e);
        const index = tree.eventEntryIndex(e);
        if (!tree.eventRemoves(e) && index >= 0) {
          const changes = tree.summaries[tree.eventLayer(e)]!.changes;
          if (changes.typeCode(index) === TYPE_FILE) {
            const size = changes.size(index);
            delta[target * width + tree.eventLayer(e)]! += size;
            delta[target * width + (next >= 0 ? tree.eventLayer(next) : layers)]! -= size;
          }
        }
        e = next;
      }
      if (own >= 0) {
        const parent = row[tree.parentOf(id)]!;
        for (let l = 0; l < layers; l++) delta[parent * width + l]! += delta[own * width + l]!;
      }
    }
    const bytes = new Float64Array(rows * layers);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let l = 0; l < layers; l++) {
        sum += delta[r * width + l]!;
        bytes[r * layers + l] = sum;
      }
    }
    this.directoryTable = { row, bytes };
    return this.directoryTable;
  }

  /** Bytes `layer` changed below each directory: regular files it added or modified (their new
   *  size) or removed (their old size). Only the touched paths and their ancestors appear. */
  changedBytes(layer: number): Map<number, number> {
    const cached = this.changedCache.get(layer);
    if (cached) return cached;
    const { tree } = this;
    const out = new Map<number, number>();
    for (const id of tree.touchedBy[layer] ?? []) {
      const status = this.statusAt(id, layer);
      if (!status) continue;
      const bytes = status.state.entry.type === 'file' ? status.state.entry.size : 0;
      for (let n = id; n >= 0; n = n === 0 ? -1 : tree.parentOf(n)) out.set(n, (out.get(n) ?? 0) + bytes);
    }
    this.changedCache.set(layer, out);
    return out;
  }

  /** The size shown for a node, in the tree and in the details alike: a file's own bytes; a
   *  directory's subtree bytes (or the bytes the layer changed below it, in changes-only mode:
   *  see dirSizeMeaning). */
  sizeOf(id: number, options: ViewOptions, status: Status): { ownSize: number; size: number } {
    const { tree } = this;
    const { entry } = status.state;
    const ownSize = entry.type === 'dir' ? 0 : tree.contentSize(entry, status.state.layer);
    if (entry.type !== 'dir') return { ownSize, size: ownSize };
    if (options.changesOnly) return { ownSize, size: this.changedBytes(options.layer).get(id) ?? 0 };
    const layer = status.status === 'removed' ? options.layer - 1 : options.layer;
    return { ownSize, size: this.subtreeBytes(id, layer) };
  }

  /** sizeOf(…).size without building the status objects: sorting a big directory by size
   *  asks this for every child. */
  private sortSize(id: number, options: ViewOptions): number {
    const { tree } = this;
    const event = options.changesOnly ? -1 : tree.visibleEvent(id, options.layer);
    if (event < 0) {
      // Removed at this layer (shown with its old entry), or changes-only sizes.
      const status = this.statusAt(id, options.layer);
      return status ? this.sizeOf(id, options, status).size : 0;
    }
    const index = tree.eventEntryIndex(event);
    const layer = tree.eventLayer(event);
    if (index < 0 || tree.summaries[layer]!.changes.typeCode(index) === TYPE_DIR) return this.subtreeBytes(id, options.layer);
    return tree.contentSizeAt(layer, index);
  }

  /** Builds what a path filter looks names up in, ahead of the first filter (see NameIndex). */
  prepareFilter(): void {
    this.names.prepare();
  }

  /** Ids of every node (in any layer) whose displayed path matches the filter's name pattern,
   *  ascending (every node for a filter of size conditions only). */
  matchingIds(filter: PathFilter): number[] {
    const key = `${filter.kind}:${filter.name}`;
    const cached = this.matchCache.get(key);
    if (cached) return cached;
    let out: number[] = [];
    if (filter.kind === 'size') {
      for (let id = 1; id < this.tree.nodeCount; id++) out.push(id);
      this.matchCache.set(key, out);
      return out;
    }
    const { literal } = filter;
    // Typing on at a live filter: a substring filter whose text holds an earlier one's matches a
    // subset of its paths (case folding only narrows: an upper-case letter in the new text makes it
    // exact, and the earlier text is inside it), so only those are tested again, not every path.
    const narrower = filter.kind === 'substring' ? this.widerMatches(filter.source) : undefined;
    if (literal && NameIndex.handles(literal.text, literal.ignoreCase)) {
      out = this.names.pathsHolding(literal.text, literal.ignoreCase, filter.test);
    } else if (narrower) {
      for (const id of narrower) if (filter.testPath(this.tree.pathOf(id))) out.push(id);
    } else {
      for (let id = 1; id < this.tree.nodeCount; id++) if (filter.testPath(this.tree.pathOf(id))) out.push(id);
    }
    this.matchCache.set(key, out);
    if (this.matchCache.size > 8) this.matchCache.delete(this.matchCache.keys().next().value!);
    return out;
  }

  /** The fewest cached matches of a substring filter whose text lies inside `source`. */
  private widerMatches(source: string): number[] | undefined {
    let best: number[] | undefined;
    for (const [key, ids] of this.matchCache) {
      if (!key.startsWith('substring:')) continue;
      const earlier = key.slice('substring:'.length);
      if (source.includes(earlier) && (!best || ids.length < best.length)) best = ids;
    }
    return best;
  }

  describe(id: number, depth: number, options: ViewOptions): TreeRow | undefined {
    const status = this.statusAt(id, options.layer);
    if (!status) return undefined;
    const { state } = status;
    const { ownSize, size } = this.sizeOf(id, options, status);
    return {
      id,
      depth,
      name: this.tree.nameOf(id),
      status: status.status,
      entry: state.entry,
      entryLayer: state.layer,
      addedIn: state.addedIn,
      isDir: state.entry.type === 'dir',
      ownSize,
      size,
      ...(status.cause ? { cause: status.cause } : {}),
      match: options.filter ? this.matches(id, options.filter, status) : false,
    };
  }

  /** The rows to show: the root's displayed children, and recursively those of every expanded
   *  directory. Only expanded directories are listed. */
  rows(options: ViewOptions, expanded: ReadonlySet<number>): VisibleRows {
    const ids: number[] = [];
    const depths: number[] = [];
    const stack: Array<[number, number]> = [];
    const push = (parent: number, depth: number) => {
      const kids = this.childrenOf(parent, options);
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, depth]);
    };
    push(0, 0);
    while (stack.length > 0) {
      const [id, depth] = stack.pop()!;
      ids.push(id);
      depths.push(depth);
      if (expanded.has(id)) push(id, depth + 1);
    }
    return new VisibleRows(ids, depths);
  }

  /** The displayed children of `id`, sorted. */
  childrenOf(id: number, options: ViewOptions): readonly number[] {
    const cache = this.cacheFor(options);
    const known = cache.children.get(id);
    if (known) return known;
    const { tree } = this;
    const kids: Array<{ id: number; name: string; size: number }> = [];
    const candidates = cache.closureChildren ? (cache.closureChildren.get(id) ?? []) : tree.childrenOf(id);
    for (const child of candidates) {
      if (!this.displayed(child, options, cache)) continue;
      kids.push({ id: child, name: tree.nameOf(child), size: options.sort === 'size' ? this.sortSize(child, options) : 0 });
    }
    if (options.sort === 'size') kids.sort((a, b) => b.size - a.size || compareNames(a.name, b.name));
    else kids.sort((a, b) => compareNames(a.name, b.name));
    const out = kids.map((k) => k.id);
    cache.children.set(id, out);
    return out;
  }

  /** Filter matches that are displayed, in display order (as if every directory were expanded). */
  matchesInOrder(options: ViewOptions): readonly number[] {
    if (!options.filter) return [];
    const cache = this.cacheFor(options);
    if (cache.matches) return cache.matches;
    const out: number[] = [];
    // With a filter the displayed set is the matches and their ancestors: small enough to walk.
    const stack: number[] = [...this.childrenOf(0, options)].reverse();
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (this.matches(id, options.filter, this.statusAt(id, options.layer))) out.push(id);
      const kids = this.childrenOf(id, options);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
    cache.matches = out;
    return out;
  }

  /** The match after (step 1) or before (step -1) `from` in display order, wrapping around at
   *  either end; found by walking from `from`, without listing every match. Undefined when `from`
   *  is not shown under these options or nothing matches. */
  matchBeside(from: number, step: 1 | -1, options: ViewOptions): number | undefined {
    const { filter } = options;
    if (!filter || !this.isShown(from, options)) return undefined;
    const cache = this.cacheFor(options);
    const limit = cache.closure ? cache.closure.size : this.tree.nodeCount;
    let at = from;
    // Every shown node once at most (the walk wraps to `from` itself when it is the only match).
    for (let visited = 0; visited <= limit; visited++) {
      at =
        (step === 1 ? this.following(at, options) : this.preceding(at, options)) ??
        (step === 1 ? this.firstShown(options) : this.lastShown(options))!;
      if (at === undefined) return undefined;
      if (this.matches(at, filter, this.statusAt(at, options.layer))) return at;
    }
    return undefined;
  }

  /** Whether `id` is among the rows the options show (as if every directory were expanded). */
  private isShown(id: number, options: ViewOptions): boolean {
    if (id <= 0 || id >= this.tree.nodeCount) return false;
    const cache = this.cacheFor(options);
    if (cache.closure) return cache.closure.has(id);
    return this.statusAt(id, options.layer) !== undefined && this.displayed(id, options, cache);
  }

  /** The next shown node in display order (pre-order), or undefined after the last. */
  private following(id: number, options: ViewOptions): number | undefined {
    const kids = this.childrenOf(id, options);
    if (kids.length > 0) return kids[0];
    for (let at = id; at !== 0; at = this.tree.parentOf(at)) {
      const siblings = this.childrenOf(this.tree.parentOf(at), options);
      const i = siblings.indexOf(at);
      if (i + 1 < siblings.length) return siblings[i + 1];
    }
    return undefined;
  }

  /** The shown node before `id` in display order, or undefined before the first. */
  private preceding(id: number, options: ViewOptions): number | undefined {
    const parent = this.tree.parentOf(id);
    const siblings = this.childrenOf(parent, options);
    const i = siblings.indexOf(id);
    if (i > 0) return this.deepestLast(siblings[i - 1]!, options);
    return parent === 0 ? undefined : parent;
  }

  private deepestLast(id: number, options: ViewOptions): number {
    let at = id;
    for (let kids = this.childrenOf(at, options); kids.length > 0; kids = this.childrenOf(at, options)) at = kids[kids.length - 1]!;
    return at;
  }

  private firstShown(options: ViewOptions): number | undefined {
    return this.childrenOf(0, options)[0];
  }

  private lastShown(options: ViewOptions): number | undefined {
    const top = this.childrenOf(0, options);
    return top.length === 0 ? undefined : this.deepestLast(top[top.length - 1]!, options);
  }

  /** The first filter match in display order, found without listing the rest: what the tree
   *  shows while a filter is typed (matchesInOrder lists them all, for n/N). */
  firstMatch(options: ViewOptions): number | undefined {
    const { filter } = options;
    if (!filter) return undefined;
    const stack: number[] = [...this.childrenOf(0, options)].reverse();
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (this.matches(id, filter, this.statusAt(id, options.layer))) return id;
      const kids = this.childrenOf(id, options);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
    return undefined;
  }

  /** Whether the node itself matches the filter at the layer `status` describes: its path, and
   *  for size conditions its bytes (regular files and hard links only). */
  private matches(id: number, filter: PathFilter, status: Status | undefined): boolean {
    if (filter.sizes.length > 0) {
      const entry = status?.state.entry;
      if (!entry || (entry.type !== 'file' && entry.type !== 'hardlink')) return false;
      if (!passesSizes(filter.sizes, this.tree.contentSize(entry, status!.state.layer))) return false;
    }
    return filter.kind === 'size' || filter.testPath(this.tree.pathOf(id));
  }

  /** Whether a status passes the status toggles and the changes-only mode. */
  private passes(status: RowStatus, options: ViewOptions): boolean {
    if (status === 'unchanged') return options.show.unchanged && !options.changesOnly;
    return options.show[status];
  }

  private displayed(id: number, options: ViewOptions, cache: OptionsCache): boolean {
    if (cache.closure) return cache.closure.has(id);
    // Every unchanged path is shown and there is no filter: only the few paths this layer touched
    // can be hidden, and those are resolved (and memoised) on demand.
    const { memo } = cache;
    const known = memo.get(id);
    if (known !== undefined) return known;
    // A node is shown if its status passes, or if something below it is shown. Resolved with an
    // explicit stack (children first), not recursion: hostile images nest thousands deep.
    const stack: number[] = [id];
    while (stack.length > 0) {
      const at = stack[stack.length - 1]!;
      if (memo.has(at)) {
        stack.pop();
        continue;
      }
      const status = this.statusAt(at, options.layer);
      if (!status || this.passes(status.status, options)) {
        memo.set(at, status !== undefined);
        stack.pop();
        continue;
      }
      const kids = this.tree.childrenOf(at);
      if (kids.some((c) => memo.get(c) === true)) {
        memo.set(at, true);
        stack.pop();
        continue;
      }
      const pending = kids.filter((c) => !memo.has(c));
      if (pending.length === 0) {
        memo.set(at, false);
        stack.pop();
      } else {
        for (let k = pending.length - 1; k >= 0; k--) stack.push(pending[k]!);
      }
    }
    return memo.get(id)!;
  }

  private cacheFor(options: ViewOptions): OptionsCache {
    const { show } = options;
    const key = [
      options.layer,
      options.changesOnly ? 'c' : 'a',
      `${+show.added}${+show.modified}${+show.removed}${+show.unchanged}`,
      options.sort,
      options.filter ? `${options.filter.kind}:${options.filter.source}` : '',
    ].join('|');
    const known = this.optionsCache.get(key);
    if (known) {
      this.optionsCache.delete(key);
      this.optionsCache.set(key, known);
      return known;
    }
    const cache: OptionsCache = { children: new Map(), memo: new Map() };
    if (options.filter || !this.passes('unchanged', options)) {
      const { shown, matched } = this.closure(options);
      cache.closure = shown;
      cache.closureMatched = matched;
      cache.closureChildren = new Map();
      for (const id of cache.closure) {
        if (id === 0) continue;
        const parent = this.tree.parentOf(id);
        const siblings = cache.closureChildren.get(parent);
        if (siblings) siblings.push(id);
        else cache.closureChildren.set(parent, [id]);
      }
    }
    this.optionsCache.set(key, cache);
    if (this.optionsCache.size > OPTIONS_CACHE_SIZE) this.optionsCache.delete(this.optionsCache.keys().next().value!);
    return cache;
  }

  /** The shown set when it is bounded: paths that pass every test (drawn from the filter's
   *  matches, or from what the layer touched), plus their ancestors. */
  private closure(options: ViewOptions): { shown: Set<number>; matched: number } {
    const { tree } = this;
    const { filter } = options;
    const candidates = filter ? this.matchingIds(filter) : (tree.touchedBy[options.layer] ?? []);
    const shown = new Set<number>([0]);
    let matched = 0;
    for (const id of candidates) {
      if (shown.has(id)) continue;
      const status = this.statusAt(id, options.layer);
      if (!status || !this.passes(status.status, options)) continue;
      if (filter && filter.sizes.length > 0 && !this.matches(id, filter, status)) continue;
      matched++;
      for (let n = id; !shown.has(n); n = tree.parentOf(n)) shown.add(n);
    }
    return { shown, matched };
  }

  /** How many shown paths match the filter: what matchesInOrder(options).length says, without
   *  listing (and sorting) every shown directory. */
  matchCount(options: ViewOptions): number {
    const { filter } = options;
    if (!filter) return 0;
    const cache = this.cacheFor(options);
    // With size conditions the closure counted what it was drawn from. Without, a path match is
    // a match wherever it is shown, also as the ancestor of another match when its own status
    // is one the toggles hide.
    cache.matchCount ??= filter.sizes.length > 0 ? cache.closureMatched! : this.countShown(this.matchingIds(filter), cache.closure!);
    return cache.matchCount;
  }

  private countShown(ids: readonly number[], shown: ReadonlySet<number>): number {
    let count = 0;
    for (const id of ids) if (shown.has(id)) count++;
    return count;
  }
}

/** What a directory's size means under these options, in the words the screen shows. */
export function dirSizeMeaning(options: Pick<ViewOptions, 'changesOnly' | 'layer'>): string {
  return options.changesOnly ? `changed below by L${options.layer} (added, modified and removed files)` : `of files below`;
}

/** `ls -l` style type and permission string: `drwxr-xr-x`, `-rwsr-xr-x`, `lrwxrwxrwx`. */
export function modeString(entry: LayerEntry): string {
  const type =
    entry.type === 'dir'
      ? 'd'
      : entry.type === 'symlink'
        ? 'l'
        : entry.type === 'other'
          ? entry.device === 'char'
            ? 'c'
            : entry.device === 'block'
              ? 'b'
              : 'p'
          : '-';
  const m = entry.mode;
  const bit = (mask: number, ch: string) => (m & mask ? ch : '-');
  const special = (exec: number, flag: number, on: string, off: string, plain: string) =>
    m & flag ? (m & exec ? on : off) : m & exec ? plain : '-';
  return (
    type +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(0o100, 0o4000, 's', 'S', 'x') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    special(0o010, 0o2000, 's', 'S', 'x') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    special(0o001, 0o1000, 't', 'T', 'x')
  );
}
