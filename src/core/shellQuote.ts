// Quoting a word for a POSIX shell command line the user will paste: names come from image
// content, so they may hold quotes, control characters, bidi overrides or bytes that are not
// UTF-8. Plain words stay as they are; others are single-quoted; a word with characters a
// terminal would act on or hide is written as $'…' with those characters as \xNN bytes (bash,
// zsh and ksh read it back to the exact bytes).
import { nameBytes } from './paths.js';

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** Control and format characters (bidi overrides, zero-width), line separators, and the lone
 *  surrogates that stand for bytes that are not UTF-8 (src/core/paths.ts decodeNameBytes). */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\udc80-\udcff]/u;

export function shellQuote(word: string): string {
  if (PLAIN.test(word)) return word;
  if (!UNSAFE.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const ch of word) {
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (UNSAFE.test(ch)) for (const b of nameBytes(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}
