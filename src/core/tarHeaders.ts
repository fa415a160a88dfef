// A header-only streaming tar reader for the layer walk's hot path. tar-stream (the reference
// this is tested against, see test/core/tarHeaders.test.ts) builds a stream, a header object
// and several buffer views for every entry; a million-file layer spends most of its time there.
// Here one reused header record is filled per entry and content bytes are skipped by counting.
// Errors are TarFormatErrors whose messages say what is wrong and where (offsets in the
// uncompressed tar); walk.ts words them for the user.
//
// Formats: ustar (with the POSIX prefix field), GNU (long names 'L' / 'K', base-256 sizes),
// PAX extended ('x') and global ('g') headers, v7. Checksums are verified.

import { decodeNameBytes } from './paths.js';

export interface TarHeader {
  /** The name as bytes in a latin1 string (one char a byte), or from PAX (then `paxName`). */
  name: string;
  /** True when name came from a PAX record (already UTF-8 decoded). */
  paxName: boolean;
  linkname: string;
  paxLinkname: boolean;
  /** Tar type flag character ('0', '5', …). */
  typeflag: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

const BLOCK = 512;
/** Largest PAX header or GNU long name/link record read: real ones are a few hundred bytes (a
 *  path is at most PATH_MAX, 4 KiB, on Linux; xattr values at most 64 KiB). Anything larger is
 *  refused before it is buffered, so a hostile layer cannot make us hold a 50 MB "name". */
export const MAX_METADATA_RECORD = 1024 * 1024;
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
const latin1 = (buf: Uint8Array, start: number, end: number): string => {
  let stop = start;
  while (stop < end && buf[stop] !== 0) stop++;
  return Buffer.prototype.latin1Slice.call(buf, start, stop) as string;
};

function parseNumber(buf: Uint8Array, start: number, length: number): number {
  // GNU base-256: high bit of the first byte set.
  if (buf[start]! & 0x80) {
    let value = buf[start]! & 0x3f;
    const negative = (buf[start]! & 0x40) !== 0;
    for (let i = 1; i < length; i++) value = value * 256 + buf[start + i]!;
    return negative ? -value : value;
  }
  let value = 0;
  let i = start;
  const end = start + length;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return NaN;
    value = value * 8 + (c - 0x30);
  }
  return value;
}

function checksumOk(buf: Uint8Array, at: number): boolean {
  const stored = parseNumber(buf, at + 148, 8);
  // The checksum field itself counts as eight spaces.
  let unsigned = 8 * 0x20;
  for (let i = at; i < at + 148; i++) unsigned += buf[i]!;
  for (let i = at + 156; i < at + BLOCK; i++) unsigned += buf[i]!;
  if (stored === unsigned) return true;
  // Some old writers summed signed bytes.
  let signed = unsigned;
  for (let i = at; i < at + BLOCK; i++) if ((i < at + 148 || i >= at + 156) && buf[i]! > 127) signed -= 256;
  return stored === signed;
}

function isZeroBlock(buf: Uint8Array, at: number): boolean {
  for (let i = 0; i < BLOCK; i++) if (buf[at + i] !== 0) return false;
  return true;
}

