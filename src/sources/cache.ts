// The layer summary cache, shared by every source: reopening an image (or another image that
// shares its base layers) reads no layer blob whose summary is here.
//
// Where: `$LAYERSCOPE_CACHE_DIR` if set (tests point it at a temp dir), else
// `$XDG_CACHE_HOME/layerscope`, else `~/.cache/layerscope`. Inside, one directory per format
// version (`v4/`: changes stored by column, a content digest per regular file, the package
// databases and secrets read from contents), so a future format never misreads an old entry.
// Entries: `v4/<hex of the diffID>.json.gz`, the LayerSummary as gzip-compressed JSON. A diffID
// is the sha256 of the layer's uncompressed tar, so an entry is valid for that content wherever
// it comes from; analyseImage only stores a summary after checking it against the image config.
// Writes go to a temp file in the same directory and are renamed into place (atomic on POSIX:
// a reader sees the old entry, the new one, or none); a temp file still there when the process
// exits (an interrupted run) is removed then (tempFiles.ts). A read refreshes the entry's mtime; when
// the entries pass the size cap (default 1 GiB) the least recently used go first. An entry that
// cannot be read back (truncated, corrupt, wrong shape) is deleted and treated as a miss.
// The cache never fails an analysis: any error reading or writing it is a miss or a skipped write.
// `v4/merged/` holds the merged trees of whole chains of layers (see mergedCache.ts).
//
// A hit must be proven to belong to the bytes at hand, not only to the diffID a config claims:
// otherwise image B, whose config claims the diffID of a layer of image A, would show A's files
// once A is cached (cache poisoning). So a lookup names the layer's origin (LayerOrigin) and
// goes through a proof, `v4/proofs/<sha256 of the proof>` holding the diffID it was verified
// to have: for a local file, its identity (path, device, inode, size, mtime and ctime in ns, the
// range in it) taken before the read that computed the diffID and unchanged after it; for a blob
// with no local file (a registry's), its digest, recorded only once a read has hashed the bytes
// to it. An engine's own store needs no proof: the engine checked its layers' diffIDs itself.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { SummaryCache } from '../core/analyse.js';
import type { LayerOrigin, LayerSummary, MergedImage } from '../core/model.js';
import type { MergedColumns } from '../core/merge.js';
import { MergedCache } from './mergedCache.js';
import { LayerChanges, type LayerChangesJson } from '../core/changes.js';
import { tempNameFor, writeFileAtomic } from './tempFiles.js';
import { isLayerWarning } from '../core/warnings.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** v5: sparse files carry a content digest. */
export const CACHE_FORMAT = 'v5';
export const DEFAULT_CACHE_MAX_BYTES = 1024 * 1024 * 1024;
/** Images smaller than this merge in tens of milliseconds: their merged tree is not stored. */
export const DEFAULT_MERGED_MIN_ENTRIES = 50_000;
const ENTRY = /^([a-f0-9]{64})\.json\.gz$/;
const PROOFS = 'proofs';
const MERGED = 'merged';
const TEMP_PREFIX = '.tmp-';
/** A temp file this old was left by a process that died mid-write. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface SummaryCacheOptions {
  /** The cache root (the `v4/` directory goes inside). Default: see cacheRoot(). */
  dir?: string;
  /** Size cap for all entries together. */
  maxBytes?: number;
  /** Fewest entries (all layers together) an image has for its merged tree to be stored. */
  mergedMinEntries?: number;
}

export interface OpenedSummaryCache extends SummaryCache {
  /** The directory holding this format's entries. */
  readonly dir: string;
  proves(diffId: string, origin: LayerOrigin): Promise<boolean>;
  getMerged(diffIds: readonly string[]): Promise<MergedImage | undefined>;
  putMerged(summaries: readonly LayerSummary[], tree: MergedColumns): Promise<void>;
}

