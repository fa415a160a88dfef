// The program: the command line, with the terminal screens it opens on a TTY (loaded only then).
import { main as runCli } from './cli/main.js';

/** Runs layerscope with `argv`; resolves to the process exit code. Never throws. */
export function main(argv: string[]): Promise<number> {
  return runCli(argv, async () => (await import('./ui/screens.js')).screens);
}
