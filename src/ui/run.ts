// Starts the interactive browser on the terminal and guarantees the terminal comes back as it
// was — after q or Ctrl-C, a failed load, SIGINT/SIGTERM/SIGHUP, or an uncaught error: the
// alternate screen is left, raw mode is off and the cursor is shown.
import { openSync, writeSync } from 'node:fs';
import tty from 'node:tty';
import React from 'react';
import { loadAnalysis, type ImageOptions } from '../cli/load.js';
import { oneLine } from '../core/errors.js';

const ENTER_ALT_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALT_SCREEN = '\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';
const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;
/** Ctrl-C while loading: what a shell reports for a run ended by SIGINT. */
const EXIT_INTERRUPTED = 130;
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Ink decides once, when it is first imported, whether it runs "in CI" (CI or
 *  CONTINUOUS_INTEGRATION set) and then draws only the last frame at exit. We only get here with
 *  a terminal on stdout, so a person is watching: load Ink with those variables masked. */
async function importInk(): Promise<{ ink: typeof import('ink'); App: typeof import('./App.js').App }> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    const ink = await import('ink');
    const { App } = await import('./App.js');
    return { ink, App };
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
}

/** Keys come from stdin when it is a terminal, else from the controlling terminal. */
function openInput(): NodeJS.ReadStream | undefined {
  if (process.stdin.isTTY) return process.stdin;
  try {
    return new tty.ReadStream(openSync('/dev/tty', 'r')) as unknown as NodeJS.ReadStream;
  } catch {
    return undefined;
  }
}

export async function runBrowser(image: string | undefined, options: ImageOptions): Promise<number> {
  const stdin = openInput();
  if (!stdin) {
    process.stderr.write('layerscope: the browser needs a terminal to read keys from; use --text or --json\n');
    return EXIT_BAD_INPUT;
  }
  const { ink, App } = await importInk();
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
      writeSync(stdout.fd, SHOW_CURSOR + LEAVE_ALT_SCREEN);
    } catch {
      // same
    }
  };

  let failure: string | undefined;
  let loaded = false;
  let interrupted = false;
  let instance: ReturnType<typeof ink.render> | undefined;
  const unmount = () => {
    try {
      instance?.unmount();
    } catch {
      // already unmounted
    }
  };

  // Last-resort handlers, in place before the screen changes: leave the terminal usable
  // whatever happens. First in line (the CLI's own handlers, which just exit, come after).
  const onSignal = (signal: NodeJS.Signals) => {
    unmount();
    restore();
    process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 1));
  };
  const onFatal = (err: unknown) => {
    unmount();
    restore();
    process.stderr.write(`layerscope: ${oneLine(err)}\n`);
    if (process.env.LAYERSCOPE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(EXIT_BAD_INPUT);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.prependListener(s, onSignal);
  process.prependListener('uncaughtException', onFatal);
  process.prependListener('unhandledRejection', onFatal);
  process.on('exit', restore);

  writeSync(stdout.fd, ENTER_ALT_SCREEN);
  // Ctrl-C is a key here (raw mode), handled by the app: it quits like q while browsing, and
  // interrupts (exit 130) while the image is still loading.
  instance = ink.render(
    React.createElement(App, {
      load: (hooks) =>
        loadAnalysis(image, options, hooks).then((analysis) => {
          loaded = true;
          return analysis;
        }),
      onError: (message: string) => {
        failure = message;
      },
      onInterrupt: () => {
        interrupted = true;
      },
    }),
    { stdin, stdout, stderr: process.stderr, exitOnCtrlC: false, patchConsole: true, maxFps: 30 },
  );

  try {
    await instance.waitUntilExit();
  } catch (err) {
    failure ??= oneLine(err);
  } finally {
    restore();
    for (const s of signals) process.off(s, onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    process.off('exit', restore);
    if (stdin !== process.stdin) stdin.destroy();
    else stdin.pause();
  }

  if (failure !== undefined) {
    process.stderr.write(`layerscope: ${failure}\n`);
    return EXIT_BAD_INPUT;
  }
  // Quit while layers were still being read: nothing more to wait for (process.exit, so the
  // reads in flight stop now; the 'exit' hooks remove any temp file they had open).
  if (interrupted) process.exit(EXIT_INTERRUPTED);
  if (!loaded) process.exit(EXIT_OK);
  return EXIT_OK;
}