/** `$LAYERSCOPE_CACHE_DIR`, `$XDG_CACHE_HOME/layerscope` or `~/.cache/layerscope`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAYERSCOPE_CACHE_DIR) return env.LAYERSCOPE_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says relative paths are invalid and must be ignored.
  if (xdg?.startsWith('/')) return join(xdg, 'layerscope');
  return join(homedir(), '.cache', 'layerscope');
}

export function openSummaryCache(options: SummaryCacheOptions = {}): OpenedSummaryCache {
  return new FileSummaryCache(
    join(options.dir ?? cacheRoot(), CACHE_FORMAT),
    options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES,
    options.mergedMinEntries ?? DEFAULT_MERGED_MIN_ENTRIES,
  );
}

interface Entry {
  name: string;
  size: number;
  mtimeMs: number;
}

class FileSummaryCache implements OpenedSummaryCache {
  /** Bytes of entries, once known (scanned at the first write), kept current by our own writes. */
  private total: number | undefined;

  /** Identities of local files taken at a miss, before their read: put records them only if the
   *  file is still the same after it. */
  private readonly before = new Map<string, string>();

  private readonly merged: MergedCache;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly mergedMinEntries = DEFAULT_MERGED_MIN_ENTRIES,
  ) {
    this.merged = new MergedCache(join(dir, MERGED));
  }

  async get(diffId: string, origin: LayerOrigin): Promise<LayerSummary | undefined> {
    if (!(await this.proves(diffId, origin))) return undefined;
    return this.read(diffId);
  }

  async proves(diffId: string, origin: LayerOrigin): Promise<boolean> {
    if (origin.engine) return true;
    const proof = await proofOf(origin);
    if (origin.file && proof) this.before.set(fileKey(origin), proof);
    if (!proof) return false;
    const proven = await readFile(this.proofFile(proof), 'utf8').catch(() => undefined);
    return proven === diffId;
  }

  getMerged(diffIds: readonly string[]): Promise<MergedImage | undefined> {
    return this.merged.get(diffIds);
  }

  async putMerged(summaries: readonly LayerSummary[], tree: MergedColumns): Promise<void> {
    const entries = summaries.reduce((n, s) => n + s.changes.length, 0);
    if (this.maxBytes > 0 && entries >= this.mergedMinEntries) await this.merged.put(summaries, tree);
  }

  private async read(diffId: string): Promise<LayerSummary | undefined> {
    const file = this.fileOf(diffId);
    if (!file) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      return undefined;
    }
    let summary: LayerSummary | undefined;
    try {
      const parsed: unknown = JSON.parse((await gunzipAsync(bytes)).toString('utf8'));
      summary = isSummary(parsed, diffId) ? { ...parsed, changes: LayerChanges.fromJSON(parsed.changes) } : undefined;
    } catch {
      summary = undefined;
    }
    if (!summary) {
      await unlink(file).catch(() => undefined);
      if (this.total !== undefined) this.total = Math.max(0, this.total - bytes.length);
      return undefined;
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined); // least recently *used* goes first
    return summary;
  }

  async put(summary: LayerSummary, origin: LayerOrigin): Promise<void> {
    const file = this.fileOf(summary.diffId);
    if (!file || this.maxBytes <= 0) return;
    await this.store(file, summary);
    if (origin.engine) return;
    let proof = await proofOf(origin).catch(() => undefined);
    if (origin.file) {
      // The file must be the one the read started on: changed meanwhile, it proves nothing.
      const key = fileKey(origin);
      if (this.before.get(key) !== proof) proof = undefined;
      this.before.delete(key);
    }
    if (!proof) return;
    try {
      const target = this.proofFile(proof);
      await mkdir(join(this.dir, PROOFS), { recursive: true });
      await writeFileAtomic(target, summary.diffId, { mode: 0o644, temp: tempNameFor(target, TEMP_PREFIX) });
    } catch {
      // only costs speed
    }
  }

  private proofFile(proof: string): string {
    return join(this.dir, PROOFS, createHash('sha256').update(proof).digest('hex'));
  }

  private async store(file: string, summary: LayerSummary): Promise<void> {
    try {
      const bytes = await gzipAsync(Buffer.from(JSON.stringify(summary)));
      if (bytes.length > this.maxBytes) return;
      await mkdir(this.dir, { recursive: true });
      const previous = await stat(file).then(
        (s) => s.size,
        () => 0,
      );
      await writeFileAtomic(file, bytes, { mode: 0o644, temp: tempNameFor(file, TEMP_PREFIX) });
      const total = this.total === undefined ? (await this.scan()).reduce((n, e) => n + e.size, 0) : this.total + bytes.length - previous;
      this.total = total;
      if (total > this.maxBytes) await this.evict(file);
    } catch {
      // A cache that cannot be written (read-only home, full disk) only costs speed.
    }
  }

  /** Removes least recently used entries until the rest fit in 90% of the cap (spares `keep`). */
  private async evict(keep: string): Promise<void> {
    const entries = (await this.scan()).sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
    let total = entries.reduce((n, e) => n + e.size, 0);
    const target = Math.floor(this.maxBytes * 0.9);
    for (const entry of entries) {
      if (total <= target) break;
      const path = join(this.dir, entry.name);
      if (path === keep) continue;
      try {
        await unlink(path);
        total -= entry.size;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') total -= entry.size; // another process got there first
      }
    }
    this.total = total;
  }

  /** Entries with sizes and mtimes; stale temp files are removed on the way. */
  private async scan(): Promise<Entry[]> {
    const entries: Entry[] = [];
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return entries;
    }
    const now = Date.now();
    for (const name of names) {
      const path = join(this.dir, name);
      const isEntry = ENTRY.test(name);
      if (!isEntry && !name.startsWith(TEMP_PREFIX)) continue;
      try {
        const s = await stat(path);
        if (isEntry) entries.push({ name, size: s.size, mtimeMs: s.mtimeMs });
        else if (now - s.mtimeMs > STALE_TEMP_MS) await unlink(path);
      } catch {
        // vanished meanwhile
      }
    }
    return entries;
  }

  private fileOf(diffId: string): string | undefined {
    const m = /^sha256:([a-f0-9]{64})$/.exec(diffId);
    return m ? join(this.dir, `${m[1]}.json.gz`) : undefined;
  }
}

