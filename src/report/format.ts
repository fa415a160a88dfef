// Number and text formatting shared by the text report and the UI.
import prettyBytes from 'pretty-bytes';
import type { HiddenCopy } from '../core/hiddenBytes.js';
import { escapeForTerminal } from '../core/paths.js';

export function bytes(n: number): string {
  return prettyBytes(n);
}

export function percent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** Lines of a report as the text printed: each line made terminal-safe (names, labels and
 *  warnings can hold control characters; clip() has escaped most already, this catches the rest). */
export function terminalText(lines: readonly string[]): string {
  return `${lines.map((line) => escapeForTerminal(line)).join('\n')}\n`;
}

/** Shortens to `width` columns with an ellipsis, after making it terminal-safe. */
export function clip(text: string, width: number): string {
  const safe = escapeForTerminal(text);
  if (width <= 0) return '';
  return safe.length <= width ? safe : `${safe.slice(0, Math.max(0, width - 1))}…`;
}

/** Shortens a path (or a name) to `width` columns by cutting its middle, after making it
 *  terminal-safe: the start says where it is, the end which one it is
 *  (`/var/lib/apt/lists/deb…bookworm_main_binary-amd64_Packages`). */
export function clipMiddle(text: string, width: number): string {
  const safe = escapeForTerminal(text);
  if (width <= 0) return '';
  if (safe.length <= width) return safe;
  if (width === 1) return '…';
  // Up to a third for the start, ending at a '/' when one is there; the rest for the end.
  const budget = Math.floor((width - 1) / 3);
  const slash = safe.lastIndexOf('/', budget - 1);
  const head = slash >= 1 ? slash + 1 : budget;
  return `${safe.slice(0, head)}…${safe.slice(safe.length - (width - 1 - head))}`;
}

/** Word-wraps text (one line) to `width` columns, continuation lines indented by `indent`;
 *  a word longer than a line is the only thing ever cut. Terminal-safe. */
export function wrap(text: string, width: number, indent = 0): string[] {
  const safe = escapeForTerminal(text);
  if (width <= indent + 1) return [clip(safe, Math.max(0, width))];
  const out: string[] = [];
  let rest = safe;
  let first = true;
  while (rest.length > 0) {
    const room = first ? width : width - indent;
    let cut = rest.length <= room ? rest.length : rest.lastIndexOf(' ', room);
    // No space to break at: the word is longer than the line.
    if (cut <= 0) cut = Math.min(room, rest.length);
    out.push((first ? '' : ' '.repeat(indent)) + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^ +/, '');
    first = false;
  }
  return out.length > 0 ? out : [''];
}

export function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

export function padRight(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** A layer's command (already in Dockerfile form, see sources/config.ts renderCommand) made
 *  compact for a one-line column: the shell wrapper of RUN steps and runs of spaces go. */
export function shortCommand(command: string): string {
  return command
    .replace(/^RUN (\|\d+ (?:\S+=\S* )*)?\/bin\/sh -c /, 'RUN ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Where a path's hidden copies are, as a chain: `L0→L1→L2` is a copy stored in L0 that L1
 *  hid, and L1's copy that L2 hid; `L0→L1 L3→L5` two separate ones; `?` when no entry did. */
export function hiddenCopiesText(copies: readonly HiddenCopy[]): string {
  const parts: string[] = [];
  let end: number | undefined;
  for (const copy of copies) {
    const by = copy.hiddenBy === undefined ? '?' : `L${copy.hiddenBy}`;
    if (end !== undefined && end === copy.layer && parts.length > 0 && copy.hiddenBy !== copy.layer) parts[parts.length - 1] += `→${by}`;
    else parts.push(`L${copy.layer}→${by}`);
    end = copy.hiddenBy;
  }
  return parts.join(' ');
}
