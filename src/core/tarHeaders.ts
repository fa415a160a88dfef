// A header-only streaming tar reader for the layer walk's hot path. tar-stream (the reference
// this is tested against, see test/core/tarHeaders.test.ts) builds a stream, a header object
// and several buffer views for every entry; a million-file layer spends most of its time there.
// Here one reused header record is filled per entry and content bytes are skipped by counting.
// Errors are TarFormatErrors whose messages say what is wrong and where (offsets in the
// uncompressed tar); walk.ts words them for the user.
//
// Formats: ustar (with the POSIX prefix field), GNU (long names 'L' / 'K', base-256 sizes, old
// sparse 'S' with its extension blocks), PAX extended ('x') headers with the GNU sparse formats
// 0.0, 0.1 and 1.0, global ('g') headers, v7. Checksums are verified.
//
// The rules are Go's archive/tar (reader.go), which the engine's layer applier reads layers with,
// so that a layer reads here as it unpacks there:
// - a GNU long name ('L') wins over a PAX `path`, in either order; a PAX record with an empty
//   value keeps the header's own field; a second 'x' replaces the first;
// - a global header ('g') is an entry of its own that the engine ignores: it does not rename the
//   files after it, and it drops any 'x' / 'L' / 'K' record read before it;
// - PAX GNU sparse files take the name in GNU.sparse.name and the size in GNU.sparse.size (or
//   .realsize); the bytes stored (and skipped) are the entry's own size; the sparse map must be
//   valid and account for exactly the bytes stored; their content is what Go's sparse reader
//   yields, the stored regions at their offsets and zeros in the holes (so a sparse file gets a
//   content digest like any file), within a per-layer budget of hole bytes (SPARSE_HOLE_BUDGET);
// - one zero block ends nothing: a zero block followed by a header is an invalid tar; two end it;
//   a stream that ends on an entry boundary without them is fine;
// - malformed PAX records, numbers or sizes are invalid tars (Go: "invalid tar header").

import { decodeNameBytes } from './paths.js';

export interface TarHeader {
  /** The name's bytes, one char a byte (latin1), whichever record it came from (ustar, GNU long
   *  name, PAX path, GNU sparse name): tar names are bytes, decoded only by paths.ts. */
  name: string;
  linkname: string;
  /** Tar type flag character ('0', '5', …); a NUL type flag reads as '0', or '5' for a name
   *  ending in '/' (as Go's archive/tar does). */
  typeflag: string;
  /** The file's size: for a sparse file its real (logical) size, not the bytes stored. */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Sparse file (old GNU 'S' or a PAX GNU.sparse map): the size is its logical size. */
  sparse: boolean;
  /** A sparse file whose content is passed on expanded (zeros in the holes), as for any file; false
   *  when its holes are past what is left of the layer's SPARSE_HOLE_BUDGET. */
  sparseExpanded: boolean;
}

/** Bytes of holes one layer's sparse files are expanded to (zeros hashed, at about 2 GB/s): a
 *  sparse entry claiming a terabyte of holes costs the walk nothing, and gets no content digest. */
export const SPARSE_HOLE_BUDGET = 4 * 1024 ** 3;
/** Most regions of one sparse file's map kept for its expansion (16 bytes each). */
export const MAX_SPARSE_REGIONS = 1 << 20;
const ZEROS = Buffer.alloc(1024 * 1024);

/** Where the stored bytes of a sparse file go: its logical content, the holes as zeros. */
class SparseExpander {
  private i = 0;
  private inRegion = 0;
  private pos = 0;
  constructor(
    private readonly regions: readonly number[],
    private readonly size: number,
    private readonly out: { data(bytes: Buffer): void; end(): void },
  ) {}

  /** The next stored bytes (the regions' data, in order). */
  data(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      const offset = this.regions[2 * this.i]!;
      const length = this.regions[2 * this.i + 1]!;
      if (this.pos < offset) this.zeros(offset - this.pos);
      const n = Math.min(length - this.inRegion, buf.length - at);
      if (n > 0) this.out.data(buf.subarray(at, at + n));
      at += n;
      this.pos += n;
      this.inRegion += n;
      if (this.inRegion === length) {
        this.i++;
        this.inRegion = 0;
      }
    }
  }

  end(): void {
    this.zeros(this.size - this.pos);
    this.out.end();
  }

  private zeros(n: number): void {
    for (let left = n; left > 0; ) {
      const k = Math.min(left, ZEROS.length);
      this.out.data(ZEROS.subarray(0, k));
      left -= k;
    }
    this.pos += n;
  }
}

