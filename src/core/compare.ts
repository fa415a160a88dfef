// Two images side by side — typically a multi-stage build's builder (A) and final (B) stage:
// how much smaller B is, which base layers they share, what only A has (toolchains, caches,
// sources: what the multi-stage split left behind), what only B has, and the files that crossed
// from A to B with `COPY --from`.
//
// Identity is content identity: two files are identical when their content digests (xxh128,
// computed in the layer walk, see digest.ts) are equal — never by size, mode and mtime, which
// two different files can share and a chmod-ed copy does not keep. Without a Dockerfile, a
// file of B's own layers (above the shared base) whose digest is one of A's files is a copy,
// whatever its name, mode or mtime; with one, `COPY --from` edges say which files crossed and
// the digests say whether they arrived intact.
//
// Every visible regular file (and hard link) of A and B lands in exactly one bucket: copied
// (source in A, destination in B), in both (same path, not a copy), only in A, only in B.
import type { Analysis } from './analysis.js';
import { type LayerChanges, TYPE_FILE, TYPE_HARDLINK } from './changes.js';
import { visibleOrder } from './visibleOrder.js';
import { displayPath, type ImagePath, type LayerEntry } from './model.js';
import { baseName, joinPath } from './paths.js';
import { classifyPath, isToolchainPackage, type PathCategory } from './advice.js';
import type { ImagePackage } from './packages/attribute.js';
import { hasWildcard, stageTitle, type StageEdge, type StageGraph } from './stages.js';

export interface CompareSide {
  /** Stage name (or index) when known, else the image reference. */
  label: string;
  ref: string;
  id: string;
  stage?: number;
  layers: number;
  storedBytes: number;
  visibleBytes: number;
}

export interface DirGroup {
  /** Display path of the directory the files are under, e.g. `/opt/toolchain`, `/usr/lib/gcc`. */
  path: string;
  /** What most of its bytes are (toolchain, cache, sources…). */
  category: PathCategory;
  files: number;
  bytes: number;
}

/** The files of one installed package (its database says it owns them) that fall in a bucket. */
export interface BucketPackage {
  manager: ImagePackage['manager'];
  name: string;
  version: string;
  files: number;
  bytes: number;
  /** A compiler, binutils, headers or a build tool (see advice.ts isToolchainPackage). */
  toolchain: boolean;
}

/** Build toolchain packages, named by the package databases (not guessed from paths). */
export interface ToolchainSummary {
  /** `build toolchain: gcc-12, cpp-12, binutils-x86-64-linux-gnu and 4 more packages`. */
  title: string;
  /** Package names, most bytes first. */
  packages: string[];
  files: number;
  bytes: number;
}

export interface FileBucket {
  files: number;
  bytes: number;
  /** Largest first. */
  groups: DirGroup[];
  /** Packages that own files of this bucket, most bytes first (at most maxGroups). */
  packages: BucketPackage[];
  /** The toolchain packages' part of this bucket, when there is one. */
  toolchain?: ToolchainSummary;
  /** Bytes of this bucket no installed package owns. */
  unpackagedBytes: number;
}

/** The build toolchain the final image (B) carries, from its package databases: what a
 *  multi-stage split should leave in the builder. */
export interface CarriedToolchain extends ToolchainSummary {
  /** In B's shared base layers (FROM): only another base removes it. */
  inBase: boolean;
  /** `move to a builder stage` (or, from the base: `choose a base without it`). */
  fix: string;
}

export type CopyStatus = 'identical' | 'differs' | 'missing';

