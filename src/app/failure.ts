// How the program ends when something goes wrong, in one place: a user's problem (bad input, a
// file that cannot be read, an engine that does not answer) is one line and exit 2; anything
// else is a bug of ours: exit 70, saying so. The stack trace only with LAYERSCOPE_DEBUG=1.
//
// One set of process handlers: SIGINT/SIGTERM/SIGHUP end the run at once with 128 + the
// signal's number; an error nothing caught is reported as above. Both run the cleanups
// registered with onTerminate first (a screen restores the terminal), newest first, then exit
// through process.exit so the 'exit' hooks run too (temp files are removed, sources/tempFiles.ts).
import { InputError, oneLine } from '../core/errors.js';
import { EXIT, SIGNAL_NUMBERS, signalExitCode } from './exitCodes.js';

/** A problem the user can fix: our InputError (and its kinds), or an error of the operating
 *  system (a path that does not exist, no permission, a full disk: it has a syscall). */
export function isUserError(err: unknown): boolean {
  if (err instanceof InputError) return true;
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/** What to print for `err` and the exit code it ends the run with. */
export function describeFailure(err: unknown, env: NodeJS.ProcessEnv = process.env): { exitCode: number; text: string } {
  const user = isUserError(err);
  const exitCode = err instanceof InputError ? err.exitCode : user ? EXIT.badInput : EXIT.internal;
  let text = user ? `layerscope: ${oneLine(err)}\n` : `layerscope: internal error, please report: ${oneLine(err)}\n`;
  if (env.LAYERSCOPE_DEBUG && err instanceof Error && err.stack) text += `${err.stack}\n`;
  return { exitCode, text };
}

/** Prints `err` as describeFailure says; returns its exit code. */
export function reportFailure(err: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  const { exitCode, text } = describeFailure(err);
  write(text);
  return exitCode;
}

const cleanups: Array<() => void> = [];

/** Runs `cleanup` (synchronously, once) before a signal or an uncaught error ends the program.
 *  Returns the function that unregisters it. */
export function onTerminate(cleanup: () => void): () => void {
  cleanups.push(cleanup);
  return () => {
    const at = cleanups.lastIndexOf(cleanup);
    if (at >= 0) cleanups.splice(at, 1);
  };
}

function runCleanups(): void {
  while (cleanups.length > 0) {
    try {
      cleanups.pop()!();
    } catch {
      // the next cleanup still runs
    }
  }
}

/** Installs the handlers; returns the function that removes them. */
export function installProcessHandlers(): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    runCleanups();
    process.exit(signalExitCode(signal));
  };
  const onFatal = (err: unknown) => {
    runCleanups();
    process.exit(reportFailure(err));
  };
  const signals = Object.keys(SIGNAL_NUMBERS) as NodeJS.Signals[];
  for (const s of signals) process.on(s, onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  };
}
