import { escapeForTerminal } from './paths.js';

/** A problem with the user's input or environment: reported as one line, exit code 2. */
export class InputError extends Error {
  override name = 'InputError';
  readonly exitCode: number = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Turns anything thrown into the one line a user sees: line breaks become spaces, and other
 *  control characters (a name from an image can carry terminal escape sequences) visible escapes. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return escapeForTerminal(text.replace(/\s*\n\s*/g, ' ').trim());
}
