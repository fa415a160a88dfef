// Path rules shared by the walker, the merge and every output.
import type { ImagePath } from './model.js';

export type NormalisedName = { ok: true; path: ImagePath } | { ok: false; reason: string };

/** Normalises a tar entry name the way the engine's extractor does (filepath.Clean, then a
 *  breakout check): strips `./` and leading `/`, resolves `.` and `..`, refuses names that
 *  climb above the root. */
export function normaliseName(raw: string): NormalisedName {
  if (raw.includes('\0')) return { ok: false, reason: 'name contains a NUL byte' };
  // Fast path for the names engines write (`usr/bin/env`, `etc/`): nothing to resolve.
  const first = raw.charCodeAt(0);
  if (first !== 0x2f && first !== 0x2e && raw.indexOf('//') < 0 && raw.indexOf('/.') < 0) {
    return { ok: true, path: raw.charCodeAt(raw.length - 1) === 0x2f ? raw.slice(0, -1) : raw };
  }
  const out: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return { ok: false, reason: 'name climbs above the image root' };
      out.pop();
      continue;
    }
    out.push(segment);
  }
  return { ok: true, path: out.join('/') };
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

/** Every proper ancestor of `path`, outermost first ('' excluded). */
export function ancestorsOf(path: ImagePath): ImagePath[] {
  const out: ImagePath[] = [];
  let at = path.indexOf('/');
  while (at >= 0) {
    out.push(path.slice(0, at));
    at = path.indexOf('/', at + 1);
  }
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Tar names are bytes. Decode them as UTF-8 where they are valid and keep any other byte as a
 *  visible `\xNN` escape, so distinct names stay distinct and nothing crashes. `raw` holds one
 *  byte per char (latin1). */
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
    out += `\\x${b.toString(16).padStart(2, '0')}`;
    i += 1;
  }
  return out;
}

/** Makes a name safe to print on a terminal: control characters (which could carry escape
 *  sequences) become visible escapes. JSON output needs no such step: JSON.stringify escapes them. */
export function escapeForTerminal(text: string, options: { keepTabs?: boolean } = {}): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(options.keepTabs ? /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g : /[\x00-\x1f\x7f-\x9f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  });
}
