// Building blocks for rows of text: styled segments, fixed-width cells, bars and wrapping.
// Pure (no React); everything that reaches the terminal goes through clip(), which escapes
// control characters in names.
import { clip, padLeft, padRight } from '../report/format.js';
import { escapeForTerminal } from '../core/paths.js';
import type { Tone } from './theme.js';

export interface Segment {
  text: string;
  tone?: Tone;
}

export type Line = Segment[];

/** Clipped (with an ellipsis) and padded to exactly `width` columns. */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const clipped = clip(text, width);
  return align === 'left' ? padRight(clipped, width) : padLeft(clipped, width);
}

/** A proportional bar, `width` columns wide. */
export function bar(fraction: number, width: number, full: string, empty: string): string {
  if (width <= 0) return '';
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  let n = Math.round(f * width);
  if (f > 0 && n === 0) n = 1;
  return full.repeat(n) + empty.repeat(width - n);
}

export function lineLength(line: Line): number {
  return line.reduce((n, s) => n + s.text.length, 0);
}

/** Cuts a line of segments to `width` columns (ellipsis on the last one cut). */
export function fitLine(line: Line, width: number): Line {
  const out: Line = [];
  let left = width;
  for (const seg of line) {
    if (left <= 0) break;
    const safe = escapeForTerminal(seg.text);
    if (safe.length <= left) {
      out.push(seg.tone ? { text: safe, tone: seg.tone } : { text: safe });
      left -= safe.length;
    } else {
      out.push(seg.tone ? { text: clip(safe, left), tone: seg.tone } : { text: clip(safe, left) });
      left = 0;
    }
  }
  return out;
}

/** Word-wrapping, shared with the text reports. */
export { wrap } from '../report/format.js';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Shortens to `width` columns by cutting the middle (`registry.example/…/app:1.2`), after making
 *  it terminal-safe: the start and the tail (a tag, a file name) both stay. */
export function middleClip(text: string, width: number): string {
  const safe = escapeForTerminal(text);
  if (width <= 0) return '';
  if (safe.length <= width) return safe;
  if (width < 5) return clip(safe, width);
  const tail = Math.floor((width - 1) / 2);
  return `${safe.slice(0, width - 1 - tail)}…${safe.slice(safe.length - tail)}`;
}