export interface CopiedFile {
  /** Display paths: where the file was in A, and where it is in B. */
  source: string;
  destination: string;
  /** Content bytes of the file in A. */
  bytes: number;
  /** Content digest (xxh128, hex) of the file in A. */
  digest?: string;
  /** identical: B has the same content at the destination (equal digests, whatever its mode or
   *  mtime); differs: B has other content there now (a later layer replaced it); missing: B's
   *  final view has nothing at the destination. */
  status: CopyStatus;
  /** What differs between source and destination: content, and the metadata (a chmod after
   *  the copy shows as `mode` on an identical file). */
  differences?: Array<'content' | 'size' | 'mode' | 'mtime'>;
  /** B's layer whose entry is visible at the destination. */
  layer?: number;
  /** How the crossing is known: from the Dockerfile's COPY --from, or by content (no Dockerfile
   *  given: a file of B's own layers whose digest is one of A's files). */
  how: 'copy-from' | 'matched';
  /** The COPY --from instruction (how = copy-from). */
  line?: number;
  instruction?: string;
}

export interface Comparison {
  a: CompareSide;
  b: CompareSide;
  /** B relative to A, by stored bytes: ratio = (A − B) / A (0.86 reads "−86%"). */
  reduction: { bytes: number; ratio: number };
  /** Layers both images start with (same diffIDs, in order) and their stored bytes. */
  sharedBase: { layers: number; bytes: number };
  /** Stored bytes of each side's layers above the shared base. */
  unique: { a: { layers: number; bytes: number }; b: { layers: number; bytes: number } };
  /** Reduction of the bytes above the shared base: what the split saved of the stage's own work. */
  userReduction: { bytes: number; ratio: number };
  onlyInA: FileBucket;
  onlyInB: FileBucket;
  /** Same path on both sides (not a copy): files, B's bytes, and how many have other content. */
  inBoth: { files: number; bytes: number; differing: number };
  copied: CopiedFile[];
  copiedSummary: { files: number; bytes: number; identical: number };
  /** Toolchain packages installed in B (visible files, whatever the bucket); absent when none. */
  toolchainInB?: CarriedToolchain;
  identity: 'xxh128';
}

export interface CompareOptions {
  /** The Dockerfile's stages: COPY --from edges from A's stage into B's trace copied files. */
  graph?: StageGraph;
  aStage?: number;
  bStage?: number;
  aLabel?: string;
  bLabel?: string;
  /** Directory groups listed per bucket (default 12; the rest are summed into the totals). */
  maxGroups?: number;
}

export interface FileInfo {
  path: ImagePath;
  /** Content digest (hex): of the file, or of the content a hard link shares. */
  digest: string | undefined;
  entry: LayerEntry;
  layer: number;
  /** Content size the path shows (a hard link: its content's). */
  bytes: number;
  /** Bytes it adds to a sum: 0 for the second and later names of hard-linked content, so sums
   *  count each stored copy once, like visibleBytes. */
  countedBytes: number;
}

/** Visible regular files and hard links, by path (walk order: paths sorted); `sharedLayers`: the
 *  base layers the image shares with the one it is compared with. */
export function visibleFiles(analysis: Analysis, sharedLayers = 0): Map<ImagePath, FileInfo> {
  const out = new Map<ImagePath, FileInfo>();
  // Stored copies already counted: one flag per change of each layer (no string key per file).
  const seen = analysis.image.summaries.map((s) => new Uint8Array(s.changes.length));
  const { tree } = analysis;
  const order = visibleOrder(tree);
  for (let k = 0; k < order.length; k++) {
    const event = order.events[k]!;
    const index = tree.eventEntryIndex(event);
    const layer = tree.eventLayer(event);
    const changes = tree.summaries[layer]!.changes;
    if (index < 0) continue;
    const type = changes.typeCode(index);
    if (type !== TYPE_FILE && type !== TYPE_HARDLINK) continue;
    const content = type === TYPE_FILE ? index : changes.linkedContent(index);
    const bytes = tree.contentSizeAt(layer, index);
    const first = content !== undefined && seen[layer]![content] === 0;
    if (content !== undefined) seen[layer]![content] = 1;
    const path = tree.pathOf(order.ids[k]!);
    out.set(path, new VisibleFile(path, layer, index, bytes, first ? bytes : 0, changes, content, layer < sharedLayers));
  }
  return out;
}

