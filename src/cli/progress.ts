// Progress lines on stderr for what takes a while outside the TUI.
import type { PullProgress } from '../sources/engineHooks.js';
import { escapeForTerminal } from '../core/paths.js';

/** Prints a pull's progress: one line per layer and state (not per chunk), readable in a log. */
export function pullPrinter(write: (text: string) => void = (t) => process.stderr.write(t)): (p: PullProgress) => void {
  const seen = new Set<string>();
  return (p) => {
    const key = `${p.id ?? ''}\0${p.status}`;
    if (seen.has(key)) return;
    seen.add(key);
    write(`layerscope: pull ${escapeForTerminal(`${p.ref}: ${p.id ? `${p.id}: ` : ''}${p.status}`)}\n`);
  };
}
