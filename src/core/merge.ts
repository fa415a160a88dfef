// Applies layer summaries base first, the way overlayfs presents them (the ground truth being
// `docker export`), and records for every path what each layer did to it. Views at a given
// layer are answered from that history on demand: nothing is materialised per layer.
import type { ImagePath, LayerEntry, LayerSummary } from './model.js';
import { ancestorsOf, baseName } from './paths.js';

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
const NONE = -1;

export class MergedTree {
  readonly layerCount: number;
  readonly summaries: readonly LayerSummary[];
  /** Node 0 is the root ''. */
  private readonly paths: ImagePath[] = [''];
  private readonly parents: number[] = [NONE];
  private readonly children: number[][] = [[]];
  private readonly events: PathEvent[][] = [[]];
  private readonly ids = new Map<ImagePath, number>([['', 0]]);
  /** Nodes each layer changed, in first-touch order. */
  readonly touchedBy: number[][] = [];
  /** Warnings raised while merging (e.g. whiteouts of paths that never existed). */
  readonly warnings: string[] = [];

  constructor(summaries: readonly LayerSummary[]) {
    this.summaries = summaries;
    this.layerCount = summaries.length;
    new Merger(this).run();
  }

  get nodeCount(): number {
    return this.paths.length;
  }

  idOf(path: ImagePath): number | undefined {
    return this.ids.get(path);
  }

  pathOf(id: number): ImagePath {
    return this.paths[id]!;
  }

  nameOf(id: number): string {
    return baseName(this.paths[id]!);
  }

  parentOf(id: number): number {
    return this.parents[id]!;
  }

  /** Every child that ever existed under `id`, in first-seen order. Filter with stateAt. */
  childrenOf(id: number): readonly number[] {
    return this.children[id]!;
  }

  historyOf(id: number): readonly PathEvent[] {
    return this.events[id]!;
  }

  /** The entry visible at `id` after `layer` (default: the last), or undefined if absent. */
  stateAt(id: number, layer = this.layerCount - 1): NodeState | undefined {
    if (id === 0) return this.rootState();
    const history = this.events[id]!;
    let i = history.length - 1;
    while (i >= 0 && history[i]!.layer > layer) i--;
    if (i < 0 || history[i]!.change === 'removed') return undefined;
    let start = i;
    while (start > 0 && history[start - 1]!.change !== 'removed') start--;
    const event = history[i]!;
    return { entry: this.entryOf(id, event), layer: event.layer, entryIndex: event.entryIndex, addedIn: history[start]!.layer };
  }

  /** The event `layer` recorded for `id`, if that layer changed it. */
  eventAt(id: number, layer: number): PathEvent | undefined {
    return this.events[id]!.find((e) => e.layer === layer);
  }

  entryOf(id: number, event: PathEvent): LayerEntry {
    if (event.entryIndex === NONE) return implicitDir(this.paths[id]!);
    const change = this.summaries[event.layer]!.changes[event.entryIndex]!;
    if (change.op !== 'entry') throw new Error(`internal: event points at a ${change.op}`);
    return change.entry;
  }