export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

const BLOCK = 512;
/** Largest PAX header or GNU long name/link record read: Go's archive/tar refuses more than
 *  1 MiB (maxSpecialFileSize), so a hostile layer cannot make us hold a 50 MB "name". */
export const MAX_METADATA_RECORD = 1024 * 1024;
/** Longest token of a GNU sparse 1.0 map kept while it is read (a number is at most 20 digits). */
const MAX_SPARSE_TOKEN = 64;
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
const latin1 = (buf: Uint8Array, start: number, end: number): string => {
  // An empty field (most link names) without the call into the buffer binding.
  if (buf[start] === 0) return '';
  let stop = start;
  while (stop < end && buf[stop] !== 0) stop++;
  return Buffer.prototype.latin1Slice.call(buf, start, stop) as string;
};
const padded = (n: number) => n + ((BLOCK - (n % BLOCK)) % BLOCK);

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

function checksumOk(buf: Uint8Array, view: DataView, at: number): boolean {
  const stored = parseNumber(buf, at + 148, 8);
  // The sum of the block's bytes, four at a time in two 16-bit lanes (each lane adds at most
  // 256 bytes: no carry between them); the checksum field itself counts as eight spaces.
  let lanes = 0;
  for (let i = at, end = at + BLOCK; i < end; i += 8) {
    const w = view.getUint32(i, true);
    const x = view.getUint32(i + 4, true);
    lanes += (w & 0xff00ff) + ((w >>> 8) & 0xff00ff) + (x & 0xff00ff) + ((x >>> 8) & 0xff00ff);
  }
  let field = 0;
  for (let i = at + 148; i < at + 156; i++) field += buf[i]!;
  const unsigned = (lanes & 0xffff) + (lanes >>> 16) - field + 8 * 0x20;
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

/** A decimal integer as Go's strconv.ParseInt reads it (optional sign), or undefined. */
function parseDecimal(text: string): number | undefined {
  if (!/^[+-]?\d{1,19}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** PAX records, "<len> <key>=<value>\n", as Go's parsePAX reads them: keys and values stay bytes
 *  (latin1 strings); any malformed record makes the whole header invalid. GNU sparse 0.0 records
 *  (repeated GNU.sparse.offset / numbytes) are folded into GNU.sparse.map, as Go does. */
function parsePax(data: Buffer, offset: number): Map<string, string> {
  const out = new Map<string, string>();
  const sparse: string[] = [];
  const bad = (why: string) => new TarFormatError(`invalid PAX header at offset ${offset}: ${why}`);
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) throw bad('a record has no length');
    const len = parseDecimal(data.toString('latin1', at, space));
    if (len === undefined || len < 5 || at + len > data.length || space + 1 >= at + len - 1) throw bad('a record length is wrong');
    if (data[at + len - 1] !== 0x0a) throw bad('a record does not end in a newline');
    const record = data.toString('latin1', space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw bad('a record has no key');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    const nulChecked = key === 'path' || key === 'linkpath' || key === 'uname' || key === 'gname' ? value : key;
    if (nulChecked.includes('\0')) throw bad(`the ${JSON.stringify(key)} record holds a NUL byte`);
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') {
      const expected = sparse.length % 2 === 0 ? 'GNU.sparse.offset' : 'GNU.sparse.numbytes';
      if (key !== expected || value.includes(',')) throw bad('GNU sparse 0.0 records out of order');
      sparse.push(value);
    } else out.set(key, value);
    at += len;
  }
  if (sparse.length > 0) out.set('GNU.sparse.map', sparse.join(','));
  return out;
}

/** A sparse map's regions, checked as Go's validateSparseEntries does; returns the bytes they hold. */
class SparseCheck {
  private end = 0;
  stored = 0;
  /** The regions (offset, length, …) without empty ones; undefined past MAX_SPARSE_REGIONS. */
  regions: number[] | undefined = [];
  constructor(
    private readonly size: number,
    private readonly where: string,
  ) {}
  add(offset: number | undefined, length: number | undefined): void {
    if (offset === undefined || length === undefined || offset < 0 || length < 0) throw this.bad('a region is not a number');
    if (offset + length > this.size) throw this.bad('a region extends past the file size');
    if (offset < this.end) throw this.bad('regions overlap or are out of order');
    this.end = offset + length;
    this.stored += length;
    if (length > 0 && this.regions) {
      if (this.regions.length >= 2 * MAX_SPARSE_REGIONS) this.regions = undefined;
      else this.regions.push(offset, length);
    }
  }
  bad(why: string): TarFormatError {
    return new TarFormatError(`invalid sparse map for ${this.where}: ${why}`);
  }
}

type State = 'header' | 'skip' | 'meta' | 'sparseExt' | 'sparseMap' | 'done';

export class TarHeaderReader {
  private readonly header: TarHeader = {
    name: '',
    linkname: '',
    typeflag: '0',
    size: 0,
    mode: 0,
    uid: 0,
    gid: 0,
    mtime: 0,
    sparse: false,
    sparseExpanded: false,
  };
  private state: State = 'header';
  /** Bytes still to skip (content + padding) or to collect (meta records). */
  private remaining = 0;
  private metaType = '';
  private metaSize = 0;
  private metaOffset = 0;
  private metaChunks: Buffer[] = [];
  private pending: Buffer | undefined;
  /** The block being read, as 32-bit words (the checksum). */
  private view: DataView = new DataView(new ArrayBuffer(0));
  private pax: Map<string, string> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  /** A zero block was just read: the next block must be another (the end) or nothing. */
  private zeroAt = -1;
  /** Bytes pushed so far: offsets in messages are positions in the uncompressed tar. */
  private fed = 0;
  /** The entry whose content is being skipped, for the message when the data ends inside it. */
  private currentName = '';
  private currentSize = 0;
  private currentOffset = 0;
  /** Sparse file being read: its map check, and (format 1.0) the map's parse state. */
  private sparseCheck: SparseCheck | undefined;
  private sparsePhysical = 0;
  private sparseToken = '';
  private sparseTokens = 0;
  private sparseWanted = 1;
  private sparseOffset: number | undefined;
  private sparseBlocks = 0;

  /** Content bytes of the current entry still to pass to `content` (the rest of `remaining` is padding). */
  private contentLeft = 0;
  private streaming = false;
  /** The current sparse file's expansion, when its content is wanted; its regions once known. */
  private expander: SparseExpander | undefined;
  private sparseRegions: number[] | undefined;
  private sparseWantsContent = false;
  /** What is left of SPARSE_HOLE_BUDGET in this layer. */
  private holeBudget = SPARSE_HOLE_BUDGET;

  /** `onEntry` returns true to receive the entry's content (regular files only): `content.data`
   *  gets its bytes in order, as views of the pushed chunks (valid during the call), then
   *  `content.end` once the last byte has passed. Entries it declines are skipped by counting.
   *  A sparse file's content is its logical content (zeros in the holes) when `sparseExpanded`;
   *  `content.abort` (when given) drops a file begun whose map turns out too large to expand. */
  constructor(
    private readonly onEntry: (header: Readonly<TarHeader>) => unknown,
    private readonly content?: { data(bytes: Buffer): void; end(): void; abort?(): void },
  ) {}

  push(chunk: Buffer): void {
    /** Stream offset of chunk[0]. */
    const base = this.fed;
    this.fed += chunk.length;
    let at = 0;
    if (this.pending) {
      // A block cut by the chunk boundary: completed from the chunk's first bytes and read on
      // its own, so the chunk itself is never copied.
      const have = this.pending.length;
      const need = BLOCK - have;
      if (chunk.length < need) {
        this.pending = Buffer.concat([this.pending, chunk]);
        return;
      }
      const block = Buffer.concat([this.pending, chunk.subarray(0, need)], BLOCK);
      this.pending = undefined;
      this.consume(block, 0, base - have);
      at = need;
    }
    this.consume(chunk, at, base);
  }

  /** Reads `buf` from `at` (`base`: the stream offset of buf[0]); keeps a cut block for the next chunk. */
  private consume(buf: Buffer, at: number, base: number): void {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
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
      if (this.state === 'sparseExt') this.readSparseExtension(buf, at);
      else if (this.state === 'sparseMap') this.readSparseMapBlock(buf, at);
      else this.readHeader(buf, at, base + at);
      at += BLOCK;
    }
  }

  /** The stream ended: anything but a clean entry boundary is a truncated archive. */
  end(): void {
    if (this.state === 'done') return;
    if (this.state === 'skip' || this.state === 'sparseMap') {
      const display = decodeNameBytes(this.currentName);
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
      if (this.zeroAt >= 0) this.state = 'done';
      else this.zeroAt = offset;
      return;
    }
    if (this.zeroAt >= 0) {
      throw new TarFormatError(
        `a zero block at offset ${this.zeroAt} is followed by more entries (the engine reads a zero block as the end of the tar and refuses this one)`,
      );
    }
    if (!checksumOk(buf, this.view, at)) throw new TarFormatError(`bad header checksum at offset ${offset}`);
    let typeflag = buf[at + 156] === 0 ? '\0' : String.fromCharCode(buf[at + 156]!);
    let size = parseNumber(buf, at + 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`bad size field in the header at offset ${offset}`);
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_METADATA_RECORD) {
        const kind = typeflag === 'x' || typeflag === 'g' ? 'PAX header' : 'GNU long name';
        throw new TarFormatError(`a ${size}-byte ${kind} at offset ${offset}; the limit is ${MAX_METADATA_RECORD} bytes`);
      }
      this.metaType = typeflag;
      this.metaSize = size;
      this.metaOffset = offset;
      this.metaChunks = [];
      this.remaining = padded(size);
      this.state = this.remaining === 0 ? 'header' : 'meta';
      if (this.remaining === 0) this.finishMeta();
      return;
    }
    const h = this.header;
    // Go's archive/tar reads the prefix field whenever the magic is "ustar\0" (POSIX ustar / PAX).
    const posix = buf[at + 257] === 0x75 && buf[at + 262] === 0;
    let name = latin1(buf, at, at + 100);
    if (posix && buf[at + 345] !== 0) name = `${latin1(buf, at + 345, at + 500)}/${name}`;
    h.name = name;
    h.linkname = latin1(buf, at + 157, at + 257);
    h.mode = parseNumber(buf, at + 100, 8);
    h.uid = parseNumber(buf, at + 108, 8);
    h.gid = parseNumber(buf, at + 116, 8);
    h.mtime = parseNumber(buf, at + 136, 12);
    h.sparse = false;
    h.sparseExpanded = false;
    this.expander = undefined;
    this.sparseRegions = undefined;
    this.sparseWantsContent = false;
    if (Number.isNaN(h.mode + h.uid + h.gid + h.mtime)) throw new TarFormatError(`bad number field in the header at offset ${offset}`);
    const pax = this.pax;
    if (pax) {
      const badPax = (key: string) => new TarFormatError(`invalid PAX ${key} record for the header at offset ${offset}`);
      for (const [key, value] of pax) {
        if (value === '') continue; // Go: keep the header's own value
        if (key === 'path') h.name = value;
        else if (key === 'linkpath') h.linkname = value;
        else if (key === 'size' || key === 'uid' || key === 'gid') {
          const n = parseDecimal(value);
          if (n === undefined) throw badPax(key);
          if (key === 'size') size = n;
          else if (key === 'uid') h.uid = n;
          else h.gid = n;
        } else if (key === 'mtime') {
          if (!/^[+-]?\d+(\.\d*)?$/.test(value)) throw badPax(key);
          h.mtime = Math.trunc(Number(value));
        }
      }
    }
    if (size < 0 || !Number.isSafeInteger(size)) throw new TarFormatError(`bad PAX size for the header at offset ${offset}`);
    // A GNU long name or link wins over the PAX record (Go applies it after the PAX records).
    if (this.longName) h.name = this.longName;
    if (this.longLink) h.linkname = this.longLink;
    // Old (v7) archives mark directories only by a trailing slash.
    if (typeflag === '\0') typeflag = h.name.endsWith('/') ? '5' : '0';
    h.typeflag = typeflag;
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    // Header-only types carry no content whatever their size field says (Go's archive/tar,
    // which the engine's extractor uses, reads them that way).
    const physical = HEADER_ONLY.has(typeflag) ? 0 : size;
    h.size = size;
    this.remaining = padded(physical);
    this.currentName = h.name;
    this.currentSize = physical;
    this.currentOffset = offset;
    let next: State = this.remaining === 0 ? 'header' : 'skip';
    if (typeflag === 'S') next = this.oldSparse(buf, at, offset, physical);
    else if (pax) next = this.paxSparse(pax, offset, physical) ?? next;
    this.state = next;
    // A sparse file's holes (at least its logical size less what is stored) come out of the budget.
    if (h.sparse && typeflag !== 'S' && h.size - physical <= this.holeBudget) h.sparseExpanded = true;
    const plain = physical === size && !h.sparse;
    const wantsContent =
      this.onEntry(h) === true && this.content !== undefined && (plain || h.sparseExpanded) && !HEADER_ONLY.has(typeflag);
    this.contentLeft = physical;
    this.streaming = wantsContent && plain;
    if (wantsContent && h.sparseExpanded) {
      // Format 1.0: the map is read first (state sparseMap), then the data streams.
      this.sparseWantsContent = true;
      if (next !== 'sparseMap') this.startSparse(physical);
    } else if (wantsContent && physical === 0) this.stream(buf, 0, 0);
  }

  /** The current sparse file's map is known and `stored` data bytes follow: expand them. */
  private startSparse(stored: number): void {
    const regions = this.sparseRegions;
    this.sparseWantsContent = false;
    if (!regions) {
      this.content!.abort?.();
      return;
    }
    const holes = this.header.size - stored;
    this.holeBudget -= holes;
    this.expander = new SparseExpander(regions, this.header.size, this.content!);
    this.contentLeft = stored;
    this.streaming = true;
    if (stored === 0) this.stream(Buffer.alloc(0), 0, 0);
  }

  /** Passes the content among the next `n` bytes at `at` to the observer; ends the entry at its last byte. */
  private stream(buf: Buffer, at: number, n: number): void {
    const take = Math.min(n, this.contentLeft);
    const sink = this.expander ?? this.content!;
    if (take > 0) {
      this.contentLeft -= take;
      sink.data(buf.subarray(at, at + take));
    }
    if (this.contentLeft === 0) {
      this.streaming = false;
      this.expander = undefined;
      sink.end();
    }
  }

  /** Old GNU sparse ('S'): four map entries in the header, more in extension blocks that come
   *  before the data; the header's size counts the stored bytes, the real size is at 483. */
  private oldSparse(buf: Buffer, at: number, offset: number, physical: number): State {
    const h = this.header;
    const real = parseNumber(buf, at + 483, 12);
    if (!Number.isSafeInteger(real) || real < 0) throw new TarFormatError(`bad sparse real size in the header at offset ${offset}`);
    h.size = real;
    h.sparse = true;
    this.sparseCheck = new SparseCheck(real, `the entry at offset ${offset}`);
    this.sparsePhysical = physical;
    this.addOldSparseEntries(buf, at + 386, 4);
    if (buf[at + 482] !== 0) return 'sparseExt';
    this.finishSparse(physical);
    return this.remaining === 0 ? 'header' : 'skip';
  }

  private addOldSparseEntries(buf: Buffer, from: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const o = from + i * 24;
      if (buf[o] === 0 && buf[o + 12] === 0) continue; // an unused slot
      this.sparseCheck!.add(parseNumber(buf, o, 12), parseNumber(buf, o + 12, 12));
    }
  }

  private readSparseExtension(buf: Buffer, at: number): void {
    this.addOldSparseEntries(buf, at, 21);
    if (buf[at + 504] !== 0) return;
    this.finishSparse(this.sparsePhysical);
    this.state = this.remaining === 0 ? 'header' : 'skip';
  }

  /** PAX GNU sparse formats 0.0 / 0.1 (map in the records) and 1.0 (map at the start of the data). */
  private paxSparse(pax: Map<string, string>, offset: number, physical: number): State | undefined {
    const major = pax.get('GNU.sparse.major') ?? '';
    const minor = pax.get('GNU.sparse.minor') ?? '';
    let is1x0: boolean;
    if (major === '0' && (minor === '0' || minor === '1')) is1x0 = false;
    else if (major === '1' && minor === '0') is1x0 = true;
    else if (major !== '' || minor !== '')
      return undefined; // an unknown version: a plain file
    else if ((pax.get('GNU.sparse.map') ?? '') !== '') is1x0 = false;
    else return undefined;
    const h = this.header;
    const where = `the entry at offset ${offset}`;
    if (HEADER_ONLY.has(h.typeflag)) throw new TarFormatError(`invalid sparse map for ${where}: a ${h.typeflag} entry cannot be sparse`);
    const sparseName = pax.get('GNU.sparse.name') ?? '';
    if (sparseName !== '') h.name = sparseName;
    const sizeText = pax.get('GNU.sparse.size') || pax.get('GNU.sparse.realsize') || '';
    if (sizeText !== '') {
      const n = parseDecimal(sizeText);
      if (n === undefined || n < 0) throw new TarFormatError(`invalid GNU sparse size for ${where}`);
      h.size = n;
    }
    h.sparse = true;
    this.currentName = h.name;
    this.sparseCheck = new SparseCheck(h.size, where);
    this.sparsePhysical = physical;
    if (is1x0) {
      this.sparseToken = '';
      this.sparseTokens = 0;
      this.sparseWanted = 1;
      this.sparseOffset = undefined;
      this.sparseBlocks = 0;
      if (physical === 0) throw this.sparseCheck.bad('the map is missing');
      return 'sparseMap';
    }
    const blocks = parseDecimal(pax.get('GNU.sparse.numblocks') ?? '');
    const map = pax.get('GNU.sparse.map') ?? '';
    const numbers = map === '' ? [] : map.split(',');
    if (blocks === undefined || blocks < 0 || numbers.length !== 2 * blocks)
      throw this.sparseCheck.bad('the map does not match GNU.sparse.numblocks');
    for (let i = 0; i < numbers.length; i += 2) this.sparseCheck.add(parseDecimal(numbers[i]!), parseDecimal(numbers[i + 1]!));
    this.finishSparse(physical);
    return this.remaining === 0 ? 'header' : 'skip';
  }

  /** One block of a GNU sparse 1.0 map: newline-separated decimals, the count first. */
  private readSparseMapBlock(buf: Buffer, at: number): void {
    const check = this.sparseCheck!;
    this.sparseBlocks++;
    this.remaining -= BLOCK;
    if (this.sparseBlocks * BLOCK > this.sparsePhysical)
      throw new TarFormatError(
        `Unexpected end of data: the sparse map of ${JSON.stringify(decodeNameBytes(this.currentName))} runs past its data`,
      );
    let done = false;
    for (let i = at; i < at + BLOCK; i++) {
      const c = buf[i]!;
      if (c !== 0x0a) {
        if (!done && this.sparseToken.length < MAX_SPARSE_TOKEN) this.sparseToken += String.fromCharCode(c);
        continue;
      }
      // Go reads whole blocks until it has enough newlines; the data starts at the next block.
      if (done) continue;
      const n = parseDecimal(this.sparseToken);
      this.sparseToken = '';
      this.sparseTokens++;
      if (this.sparseTokens === 1) {
        if (n === undefined || n < 0) throw check.bad('bad region count');
        this.sparseWanted = 1 + 2 * n;
      } else if (this.sparseTokens % 2 === 0) this.sparseOffset = n ?? -1;
      else check.add(this.sparseOffset, n);
      if (this.sparseTokens >= this.sparseWanted) done = true;
    }
    if (!done) return;
    const stored = this.sparsePhysical - this.sparseBlocks * BLOCK;
    this.finishSparse(stored);
    this.state = this.remaining === 0 ? 'header' : 'skip';
    if (this.sparseWantsContent) this.startSparse(stored);
  }

  /** The stored bytes after the map must be exactly what the map's regions hold (Go's sparse
   *  reader fails the copy otherwise, and with it the engine's unpack). */
  private finishSparse(storedAfterMap: number): void {
    const check = this.sparseCheck!;
    this.sparseCheck = undefined;
    if (check.stored !== storedAfterMap) {
      throw check.bad(`its regions hold ${check.stored} bytes but ${storedAfterMap} are stored`);
    }
    this.sparseRegions = check.regions;
  }

  private finishMeta(): void {
    const data = Buffer.concat(this.metaChunks).subarray(0, this.metaSize);
    this.metaChunks = [];
    this.state = 'header';
    if (this.metaType === 'x') this.pax = parsePax(data, this.metaOffset);
    else if (this.metaType === 'g') {
      // Checked as Go checks it, then dropped along with what came before it (Go returns the
      // global header as an entry of its own, which the engine skips).
      parsePax(data, this.metaOffset);
      this.pax = undefined;
      this.longName = undefined;
      this.longLink = undefined;
    } else {
      const nul = data.indexOf(0);
      const text = data.toString('latin1', 0, nul < 0 ? data.length : nul);
      if (this.metaType === 'L') this.longName = text;
      else this.longLink = text;
    }
  }
}
