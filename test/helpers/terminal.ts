// A real terminal for end-to-end tests: tmux on a private socket runs a shell in the
// repository root; keys are sent and the screen is read back.
import { spawnSync } from 'node:child_process';
import { repoRoot as ROOT } from './cli.js';

/** The shell in the terminal runs without CI: the suite runs under CI=true, and CI=true with no
 *  output asked for is --ci (as for dive), not the browser these tests drive. */
const NO_CI = ['-e', 'CI='];

export interface TerminalOptions {
  /** Exported in the pane's shell before any command runs. */
  env?: Record<string, string>;
  /** The screen read back with wrapped rows joined into the lines they are (tmux -J). */
  joinWrapped?: boolean;
}

export class Terminal {
  private readonly socket = `layerscope-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly joinWrapped: boolean;
  constructor(columns: number, rows: number, options: TerminalOptions = {}) {
    this.joinWrapped = options.joinWrapped ?? false;
    this.tmux(
      'new-session',
      ...NO_CI,
      '-d',
      '-s',
      'main',
      '-x',
      String(columns),
      '-y',
      String(rows),
      '--',
      'bash',
      '--norc',
      '--noprofile',
    );
    this.tmux('set-option', '-g', 'escape-time', '0');
    const exports = Object.entries(options.env ?? {}).map(([k, v]) => ` && export ${k}='${v}'`);
    this.run(`cd '${ROOT}' && PS1='$ ' && stty sane${exports.join('')}`);
  }

  tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  type(text: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', text);
  }

  keys(...names: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...names);
  }

  /** Runs a command line in the pane's shell. */
  run(line: string): void {
    this.type(line);
    this.keys('Enter');
  }

  screen(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(this.joinWrapped ? ['-J'] : []), '-t', 'main', ...(escapes ? ['-e'] : []));
  }

  async waitFor(what: RegExp | ((screen: string) => boolean), timeoutMs = 15_000): Promise<string> {
    const ok = typeof what === 'function' ? what : (s: string) => what.test(s);
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.screen();
      if (ok(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; the screen shows:\n${screen}`);
  }

  /** Sends keys, then waits for the screen to show something. */
  async press(keys: string[], then: RegExp): Promise<string> {
    this.keys(...keys);
    return this.waitFor(then);
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}
