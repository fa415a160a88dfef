// Input in a real terminal (tmux): keys typed while the image loads, copying a path to the
// clipboard with OSC 52, the mouse. The real binary on the bundled example.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandAvailable, dockerAvailable, need } from '../helpers/env.js';
import { Terminal } from '../helpers/terminal.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLE = 'examples/multistage-final.tar';
const READY = /\? help {2}q quit/;

function gate(t: TestContext): boolean {
  if (!need(t, 'tmux', commandAvailable('tmux'))) return false;
  assert.ok(existsSync(`${ROOT}/${EXAMPLE}`), `${EXAMPLE} is missing`);
  assert.ok(existsSync(`${ROOT}/dist/src/main.js`), 'build first (npm run build)');
  return true;
}

for (const [columns, rows] of [
  [80, 24],
  [120, 40],
] as const) {
  test(`y copies the path, Y a cat command, into tmux's buffer through OSC 52 (set-clipboard on); off: said, with the text (${columns}x${rows})`, async (t) => {
    if (!gate(t)) return;
    const term = new Terminal(columns, rows);
    try {
      term.tmux('set-option', '-g', 'set-clipboard', 'on');
      term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
      await term.waitFor(READY, 60_000);
      // The hidden-bytes list: its first entry is /tmp/assets.tar, its 81920 hidden bytes stored by L4.
      let screen = await term.press(['w'], /Hidden bytes/);
      term.keys('y');
      screen = await term.waitFor(/copied \/tmp\/assets\.tar/);
      assert.equal(term.tmux('show-buffer'), '/tmp/assets.tar');
      term.keys('Y');
      screen = await term.waitFor(/copied layerscope cat/);
      assert.equal(term.tmux('show-buffer'), `layerscope cat ${EXAMPLE} /tmp/assets.tar --layer 4`);
      term.tmux('set-option', '-g', 'set-clipboard', 'external');
      term.keys('j', 'y');
      screen = await term.waitFor(/not copied/);
      assert.match(screen, /not copied \(tmux does not pass the copy on/);
      assert.equal(term.tmux('show-buffer'), `layerscope cat ${EXAMPLE} /tmp/assets.tar --layer 4`, 'the buffer is unchanged');
      term.keys('q');
      await term.waitFor(/^exit=0$/m);
      // The copied command, pasted into the shell, prints that hidden copy.
      term.run('layerscope() { node bin/layerscope.js "$@"; }; eval "$(tmux show-buffer)" | wc -c | sed "s/^ */bytes=/"');
      await term.waitFor(/^bytes=81920$/m);
    } finally {
      term.close();
    }
  });
}

/** tmux's view of the pane's mouse modes: SGR (1006) and any button reporting (1000/1002). */
const mouseFlags = (term: Terminal) => term.tmux('display-message', '-p', '-t', 'main', '#{mouse_sgr_flag}#{mouse_any_flag}').trim();

/** Sends a mouse report as the terminal would (raw bytes into the pane). */
function mouseReport(term: Terminal, code: number, x: number, y: number): void {
  const bytes = Buffer.from(`\u001B[<${code};${x};${y}M`, 'latin1');
  term.tmux('send-keys', '-t', 'main', '-H', ...[...bytes].map((b) => b.toString(16).padStart(2, '0')));
}

/** Where `text` is on the screen, 1-based as the terminal reports it. */
function where(screen: string, text: RegExp): { x: number; y: number } {
  const lines = screen.split('\n');
  const y = lines.findIndex((l) => text.test(l));
  assert.ok(y >= 0, `${text} is on screen:\n${screen}`);
  return { x: lines[y]!.search(text) + 1, y: y + 1 };
}

for (const [columns, rows] of [
  [80, 24],
  [120, 40],
] as const) {
  test(`mouse (${columns}x${rows}): on while browsing, a click selects a layer and a tree row, the wheel scrolls the pane under it; off again after q, Ctrl-C, SIGTERM; --no-mouse`, async (t) => {
    if (!gate(t)) return;
    const term = new Terminal(columns, rows);
    try {
      assert.equal(mouseFlags(term), '00', 'the shell has no mouse modes');
      term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
      let screen = await term.waitFor(READY, 60_000);
      assert.equal(mouseFlags(term), '11', 'SGR mouse reports on');
      // A click on L2's row selects it (the layers pane keeps the focus: it is where the click was).
      const l2 = where(screen, /[│║][ ›] {3}2 /);
      mouseReport(term, 0, l2.x + 4, l2.y);
      screen = await term.waitFor(/Files after L2/);
      assert.doesNotMatch(screen, /\[<0;/, 'no report leaked as typed text');
      // A click on the tree's second row: the tree takes the focus, the cursor goes there.
      const tree = where(screen, /Files after L2/);
      mouseReport(term, 0, tree.x + 2, tree.y + 3);
      screen = await term.waitFor(/▶ Files after L2/);
      const cursor = screen.split('\n')[tree.y + 2]!;
      assert.match(cursor, /^[│║]›/, `the clicked row has the cursor: ${cursor}`);
      // The wheel over the layers pane: three layers down, the tree keeps the focus.
      mouseReport(term, 65, l2.x + 4, l2.y);
      screen = await term.waitFor(/Files after L5/);
      assert.match(screen, /▶ Files after L5/);
      mouseReport(term, 64, l2.x + 4, l2.y);
      screen = await term.waitFor(/Files after L2/);
      term.keys('q');
      await term.waitFor(/^exit=0$/m);
      assert.equal(mouseFlags(term), '00', 'off after q');

      term.run('clear');
      term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
      await term.waitFor(READY, 60_000);
      assert.equal(mouseFlags(term), '11');
      term.keys('C-c');
      await term.waitFor(/^exit=0$/m);
      assert.equal(mouseFlags(term), '00', 'off after Ctrl-C');

      term.run('clear');
      const pidFile = join(mkdtempSync(join(tmpdir(), 'layerscope-mouse-')), 'pid');
      term.run(`sh -c 'echo $$ > ${pidFile}; exec node bin/layerscope.js ${EXAMPLE}'; echo "exit=$?"`);
      await term.waitFor(READY, 60_000);
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      await term.waitFor(/^exit=143$/m);
      assert.equal(mouseFlags(term), '00', 'off after SIGTERM');

      term.run('clear');
      term.run(`node bin/layerscope.js ${EXAMPLE} --no-mouse; echo "exit=$?"`);
      await term.waitFor(READY, 60_000);
      assert.equal(mouseFlags(term), '00', '--no-mouse: no mouse modes');
      term.keys('q');
      await term.waitFor(/^exit=0$/m);
    } finally {
      term.close();
    }
  });
}

test('keys typed while an engine image loads (Tab / b i n / b a s h Enter) run in order once it is up: focus, filter, jump (80x24)', async (t) => {
  if (!gate(t) || !need(t, 'docker', dockerAvailable())) return;
  const term = new Terminal(80, 24);
  try {
    // --no-cache: every layer is read from the engine, seconds of loading to type into.
    term.run('node bin/layerscope.js layerscope-test/debian:bookworm --no-cache; echo "exit=$?"');
    await term.waitFor(/Opening the image|reading layerscope-test\/debian/);
    term.keys('Tab');
    term.type('/bin/bash');
    term.keys('Enter');
    const typedWhile = term.screen();
    assert.doesNotMatch(typedWhile, READY, 'the keys were typed while the image was still loading');
    const screen = await term.waitFor(/match 1 of \d+/, 60_000);
    // /usr/bin/bash and /usr/bin/bashbug match; the title is cut at 80 columns.
    assert.match(screen, /match 1 of 2 /);
    assert.match(screen, /▶ Files after L0 · all · by size · filter /, 'Tab focused the tree, the filter is applied');
    assert.match(screen, /^║›\+ +bash +1\.27 MB +L0║/m, 'the cursor is on the first match');
    assert.match(screen, /│\/usr\/bin\/bash +│/);
    term.keys('q');
    await term.waitFor(/^exit=0$/m);
  } finally {
    term.close();
  }
});

test('Ctrl-E (and x) extract the selected path into the directory typed at the prompt; Esc writes nothing (80x24)', async (t) => {
  if (!gate(t)) return;
  const term = new Terminal(80, 24);
  const out = mkdtempSync(join(tmpdir(), 'layerscope-extract-'));
  try {
    term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
    await term.waitFor(READY, 60_000);
    // Hidden bytes: /tmp/assets.tar, the 81920-byte copy L4 stores (deleted by L5).
    await term.press(['w'], /Hidden bytes/);
    term.keys('C-e');
    await term.waitFor(/extract \/tmp\/assets\.tar \(L4\) into directory: █/);
    term.keys('Escape');
    await term.waitFor((s) => !s.includes('into directory:'));
    term.keys('x');
    await term.waitFor(/into directory: █/);
    term.type(`${out}/first`);
    // The path on the prompt (cut to the width, after its directory's name) before Enter: under
    // load the typed keys can still be in flight.
    await term.waitFor((screen) => screen.includes(`into directory: ${out}/`));
    term.keys('Enter');
    const screen = await term.waitFor(/extracted \d+ entries into/, 60_000);
    assert.match(screen, /extracted 2 entries into /, '/tmp and /tmp/assets.tar');
    assert.equal(statSync(join(out, 'first', 'tmp', 'assets.tar')).size, 81920);
    term.keys('q');
    await term.waitFor(/^exit=0$/m);
    assert.deepEqual(readdirSync(out), ['first'], 'nothing else was written');
  } finally {
    term.close();
    rmSync(out, { recursive: true, force: true });
  }
});