/** A stored summary: the LayerSummary with its changes in their column form (changes.ts). */
type StoredSummary = Omit<LayerSummary, 'changes'> & { changes: LayerChangesJson };

/** The shape analyseImage and the merge rely on; anything else is treated as corrupt (the
 *  columns themselves are checked by LayerChanges.fromJSON, which throws on a mismatch). */
function isSummary(value: unknown, diffId: string): value is StoredSummary {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    s.diffId === diffId &&
    (s.compression === 'none' || s.compression === 'gzip' || s.compression === 'zstd') &&
    Number.isSafeInteger(s.blobBytes) &&
    Number.isSafeInteger(s.tarBytes) &&
    Number.isSafeInteger(s.sizeBytes) &&
    isChanges(s.changes) &&
    Array.isArray(s.warnings) &&
    s.warnings.every(isLayerWarning) &&
    isContents(s.contents)
  );
}

/** Package databases and secrets read with the contents (absent: a summary made without reading them). */
function isContents(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.scanMaxBytes === 'number' &&
    Number.isSafeInteger(c.scanMaxBytes) &&
    c.scanMaxBytes > 0 &&
    Array.isArray(c.packages) &&
    c.packages.every((p) => typeof p === 'object' && p !== null && typeof (p as { kind?: unknown }).kind === 'string') &&
    Array.isArray(c.secrets) &&
    c.secrets.every((s) => typeof s === 'object' && s !== null && typeof (s as { path?: unknown }).path === 'string')
  );
}

function isChanges(value: unknown): value is LayerChangesJson {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const columns = ['ops', 'types', 'sizes', 'modes', 'uids', 'gids', 'mtimes', 'digests'];
  return (
    Number.isSafeInteger(c.length) &&
    Array.isArray(c.paths) &&
    c.paths.every((p) => typeof p === 'string') &&
    columns.every((k) => typeof c[k] === 'string') &&
    Array.isArray(c.extras)
  );
}

function fileKey(origin: LayerOrigin): string {
  const f = origin.file!;
  return `${f.path}\0${f.offset}\0${f.size}`;
}

/** The proof string of an origin: a local file's identity now, or a blob digest. */
async function proofOf(origin: LayerOrigin): Promise<string | undefined> {
  if (origin.file) {
    const f = origin.file;
    const s = await stat(f.path, { bigint: true }).catch(() => undefined);
    if (!s?.isFile()) return undefined;
    return ['file', f.path, s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs, f.offset, f.size].join('\0');
  }
  if (origin.blobDigest && /^sha256:[a-f0-9]{64}$/.test(origin.blobDigest)) return `blob\0${origin.blobDigest}`;
  return undefined;
}
