// The merged-tree cache: an image reopened from the summary cache would otherwise merge its
// layers again (seconds at a million files). Next to the summaries (sources/cache.ts), one file
// per chain of layers holds those layers' summaries and their merged tree as raw columns, read
// back with no parsing of a million JSON strings and no merge.
//
// Where: `v4/merged/<key>.bin` in the summary cache's directory. The key is the sha256 of this
// format's version, of the merge's and the summary columns' own code (dist/src/core/merge.js and
// changes.js: any change to how layers merge makes a new key, never a stale tree) and of the
// ordered layer diffIDs. A stored file repeats the diffIDs; each is checked on read, and so is
// every column's length and every id in it (MergedTree.restore): a file that does not fit is a
// miss. A hit is only asked for once every layer's own proof holds (cache.ts: the same bytes, not
// a config's claim), as for a summary hit. Writes are atomic (temp file + rename); the
// MAX_MERGED most recently used files are kept, older ones removed on the next write.
//
// File: "LSMERGE1", a u32 header length, the JSON header (summaries without their columns, the
// tree's counts, paths and warnings, each column's kind and length), then the columns, each at a
// multiple of 8 bytes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { LayerChanges, type LayerChangesTransfer } from '../core/changes.js';
import type { MergedColumns } from '../core/merge.js';
import type { LayerSummary, MergedImage } from '../core/model.js';
import { tempNameFor, writeFileAtomic } from './tempFiles.js';

const MAGIC = Buffer.from('LSMERGE1', 'latin1');
/** 2: the path table is at most 0.6 full (it was at most half). */
const FORMAT = 2;
/** Merged trees kept (least recently used go first). */
export const MAX_MERGED = 4;
const TEMP_PREFIX = '.tmp-';
const ENTRY = /^[a-f0-9]{64}\.bin$/;

type Column =
  | Uint8Array<ArrayBuffer>
  | Uint16Array<ArrayBuffer>
  | Uint32Array<ArrayBuffer>
  | Int32Array<ArrayBuffer>
  | Float64Array<ArrayBuffer>;
const KINDS = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i32: Int32Array, f64: Float64Array } as const;
type Kind = keyof typeof KINDS;

function kindOf(a: Column): Kind {
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Int32Array) return 'i32';
  return 'f64';
}

const CHANGE_COLUMNS = ['pathBytes', 'pathEnds', 'ops', 'types', 'sizes', 'modes', 'uids', 'gids', 'mtimes', 'digests'] as const;
const TREE_COLUMNS = [
  'impliedIds',
  'parent',
  'firstChild',
  'nextSibling',
  'firstEvent',
  'evLayer',
  'evKind',
  'evCause',
  'evEntry',
  'evNext',
  'slots',
  'hashes',
] as const;

interface Header {
  format: number;
  diffIds: string[];
  summaries: Array<
    Omit<LayerSummary, 'changes'> & { changes: { length: number; byteNames: boolean; extras: LayerChangesTransfer['extras'] } }
  >;
  tree: { nodeCount: number; eventCount: number; impliedPaths: string[]; warnings: MergedColumns['warnings'] };
  columns: Array<[Kind, number]>;
}

let codeHash: string | undefined;
/** The merge's and the columns' compiled code: what a stored tree was made by. */
function mergeCode(): string {
  codeHash ??= createHash('sha256')
    .update(readFileSync(new URL('../core/merge.js', import.meta.url)))
    .update(readFileSync(new URL('../core/changes.js', import.meta.url)))
    .digest('hex');
  return codeHash;
}

export class MergedCache {
  constructor(readonly dir: string) {}

  private fileOf(diffIds: readonly string[]): string {
    const key = createHash('sha256')
      .update(`${FORMAT}\0${mergeCode()}\0${diffIds.join('\0')}`)
      .digest('hex');
    return join(this.dir, `${key}.bin`);
  }

  async get(diffIds: readonly string[]): Promise<MergedImage | undefined> {
    const file = this.fileOf(diffIds);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch {
      return undefined;
    }
    try {
      const image = await decode(handle, diffIds);
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined);
      return image;
    } catch {
      await unlink(file).catch(() => undefined);
      return undefined;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async put(summaries: readonly LayerSummary[], tree: MergedColumns): Promise<void> {
    try {
      const diffIds = summaries.map((s) => s.diffId);
      const file = this.fileOf(diffIds);
      const bytes = encode(summaries, tree);
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(file, bytes, { mode: 0o644, temp: tempNameFor(file, TEMP_PREFIX) });
      await this.evict(file);
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }

  private async evict(keep: string): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => ENTRY.test(n));
    if (names.length <= MAX_MERGED) return;
    const entries = await Promise.all(
      names.map(async (name) => ({
        path: join(this.dir, name),
        mtimeMs: (await stat(join(this.dir, name)).catch(() => undefined))?.mtimeMs ?? 0,
      })),
    );
    entries.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const e of entries.slice(MAX_MERGED)) if (e.path !== keep) await unlink(e.path).catch(() => undefined);
  }
}

