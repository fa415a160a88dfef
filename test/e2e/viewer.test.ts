// The file viewer in a real terminal: the real binary on the bundled example, in tmux. From the
// hidden-bytes pane, v opens a hidden copy (the deleted /tmp/assets.tar: its member list; the
// overwritten /etc/app/app.conf: its first line), Esc comes back, q quits with exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandAvailable, need } from '../helpers/env.js';
import { Terminal } from '../helpers/terminal.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLE = 'examples/multistage-final.tar';

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
