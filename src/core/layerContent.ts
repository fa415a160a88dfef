// Reading the content of entries of one layer tar. The entries are numbered exactly as the walk
// numbered them (LayerSummary.changes indexes): the same header reader and the same LayerReader
// see the same headers, so "change 17 of layer 4" names the same tar entry here as in the
// summary. The tar is read through a TarCursor: a sequential stream (a compressed layer, inflated
// from its start only as far as needed) or a file read at offsets (an uncompressed layer, whose
// file contents are skipped by seeking, never read).
import { TarHeaderReader, type TarHeader } from './tarHeaders.js';
import { LayerReader } from './walk.js';
import { Op } from './changes.js';
import { InputError } from './errors.js';

const BLOCK = 512;
/** Tar types whose data is never content, whatever their size field says (as tarHeaders.ts). */
const HEADER_ONLY = '123456';
/** Zeros fed to the header reader in place of content that is skipped, never read. */
const ZEROS = Buffer.alloc(4 * 1024 * 1024);

/** Where the tar bytes of a layer come from. Positions are offsets in the uncompressed tar. */
export interface TarCursor {
  readonly position: number;
  /** Up to `n` bytes at the cursor; fewer only where the tar ends. */
  read(n: number): Promise<Buffer>;
  /** Moves past `n` bytes; returns how many there were (fewer only where the tar ends). */
  skip(n: number): Promise<number>;
  close(): Promise<void>;
}

/** One entry of the layer as the scan meets it. */
export interface ScannedEntry {
  /** Index in the layer's changes (the summary's numbering); -1 for headers that record no entry
   *  (whiteouts, refused names, the root). */
  index: number;
  name: string;
  typeflag: string;
  /** Offset of the entry's data in the uncompressed tar. */
  dataOffset: number;
  /** Bytes of data the entry carries (0 for links, directories, devices). */
  dataSize: number;
}

/** Walks the headers of a layer tar, calling `visit` for every entry in tar order. `visit` may read
 *  the entry's data through `cursor` before it returns (read data is not skipped a second time);
 *  returning 'stop' ends the scan there. Truncation is an InputError naming the entry. */
export async function scanLayer(
  cursor: TarCursor,
  visit: (entry: ScannedEntry, readData: () => AsyncGenerator<Buffer>) => Promise<'next' | 'stop'> | 'next' | 'stop',
): Promise<void> {
  const reader = new LayerReader(Number.MAX_SAFE_INTEGER);
  const seen: { header: { name: string; typeflag: string; size: number } | undefined } = { header: undefined };
  const headers = new TarHeaderReader((h: Readonly<TarHeader>) => {
    reader.read(h);
    seen.header = { name: h.name, typeflag: h.typeflag, size: h.size };
  });
  for (;;) {
    const at = cursor.position;
    const block = await cursor.read(BLOCK);
    if (block.length < BLOCK) {
      try {
        if (block.length > 0) headers.push(block);
        headers.end();
      } catch (e) {
        throw new InputError(`truncated layer: ${e instanceof Error ? e.message : String(e)}`);
      }
      return;
    }
    const before = reader.changes.length;
    seen.header = undefined;
    try {
      headers.push(block);
    } catch (e) {
      throw new InputError(`not a valid tar layer (${e instanceof Error ? e.message : String(e)})`);
    }
    const header = seen.header as { name: string; typeflag: string; size: number } | undefined;
    if (!header) continue;
    const changes = reader.changes;
    const recorded = changes.length > before && changes.op(changes.length - 1) === Op.Entry;
    const dataSize = HEADER_ONLY.includes(header.typeflag) ? 0 : header.size;
    const padded = dataSize + ((BLOCK - (dataSize % BLOCK)) % BLOCK);
    const dataOffset = at + BLOCK;
    let consumed = 0;
    const readData = async function* (): AsyncGenerator<Buffer> {
      while (consumed < dataSize) {
        const chunk = await cursor.read(Math.min(dataSize - consumed, 1024 * 1024));
        if (chunk.length === 0) throw truncatedIn(header.name, dataOffset, dataSize, consumed);
        consumed += chunk.length;
        yield chunk;
      }
    };
    const entry: ScannedEntry = {
      index: recorded ? changes.length - 1 : -1,
      name: header.name,
      typeflag: header.typeflag,
      dataOffset,
      dataSize,
    };
    const next = await visit(entry, readData);
    if (next === 'stop') return;
    // Skip what the visitor did not read, then the padding; the header reader is told by zeros.
    const rest = padded - consumed;
    if (rest > 0) {
      const skipped = await cursor.skip(rest);
      if (skipped < dataSize - consumed) throw truncatedIn(header.name, dataOffset, dataSize, consumed + skipped);
    }
    for (let left = padded; left > 0; ) {
      const n = Math.min(left, ZEROS.length);
      headers.push(ZEROS.subarray(0, n));
      left -= n;
    }
  }
}

