// Writing to stdout with backpressure, and quietly stopping when the reader goes away
// (`layerscope ls img --json | head` must not print an EPIPE error).
import { once } from 'node:events';
import { escapeForTerminal } from '../core/paths.js';
import { warningText, type ImageWarning } from '../core/warnings.js';

let closed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') closed = true;
  else throw err;
});

export async function writeOut(text: string): Promise<void> {
  if (closed) return;
  if (!process.stdout.write(text)) await Promise.race([once(process.stdout, 'drain'), once(process.stdout, 'close')]);
}

/** Writes lines in batches so a million-line listing neither floods memory nor stalls. */
export async function writeLines(lines: Iterable<string>): Promise<void> {
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length >= 2048) {
      await writeOut(`${batch.join('\n')}\n`);
      batch = [];
      if (closed) return;
    }
  }
  if (batch.length > 0) await writeOut(`${batch.join('\n')}\n`);
}

/** Warnings on stderr, one line each, terminal-safe (they quote names from the image). */
export function printWarnings(
  warnings: ReadonlyArray<string | ImageWarning>,
  write: (text: string) => void = (t) => process.stderr.write(t),
): void {
  for (const warning of warnings) write(`layerscope: warning: ${escapeForTerminal(warningText(warning))}\n`);
}
