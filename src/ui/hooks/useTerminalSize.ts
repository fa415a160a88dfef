// The terminal's size, updated on every resize (Ink's own hook), with a fallback for streams
// that report none (tests, a pipe).
import { useWindowSize } from 'ink';
import type { TerminalSize } from '../layout.js';

export const FALLBACK_SIZE: TerminalSize = { columns: 80, rows: 24 };

export function useTerminalSize(): TerminalSize {
  const { columns, rows } = useWindowSize();
  return { columns: columns || FALLBACK_SIZE.columns, rows: rows || FALLBACK_SIZE.rows };
}
