// What the browser shows in a real terminal at 80×24, 120×40 and 200×60: the header naming the
// image, warnings counted and listed, the tree's size in changes-only mode agreeing with Details,
// the help's key card fitting 80×24, the explain key, the attribute columns and the layers' wide
// mode using a wide terminal.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandAvailable, need } from '../helpers/env.js';
import { Terminal } from '../helpers/terminal.js';
import { buildImage, ImageWorkspace } from '../helpers/image.js';
import { packTar } from '../helpers/tar.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLE = 'examples/multistage-final.tar';
const hasTmux = commandAvailable('tmux');
const READY = /\? help {2}q quit/;

function gate(t: TestContext): boolean {
  if (!need(t, 'tmux', hasTmux)) return false;
  assert.ok(existsSync(`${ROOT}/${EXAMPLE}`), `${EXAMPLE} is missing (scripts/make-example.sh makes it)`);
  assert.ok(existsSync(`${ROOT}/dist/src/main.js`), 'build first (npm run build)');
  return true;
}

/** The part of each screen line left of column `to` (the tree), and right of it (the details). */
const left = (screen: string, to: number) => screen.split('\n').map((l) => [...l].slice(0, to).join(''));
const right = (screen: string, from: number) => screen.split('\n').map((l) => [...l].slice(from).join(''));

test('80×24: the header names the image; changes only: the tree and Details give /tmp one size; help fits; e explains', async (t) => {
  if (!gate(t)) return;
  const term = new Terminal(80, 24);
  try {
    term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
    let screen = await term.waitFor(READY);
    assert.equal(screen.split('\n')[0], 'examples/multistage-final.tar · 7 layers · 2.19 MB stored');
    assert.equal(screen.split('\n')[22], 'hidden = stored in a layer, unreachable in the final image  ? help  q quit');
    // L5 (RUN rm /tmp/assets.tar), changes only, the cursor on /tmp.
    screen = await term.press(['k', 'c', 'Tab'], /▶ Files after L5 · changes only/);
    const tree = left(screen, 48);
    assert.ok(
      tree.some((l) => /^║ {3}name {2,}changed added║$/.test(l)),
      `the heading says 'changed'\n${screen}`,
    );
    assert.ok(
      tree.some((l) => /^║›~ ▸ tmp\/ +81\.9 kB +L2║$/.test(l)),
      screen,
    );
    const details = right(screen, 48).join('\n');
    assert.match(details, /size {6}81\.9 kB changed[│ ]*\n│ {10}below by L5/, `Details give the tree's number\n${screen}`);
    // Help: a key card in three columns, nothing cut.
    screen = await term.press(['?'], /Help · \? or Esc to close/);
    const help = screen.split('\n').slice(3, 21);
    assert.ok(
      help.every((l) => !l.includes('…')),
      screen,
    );
    assert.match(help[0]!, /^║Browser {19}\S.* {2,}\S.*║$/);
    assert.match(screen, /b Ctrl-B attributes/);
    assert.match(screen, /e explain/);
    // Hidden bytes, then e: what the numbers mean.
    screen = await term.press(['Escape', 'w'], /▶ Hidden bytes/);
    assert.match(screen, /81\.9 kB hidden · dive efficiency 96\.25%/);
    screen = await term.press(['e'], /What the numbers mean/);
    assert.match(screen, /dive's efficiency/);
    term.keys('Escape', 'q');
    await term.waitFor(/^exit=0$/m);
  } finally {
    term.close();
  }
});

test('120×40: an archive holding 2 images: the header counts the warning, ! shows it', async (t) => {
  if (!gate(t)) return;
  const ws = new ImageWorkspace();
  const term = new Terminal(120, 40);
  try {
    const layer = await packTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/os-release', content: 'ID=test\n' },
    ]);
    const a = buildImage({ layers: [layer], tags: ['app:1'] });
    const b = buildImage({ layers: [layer, await packTar([{ name: 'b.txt', content: 'B' }])], tags: ['web:2'] });
    const path = await ws.legacyDockerArchive([a, b], 'two.tar');
    term.run(`node bin/layerscope.js ${path}; echo "exit=$?"`);
    let screen = await term.waitFor(READY);
    assert.equal(screen.split('\n')[0], `${path} · 1 layer · 8 B stored  ⚠ 1 warning (! lists them)`);
    screen = await term.press(['!'], /Warnings \(1\)/);
    assert.match(screen, /The image \(1\)/);
    assert.match(screen, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} holds 2 images; analysing the first \\(app:1\\)`));
    term.keys('Escape', 'q');
    await term.waitFor(/^exit=0$/m);
  } finally {
    term.close();
    ws.cleanup();
  }
});

test('200×60: the tree shows permissions, uid:gid and times; f shows the full command of a layer', async (t) => {
  if (!gate(t)) return;
  const term = new Terminal(200, 60);
  try {
    term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
    let screen = await term.waitFor(READY);
    const tree = left(screen, 120);
    assert.ok(
      tree.some((l) => /^│ {3}name {2,}mode {7}uid:gid {5}modified {14}size added│$/.test(l)),
      screen,
    );
    assert.ok(
      tree.some((l) => /^│› {2}▸ bin\/ +drwxr-xr-x 0:0 +\d{4}-\d\d-\d\d \d\d:\d\d +1\.98 MB +L0│$/.test(l)),
      screen,
    );
    // L4's command is longer than the line: f shows all of it below the row.
    screen = await term.press(['k', 'k', 'f'], /layers: the full command of the selected layer/);
    assert.match(screen, /tar -xf \/tmp\/assets\.tar -C \/srv\/app\/da/);
    const command = screen.split('\n').find((l) => l.includes('›   4'))!;
    assert.doesNotMatch(command, /…/);
    term.keys('q');
    await term.waitFor(/^exit=0$/m);
    // The configuration's default (dive's filetree.show-attributes; here its variable): no attribute columns.
    term.run(`clear; LAYERSCOPE_ATTRIBUTES=false node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
    screen = await term.waitFor(READY);
    assert.ok(
      left(screen, 120).some((l) => /^│ {3}name {2,}size added│$/.test(l)),
      screen,
    );
    screen = await term.press(['b'], /showing permissions and uid:gid/);
    assert.ok(left(screen, 120).some((l) => /mode {7}uid:gid {5}modified/.test(l)));
    term.keys('q');
    await term.waitFor(/^exit=1$|^exit=0$/m);
  } finally {
    term.close();
  }
});
