// Owning the terminal for an Ink screen: keys from a TTY, and a last-resort restore (raw mode
// off, cursor shown, main screen back) that runs whatever ends the program — a signal, an
// uncaught error (both through src/app/failure.ts) or a plain exit. Ink itself enters and leaves the alternate screen
// (`alternateScreen`) on a normal unmount; this covers the exits Ink does not see through.
// Shared by the browser and the build/compare screens.
import { openSync, writeSync } from 'node:fs';
import tty from 'node:tty';
import { onTerminate } from '../app/failure.js';
import { MOUSE_OFF, MOUSE_ON } from './mouse.js';
import { loadInk } from './loadInk.js';

export const LEAVE_ALT_SCREEN = '\u001B[?1049l';
export const SHOW_CURSOR = '\u001B[?25h';

/** Options every full-screen Ink render takes: Ink would treat a run with CI set as
 *  non-interactive (last frame only), but we only get here with a terminal on stdout, so a person
 *  is watching. */
export const SCREEN_OPTIONS = { interactive: true, alternateScreen: true } as const;

/** Ink's colours come from chalk, which decides once, when first imported, how many colours the
 *  terminal has, and says none when CI or CONTINUOUS_INTEGRATION is set. We only get here with a
 *  terminal on stdout (and NO_COLOR is honoured by our theme), so load Ink with those variables
 *  masked and let chalk look at the terminal itself (TERM, COLORTERM). Loaded by loadInk, which
 *  keeps work Ink does not need out of the start-up. */
export async function importInk(): Promise<typeof import('ink')> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    await loadInk();
    return await import('ink');
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
}

/** Keys come from stdin when it is a terminal, else from the controlling terminal. */
export function openInput(): NodeJS.ReadStream | undefined {
  if (process.stdin.isTTY) return process.stdin;
  try {
    return new tty.ReadStream(openSync('/dev/tty', 'r')) as unknown as NodeJS.ReadStream;
  } catch {
    return undefined;
  }
}

export interface TerminalSession {
  /** Leaves the alternate screen, raw mode off, cursor shown. Idempotent. */
  restore(): void;
  /** Restores, removes the handlers and lets go of the input. */
  end(): void;
}

export interface SessionOptions {
  /** Runs before the restore when a signal or a fatal error ends the program (e.g. unmount). */
  beforeExit?: () => void;
  /** Turn mouse reports on now (and off again in every restore). */
  mouse?: boolean;
}

/** Registers the last-resort restore before Ink takes the screen: the program's one signal and
 *  fatal-error handler (src/app/failure.ts) runs it before it exits, and so does any exit. */
export function startSession(stdin: NodeJS.ReadStream, options: SessionOptions = {}): TerminalSession {
  const stdout = process.stdout;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // the terminal may already be gone
    }
    try {
      writeSync(stdout.fd, (options.mouse ? MOUSE_OFF : '') + SHOW_CURSOR + LEAVE_ALT_SCREEN);
    } catch {
      // same
    }
  };
  const unregister = onTerminate(() => {
    options.beforeExit?.();
    restore();
  });
  process.on('exit', restore);
  if (options.mouse) {
    try {
      writeSync(stdout.fd, MOUSE_ON);
    } catch {
      // no terminal to tell
    }
  }
  return {
    restore,
    end() {
      restore();
      unregister();
      process.off('exit', restore);
      if (stdin !== process.stdin) stdin.destroy();
      else stdin.pause();
    },
  };
}