function encode(summaries: readonly LayerSummary[], tree: MergedColumns): Buffer {
  const columns: Column[] = [];
  const header: Header = {
    format: FORMAT,
    diffIds: summaries.map((s) => s.diffId),
    summaries: summaries.map((s) => {
      const t = s.changes.toTransfer();
      for (const k of CHANGE_COLUMNS) columns.push(t[k]);
      return { ...s, changes: { length: t.length, byteNames: t.byteNames, extras: t.extras } };
    }),
    tree: { nodeCount: tree.nodeCount, eventCount: tree.eventCount, impliedPaths: tree.impliedPaths, warnings: tree.warnings },
    columns: [],
  };
  for (const k of TREE_COLUMNS) columns.push(tree[k]);
  columns.push(...tree.touchedBy, ...tree.nodeOfChange);
  header.columns = columns.map((c) => [kindOf(c), c.length]);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const parts: Buffer[] = [MAGIC, u32(json.length), json];
  let at = MAGIC.length + 4 + json.length;
  const pad = () => {
    const gap = (8 - (at % 8)) % 8;
    if (gap > 0) parts.push(Buffer.alloc(gap));
    at += gap;
  };
  pad();
  for (const c of columns) {
    parts.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    at += c.byteLength;
    pad();
  }
  return Buffer.concat(parts, at);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** Reads exactly `into.byteLength` bytes at `position`. */
async function readAt(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.byteLength; ) {
    const { bytesRead } = await handle.read(into, done, into.byteLength - done, position + done);
    if (bytesRead === 0) throw new Error('truncated');
    done += bytesRead;
  }
}

async function decode(handle: FileHandle, diffIds: readonly string[]): Promise<MergedImage> {
  const head = Buffer.alloc(12);
  await readAt(handle, head, 0);
  if (!head.subarray(0, 8).equals(MAGIC)) throw new Error('not a merged tree file');
  const jsonLength = head.readUInt32LE(8);
  const json = Buffer.alloc(jsonLength);
  await readAt(handle, json, 12);
  const header = JSON.parse(json.toString('utf8')) as Header;
  if (header.format !== FORMAT || header.diffIds.length !== diffIds.length || header.diffIds.some((d, i) => d !== diffIds[i]))
    throw new Error('another chain of layers');
  if (header.summaries.length !== diffIds.length || !Array.isArray(header.columns)) throw new Error('corrupt');
  const size = (await handle.stat()).size;
  // Each column is read straight into its own array: no copy of the whole file is held.
  let at = 12 + jsonLength;
  let next = 0;
  const reads: Promise<void>[] = [];
  const column = (): Column => {
    at += (8 - (at % 8)) % 8;
    const spec = header.columns[next++];
    const Ctor = spec ? KINDS[spec[0]] : undefined;
    if (!spec || !Ctor || !Number.isSafeInteger(spec[1]) || spec[1] < 0) throw new Error('corrupt column');
    const length = spec[1] * Ctor.BYTES_PER_ELEMENT;
    if (at + length > size) throw new Error('truncated');
    const out = new Ctor(spec[1]);
    reads.push(readAt(handle, new Uint8Array(out.buffer), at));
    at += length;
    return out;
  };
  const changeColumns = header.summaries.map(
    () => Object.fromEntries(CHANGE_COLUMNS.map((k) => [k, column()])) as Pick<LayerChangesTransfer, (typeof CHANGE_COLUMNS)[number]>,
  );
  const t = Object.fromEntries(TREE_COLUMNS.map((k) => [k, column()])) as unknown as Pick<MergedColumns, (typeof TREE_COLUMNS)[number]>;
  const touchedBy = header.summaries.map(() => column() as Int32Array<ArrayBuffer>);
  const nodeOfChange = header.summaries.map(() => column() as Int32Array<ArrayBuffer>);
  await Promise.all(reads);
  const summaries: LayerSummary[] = header.summaries.map((s, i) => {
    if (s.diffId !== diffIds[i]) throw new Error('corrupt');
    const cols = changeColumns[i]!;
    const n = s.changes.length;
    const per = { ops: 1, types: 1, sizes: 1, modes: 1, uids: 1, gids: 1, mtimes: 1, pathEnds: 1, digests: 16 } as const;
    for (const [k, m] of Object.entries(per)) if (cols[k as keyof typeof per].length !== n * m) throw new Error('corrupt column');
    if (n > 0 && cols.pathEnds[n - 1] !== cols.pathBytes.length) throw new Error('corrupt paths');
    const changes = LayerChanges.packed({ ...cols, length: n, byteNames: s.changes.byteNames, extras: s.changes.extras });
    return { ...s, changes };
  });
  return {
    summaries,
    tree: {
      ...t,
      nodeCount: header.tree.nodeCount,
      eventCount: header.tree.eventCount,
      impliedPaths: header.tree.impliedPaths,
      warnings: header.tree.warnings,
      touchedBy,
      nodeOfChange,
    },
  };
}
