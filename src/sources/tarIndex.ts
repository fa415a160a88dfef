// Indexes an outer tar file (a `docker save` archive, an OCI layout tar) by reading only its
// 512-byte headers: layer blobs can be gigabytes and are streamed later straight from their
// offset, never extracted. Parsed here rather than with a streaming tar reader because we need
// random access to the members, and the headers are all we read.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import type { BlobFile } from '../core/model.js';
import { FileSet, fileOpenError, normaliseArchiveName } from './fileSet.js';

const BLOCK = 512;
/** Members indexed at most: a docker save holds a few per layer, an OCI layout one per blob. */
const MAX_MEMBERS = 1_000_000;
/** Longest member name kept (PATH_MAX). */
const MAX_MEMBER_NAME = 4096;
/** Symlink chains longer than this are loops (Linux stops at 40 too). */
const MAX_LINK_HOPS = 40;

export interface TarEntry {
  /** Byte offset of the member's data in the tar file. */
  offset: number;
  size: number;
}

export class TarFile extends FileSet {
  constructor(
    location: string,
    private readonly handle: FileHandle,
    /** Regular files by normalised name; hard and symbolic links appear under their own name too. */
    readonly entries: Map<string, TarEntry>,
  ) {
    super(location);
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  size(name: string): number | undefined {
    return this.lookup(name)?.size;
  }

  lookup(name: string): TarEntry | undefined {
    const key = normaliseArchiveName(name);
    return key === undefined ? undefined : this.entries.get(key);
  }

  override blobFile(name: string): BlobFile | undefined {
    const entry = this.lookup(name);
    return entry === undefined ? undefined : { path: this.location, offset: entry.offset, size: entry.size };
  }

  protected async readAll(name: string): Promise<Buffer> {
    const entry = this.lookup(name)!;
    const buf = Buffer.alloc(entry.size);
    await readFully(this.handle, buf, entry.offset, this.location);
    return buf;
  }

  protected openStream(name: string, size: number): Readable {
    const entry = this.lookup(name)!;
    // A descriptor of its own per stream, closed when the stream ends or is destroyed: a shared
    // FileHandle would collect one 'close' listener per stream (a leak warning past ten layers).
    return createReadStream(this.location, { start: entry.offset, end: entry.offset + size - 1 });
  }

  protected release(): Promise<void> {
    return this.handle.close();
  }
}

/** Opens and indexes a tar file. Truncated or corrupt archives are an InputError naming the file. */
export async function openTarFile(path: string): Promise<TarFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw fileOpenError(path, e);
  }
  try {
    const entries = await indexTar(handle, path);
    return new TarFile(path, handle, entries);
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** True when `block` is a plausible tar header (valid checksum). Used to sniff files. */
export function isTarHeader(block: Uint8Array): boolean {
  return block.length >= BLOCK && !isZeroBlock(block) && checksumOk(block);
}

/** What the headers seen so far say about the next member (GNU long names, PAX records). */
interface Pending {
  longName?: string;
  longLink?: string;
  pax: Record<string, string>;
}

/** Types whose data describes the next member instead of being a member. */
const METADATA_TYPES = new Set(['L', 'K', 'x', 'g']);
const REGULAR_TYPES = new Set(['0', '\0', '7']);

async function indexTar(handle: FileHandle, path: string): Promise<Map<string, TarEntry>> {
  const scanner = new TarScanner(handle, path, (await handle.stat()).size);
  await scanner.scan();
  resolveLinks(scanner.entries, scanner.links);
  return scanner.entries;
}

/** One pass over the headers, seeking past member data. */
class TarScanner {
  readonly entries = new Map<string, TarEntry>();
  /** Hard and symbolic links → the normalised name they point at (symlinks resolved against their
   *  directory); undefined when the target would leave the archive. */
  readonly links = new Map<string, string | undefined>();
  private pending: Pending = { pax: {} };
  private members = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
    private readonly fileSize: number,
  ) {}

  async scan(): Promise<void> {
    const header = Buffer.alloc(BLOCK);
    // A missing end-of-archive marker is tolerated (GNU tar does too); a cut header is not.
    for (let pos = 0; pos < this.fileSize; ) {
      if (pos + BLOCK > this.fileSize) throw this.truncated(pos + BLOCK);
      await readFully(this.handle, header, pos, this.path);
      if (isZeroBlock(header)) return;
      if (!checksumOk(header)) {
        throw new InputError(
          pos === 0 ? `${this.path} is not a tar archive` : `${this.path} is corrupt: bad tar header checksum at offset ${pos}`,
        );
      }
      const h = decodeHeader(header, this.path, pos);
      const size = METADATA_TYPES.has(h.type) ? h.size : (parsePaxSize(this.pending.pax, this.path, pos) ?? h.size);
      const dataStart = pos + BLOCK;
      if (dataStart + size > this.fileSize) throw this.truncated(dataStart + size, h.name);
      await this.member(h, dataStart, size);
      pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    }
  }

  /** Records one member, or the metadata it carries for the next one. */
  private async member(h: RawHeader, dataStart: number, size: number): Promise<void> {
    const data = () => readData(this.handle, this.path, dataStart, size);
    switch (h.type) {
      case 'L':
        this.pending.longName = cString(await data());
        return;
      case 'K':
        this.pending.longLink = cString(await data());
        return;
      case 'x':
        Object.assign(this.pending.pax, parsePax(await data(), this.path, dataStart));
        return;
      case 'g':
        // Global PAX headers carry defaults such as mtime or charset, never a member's name.
        return;
    }
    const { pax, longName, longLink } = this.pending;
    this.pending = { pax: {} };
    const raw = pax.path ?? longName ?? h.name;
    // Image archives name their members in a few dozen characters (`blobs/sha256/<hex>`); a
    // name longer than any path can be is never one of them, and is not kept.
    if (raw.length > MAX_MEMBER_NAME) return;
    const name = normaliseArchiveName(raw);
    if (name === undefined || name === '') return;
    if (++this.members > MAX_MEMBERS) {
      throw new InputError(`${this.path} has more than ${MAX_MEMBERS} members; no image archive has that many`);
    }
    const linkname = pax.linkpath ?? longLink ?? h.linkname;
    // A later member with the same name replaces an earlier one, as when extracting.
    this.entries.delete(name);
    this.links.delete(name);
    if (REGULAR_TYPES.has(h.type)) this.entries.set(name, { offset: dataStart, size });
    else if (h.type === '1') this.links.set(name, normaliseArchiveName(linkname));
    else if (h.type === '2') this.links.set(name, symlinkTarget(name, linkname));
  }

  private truncated(needed: number, member?: string): InputError {
    const what = member ? `member ${member} needs` : 'the next header needs';
    return new InputError(`${this.path} is truncated: ${what} ${needed} bytes but the file has ${this.fileSize}`);
  }
}