/** PAX records: "<len> <key>=<value>\n", UTF-8. */
function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number.parseInt(data.toString('latin1', at, space), 10);
    if (!(len > 0) || at + len > data.length) break;
    const record = data.toString('utf8', space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

type State = 'header' | 'skip' | 'meta' | 'done';

export class TarHeaderReader {
  private readonly header: TarHeader = {
    name: '',
    paxName: false,
    linkname: '',
    paxLinkname: false,
    typeflag: '0',
    size: 0,
    mode: 0,
    uid: 0,
    gid: 0,
    mtime: 0,
  };
  private state: State = 'header';
  /** Bytes still to skip (content + padding) or to collect (meta records). */
  private remaining = 0;
  private metaType = '';
  private metaSize = 0;
  private metaChunks: Buffer[] = [];
  private pending: Buffer | undefined;
  private pax: Map<string, string> | undefined;
  private globalPax: Map<string, string> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  private zeroBlocks = 0;
  /** Bytes pushed so far: offsets in messages are positions in the uncompressed tar. */
  private fed = 0;
  /** The entry whose content is being skipped, for the message when the data ends inside it. */
  private currentName = '';
  private currentPaxName = false;
  private currentSize = 0;
  private currentOffset = 0;

  /** Content bytes of the current entry still to pass to `content` (the rest of `remaining` is padding). */
  private contentLeft = 0;
  private streaming = false;

  /** `onEntry` returns true to receive the entry's content (regular files only): `content.data`
   *  gets its bytes in order, as views of the pushed chunks (valid during the call), then
   *  `content.end` once the last byte has passed. Entries it declines are skipped by counting. */
  constructor(
    private readonly onEntry: (header: Readonly<TarHeader>) => unknown,
    private readonly content?: { data(bytes: Buffer): void; end(): void },
  ) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    let at = 0;
    /** Stream offset of buf[0]. */
    const base = this.fed - (this.pending?.length ?? 0);
    this.fed += chunk.length;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    while (at < buf.length) {
      if (this.state === 'done') return;
      if (this.state === 'skip') {
        const n = Math.min(this.remaining, buf.length - at);
        if (this.streaming) this.stream(buf, at, n);
        this.remaining -= n;
        at += n;
        if (this.remaining === 0) this.state = 'header';
        continue;
      }
      if (this.state === 'meta') {
        const n = Math.min(this.remaining, buf.length - at);
        this.metaChunks.push(buf.subarray(at, at + n));
        this.remaining -= n;
        at += n;
        if (this.remaining === 0) this.finishMeta();
        continue;
      }
      if (buf.length - at < BLOCK) {
        this.pending = Buffer.from(buf.subarray(at));
        return;
      }
      this.readHeader(buf, at, base + at);
      at += BLOCK;
    }
  }

  /** The stream ended: anything but a clean entry boundary is a truncated archive. */
  end(): void {
    if (this.state === 'done') return;
    if (this.state === 'skip') {
      const display = this.currentPaxName ? this.currentName : decodeNameBytes(this.currentName);
      const quoted = JSON.stringify(display.length > 200 ? `${display.slice(0, 200)}…` : display);
      throw new TarFormatError(
        `Unexpected end of data: entry ${quoted} at offset ${this.currentOffset} declares ${this.currentSize} bytes, more than the layer holds`,
      );
    }
    if (this.pending || this.state !== 'header') throw new TarFormatError('Unexpected end of data: the tar ends inside a header');
  }

  private readHeader(buf: Buffer, at: number, offset: number): void {
    if (isZeroBlock(buf, at)) {
      // Two zero blocks end the archive; engines pad after them.
      if (++this.zeroBlocks >= 2) this.state = 'done';
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumOk(buf, at)) throw new TarFormatError(`bad header checksum at offset ${offset}`);
    let typeflag = buf[at + 156] === 0 ? '0' : String.fromCharCode(buf[at + 156]!);
    let size = parseNumber(buf, at + 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`bad size field in the header at offset ${offset}`);
    const padded = (n: number) => n + ((BLOCK - (n % BLOCK)) % BLOCK);
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_METADATA_RECORD) {
        const kind = typeflag === 'x' || typeflag === 'g' ? 'PAX header' : 'GNU long name';
        throw new TarFormatError(`a ${size}-byte ${kind} at offset ${offset}; the limit is ${MAX_METADATA_RECORD} bytes`);
      }
      this.metaType = typeflag;
      this.metaSize = size;
      this.metaChunks = [];
      this.remaining = padded(size);
      this.state = this.remaining === 0 ? 'header' : 'meta';
      if (this.remaining === 0) this.finishMeta();
      return;
    }
    const h = this.header;
    const posix = buf[at + 257] === 0x75 && buf[at + 262] === 0 && buf[at + 263] === 0x30; // "ustar\0" "00"
    let name = latin1(buf, at, at + 100);
    if (posix && buf[at + 345] !== 0) name = `${latin1(buf, at + 345, at + 500)}/${name}`;
    h.name = name;
    h.paxName = false;
    h.linkname = latin1(buf, at + 157, at + 257);
    h.paxLinkname = false;
    // Old (v7) archives mark directories only by a trailing slash.
    if (buf[at + 156] === 0 && name.endsWith('/')) typeflag = '5';
    h.typeflag = typeflag;
    h.mode = parseNumber(buf, at + 100, 8);
    h.uid = parseNumber(buf, at + 108, 8);
    h.gid = parseNumber(buf, at + 116, 8);
    h.mtime = parseNumber(buf, at + 136, 12);
    if (Number.isNaN(h.mode + h.uid + h.gid + h.mtime)) throw new TarFormatError(`bad number field in the header at offset ${offset}`);
    if (this.longName !== undefined) h.name = this.longName;
    if (this.longLink !== undefined) h.linkname = this.longLink;
    const pax = this.pax ?? this.globalPax;
    if (pax) {
      const path = this.pax?.get('path') ?? this.globalPax?.get('path');
      const linkpath = this.pax?.get('linkpath') ?? this.globalPax?.get('linkpath');
      const paxSize = this.pax?.get('size');
      if (path !== undefined) {
        h.name = path;
        h.paxName = true;
      }
      if (linkpath !== undefined) {
        h.linkname = linkpath;
        h.paxLinkname = true;
      }
      if (paxSize !== undefined && /^\d+$/.test(paxSize)) size = Number(paxSize);
    }
    // A PAX size past 2^53 is no size at all.
    if (!Number.isSafeInteger(size)) throw new TarFormatError(`bad PAX size for the header at offset ${offset}`);
    h.size = size;
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    const wantsContent = this.onEntry(h) === true && this.content !== undefined && !HEADER_ONLY.has(typeflag);
    // Header-only types carry no content whatever their size field says (Go's archive/tar,
    // which the engine's extractor uses, reads them that way).
    this.remaining = HEADER_ONLY.has(typeflag) ? 0 : padded(size);
    this.contentLeft = size;
    this.streaming = wantsContent;
    if (wantsContent && size === 0) this.stream(buf, 0, 0);
    this.state = this.remaining === 0 ? 'header' : 'skip';
    if (this.remaining > 0) {
      // Fields, not an object: this runs for every file of a million-file layer.
      this.currentName = h.name;
      this.currentPaxName = h.paxName;
      this.currentSize = size;
      this.currentOffset = offset;
    }
  }

  /** Passes the content among the next `n` bytes at `at` to the observer; ends the entry at its last byte. */
  private stream(buf: Buffer, at: number, n: number): void {
    const take = Math.min(n, this.contentLeft);
    if (take > 0) {
      this.contentLeft -= take;
      this.content!.data(buf.subarray(at, at + take));
    }
    if (this.contentLeft === 0) {
      this.streaming = false;
      this.content!.end();
    }
  }

  private finishMeta(): void {
    const data = Buffer.concat(this.metaChunks).subarray(0, this.metaSize);
    this.metaChunks = [];
    this.state = 'header';
    if (this.metaType === 'x') this.pax = parsePax(data);
    else if (this.metaType === 'g') this.globalPax = parsePax(data);
    else {
      const nul = data.indexOf(0);
      const text = data.toString('latin1', 0, nul < 0 ? data.length : nul);
      if (this.metaType === 'L') this.longName = text;
      else this.longLink = text;
    }
  }
}
