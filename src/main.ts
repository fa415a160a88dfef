// The program: the command line, with the terminal screens it opens on a TTY (loaded only then).
// The process handlers (signals, uncaught errors) go in first, before the rest of the program
// loads: a Ctrl-C in the first instant is already an exit 130.
import { installProcessHandlers } from './app/failure.js';

/** Runs layerscope with `argv`; resolves to the process exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  const uninstall = installProcessHandlers();
  try {
    const cli = await import('./cli/main.js');
    return await cli.main(argv, async () => (await import('./ui/screens.js')).screens);
  } finally {
    uninstall();
  }
}
