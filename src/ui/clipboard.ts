// Copying text to the terminal's clipboard with OSC 52 (ESC ] 52 ; c ; base64 BEL): the terminal
// does the copying, so it works over ssh too. When it cannot work — not a terminal, tmux not set to
// pass it on, GNU screen — say so instead, and the caller shows the text to select by hand.
import { spawnSync } from 'node:child_process';

export type ClipboardResult = { copied: true } | { copied: false; reason: string };

/** Where the sequence goes and what is known about the terminal. */
export interface ClipboardTerminal {
  isTTY: boolean;
  write(data: string): void;
  env: Record<string, string | undefined>;
  /** tmux's `set-clipboard` option (asked only inside tmux). */
  tmuxSetClipboard?: () => string | undefined;
}

/** The OSC 52 sequence that puts `bytes` on the clipboard. */
export function osc52(bytes: Uint8Array): string {
  return `\u001B]52;c;${Buffer.from(bytes).toString('base64')}\u0007`;
}

function askTmux(): string | undefined {
  const r = spawnSync('tmux', ['show-options', '-gv', 'set-clipboard'], { encoding: 'utf8', timeout: 1000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function copyToClipboard(bytes: Uint8Array, terminal: ClipboardTerminal): ClipboardResult {
  if (!terminal.isTTY) return { copied: false, reason: 'the output is not a terminal' };
  if (terminal.env.TMUX) {
    // tmux keeps (and passes on) what a program copies only with `set-clipboard on`.
    const option = (terminal.tmuxSetClipboard ?? askTmux)();
    if (option !== 'on') return { copied: false, reason: 'tmux does not pass the copy on (tmux set -g set-clipboard on)' };
  } else if (terminal.env.STY) {
    return { copied: false, reason: 'GNU screen does not pass the copy on' };
  }
  terminal.write(osc52(bytes));
  return { copied: true };
}

/** The terminal the browser draws on. */
export function screenClipboard(stdout: NodeJS.WriteStream = process.stdout): (bytes: Uint8Array) => ClipboardResult {
  return (bytes) => copyToClipboard(bytes, { isTTY: stdout.isTTY === true, write: (d) => stdout.write(d), env: process.env });
}