/** Content as a layer's columns hold it: its digest is read when first asked (most files of a
 *  comparison are told apart, or matched, without their hex digest). */
export class StoredContent {
  private hex: string | undefined | null = null;

  constructor(
    readonly layer: number,
    protected readonly changes: LayerChanges,
    /** The regular-file entry whose content it is (undefined: a hard link to nothing read). */
    readonly content: number | undefined,
    /** In a base layer both images of the comparison start with. */
    readonly inSharedBase: boolean,
  ) {}

  get digest(): string | undefined {
    if (this.hex === null) this.hex = this.content === undefined ? undefined : this.changes.digest(this.content);
    return this.hex;
  }
}

/** A FileInfo whose entry is also read from its layer's columns when first asked. */
class VisibleFile extends StoredContent implements FileInfo {
  private shown: LayerEntry | undefined;

  constructor(
    readonly path: ImagePath,
    layer: number,
    /** The entry's index in its layer's changes. */
    private readonly index: number,
    readonly bytes: number,
    readonly countedBytes: number,
    changes: LayerChanges,
    content: number | undefined,
    inSharedBase: boolean,
  ) {
    super(layer, changes, content, inSharedBase);
  }

  get entry(): LayerEntry {
    this.shown ??= this.changes.entry(this.index);
    return this.shown;
  }
}

/** Equal content: the same entry of a base layer both images share, or equal digests (two files
 *  without a digest are never called identical). */
export function sameContent(a: { digest?: string | undefined }, b: { digest?: string | undefined }): boolean {
  if (a instanceof StoredContent && b instanceof StoredContent && a.inSharedBase && b.inSharedBase && a.layer === b.layer)
    if (a.content !== undefined && a.content === b.content) return true;
  return a.digest !== undefined && a.digest === b.digest;
}

function metadataDifferences(a: FileInfo, b: FileInfo): Array<'content' | 'size' | 'mode' | 'mtime'> {
  const out: Array<'content' | 'size' | 'mode' | 'mtime'> = [];
  if (!sameContent(a, b)) out.push('content');
  if (a.bytes !== b.bytes) out.push('size');
  if (a.entry.mode !== b.entry.mode) out.push('mode');
  if (a.entry.mtime !== b.entry.mtime) out.push('mtime');
  return out;
}

/** How many layers both images start with (the same diffIDs, in order). */
export function sharedLayers(a: Analysis, b: Analysis): number {
  let shared = 0;
  const x = a.image.summaries;
  const y = b.image.summaries;
  while (shared < x.length && shared < y.length && x[shared]!.diffId === y[shared]!.diffId) shared++;
  return shared;
}

