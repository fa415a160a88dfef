// Starts the interactive browser on the terminal and guarantees the terminal comes back as it
// was — after q or Ctrl-C, a failed load, SIGINT/SIGTERM/SIGHUP, or an uncaught error: the
// alternate screen is left, raw mode is off and the cursor is shown.
import React from 'react';
import { loadAnalysis, type ImageOptions } from '../cli/load.js';
import { oneLine } from '../core/errors.js';
import { importInk, openInput, SCREEN_OPTIONS, startSession } from './terminal.js';

const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;
/** Ctrl-C while loading: what a shell reports for a run ended by SIGINT. */
const EXIT_INTERRUPTED = 130;

export async function runBrowser(image: string | undefined, options: ImageOptions): Promise<number> {
  const stdin = openInput();
  if (!stdin) {
    process.stderr.write('layerscope: the browser needs a terminal to read keys from; use --text or --json\n');
    return EXIT_BAD_INPUT;
  }
  const ink = await importInk();
  const { App } = await import('./App.js');
  const stdout = process.stdout;

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
  // whatever happens.
  const session = startSession(stdin, { beforeExit: unmount, catchFatal: true });

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
    { ...SCREEN_OPTIONS, stdin, stdout, stderr: process.stderr, exitOnCtrlC: false, patchConsole: true, maxFps: 30 },
  );

  try {
    await instance.waitUntilExit();
  } catch (err) {
    failure ??= oneLine(err);
  } finally {
    session.end();
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