  /** Bytes the entry's path shows: a hard link shows the size of the content it shares. */
  contentSize(entry: LayerEntry, layer: number): number {
    if (entry.type !== 'hardlink') return entry.size;
    if (entry.linkedContent === undefined) return 0;
    const linked = this.summaries[layer]!.changes[entry.linkedContent];
    return linked?.op === 'entry' ? linked.entry.size : 0;
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
      const kids = this.children[id]!.filter((c) => this.stateAt(c, layer) !== undefined);
      kids.sort((a, b) => compareNames(this.paths[b]!, this.paths[a]!));
      stack.push(...kids);
    }
  }

  private rootState(): NodeState {
    return { entry: implicitDir(''), layer: 0, entryIndex: NONE, addedIn: 0 };
  }

  // --- mutation, used by Merger only ---

  /** @internal */ ensureNode(path: ImagePath): number {
    const known = this.ids.get(path);
    if (known !== undefined) return known;
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? 0 : this.ensureNode(path.slice(0, slash));
    const id = this.paths.length;
    this.paths.push(path);
    this.parents.push(parent);
    this.children.push([]);
    this.events.push([]);
    this.ids.set(path, id);
    this.children[parent]!.push(id);
    return id;
  }

  /** @internal */ record(id: number, event: PathEvent): void {
    this.events[id]!.push(event);
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
  private readonly curLayer: number[] = [];
  private readonly curEntry: number[] = [];
  private readonly curIsDir: boolean[] = [];
  /** Per layer being applied: presence before the layer, for touched nodes; and first removal cause. */
  private before = new Map<number, boolean>();
  private causes = new Map<number, RemovalCause>();
  private layer = 0;

  constructor(private readonly tree: MergedTree) {
    this.curLayer[0] = 0;
    this.curEntry[0] = NONE;
    this.curIsDir[0] = true;
  }

  run(): void {
    this.tree.summaries.forEach((summary, layer) => {
      this.layer = layer;
      this.before = new Map();
      this.causes = new Map();
      this.applyDeletions(summary);
      this.applyEntries(summary);
      this.recordLayer();
    });
  }

  private present(id: number): boolean {
    return (this.curLayer[id] ?? NONE) !== NONE;
  }

  private touch(id: number): void {
    if (!this.before.has(id)) this.before.set(id, this.present(id));
  }

  /** Whiteouts and opaque markers act on the layers below only, so they go first. */
  private applyDeletions(summary: LayerSummary): void {
    for (const change of summary.changes) {
      if (change.op === 'whiteout') {
        const id = this.tree.idOf(change.path);
        if (id !== undefined && this.present(id)) this.removeSubtree(id, 'whiteout');
        else this.tree.warnings.push(`layer ${this.layer}: whiteout of /${change.path}, which no lower layer has`);
      } else if (change.op === 'opaque') {
        const id = this.tree.idOf(change.path);
        if (id === undefined || !this.present(id) || !this.curIsDir[id]) continue;
        for (const child of this.tree.childrenOf(id)) if (this.present(child)) this.removeSubtree(child, 'opaque');
      }
    }
  }

  private applyEntries(summary: LayerSummary): void {
    summary.changes.forEach((change, index) => {
      if (change.op !== 'entry') return;
      const { entry } = change;
      for (const ancestor of ancestorsOf(entry.path)) this.ensureDirectory(this.tree.ensureNode(ancestor));
      const id = this.tree.ensureNode(entry.path);
      const isDir = entry.type === 'dir';
      // A non-directory replaces a directory with its whole subtree; a directory over a
      // directory merges; anything over a non-directory replaces it.
      if (this.present(id) && this.curIsDir[id] && !isDir) this.removeChildren(id, 'replaced');
      this.set(id, index, isDir);
    });
  }

  /** A child needs its parent to be a directory: keep one, or imply one (overlayfs does). */
  private ensureDirectory(id: number): void {
    if (this.present(id) && this.curIsDir[id]) return;
    this.set(id, NONE, true);
  }

  private set(id: number, entryIndex: number, isDir: boolean): void {
    this.touch(id);
    this.curLayer[id] = this.layer;
    this.curEntry[id] = entryIndex;
    this.curIsDir[id] = isDir;
  }

  private removeSubtree(id: number, cause: RemovalCause): void {
    this.removeChildren(id, cause);
    this.touch(id);
    if (!this.causes.has(id)) this.causes.set(id, cause);
    this.curLayer[id] = NONE;
    this.curEntry[id] = NONE;
    this.curIsDir[id] = false;
  }

  private removeChildren(id: number, cause: RemovalCause): void {
    for (const child of this.tree.childrenOf(id)) if (this.present(child)) this.removeSubtree(child, cause);
  }

  private recordLayer(): void {
    const touched: number[] = [];
    for (const [id, wasPresent] of this.before) {
      const isPresent = this.present(id);
      if (!wasPresent && !isPresent) continue;
      touched.push(id);
      if (!isPresent) {
        this.tree.record(id, { layer: this.layer, change: 'removed', entryIndex: NONE, cause: this.causes.get(id) ?? 'replaced' });
      } else {
        this.tree.record(id, { layer: this.layer, change: wasPresent ? 'modified' : 'added', entryIndex: this.curEntry[id]! });
      }
    }
    this.tree.touchedBy.push(touched);
  }
}