export function compareAnalyses(a: Analysis, b: Analysis, options: CompareOptions = {}): Comparison {
  const { graph, aStage, bStage } = options;
  const side = (x: Analysis, stage: number | undefined, label: string | undefined): CompareSide => ({
    label: label ?? (graph && stage !== undefined && graph.stages[stage] ? stageTitle(graph.stages[stage]!) : x.image.ref),
    ref: x.image.ref,
    id: x.image.id,
    ...(stage !== undefined ? { stage } : {}),
    layers: x.image.layers.length,
    storedBytes: x.account.storedBytes,
    visibleBytes: x.account.visibleBytes,
  });
  const sideA = side(a, aStage, options.aLabel);
  const sideB = side(b, bStage, options.bLabel);

  const shared = sharedLayers(a, b);
  const sharedBytes = a.image.summaries.slice(0, shared).reduce((n, s) => n + s.sizeBytes, 0);
  const uniqueA = { layers: a.image.summaries.length - shared, bytes: a.account.storedBytes - sharedBytes };
  const uniqueB = { layers: b.image.summaries.length - shared, bytes: b.account.storedBytes - sharedBytes };

  const filesA = visibleFiles(a, shared);
  const filesB = visibleFiles(b, shared);
  const copied =
    graph && aStage !== undefined && bStage !== undefined
      ? traceCopies(
          graph.edges.filter((e) => e.kind === 'copy' && e.stage === bStage && e.from.kind === 'stage' && e.from.index === aStage),
          a,
          b,
          filesA,
          filesB,
        )
      : matchCopies(filesA, filesB, shared);
  const copiedSources = new Set(copied.map((c) => c.source.slice(1)));
  const copiedDestinations = new Set(copied.filter((c) => c.status !== 'missing').map((c) => c.destination.slice(1)));

  const onlyA: FileInfo[] = [];
  const onlyB: FileInfo[] = [];
  const inBoth = { files: 0, bytes: 0, differing: 0 };
  for (const [path, fa] of filesA) {
    if (copiedSources.has(path)) continue;
    const fb = filesB.get(path);
    if (fb && !copiedDestinations.has(path)) {
      inBoth.files += 1;
      inBoth.bytes += fb.countedBytes;
      if (!sameContent(fa, fb)) inBoth.differing += 1;
    } else if (!fb) onlyA.push(fa);
  }
  for (const [path, fb] of filesB) {
    if (copiedDestinations.has(path)) continue;
    if (!filesA.has(path)) onlyB.push(fb);
  }
  const maxGroups = options.maxGroups ?? 12;
  const toolchainInB = carriedToolchain(b, shared);
  const identical = copied.filter((c) => c.status === 'identical');
  return {
    a: sideA,
    b: sideB,
    reduction: ratioOf(a.account.storedBytes, b.account.storedBytes),
    sharedBase: { layers: shared, bytes: sharedBytes },
    unique: { a: uniqueA, b: uniqueB },
    userReduction: ratioOf(uniqueA.bytes, uniqueB.bytes),
    onlyInA: bucket(onlyA, maxGroups, packageOwners(a)),
    onlyInB: bucket(onlyB, maxGroups, packageOwners(b)),
    inBoth,
    copied,
    copiedSummary: { files: copied.length, bytes: copied.reduce((n, c) => n + c.bytes, 0), identical: identical.length },
    ...(toolchainInB ? { toolchainInB } : {}),
    identity: 'xxh128',
  };
}

function ratioOf(from: number, to: number): { bytes: number; ratio: number } {
  return { bytes: from - to, ratio: from > 0 ? (from - to) / from : 0 };
}

/** The directory a path is grouped under: two levels deep (`/opt/toolchain`, `/root/.cache`),
 *  three under /usr and /var (`/usr/lib/gcc`, `/var/lib/apt`), never the file itself. */
export function groupOf(path: ImagePath): ImagePath {
  const segments = path.split('/');
  const depth = segments[0] === 'usr' || segments[0] === 'var' ? 3 : 2;
  return segments.slice(0, Math.min(depth, segments.length - 1)).join('/');
}

/** Which installed package owns each visible path (the package databases' word, not a guess by path). */
export function packageOwners(analysis: Analysis): Map<ImagePath, ImagePackage> {
  const out = new Map<ImagePath, ImagePackage>();
  for (const p of analysis.packages.packages) {
    if (p.removedIn !== undefined) continue;
    for (const id of p.fileIds) {
      const path = analysis.tree.pathOf(id);
      if (!out.has(path)) out.set(path, p);
    }
  }
  return out;
}

