// Number and text formatting shared by the text report and the UI.
import prettyBytes from 'pretty-bytes';
import { escapeForTerminal } from '../core/paths.js';

export function bytes(n: number): string {
  return prettyBytes(n);
}

export function percent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** Shortens to `width` columns with an ellipsis, after making it terminal-safe. */
export function clip(text: string, width: number): string {
  const safe = escapeForTerminal(text);
  if (width <= 0) return '';
  return safe.length <= width ? safe : safe.slice(0, Math.max(0, width - 1)) + '…';
}

export function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

export function padRight(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** A layer's command the way users recognise it: Dockerfile-ish, without shell boilerplate. */
export function shortCommand(command: string): string {
  return command
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
    .replace(/^\/bin\/sh -c /, 'RUN ')
    .replace(/\s+/g, ' ')
    .trim();
}