/** Symlinks are relative to their own directory (`../<id>/layer.tar` in legacy docker save). */
function symlinkTarget(name: string, target: string): string | undefined {
  if (target.startsWith('/')) return normaliseArchiveName(target);
  const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '';
  return normaliseArchiveName(dir === '' ? target : `${dir}/${target}`);
}

/** Makes every link that leads to a regular file an entry with that file's data. */
function resolveLinks(entries: Map<string, TarEntry>, links: Map<string, string | undefined>): void {
  for (const [name, first] of links) {
    let target = first;
    for (let hops = 0; target !== undefined && hops < MAX_LINK_HOPS; hops++) {
      const entry = entries.get(target);
      if (entry) {
        entries.set(name, entry);
        break;
      }
      target = links.get(target);
    }
  }
}

interface RawHeader {
  name: string;
  linkname: string;
  size: number;
  type: string;
}

function decodeHeader(block: Buffer, path: string, pos: number): RawHeader {
  const size = parseNumeric(block, 124, 12);
  if (size === undefined) throw new InputError(`${path} is corrupt: bad size field in the tar header at offset ${pos}`);
  const magic = block.toString('latin1', 257, 263);
  let name = cString(block.subarray(0, 100));
  // Only POSIX ustar has a prefix field; old GNU tar keeps access/change times there.
  if (magic === 'ustar\0') {
    const prefix = cString(block.subarray(345, 500));
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return {
    name,
    linkname: cString(block.subarray(157, 257)),
    size,
    type: String.fromCharCode(block[156]!),
  };
}

/** Octal ASCII, or GNU base-256 (high bit set) for sizes of 8 GiB and more. */
function parseNumeric(block: Buffer, offset: number, length: number): number | undefined {
  const first = block[offset]!;
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative: never a valid size
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + block[offset + i]!;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = block
    .toString('latin1', offset, offset + length)
    .replace(/\0.*$/s, '')
    .trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

function checksumOk(block: Uint8Array): boolean {
  const stored = parseNumeric(Buffer.from(block.buffer, block.byteOffset, BLOCK), 148, 8);
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some historic writers summed signed chars; both are accepted by GNU tar.
  return stored === unsigned || stored === signed;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end === -1 ? buf.length : end);
}

/** PAX extended header records: `<length> <key>=<value>\n`, length counting the whole record. */
function parsePax(data: Buffer, path: string, offset: number): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // padding some writers leave
    const space = data.indexOf(0x20, pos);
    const length = space === -1 ? NaN : Number(data.toString('latin1', pos, space));
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length) {
      throw new InputError(`${path} is corrupt: bad PAX header record at offset ${offset + pos}`);
    }
    const record = data.toString('utf8', space + 1, pos + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}

function parsePaxSize(pax: Record<string, string>, path: string, pos: number): number | undefined {
  if (pax.size === undefined) return undefined;
  if (!/^\d+$/.test(pax.size) || !Number.isSafeInteger(Number(pax.size))) {
    throw new InputError(`${path} is corrupt: bad PAX size "${pax.size}" for the member at offset ${pos}`);
  }
  return Number(pax.size);
}

async function readData(handle: FileHandle, path: string, offset: number, size: number): Promise<Buffer> {
  if (size > 1024 * 1024) {
    throw new InputError(`${path} is corrupt: a ${size}-byte tar metadata header at offset ${offset}`);
  }
  const buf = Buffer.alloc(size);
  await readFully(handle, buf, offset, path);
  return buf;
}

async function readFully(handle: FileHandle, buf: Buffer, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await handle.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw new InputError(`${path} is truncated: it ends at offset ${position + done}`);
    done += bytesRead;
  }
}