function toolchainSummary(list: Array<{ name: string; files: number; bytes: number }>): ToolchainSummary | undefined {
  if (list.length === 0) return undefined;
  const sorted = [...list].sort((x, y) => y.bytes - x.bytes || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const names = sorted.map((p) => p.name);
  const more = names.length > 3 ? ` and ${names.length - 3} more packages` : '';
  return {
    title: `build toolchain: ${names.slice(0, 3).join(', ')}${more}`,
    packages: names,
    files: sorted.reduce((n, p) => n + p.files, 0),
    bytes: sorted.reduce((n, p) => n + p.bytes, 0),
  };
}

function bucket(files: FileInfo[], maxGroups: number, owners: Map<ImagePath, ImagePackage>): FileBucket {
  const groups = new Map<ImagePath, { files: number; bytes: number; byCategory: Map<PathCategory, number> }>();
  const packages = new Map<ImagePackage, BucketPackage>();
  let bytes = 0;
  let unpackagedBytes = 0;
  for (const f of files) {
    bytes += f.countedBytes;
    const key = groupOf(f.path);
    const g = groups.get(key) ?? { files: 0, bytes: 0, byCategory: new Map() };
    g.files += 1;
    g.bytes += f.countedBytes;
    const owner = owners.get(f.path);
    const toolchain = owner !== undefined && isToolchainPackage(owner);
    if (owner) {
      const bp = packages.get(owner) ?? { manager: owner.manager, name: owner.name, version: owner.version, files: 0, bytes: 0, toolchain };
      bp.files += 1;
      bp.bytes += f.countedBytes;
      packages.set(owner, bp);
    } else unpackagedBytes += f.countedBytes;
    // A file a toolchain package owns is toolchain wherever it lives (gcc in /usr/bin too).
    const category = toolchain ? 'toolchain' : classifyPath(f.path);
    g.byCategory.set(category, (g.byCategory.get(category) ?? 0) + Math.max(1, f.bytes));
    groups.set(key, g);
  }
  const list: DirGroup[] = [...groups].map(([path, g]) => ({
    path: displayPath(path),
    category: [...g.byCategory].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0]![0],
    files: g.files,
    bytes: g.bytes,
  }));
  list.sort((x, y) => y.bytes - x.bytes || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  const byBytes = [...packages.values()].sort((x, y) => y.bytes - x.bytes || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const toolchain = toolchainSummary(byBytes.filter((p) => p.toolchain));
  return {
    files: files.length,
    bytes,
    groups: list.slice(0, maxGroups),
    packages: byBytes.slice(0, maxGroups),
    ...(toolchain ? { toolchain } : {}),
    unpackagedBytes,
  };
}

/** The toolchain packages B has installed, with the bytes of their visible files. */
function carriedToolchain(b: Analysis, sharedLayers: number): CarriedToolchain | undefined {
  const list = b.packages.packages.filter((p) => p.removedIn === undefined && isToolchainPackage(p));
  const summary = toolchainSummary(list);
  if (!summary) return undefined;
  const inBase = list.every((p) => p.layer < sharedLayers);
  return {
    ...summary,
    inBase,
    fix: inBase ? 'it comes with the base image: choose a base without it' : 'move to a builder stage',
  };
}

/** Follows each `COPY --from=A` of B: which files of A it took, and where they are in B. */
function traceCopies(
  edges: StageEdge[],
  a: Analysis,
  b: Analysis,
  filesA: Map<ImagePath, FileInfo>,
  filesB: Map<ImagePath, FileInfo>,
): CopiedFile[] {
  const out: CopiedFile[] = [];
  const treeA = a.tree;
  const treeB = b.tree;
  const isDirInB = (path: ImagePath): boolean => {
    const id = treeB.idOf(path);
    return id !== undefined && treeB.stateAt(id)?.entry.type === 'dir';
  };
  for (const edge of edges) {
    const dest = edge.destination.replace(/^\/+/, '');
    for (const source of edge.sources) {
      const pattern = source.replace(/^\/+/, '');
      const matches = hasWildcard(pattern)
        ? globVisible(a, pattern)
        : treeA.idOf(pattern) !== undefined && treeA.stateAt(treeA.idOf(pattern)!)
          ? [pattern]
          : [];
      for (const match of matches) {
        const id = treeA.idOf(match)!;
        const state = treeA.stateAt(id)!;
        const pairs: Array<[ImagePath, ImagePath]> = [];
        if (state.entry.type === 'dir') {
          // A directory's contents go into the destination, not the directory itself.
          for (const { id: child } of treeA.walkVisible(treeA.layerCount - 1, id)) {
            const path = treeA.pathOf(child);
            if (filesA.has(path)) pairs.push([path, joinPath(dest, path.slice(match === '' ? 0 : match.length + 1))]);
          }
        } else if (filesA.has(match)) {
          const into = edge.intoDirectory || isDirInB(dest);
          pairs.push([match, into ? joinPath(dest, baseName(match)) : dest]);
        }
        for (const [from, to] of pairs) {
          const fa = filesA.get(from)!;
          const fb = filesB.get(to);
          const differences = fb ? metadataDifferences(fa, fb) : [];
          out.push({
            source: displayPath(from),
            destination: displayPath(to),
            bytes: fa.bytes,
            ...(fa.digest !== undefined ? { digest: fa.digest } : {}),
            status: !fb ? 'missing' : sameContent(fa, fb) ? 'identical' : 'differs',
            ...(differences.length > 0 ? { differences } : {}),
            ...(fb ? { layer: fb.layer } : {}),
            how: 'copy-from',
            line: edge.line,
            instruction: edge.instruction,
          });
        }
      }
    }
  }
  return out;
}

/** Visible paths of `a` that a COPY source pattern (`*`, `?`, `[…]`, per path segment) matches. */
function globVisible(a: Analysis, pattern: ImagePath): ImagePath[] {
  const regex = globRegex(pattern);
  const out: ImagePath[] = [];
  for (const { id } of a.tree.walkVisible()) {
    const path = a.tree.pathOf(id);
    if (regex.test(path)) out.push(path);
  }
  return out;
}

/** Go's filepath.Match syntax (what the builder uses for COPY sources) as a regular expression. */
export function globRegex(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) {
      out += escapeRegex(pattern[++i]!);
    } else out += escapeRegex(c);
  }
  return new RegExp(`${out}$`);
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Without a Dockerfile: non-empty files of B's own layers (above the shared base) whose content
 *  is one of A's files, whatever their name, mode or mtime. A file at the same path in A with
 *  other content is a change, not a copy. When several files of A have that content, the source
 *  is the one at the same path, else one with the same name, else the first by path. */
function matchCopies(filesA: Map<ImagePath, FileInfo>, filesB: Map<ImagePath, FileInfo>, sharedLayers: number): CopiedFile[] {
  // Only B's own files can be copies: A is indexed by their digests alone (a final stage's own
  // layers hold a few files; a million-file builder is not put in a map).
  const wanted = new Set<string>();
  const sizes = new Set<number>();
  for (const fb of filesB.values()) {
    if (fb.layer < sharedLayers || fb.bytes === 0 || fb.digest === undefined) continue;
    wanted.add(fb.digest);
    sizes.add(fb.bytes);
  }
  if (wanted.size === 0) return [];
  const byDigest = new Map<string, FileInfo[]>();
  for (const f of filesA.values()) {
    // Equal content has equal size: only those digests are read.
    if (!sizes.has(f.bytes) || f.digest === undefined || !wanted.has(f.digest)) continue;
    const list = byDigest.get(f.digest);
    if (list) list.push(f);
    else byDigest.set(f.digest, [f]);
  }
  const out: CopiedFile[] = [];
  for (const fb of filesB.values()) {
    if (fb.layer < sharedLayers || fb.bytes === 0 || fb.digest === undefined) continue;
    const samePath = filesA.get(fb.path);
    if (samePath && !sameContent(samePath, fb)) continue;
    const candidates = byDigest.get(fb.digest);
    if (!candidates) continue;
    const name = baseName(fb.path);
    const source = samePath ?? candidates.find((c) => baseName(c.path) === name) ?? candidates[0]!;
    const differences = metadataDifferences(source, fb);
    out.push({
      source: displayPath(source.path),
      destination: displayPath(fb.path),
      bytes: fb.bytes,
      digest: fb.digest,
      status: 'identical',
      ...(differences.length > 0 ? { differences } : {}),
      layer: fb.layer,
      how: 'matched',
    });
  }
  return out.sort((x, y) => (x.destination < y.destination ? -1 : x.destination > y.destination ? 1 : 0));
}
