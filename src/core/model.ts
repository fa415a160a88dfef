// The image model shared by every source, the core, the reports and the UI.
// Plain serialisable data: a LayerSummary is what the cache stores, keyed by diffID.
import type { LayerChanges } from './changes.js';
import type { WalkLimits } from './walk.js';
import type { LayerContents } from './contents.js';
import type { MergedColumns } from './merge.js';
import type { LayerWarning } from './warnings.js';
export type { ImageWarning, LayerWarning, WarningKind } from './warnings.js';

/** Kinds of filesystem entry, as named in `ls --json`. */
export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** Paths are stored normalised: no leading `/` or `./`, no trailing `/`, no empty or `.` segments.
 *  The root itself is the empty string. Displayed with a leading `/` (see displayPath). */
export type ImagePath = string;

export interface LayerEntry {
  path: ImagePath;
  type: EntryType;
  /** Bytes of content this entry stores (regular files only; 0 for everything else). */
  size: number;
  /** Permission and special bits (07777), without the file-type bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  /** Symlink: target as written. Hard link: normalised path of the entry it links to. */
  linkTarget?: string;
  /** For type 'other': what it is. */
  device?: 'char' | 'block' | 'fifo';
  /** Hard link: index (in LayerSummary.changes) of the regular-file entry whose bytes it shares. */
  linkedContent?: number;
  /** Regular file: its content digest (xxh128, hex) when known. LayerChanges keeps it in a
   *  column (`digest(i)`); `entry(i)` leaves it out, `push` accepts it. */
  digest?: string;
  /** Directory that the tar did not list but a child needed (overlayfs creates it implicitly). */
  implicit?: boolean;
}

export type LayerChange =
  | { op: 'entry'; entry: LayerEntry }
  /** `.wh.NAME`: NAME and its subtree are deleted from the layers below. */
  | { op: 'whiteout'; path: ImagePath }
  /** `.wh..wh..opq` inside `path`: everything below `path` from lower layers is hidden. */
  | { op: 'opaque'; path: ImagePath };

export type Compression = 'none' | 'gzip' | 'zstd';

/** What one streaming pass over one layer blob yields. Small, serialisable, cacheable. */
export interface LayerSummary {
  /** sha256 of the uncompressed tar, `sha256:<hex>`: the layer's diffID as computed. */
  diffId: string;
  compression: Compression;
  /** Bytes of the blob as read (compressed size). */
  blobBytes: number;
  /** Bytes of the uncompressed tar stream. */
  tarBytes: number;
  /** Sum of regular-file sizes of all the layer's tar entries (earlier duplicates included). */
  sizeBytes: number;
  /** Entries, whiteouts and opaque markers in tar order, stored by column (see changes.ts).
   *  Duplicates are kept: later wins. */
  changes: LayerChanges;
  /** Things that were read but are suspicious or malformed (path escapes, broken hard links…). */
  warnings: LayerWarning[];
  /** Package databases and leaked secrets read from the layer's file contents in the same pass
   *  (absent for summaries made without reading contents). */
  contents?: LayerContents;
}

/** A layer as the image describes it (manifest + config), before or after reading. */
export interface LayerInfo {
  index: number;
  /** diffID from the image config's rootfs.diff_ids (what the layer should hash to). */
  diffId: string;
  /** Digest of the blob as stored (compressed), if the source knows it. */
  blobDigest?: string;
  mediaType?: string;
  /** Stored blob size from the manifest, if known. */
  blobSize?: number;
  /** Bytes of the blob as the source stores and ships it (compressed when the blob is): what a
   *  pull costs. null when the source cannot say (an engine's store hands out uncompressed tars);
   *  never estimated. Absent is read as unknown. */
  compressedBytes?: number | null;
  /** The history `created_by` of the step that made this layer (empty_layer entries skipped). */
  command: string;
  /** The Dockerfile instruction that made it, as written (layers of stages we built). */
  source?: { file: string; line: number; instruction: string };
  created?: string;
  comment?: string;
}

export interface ImageConfigInfo {
  os: string;
  architecture: string;
  variant?: string;
  created?: string;
  /** Full history, including empty_layer steps (ENV, CMD…), for display. */
  history: Array<{ createdBy: string; emptyLayer: boolean; created?: string; comment?: string }>;
  env?: string[];
  cmd?: string[];
  entrypoint?: string[];
  workingDir?: string;
  user?: string;
  labels?: Record<string, string>;
  /** `EXPOSE`: "80/tcp"… */
  exposedPorts?: string[];
  /** `VOLUME`: paths. */
  volumes?: string[];
  healthcheck?: HealthcheckInfo;
  stopSignal?: string;
  shell?: string[];
  onBuild?: string[];
}

/** `HEALTHCHECK`: the test command and its timings (nanoseconds in the config; kept as written). */
export interface HealthcheckInfo {
  test: string[];
  intervalNs?: number;
  timeoutNs?: number;
  startPeriodNs?: number;
  startIntervalNs?: number;
  retries?: number;
}

