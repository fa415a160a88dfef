// Starts the interactive browser on the terminal and guarantees the terminal comes back as it
// was — after q or Ctrl-C, a failed load, SIGINT/SIGTERM/SIGHUP, or an uncaught error: the
// alternate screen is left, raw mode is off and the cursor is shown.
import React from 'react';
import { EXIT } from '../app/exitCodes.js';
import { reportFailure } from '../app/failure.js';
import { openAnalysed, type ImageOptions, type OpenedImage } from '../app/open.js';
import { importInk, openInput, SCREEN_OPTIONS, startSession } from './terminal.js';
import { mouseInput } from './mouse.js';
import { resolve } from 'node:path';
import { extractInto } from '../app/extract.js';
import { preferences } from './preferences.js';

export async function runBrowser(image: string | undefined, options: ImageOptions): Promise<number> {
  const stdin = openInput();
  if (!stdin) {
    process.stderr.write('layerscope: the browser needs a terminal to read keys from; use --text or --json\n');
    return EXIT.badInput;
  }
  const ink = await importInk();
  const { App } = await import('./App.js');
  const stdout = process.stdout;

  let failed = false;
  let failure: unknown;
  let loaded = false;
  let interrupted = false;
  let instance: ReturnType<typeof ink.render> | undefined;
  let opened: OpenedImage | undefined;
  const unmount = () => {
    try {
      instance?.unmount();
    } catch {
      // already unmounted
    }
  };
  // The last-resort restore, in place before the screen changes: leave the terminal usable
  // whatever happens.
  // The mouse (unless --no-mouse or `mouse: false`): its reports are taken out of the input
  // before Ink reads it, and the terminal stops sending them on every way out (session.restore).
  const mouse = preferences().mouse ? mouseInput(stdin) : undefined;
  const session = startSession(stdin, { beforeExit: unmount, mouse: mouse !== undefined });

  // Ctrl-C is a key here (raw mode), handled by the app: it quits like q while browsing, and
  // interrupts (exit 130) while the image is still loading.
  instance = ink.render(
    React.createElement(App, {
      // The source stays open while browsing: the file viewer reads from it.
      content: () => opened?.content,
      mouse: mouse?.events,
      // Into the directory the user names at the prompt, nowhere else.
      extract: async (path: string, layer: number, dir: string) => {
        if (!opened) throw new Error('the image is not open');
        const root = resolve(dir);
        const { written, warnings } = await extractInto(opened.analysis, opened.content, [path], {
          layer,
          explicitLayer: true,
          root,
          force: false,
        });
        return `extracted ${written} entries into ${root}${warnings.length > 0 ? ` (${warnings.length} warnings: ${warnings[0]})` : ''}`;
      },
      load: (hooks) =>
        openAnalysed(image, options, hooks).then((o) => {
          opened = o;
          loaded = true;
          return o.analysis;
        }),
      onError: (error: unknown) => {
        failed = true;
        failure = error;
      },
      onInterrupt: () => {
        interrupted = true;
      },
    }),
    { ...SCREEN_OPTIONS, stdin: mouse?.stdin ?? stdin, stdout, stderr: process.stderr, exitOnCtrlC: false, patchConsole: true, maxFps: 30 },
  );

  try {
    await instance.waitUntilExit();
    await opened?.close().catch(() => undefined);
  } catch (err) {
    if (!failed) {
      failed = true;
      failure = err;
    }
  } finally {
    mouse?.close();
    session.end();
  }

  if (failed) return reportFailure(failure);
  // Quit while layers were still being read: nothing more to wait for (process.exit, so the
  // reads in flight stop now; the 'exit' hooks remove any temp file they had open).
  if (interrupted) process.exit(EXIT.interrupted);
  if (!loaded) process.exit(EXIT.ok);
  return EXIT.ok;
}
