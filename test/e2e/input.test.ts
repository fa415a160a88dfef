// Input in a real terminal (tmux): keys typed while the image loads, copying a path to the
// clipboard with OSC 52, the mouse. The real binary on the bundled example.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandAvailable, need } from '../helpers/env.js';
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
      await term.waitFor(READY);
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
