// The real binary in a real terminal: tmux runs a shell, the shell runs layerscope on the
// bundled example, keys are sent and the screen is read back. After quitting, the shell must
// work normally again (line editing, echo, main screen).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandAvailable, need } from '../helpers/env.js';
import { Terminal } from '../helpers/terminal.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLE = 'examples/multistage-final.tar';
const hasTmux = commandAvailable('tmux');
/** The browser is up (the loading screen says "q quits", not this). */
const READY = /\? help {2}q quit/;

/** The row the tree cursor is on (the tree is the left part, below the layers). */
function cursorRow(screen: string, width: number): string | undefined {
  return screen
    .split('\n')
    .map((l) => l.slice(0, width))
    .find((l) => /^║›/.test(l) && !/^║›\s+\d+\s/.test(l));
}

/** The shell is usable again: a command runs and prints, the tty is in canonical mode with echo. */
async function assertRestored(term: Terminal): Promise<void> {
  term.run(
    'echo restored-$((1+1)); stty -a | tr " " "\\n" | grep -x -e icanon -e -icanon -e echo -e -echo | sort | tr "\\n" " "; echo; echo done-$((2+2))',
  );
  const screen = await term.waitFor(/^done-4$/m);
  assert.match(screen, /^restored-2$/m, 'a command runs and prints');
  assert.match(screen, /^echo icanon\s*$/m, 'canonical mode and echo are back');
  assert.doesNotMatch(screen, /▶ Layers/, 'the alternate screen was left');
}

function gate(t: TestContext): boolean {
  if (!need(t, 'tmux', hasTmux)) return false;
  assert.ok(existsSync(`${ROOT}/${EXAMPLE}`), `${EXAMPLE} is missing (scripts/make-example.sh makes it)`);
  assert.ok(existsSync(`${ROOT}/dist/src/main.js`), 'build first (npm run build)');
  return true;
}

