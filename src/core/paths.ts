// Path rules shared by the walker, the merge and every output.
import type { ImagePath } from './model.js';

export type NormalisedName = { ok: true; path: ImagePath; climbed?: boolean } | { ok: false; reason: string };

/** Normalises a tar entry name the way the engine's extractor does: Go's filepath.Clean, then a
 *  join onto the layer root inside its chroot, so `/../x`, `../x` and `a/../../x` all land at
 *  `x` (`climbed` says a `..` went above the root: the walk warns about it). A NUL byte cannot
 *  be in a name the engine writes. */
export function normaliseName(raw: string): NormalisedName {
  if (raw.includes('\0')) return { ok: false, reason: 'name contains a NUL byte' };
  const plain = plainName(raw);
  if (plain !== undefined) return { ok: true, path: plain };
  const out: string[] = [];
  let climbed = false;
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) climbed = true;
      else out.pop();
      continue;
    }
    out.push(segment);
  }
  return climbed ? { ok: true, path: out.join('/'), climbed } : { ok: true, path: out.join('/') };
}

/** normaliseName's path for a name that needs nothing resolved (the names engines write:
 *  `usr/bin/env`, `etc/`), without building a result (the walk's hot path); undefined for any
 *  other name, which normaliseName then reads. */
export function plainName(raw: string): ImagePath | undefined {
  // One pass: a NUL anywhere, or a '/' or '.' at the start or after a '/' (`/x`, `./x`, `a//b`, `a/./b`, `a/../b`).
  let prev = 0x2f;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0 || (prev === 0x2f && (c === 0x2f || c === 0x2e))) return undefined;
    prev = c;
  }
  return raw.charCodeAt(raw.length - 1) === 0x2f ? raw.slice(0, -1) : raw;
}

export function parentOf(path: ImagePath): ImagePath {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function baseName(path: ImagePath): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: ImagePath, name: string): ImagePath {
  return dir === '' ? name : `${dir}/${name}`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** First of the 128 code points that stand for the bytes 0x80–0xff that are not UTF-8 (the
 *  "surrogateescape" convention): lone low surrogates, which decoded UTF-8 never holds. */
const BYTE_ESCAPE_BASE = 0xdc00;

/** Tar names are bytes. Decode them as UTF-8 where they are valid and keep any other byte b as
 *  the lone surrogate U+DC00+b, so the mapping is one to one: two different byte names are two
 *  different paths, and none can equal a literal name such as `a\xffb`. Display escapes them
 *  (escapeForTerminal); JSON writes them as `\udcff`; nameBytes gives the bytes back.
 *  `raw` holds one byte per char (latin1). */
export function decodeNameBytes(raw: string): string {
  // Plain ASCII is by far the common case.
  if (!/[^\x00-\x7f]/.test(raw)) return raw;
  const bytes = Buffer.from(raw, 'latin1');
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return decodeLeniently(bytes);
  }
}

function decodeLeniently(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
    if (len > 0 && i + len <= bytes.length) {
      try {
        out += strictUtf8.decode(bytes.subarray(i, i + len));
        i += len;
        continue;
      } catch {
        // fall through: not a valid sequence, escape the lead byte
      }
    }
    out += String.fromCharCode(BYTE_ESCAPE_BASE + b);
    i += 1;
  }
  return out;
}

/** Whether a decoded name holds a byte that is not UTF-8 (see decodeNameBytes). */
export function hasByteEscapes(name: string): boolean {
  return /[\udc80-\udcff]/.test(name);
}

/** The bytes of a path decoded by decodeNameBytes (the inverse). */
export function nameBytes(path: string): Buffer {
  if (!/[\udc80-\udcff]/.test(path)) return Buffer.from(path, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of path) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0xdc80 && code <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.from([code - BYTE_ESCAPE_BASE]));
    } else run += ch;
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** What a terminal must not be handed raw: C0/C1 controls (escape sequences), and the invisible
 *  format characters (Unicode Cf: bidi embeddings and isolates U+202A–U+202E, U+2066–U+2069,
 *  marks, zero-width characters, tags), line and paragraph separators, and lone surrogates
 *  (non-UTF-8 bytes of a name, see decodeNameBytes). A name can then not reorder or hide what
 *  is shown around it. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const UNSAFE_KEEP_TABS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** Makes a name safe to print on a terminal: control and invisible formatting characters become
 *  visible escapes (`\x1b`, `\u{202e}`), a non-UTF-8 byte shows as `\xff`. JSON output needs no
 *  such step: JSON.stringify escapes controls and lone surrogates. */
export function escapeForTerminal(text: string, options: { keepTabs?: boolean } = {}): string {
  return text.replace(options.keepTabs ? UNSAFE_KEEP_TABS : UNSAFE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const code = c.codePointAt(0)!;
    if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
    if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - BYTE_ESCAPE_BASE).toString(16)}`;
    return `\\u{${code.toString(16)}}`;
  });
}
