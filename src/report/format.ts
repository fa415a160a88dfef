// Number and text formatting shared by the text report and the UI.
import prettyBytes from 'pretty-bytes';
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