test('browse the bundled example: layers, tree, hidden bytes in two keys, jump, help, quit; the terminal is restored', async (t) => {
  if (!gate(t)) return;
  const term = new Terminal(120, 40);
  try {
    term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
    let screen = await term.waitFor(/w hidden bytes \(81\.9 kB\)/);
    assert.match(screen, /▶ Layers/);
    assert.match(screen, /RUN rm \/tmp\/assets\.tar/);
    assert.match(screen, /Files after L6 · all · by size/);
    // Navigate: into the tree, down one row, expand it.
    screen = await term.press(['Tab'], /▶ Files after L6/);
    const first = cursorRow(screen, 72);
    assert.ok(first?.includes('bin/'), `the cursor starts on the largest directory: ${first}`);
    screen = await term.press(['j', 'Space'], /▾ srv\//);
    assert.match(screen, /▸ app\//);
    // Layers with k: the tree follows.
    screen = await term.press(['BTab', 'k'], /Files after L5/);
    screen = await term.press(['Tab', 'G', 'Enter'], /▾ tmp\//);
    // At 120 columns the tree has room for the permissions and uid:gid columns.
    assert.match(screen, /-\s+assets\.tar\s+-rw-r--r--\s+0:0\s+81\.9 kB/, 'L5 removed /tmp/assets.tar: shown at L5 with a marker');
    // The largest hidden file and the layer that hid it: w, then Enter.
    screen = await term.press(['w'], /▶ Hidden bytes/);
    assert.match(screen, /›\s+81\.9 kB\s+×1 L4→L5\s+\/tmp\/assets\.tar/);
    assert.match(screen, /hidden by L5: removed \(whiteout\)/);
    screen = await term.press(['Enter'], /▶ Files after L4/);
    assert.match(cursorRow(screen, 72) ?? '', /\+\s+assets\.tar\s+-rw-r--r--\s+0:0\s+81\.9 kB\s+L4/);
    assert.match(screen, /\/tmp\/assets\.tar: largest hidden copy in L4, hidden by L5/);
    assert.match(screen, /status\s+added by L4/);
    assert.match(screen, /L5 removed \(whiteout\)/);
    // Filter with a regex: jumps to the match.
    term.keys('/');
    term.type('/app\\.conf$/');
    screen = await term.press(['Enter'], /filter \/app\\\.conf\$\//);
    assert.match(cursorRow(screen, 72) ?? '', /app\.conf/);
    // Help, generated from the key map.
    screen = await term.press(['?'], /Help · \? or Esc to close/);
    assert.match(screen, /Shift-Tab\s+previous pane/);
    screen = await term.press(['Escape'], /▶ Files after L4/);
    // Quit.
    term.keys('q');
    screen = await term.waitFor(/^exit=0$/m);
    await assertRestored(term);
  } finally {
    term.close();
  }
});

test('fits 80x24 and reflows when the terminal is resized', async (t) => {
  if (!gate(t)) return;
  const term = new Terminal(80, 24);
  try {
    term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
    let screen = await term.waitFor(READY);
    let lines = screen.split('\n');
    assert.ok(lines.every((l) => [...l].length <= 80));
    assert.equal(lines[0], 'examples/multistage-final.tar · 7 layers · 2.19 MB stored', 'the header names the image');
    assert.match(lines[1]!, /^╔═+╗$/);
    assert.equal([...lines[1]!].length, 80);
    // The first screen's status line explains "hidden"; the status bar is the last line used.
    assert.equal(lines[22], 'hidden = stored in a layer, unreachable in the final image  ? help  q quit');
    term.tmux('resize-window', '-t', 'main', '-x', '120', '-y', '40');
    screen = await term.waitFor((s) => [...(s.split('\n')[1] ?? '')].length === 120);
    lines = screen.split('\n');
    assert.match(lines[38]!, /^hidden = stored in a layer, unreachable in the final image {2}w hidden bytes \(81\.9 kB\)/);
    term.keys('j');
    term.tmux('resize-window', '-t', 'main', '-x', '70', '-y', '20');
    screen = await term.waitFor((s) => [...(s.split('\n')[1] ?? '')].length === 70 && /^w hidden/m.test(s.split('\n')[18] ?? ''));
    term.keys('q');
    await term.waitFor(/^exit=0$/m);
    await assertRestored(term);
  } finally {
    term.close();
  }
});

test('NO_COLOR: no colour codes at all; without it, colours', async (t) => {
  if (!gate(t)) return;
  const colourCodes = (screen: string) =>
    [...screen.matchAll(/\u001B\[([0-9;]*)m/g)].some((m) =>
      m[1]!.split(';').some((p) => {
        const n = Number(p);
        return (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107);
      }),
    );
  const term = new Terminal(100, 30);
  try {
    term.run(`NO_COLOR=1 node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
    await term.waitFor(READY);
    assert.equal(colourCodes(term.screen(true)), false, 'no colour with NO_COLOR');
    term.keys('q');
    await term.waitFor(/^exit=0$/m);
    term.run('clear');
    term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
    await term.waitFor(READY);
    assert.equal(colourCodes(term.screen(true)), true, 'colours without NO_COLOR');
    term.keys('C-c');
    await term.waitFor(/^exit=0$/m);
    await assertRestored(term);
  } finally {
    term.close();
  }
});

test('a bad image: one line on stderr, exit code 2, terminal restored', async (t) => {
  if (!gate(t)) return;
  const term = new Terminal(100, 30);
  try {
    term.run('node bin/layerscope.js /nonexistent/image.tar; echo "exit=$?"');
    const screen = await term.waitFor(/^exit=2$/m);
    const errors = screen.split('\n').filter((l) => l.startsWith('layerscope: '));
    assert.equal(errors.length, 1, screen);
    assert.match(errors[0]!, /nonexistent/);
    await assertRestored(term);
  } finally {
    term.close();
  }
});

test('SIGTERM while browsing: the terminal is restored and the exit status says so', async (t) => {
  if (!gate(t)) return;
  const term = new Terminal(100, 30);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'layerscope-e2e-'));
    const pidFile = join(dir, 'pid');
    term.run(`sh -c 'echo $$ > ${pidFile}; exec node bin/layerscope.js ${EXAMPLE}'; echo "exit=$?"`);
    await term.waitFor(READY);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    rmSync(dir, { recursive: true, force: true });
    assert.ok(Number.isInteger(pid) && pid > 0, 'the pid of the browser');
    process.kill(pid, 'SIGTERM');
    await term.waitFor(/^exit=143$/m);
    await assertRestored(term);
  } finally {
    term.close();
  }
});
