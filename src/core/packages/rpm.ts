// RPM's database as Fedora, RHEL 9+ and openSUSE keep it: an SQLite file (`rpmdb.sqlite`) whose
// `Packages` table holds one header blob per package. A header blob is `il` (index entries),
// `dl` (data bytes), `il` 16-byte entries {tag, type, offset, count} (big-endian) and the data.
// Read with node:sqlite from memory: nothing is written to disk.
import type { PackageRecord } from './types.js';

export const RPMDB_PATHS = ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'];

const TAG_NAME = 1000;
const TAG_VERSION = 1001;
const TAG_RELEASE = 1002;
const TAG_EPOCH = 1003;
const TAG_ARCH = 1022;
const TAG_OLDFILENAMES = 1027;
const TAG_DIRINDEXES = 1116;
const TAG_BASENAMES = 1117;
const TAG_DIRNAMES = 1118;
const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;
/** More index entries than any real header has (a few hundred tags): a corrupt blob. */
const MAX_ENTRIES = 100_000;

/** One header blob as stored in rpmdb.sqlite (no leading magic). Throws on a malformed blob. */
export function parseRpmHeader(blob: Uint8Array): PackageRecord {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 8) throw new Error('header blob too short');
  const il = buf.readUInt32BE(0);
  const dl = buf.readUInt32BE(4);
  const dataStart = 8 + il * 16;
  if (il > MAX_ENTRIES || dataStart + dl > buf.length) throw new Error('header blob sizes do not match its length');
  const data = buf.subarray(dataStart, dataStart + dl);
  const strings = (offset: number, count: number): string[] => {
    const out: string[] = [];
    let at = offset;
    for (let i = 0; i < count; i++) {
      const end = data.indexOf(0, at);
      if (end < 0) throw new Error('unterminated string in header blob');
      out.push(data.toString('utf8', at, end));
      at = end + 1;
    }
    return out;
  };
  const ints = (offset: number, count: number): number[] => {
    if (offset + count * 4 > data.length) throw new Error('integer array past the header data');
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(data.readInt32BE(offset + i * 4));
    return out;
  };
  const tags = new Map<number, { type: number; offset: number; count: number }>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const offset = buf.readUInt32BE(at + 8);
    if (offset > dl) throw new Error('header entry points past the data');
    tags.set(buf.readUInt32BE(at), { type: buf.readUInt32BE(at + 4), offset, count: buf.readUInt32BE(at + 12) });
  }
  const str = (tag: number): string | undefined => {
    const t = tags.get(tag);
    return t && (t.type === TYPE_STRING || t.type === TYPE_I18NSTRING) ? strings(t.offset, 1)[0] : undefined;
  };
  const strArray = (tag: number): string[] => {
    const t = tags.get(tag);
    return t && t.type === TYPE_STRING_ARRAY ? strings(t.offset, t.count) : [];
  };
  const intArray = (tag: number): number[] => {
    const t = tags.get(tag);
    return t && t.type === TYPE_INT32 ? ints(t.offset, t.count) : [];
  };
  const name = str(TAG_NAME) ?? '';
  const epoch = intArray(TAG_EPOCH)[0];
  const version = [epoch ? `${epoch}:` : '', str(TAG_VERSION) ?? '', str(TAG_RELEASE) ? `-${str(TAG_RELEASE)}` : ''].join('');
  const arch = str(TAG_ARCH);
  let files: string[];
  const basenames = strArray(TAG_BASENAMES);
  if (basenames.length > 0) {
    const dirnames = strArray(TAG_DIRNAMES);
    const dirindexes = intArray(TAG_DIRINDEXES);
    files = basenames.map((base, i) => `${dirnames[dirindexes[i] ?? -1] ?? ''}${base}`);
  } else files = strArray(TAG_OLDFILENAMES);
  return {
    name,
    version,
    ...(arch ? { arch } : {}),
    files: files.map((f) => f.replace(/^\/+/, '').replace(/\/+$/, '')).filter((f) => f !== ''),
  };
}

