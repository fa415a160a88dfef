// The file viewer's model, without rendering: how a stored file's bytes become screen rows
// (text lines with numbers, a hex dump, a tar's member list, a unified diff), read in pages so a
// 2 GB file opens at once, and the viewer's state reducer (scrolling, search, modes).
// Image content is hostile: every row is escaped for the terminal before it is drawn.
import { detectKind, looksLikeText, type ContentKind } from '../core/contentKind.js';
import { decompress } from '../core/decompress.js';
import { fileCursor, scanLayer, streamCursor } from '../core/layerContent.js';
import { decodeNameBytes, escapeForTerminal } from '../core/paths.js';

/** What the viewer reads: the bytes of one stored copy, in pages (sources/content.ts EntryContent). */
export interface PagedBytes {
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

export const PAGE_BYTES = 256 * 1024;
/** Text is read from the start; past this the viewer says so and offers the hex view (which reads
 *  any offset directly). */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;
export const HEX_WIDTH = 16;

/** The first bytes, and the kind they say (a gzip's inflated head too, to tell a .tar.gz). */
export async function sniff(bytes: PagedBytes): Promise<{ head: Buffer; kind: ContentKind }> {
  const head = await bytes.read(0, Math.min(bytes.size, 8192));
  let inflated: Buffer | undefined;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      for await (const chunk of decompress(pages(bytes, 0, 64 * 1024), () => undefined)) {
        inflated = inflated ? Buffer.concat([inflated, chunk]) : chunk;
        if (inflated.length >= 512) break;
      }
    } catch {
      inflated = undefined;
    }
  }
  return { head, kind: detectKind(head, inflated) };
}

async function* pages(bytes: PagedBytes, from = 0, limit = bytes.size): AsyncGenerator<Buffer> {
  for (let at = from; at < Math.min(bytes.size, limit); ) {
    const chunk = await bytes.read(at, PAGE_BYTES);
    if (chunk.length === 0) return;
    at += chunk.length;
    yield chunk;
  }
}

/** Text lines, decoded as they are read (UTF-8; invalid bytes become U+FFFD). */
export class TextLines {
  readonly lines: string[] = [];
  private loaded = 0;
  private partial = '';
  private readonly decoder = new TextDecoder('utf-8');
  private loading: Promise<void> | undefined;

  constructor(private readonly bytes: PagedBytes) {}

  /** Every byte is read (or the cap reached). */
  get complete(): boolean {
    return this.loaded >= this.bytes.size || this.loaded >= MAX_TEXT_BYTES;
  }

  get truncated(): boolean {
    return this.loaded >= MAX_TEXT_BYTES && this.bytes.size > MAX_TEXT_BYTES;
  }

  get bytesRead(): number {
    return this.loaded;
  }

  /** Reads pages until there are `count` lines (or the end). */
  async ensure(count: number): Promise<void> {
    while (this.lines.length < count && !this.complete) await this.more();
  }

