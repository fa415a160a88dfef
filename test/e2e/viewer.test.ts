// The file viewer in a real terminal: the real binary on the bundled example, in tmux. From the
// hidden-bytes pane, v opens a hidden copy (the deleted /tmp/assets.tar: its member list; the
// overwritten /etc/app/app.conf: its first line), Esc comes back, q quits with exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandAvailable, need } from '../helpers/env.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLE = 'examples/multistage-final.tar';

class Terminal {
  private readonly socket = `layerscope-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  constructor(columns: number, rows: number) {
    this.tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), '--', 'bash', '--norc', '--noprofile');
    this.tmux('set-option', '-g', 'escape-time', '0');
    this.type(`cd '${ROOT}' && PS1='$ ' && stty sane`);
    this.keys('Enter');
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
    return this.tmux('capture-pane', '-p', '-t', 'main', ...(escapes ? ['-e'] : []));
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

test('v in Hidden bytes opens the hidden copy; Esc goes back; q quits', async (t) => {
  if (!need(t, 'tmux', commandAvailable('tmux'))) return;
  assert.ok(existsSync(`${ROOT}/${EXAMPLE}`), `${EXAMPLE} is missing`);
  const term = new Terminal(100, 30);
  try {
    term.run(`node bin/layerscope.js ${EXAMPLE} --no-cache; echo "exit=$?"`);
    await term.waitFor(/w hidden bytes \(81\.9 kB\)/);
    await term.press(['w'], /▶ Hidden bytes/);
    let screen = await term.press(['v'], /assets\.csv/);
    let lines = screen.split('\n');
    assert.equal(lines[0]?.trimEnd(), '/tmp/assets.tar  layer 4 (hidden copy)  81920 bytes, tar archive');
    assert.equal(lines[1]?.trimEnd(), '-        80000  assets.csv');
    screen = await term.press(['Escape'], /▶ Hidden bytes/);
    // The second hidden path: the first /etc/app/app.conf, overwritten in layer 6.
    screen = await term.press(['j', 'v'], /port=8080/);
    lines = screen.split('\n');
    assert.equal(lines[0]?.trimEnd(), '/etc/app/app.conf  layer 2 (hidden copy)  20 bytes, text');
    assert.equal(lines[1]?.trimEnd(), '1 │ port=8080');
    assert.equal(lines[2]?.trimEnd(), '2 │ workers=1');
    await term.press(['Escape'], /▶ Hidden bytes/);
    await term.press(['q'], /^exit=0$/m);
  } finally {
    term.close();
  }
});