/** Every package of an rpmdb.sqlite file's bytes. Throws when it is no such database. */
export function parseRpmdb(bytes: Uint8Array): PackageRecord[] {
  // Loaded on first use: only images with an RPM database need it.
  const sqlite = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite') | undefined;
  if (!sqlite) throw new Error('this Node.js has no node:sqlite; Node 22.13 or later reads RPM databases');
  const { DatabaseSync } = sqlite;
  const db = new DatabaseSync(':memory:');
  try {
    db.deserialize(bytes);
    const out: PackageRecord[] = [];
    for (const row of db.prepare('SELECT blob FROM Packages ORDER BY hnum').iterate()) {
      const blob = (row as { blob?: unknown }).blob;
      if (!(blob instanceof Uint8Array)) continue;
      const pkg = parseRpmHeader(blob);
      // gpg-pubkey pseudo-packages own no files.
      if (pkg.name && pkg.name !== 'gpg-pubkey') out.push(pkg);
    }
    return out;
  } finally {
    db.close();
  }
}

/** A header blob for `pkg` (the inverse of parseRpmHeader): used to build test databases. */
export function encodeRpmHeader(pkg: { name: string; version: string; release: string; arch: string; files: string[] }): Buffer {
  const entries: Array<{ tag: number; type: number; data: Buffer; count: number; align: number }> = [];
  const strz = (s: string[]) => Buffer.concat(s.map((x) => Buffer.from(`${x}\0`, 'utf8')));
  const int32 = (n: number[]) => {
    const b = Buffer.alloc(n.length * 4);
    n.forEach((v, i) => {
      b.writeInt32BE(v, i * 4);
    });
    return b;
  };
  const dirs = [...new Set(pkg.files.map((f) => f.slice(0, f.lastIndexOf('/') + 1)))];
  entries.push({ tag: TAG_NAME, type: TYPE_STRING, data: strz([pkg.name]), count: 1, align: 1 });
  entries.push({ tag: TAG_VERSION, type: TYPE_STRING, data: strz([pkg.version]), count: 1, align: 1 });
  entries.push({ tag: TAG_RELEASE, type: TYPE_STRING, data: strz([pkg.release]), count: 1, align: 1 });
  entries.push({ tag: TAG_ARCH, type: TYPE_STRING, data: strz([pkg.arch]), count: 1, align: 1 });
  entries.push({
    tag: TAG_DIRINDEXES,
    type: TYPE_INT32,
    data: int32(pkg.files.map((f) => dirs.indexOf(f.slice(0, f.lastIndexOf('/') + 1)))),
    count: pkg.files.length,
    align: 4,
  });
  entries.push({
    tag: TAG_BASENAMES,
    type: TYPE_STRING_ARRAY,
    data: strz(pkg.files.map((f) => f.slice(f.lastIndexOf('/') + 1))),
    count: pkg.files.length,
    align: 1,
  });
  entries.push({ tag: TAG_DIRNAMES, type: TYPE_STRING_ARRAY, data: strz(dirs), count: dirs.length, align: 1 });
  const parts: Buffer[] = [];
  const index = Buffer.alloc(entries.length * 16);
  let size = 0;
  entries.forEach((e, i) => {
    const pad = (e.align - (size % e.align)) % e.align;
    if (pad) parts.push(Buffer.alloc(pad));
    size += pad;
    index.writeUInt32BE(e.tag, i * 16);
    index.writeUInt32BE(e.type, i * 16 + 4);
    index.writeUInt32BE(size, i * 16 + 8);
    index.writeUInt32BE(e.count, i * 16 + 12);
    parts.push(e.data);
    size += e.data.length;
  });
  const head = Buffer.alloc(8);
  head.writeUInt32BE(entries.length, 0);
  head.writeUInt32BE(size, 4);
  return Buffer.concat([head, index, ...parts]);
}