/** What every source yields: metadata now, layer streams on demand. */
export interface ImageSource {
  /** How the user named it (path, reference…). */
  ref: string;
  /** Image ID: the config digest, `sha256:<hex>`. */
  id: string;
  config: ImageConfigInfo;
  layers: LayerInfo[];
  /** Open layer `index`'s blob as stored (possibly compressed). Compression is detected by the walker. */
  openLayer(index: number): Promise<NodeJS.ReadableStream>;
  /** Release file handles / temp files. Idempotent. */
  close(): Promise<void>;
  /** Optional: where layer `index`'s blob lies in a local file (an archive member or a layout's
   *  blob file) — the very bytes openLayer streams. The walker then reads the file itself, and
   *  content access reads an uncompressed layer at offsets. */
  blobFile?(index: number): BlobFile | undefined;
  /** Optional, for content access from an engine: a fresh `docker save` stream of the image. */
  saveStream?(): Promise<NodeJS.ReadableStream>;
  /** Non-fatal problems found while reading the image metadata. */
  warnings: string[];
  /**
   * Optional, for sources that can deliver their layers only in one sequential pass (an engine's
   * `docker save` stream, whose members come in name order with manifest.json last). When present,
   * the analyser calls it instead of openLayer: it walks every layer as it streams past and
   * returns the summaries in layer order together with the image metadata the stream itself
   * states, which replace `id`, `config` and `layers` above (known only from the engine's
   * inspect before the pass). Progress `layer` numbers are layer indices in the image (base
   * first), given as soon as the member can be placed.
   */
  readAll?(options: { onProgress?: (progress: StreamProgress) => void; limits?: Partial<WalkLimits> }): Promise<StreamedImage>;
  /**
   * Optional, next to readAll: the image from the caches alone (its config by image ID and every
   * layer's summary by diffID), or undefined when anything is missing. Spares the sequential pass
   * when the image was read before.
   */
  readCached?(caches: ImageCaches): Promise<StreamedImage | undefined>;
}

/** Where a layer's bytes come from: what lets the cache prove that a hit belongs to these very
 *  bytes, not merely to the diffID an image config claims (see sources/cache.ts). */
export interface LayerOrigin {
  /** The local file range holding the blob: a hit needs the same file, unchanged since read. */
  file?: BlobFile;
  /** The blob's digest (no local file): on put, only once a read has checked the bytes against it. */
  blobDigest?: string;
  /** An engine's own store: the engine checked each layer against its diffID when it took it in. */
  engine?: true;
}

/** A layer summary cache by diffID (see sources/cache.ts). */
export interface SummaryCache {
  get(diffId: string, origin: LayerOrigin): Promise<LayerSummary | undefined>;
  put(summary: LayerSummary, origin: LayerOrigin): Promise<void>;
  /** Optional: whether a hit for this diffID would be proven to be these bytes (the check get
   *  makes before reading), without reading the summary. */
  proves?(diffId: string, origin: LayerOrigin): Promise<boolean>;
  /** Optional: the summaries of a chain of layers with their merged tree, stored by putMerged
   *  (sources/mergedCache.ts). Asked only once every layer proves. */
  getMerged?(diffIds: readonly string[]): Promise<MergedImage | undefined>;
  putMerged?(summaries: readonly LayerSummary[], tree: MergedColumns): Promise<void>;
}

/** Layers' summaries and the tree they merge to, as the merged-tree cache stores them. */
export interface MergedImage {
  summaries: LayerSummary[];
  tree: MergedColumns;
}

/** Image configs by image ID, checked against it on read (see sources/configCache.ts). */
export interface ConfigStore {
  getConfig(imageId: string): Promise<Uint8Array | undefined>;
  putConfig(imageId: string, bytes: Uint8Array): Promise<void>;
}

export interface ImageCaches {
  summaries: SummaryCache;
  configs: ConfigStore;
}

/** A layer blob's bytes inside a local file. */
export interface BlobFile {
  path: string;
  offset: number;
  size: number;
}

/** Progress of a sequential read: bytes of one layer member as it streams past. */
export interface StreamProgress {
  /** The member's layer index in the image; absent while it cannot be told yet (a legacy save
   *  names layers by v1 ids: the diffID its bytes hash to places it when its walk ends). */
  layer?: number;
  /** The member's name in the stream: ties together the events of one member. */
  member: string;
  blobBytesRead: number;
  blobBytesTotal?: number;
  done: boolean;
}

/** What ImageSource.readAll yields: the image as the stream describes it, every layer read. */
export interface StreamedImage {
  id: string;
  config: ImageConfigInfo;
  layers: LayerInfo[];
  summaries: LayerSummary[];
  warnings: string[];
  /** The config's bytes as the stream held them (they hash to `id`), for the config cache. */
  configBytes?: Uint8Array;
  /** The merged tree of these summaries, when readCached found it in the merged-tree cache. */
  merged?: MergedColumns;
}

/** An image after every layer has been read: what the merge and the reports consume. */
export interface AnalysedImage {
  ref: string;
  id: string;
  config: ImageConfigInfo;
  layers: LayerInfo[];
  summaries: LayerSummary[];
  warnings: string[];
  /** The merged tree of these summaries, when the merged-tree cache had it: no merge needed. */
  merged?: MergedColumns;
}

/** `Dockerfile:7 RUN make`: a layer's Dockerfile line, the file by its base name. */
export function sourceText(source: { file: string; line: number; instruction: string }): string {
  return `${source.file.split(/[\\/]/).pop()}:${source.line} ${source.instruction}`;
}

export function displayPath(path: ImagePath): string {
  return `/${path}`;
}