  /** Reads one more page. */
  more(): Promise<void> {
    this.loading ??= (async () => {
      const chunk = await this.bytes.read(this.loaded, PAGE_BYTES);
      this.loaded += chunk.length;
      const done = chunk.length === 0 || this.complete;
      if (chunk.length === 0) this.loaded = this.bytes.size;
      const text = this.partial + this.decoder.decode(chunk, { stream: !done });
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
      if (done && this.partial !== '') {
        this.lines.push(this.partial);
        this.partial = '';
      }
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }
}

/** One hex dump row: offset, 16 bytes in hex, and the printable ASCII. */
export function hexRow(offset: number, bytes: Uint8Array): string {
  const hex: string[] = [];
  for (let i = 0; i < HEX_WIDTH; i++) hex.push(i < bytes.length ? bytes[i]!.toString(16).padStart(2, '0') : '  ');
  let ascii = '';
  for (const b of bytes) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return `${offset.toString(16).padStart(8, '0')}  ${hex.slice(0, 8).join(' ')}  ${hex.slice(8).join(' ')}  |${ascii}|`;
}

/** A tar's (or gzip-compressed tar's) members, one row each: type, size, name. */
export async function tarListing(bytes: PagedBytes, gzip: boolean): Promise<string[]> {
  const rows: string[] = [];
  const cursor = gzip
    ? streamCursor(decompress(pages(bytes), () => undefined))
    : fileCursor({
        size: bytes.size,
        async readAt(buf, position) {
          const chunk = await bytes.read(position, buf.length);
          chunk.copy(buf);
          return chunk.length;
        },
      });
  const TYPES: Record<string, string> = { '0': '-', '1': 'h', '2': 'l', '3': 'c', '4': 'b', '5': 'd', '6': 'p', '7': '-' };
  try {
    await scanLayer(cursor, (entry) => {
      rows.push(`${TYPES[entry.typeflag] ?? '?'} ${String(entry.dataSize).padStart(12)}  ${decodeNameBytes(entry.name)}`);
      return rows.length >= 100_000 ? 'stop' : 'next';
    });
  } catch (e) {
    rows.push(`(the archive ends here: ${e instanceof Error ? e.message : String(e)})`);
  } finally {
    await cursor.close();
  }
  return rows;
}

/** Above this, two copies are compared by size and sha256 only. */
export const MAX_DIFF_BYTES = 16 * 1024 * 1024;

export async function readAll(bytes: PagedBytes, limit = MAX_DIFF_BYTES): Promise<Buffer | undefined> {
  if (bytes.size > limit) return undefined;
  const out: Buffer[] = [];
  for await (const chunk of pages(bytes)) out.push(chunk);
  return Buffer.concat(out);
}

/** Rows of a diff between two copies: a unified diff of text, or sizes and digests. */
export async function diffRows(left: { label: string; bytes: PagedBytes }, right: { label: string; bytes: PagedBytes }): Promise<string[]> {
  const [a, b] = [await readAll(left.bytes), await readAll(right.bytes)];
  const { createHash } = await import('node:crypto');
  const describe = (label: string, data: Buffer | undefined, size: number) =>
    `  ${label}: ${size} bytes${data ? `, sha256 ${createHash('sha256').update(data).digest('hex')}` : ''}`;
  if (a && b && a.equals(b)) return [`identical: ${left.label} and ${right.label}`, describe(left.label, a, a.length)];
  if (!a || !b || !looksLikeText(a) || !looksLikeText(b)) {
    return ['binary files differ', describe(left.label, a, left.bytes.size), describe(right.label, b, right.bytes.size)];
  }
  // Loaded when a diff is first shown: 20 modules the browser's first frame does not need.
  const { createTwoFilesPatch } = await import('diff');
  const patch = createTwoFilesPatch(left.label, right.label, a.toString('utf8'), b.toString('utf8'), '', '');
  return patch
    .split('\n')
    .filter((l, i) => !(i === 0 && l.startsWith('====')))
    .map((l) => l.replace(/\t$/, ''));
}

/** A row as drawn: tabs expanded, control and bidi characters made visible escapes. */
export function displayRow(text: string): string {
  return escapeForTerminal(text.replace(/\t/g, '    '));
}

// --- state ---

export type ViewerMode = 'text' | 'hex' | 'listing' | 'diff';

export interface ViewerState {
  mode: ViewerMode;
  /** First row shown (a line, or a hex row of 16 bytes). */
  top: number;
  /** Rows the body shows. */
  rows: number;
  /** Rows there are in this mode, as far as known (text: lines read so far). */
  total: number;
  /** The search prompt's text while it is open. */
  prompt: string | undefined;
  query: string;
  /** Row of the current match. */
  match: number | undefined;
  message: string | undefined;
}

export function initialViewerState(mode: ViewerMode, rows: number): ViewerState {
  return { mode, top: 0, rows, total: 0, prompt: undefined, query: '', match: undefined, message: undefined };
}

export type ViewerAction =
  | { type: 'scroll'; delta: number }
  | { type: 'top' }
  | { type: 'bottom' }
  | { type: 'total'; total: number }
  | { type: 'rows'; rows: number }
  | { type: 'mode'; mode: ViewerMode }
  | { type: 'promptOpen' }
  | { type: 'promptType'; text: string }
  | { type: 'promptErase' }
  | { type: 'promptClear' }
  | { type: 'promptCancel' }
  | { type: 'found'; query: string; row: number | undefined; message?: string }
  | { type: 'message'; text: string | undefined };

function clampTop(s: ViewerState, top: number): number {
  return Math.max(0, Math.min(top, Math.max(0, s.total - s.rows)));
}

export function viewerReducer(s: ViewerState, a: ViewerAction): ViewerState {
  switch (a.type) {
    case 'scroll':
      return { ...s, top: clampTop(s, s.top + a.delta), message: undefined };
    case 'top':
      return { ...s, top: 0, message: undefined };
    case 'bottom':
      return { ...s, top: clampTop(s, s.total), message: undefined };
    case 'total':
      return { ...s, total: a.total, top: clampTop({ ...s, total: a.total }, s.top) };
    case 'rows':
      return { ...s, rows: a.rows, top: clampTop({ ...s, rows: a.rows }, s.top) };
    case 'mode':
      return { ...s, mode: a.mode, top: 0, total: 0, match: undefined, message: undefined };
    case 'promptOpen':
      return { ...s, prompt: '' };
    case 'promptType':
      return s.prompt === undefined ? s : { ...s, prompt: s.prompt + a.text };
    case 'promptErase':
      return s.prompt === undefined ? s : { ...s, prompt: s.prompt.slice(0, -1) };
    case 'promptClear':
      return s.prompt === undefined ? s : { ...s, prompt: '' };
    case 'promptCancel':
      return { ...s, prompt: undefined };
    case 'found':
      if (a.row === undefined) return { ...s, prompt: undefined, query: a.query, message: a.message ?? `not found: ${a.query}` };
      return {
        ...s,
        prompt: undefined,
        query: a.query,
        match: a.row,
        top: clampTop(s, a.row - Math.floor(s.rows / 3)),
        message: a.message,
      };
    case 'message':
      return { ...s, message: a.text };
  }
}

/** A search query as a predicate over rows: plain text (case-insensitive), or `/regex/`. */
export function matcher(query: string): ((row: string) => boolean) | undefined {
  const re = /^\/(.*)\/([a-z]*)$/.exec(query);
  if (re) {
    try {
      const r = new RegExp(re[1]!, re[2]!.includes('i') ? 'i' : '');
      return (row) => r.test(row);
    } catch {
      return undefined;
    }
  }
  const q = query.toLowerCase();
  return q === '' ? undefined : (row) => row.toLowerCase().includes(q);
}

/** The next row (after `from`, or before it going back) that matches, within `rows`. */
export function findRow(rows: readonly string[], query: string, from: number, backwards = false): number | undefined {
  const test = matcher(query);
  if (!test) return undefined;
  if (backwards) {
    for (let i = Math.min(from, rows.length) - 1; i >= 0; i--) if (test(rows[i]!)) return i;
    return undefined;
  }
  for (let i = Math.max(0, from); i < rows.length; i++) if (test(rows[i]!)) return i;
  return undefined;
}