function truncatedIn(name: string, offset: number, size: number, have: number): InputError {
  return new InputError(
    `truncated layer: entry ${JSON.stringify(name)} at offset ${offset - BLOCK} declares ${size} bytes but the layer ends after ${have} of them`,
  );
}

/** A cursor over an async stream of chunks (an inflated layer). */
export function streamCursor(chunks: AsyncIterable<Buffer>, onClose?: () => void | Promise<void>): TarCursor {
  const it = chunks[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  let ended = false;
  let position = 0;
  const fill = async (): Promise<boolean> => {
    if (ended) return false;
    const r = await it.next();
    if (r.done) {
      ended = true;
      return false;
    }
    pending = pending.length === 0 ? r.value : Buffer.concat([pending, r.value]);
    return true;
  };
  return {
    get position() {
      return position;
    },
    async read(n) {
      while (pending.length < n && (await fill()));
      const out = pending.subarray(0, Math.min(n, pending.length));
      pending = pending.subarray(out.length);
      position += out.length;
      return out;
    },
    async skip(n) {
      let left = n;
      while (left > 0) {
        if (pending.length === 0 && !(await fill())) break;
        const k = Math.min(left, pending.length);
        pending = pending.subarray(k);
        left -= k;
      }
      position += n - left;
      return n - left;
    },
    async close() {
      ended = true;
      await it.return?.();
      await onClose?.();
    },
  };
}

/** Random access to bytes: a file read at offsets. */
export interface ByteFile {
  readonly size: number;
  /** Reads into `buf` from `position`; returns the bytes read (0 at the end). */
  readAt(buf: Buffer, position: number): Promise<number>;
}

/** A cursor over a seekable uncompressed tar: headers are read (with read-ahead, so the headers of
 *  small files come in one read), content that is skipped is never read. */
export function fileCursor(file: ByteFile, onClose?: () => void | Promise<void>): TarCursor {
  let position = 0;
  let window = Buffer.alloc(0);
  let windowStart = 0;
  const READ_AHEAD = 64 * 1024;
  return {
    get position() {
      return position;
    },
    async read(n) {
      const want = Math.max(0, Math.min(n, file.size - position));
      if (position >= windowStart && position + want <= windowStart + window.length) {
        const out = window.subarray(position - windowStart, position - windowStart + want);
        position += want;
        return out;
      }
      const length = Math.min(Math.max(want, want <= BLOCK ? READ_AHEAD : want), file.size - position);
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const k = await file.readAt(buf.subarray(got), position + got);
        if (k === 0) break;
        got += k;
      }
      window = buf.subarray(0, got);
      windowStart = position;
      const out = window.subarray(0, Math.min(want, got));
      position += out.length;
      return out;
    },
    async skip(n) {
      const k = Math.max(0, Math.min(n, file.size - position));
      position += k;
      return k;
    },
    async close() {
      await onClose?.();
    },
  };
}
