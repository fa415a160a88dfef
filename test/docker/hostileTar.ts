// Byte-level tar writing and reading for the hostile differential suite: names are Buffers (any
// bytes), PAX records, GNU long names, global headers and GNU sparse files are written by hand.
// The reader is this file's own, small and independent of the product's, for `docker export`.

const BLOCK = 512;

export function pad(data: Buffer): Buffer {
  const rem = data.length % BLOCK;
  return rem === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rem)]);
}

export interface HeaderFields {
  name: Buffer;
  typeflag: string;
  size?: number;
  linkname?: Buffer;
  mode?: number;
  /** Bytes 386..500 (old GNU sparse map area), raw. */
  gnuSparse?: Buffer;
}

/** One 512-byte ustar header (magic "ustar\0", version "00"); names longer than 100 bytes are cut:
 *  give them a PAX path or a GNU long name. */
export function header(f: HeaderFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  f.name.copy(b, 0, 0, Math.min(100, f.name.length));
  b.write(`${(f.mode ?? (f.typeflag === '5' ? 0o755 : 0o644)).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  b.write(`${(f.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write('14544600000\0', 136, 'latin1');
  b.write('        ', 148, 'latin1');
  b.write(f.typeflag, 156, 'latin1');
  if (f.linkname) f.linkname.copy(b, 157, 0, Math.min(100, f.linkname.length));
  if (f.gnuSparse) {
    b.write('ustar  \0', 257, 'latin1');
    f.gnuSparse.copy(b, 386);
  } else b.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

export function paxRecords(records: Array<[string, Buffer | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, raw] of records) {
    const value = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.concat([Buffer.from(String(len)), body]));
  }
  return Buffer.concat(parts);
}

/** A PAX extended ('x') or global ('g') header with its records. */
export function pax(records: Array<[string, Buffer | string]>, typeflag: 'x' | 'g' = 'x'): Buffer {
  const data = paxRecords(records);
  return Buffer.concat([
    header({ name: Buffer.from(typeflag === 'x' ? 'PaxHeaders.0/x' : 'pax_global_header'), typeflag, size: data.length }),
    pad(data),
  ]);
}

/** A GNU long name ('L') or long link ('K') record. */
export function gnuLong(value: Buffer, typeflag: 'L' | 'K' = 'L'): Buffer {
  const data = Buffer.concat([value, Buffer.alloc(1)]);
  return Buffer.concat([header({ name: Buffer.from('././@LongLink'), typeflag, size: data.length }), pad(data)]);
}

export function file(name: Buffer | string, content: Buffer | number, extra: Partial<HeaderFields> = {}): Buffer {
  const body = typeof content === 'number' ? Buffer.alloc(content, 'x') : content;
  const n = typeof name === 'string' ? Buffer.from(name) : name;
  const long = n.length > 100 ? pax([['path', n]]) : Buffer.alloc(0);
  return Buffer.concat([long, header({ name: n, typeflag: '0', size: body.length, ...extra }), pad(body)]);
}

export function entry(name: Buffer | string, typeflag: string, linkname?: Buffer | string): Buffer {
  const n = typeof name === 'string' ? Buffer.from(name) : name;
  const l = linkname === undefined ? undefined : typeof linkname === 'string' ? Buffer.from(linkname) : linkname;
  return header({ name: n, typeflag, ...(l ? { linkname: l } : {}) });
}

/** The bytes of a sparse file with these data regions (the rest are holes of zeros). */
function regionBytes(regions: Array<[number, number]>): Buffer {
  return Buffer.concat(regions.map(([off, len]) => Buffer.alloc(len, 0x61 + (off % 26))));
}

/** A GNU sparse file in PAX format 0.1 (map in GNU.sparse.map) or 1.0 (map at the data's start). */
export function sparse(name: string, realSize: number, regions: Array<[number, number]>, format: '0.1' | '1.0'): Buffer {
  const data = regionBytes(regions);
  if (format === '0.1') {
    const records: Array<[string, string]> = [
      ['GNU.sparse.major', '0'],
      ['GNU.sparse.minor', '1'],
      ['GNU.sparse.name', name],
      ['GNU.sparse.realsize', String(realSize)],
      ['GNU.sparse.numblocks', String(regions.length)],
      ['GNU.sparse.map', regions.flat().join(',')],
    ];
    return Buffer.concat([
      pax(records),
      header({ name: Buffer.from(`GNUSparseFile.0/${name}`), typeflag: '0', size: data.length }),
      pad(data),
    ]);
  }
  const map = pad(Buffer.from(`${regions.length}\n${regions.map(([o, l]) => `${o}\n${l}\n`).join('')}`));
  const body = Buffer.concat([map, data]);
  const records: Array<[string, string]> = [
    ['GNU.sparse.major', '1'],
    ['GNU.sparse.minor', '0'],
    ['GNU.sparse.name', name],
    ['GNU.sparse.realsize', String(realSize)],
  ];
  return Buffer.concat([
    pax(records),
    header({ name: Buffer.from(`GNUSparseFile.0/${name}`), typeflag: '0', size: body.length }),
    pad(body),
  ]);
}

/** An old GNU sparse ('S') entry with more regions than its header holds: extension blocks follow. */
export function oldGnuSparse(name: string, realSize: number, regions: Array<[number, number]>): Buffer {
  const num = (n: number) => Buffer.from(`${n.toString(8).padStart(11, '0')}\0`, 'latin1');
  const area = Buffer.alloc(500 - 386);
  regions.slice(0, 4).forEach(([o, l], i) => {
    num(o).copy(area, i * 24);
    num(l).copy(area, i * 24 + 12);
  });
  const rest = regions.slice(4);
  area[482 - 386] = rest.length > 0 ? 1 : 0;
  num(realSize).copy(area, 483 - 386);
  const blocks: Buffer[] = [];
  for (let k = 0; k < rest.length; k += 21) {
    const b = Buffer.alloc(BLOCK);
    rest.slice(k, k + 21).forEach(([o, l], i) => {
      num(o).copy(b, i * 24);
      num(l).copy(b, i * 24 + 12);
    });
    b[504] = k + 21 < rest.length ? 1 : 0;
    blocks.push(b);
  }
  const data = regionBytes(regions);
  return Buffer.concat([header({ name: Buffer.from(name), typeflag: 'S', size: data.length, gnuSparse: area }), ...blocks, pad(data)]);
}

export const END = Buffer.alloc(2 * BLOCK);

export interface ExportEntry {
  /** The name's bytes, without a leading "./" or "/" and trailing "/". */
  name: Buffer;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
}

/** Reads a tar as Go's writer (`docker export`) writes it: ustar with prefix, PAX 'x' records.
 *  Hard links become files of their target's size, as the product's ls contract compares them. */
export function readExport(tar: Buffer): ExportEntry[] {
  const out: ExportEntry[] = [];
  const sizes = new Map<string, number>();
  let at = 0;
  let paxPath: Buffer | undefined;
  let paxLink: Buffer | undefined;
  let paxSize: number | undefined;
  const str = (from: number, len: number) => {
    const s = tar.subarray(from, from + len);
    const nul = s.indexOf(0);
    return nul < 0 ? s : s.subarray(0, nul);
  };
  while (at + BLOCK <= tar.length) {
    if (tar.subarray(at, at + BLOCK).every((b) => b === 0)) break;
    const type = String.fromCharCode(tar[at + 156]!);
    let size = Number.parseInt(
      str(at + 124, 12)
        .toString('latin1')
        .trim() || '0',
      8,
    );
    if (type === 'x') {
      const data = tar.subarray(at + BLOCK, at + BLOCK + size);
      let p = 0;
      while (p < data.length) {
        const sp = data.indexOf(0x20, p);
        const len = Number(data.toString('latin1', p, sp));
        const rec = data.subarray(sp + 1, p + len - 1);
        const eq = rec.indexOf(0x3d);
        const key = rec.toString('latin1', 0, eq);
        const value = rec.subarray(eq + 1);
        if (key === 'path') paxPath = Buffer.from(value);
        else if (key === 'linkpath') paxLink = Buffer.from(value);
        else if (key === 'size') paxSize = Number(value.toString());
        p += len;
      }
      at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
      continue;
    }
    let name: Buffer = str(at, 100);
    const prefix = str(at + 345, 155);
    if (tar.toString('latin1', at + 257, at + 263) === 'ustar\0' && prefix.length > 0)
      name = Buffer.concat([prefix, Buffer.from('/'), name]);
    if (paxPath) name = paxPath;
    const link = paxLink ?? str(at + 157, 100);
    if (paxSize !== undefined) size = paxSize;
    paxPath = paxLink = paxSize = undefined;
    const clean = (n: Buffer) => {
      let s = n;
      while (s.length > 0 && (s[0] === 0x2f || (s[0] === 0x2e && s[1] === 0x2f))) s = s.subarray(s[0] === 0x2f ? 1 : 2);
      while (s.length > 0 && s[s.length - 1] === 0x2f) s = s.subarray(0, s.length - 1);
      return s;
    };
    const n = clean(name);
    const key = n.toString('hex');
    if (type === '0' || type === '\0') {
      sizes.set(key, size);
      out.push({ name: n, type: 'file', size });
    } else if (type === '1') out.push({ name: n, type: 'file', size: sizes.get(clean(link).toString('hex')) ?? 0 });
    else if (type === '5') out.push({ name: n, type: 'dir', size: 0 });
    else if (type === '2') out.push({ name: n, type: 'symlink', size: 0 });
    else out.push({ name: n, type: 'other', size: 0 });
    const data = type === '0' || type === '\0' ? size : 0;
    at += BLOCK + Math.ceil(data / BLOCK) * BLOCK;
  }
  return out.filter((e) => e.name.length > 0);
}

/** A path of `layerscope ls --json` as bytes: U+DC80–U+DCFF stand for the bytes 0x80–0xff that
 *  are not UTF-8 (the product's documented convention), everything else is UTF-8. */
export function jsonPathBytes(path: string): Buffer {
  const parts: Buffer[] = [];
  for (const ch of path) {
    const c = ch.codePointAt(0)!;
    parts.push(c >= 0xdc80 && c <= 0xdcff ? Buffer.from([c - 0xdc00]) : Buffer.from(ch, 'utf8'));
  }
  return Buffer.concat(parts);
}
