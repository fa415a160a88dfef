// The compare browser's file diff in a real terminal (tmux): two hand-made images that share a
// base layer and differ in one config file. Enter on the changed file opens the file viewer on
// B's copy diffed with A's; Esc comes back to the comparison, q leaves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { commandAvailable, need } from '../helpers/env.js';
import { makeTemp, removeTemp, writeDockerArchive } from '../helpers/docker.js';
import { packTar } from '../helpers/tar.js';
import { Terminal } from '../helpers/terminal.js';

let dir: string | undefined;
before(async () => {
  dir = await makeTemp();
  const base = await packTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/tool', content: 30_000 },
  ]);
  const conf = (mode: string) =>
    packTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/app.conf', content: `port=80\nmode=${mode}\nworkers=4\n` },
    ]);
  await writeDockerArchive(join(dir, 'debug.tar'), 'layerscope-test/diff-debug:latest', [
    { tar: base, createdBy: 'ADD base' },
    { tar: await conf('debug'), createdBy: 'COPY app.conf /etc/' },
  ]);
  await writeDockerArchive(join(dir, 'release.tar'), 'layerscope-test/diff-release:latest', [
    { tar: base, createdBy: 'ADD base' },
    {
      tar: await packTar([
        { name: 'srv/', type: 'directory' },
        { name: 'srv/data', content: 500 },
      ]),
      createdBy: 'COPY data /srv/',
    },
    { tar: await conf('release'), createdBy: 'COPY app.conf /etc/' },
  ]);
});
after(() => removeTemp(dir));

test('compare A B: Enter on a changed file diffs A’s copy with B’s in the viewer; Esc comes back', async (t) => {
  if (!need(t, 'tmux', commandAvailable('tmux'))) return;
  const term = new Terminal(100, 30);
  try {
    term.run(`node bin/layerscope.js compare --no-cache ${dir}/debug.tar ${dir}/release.tar; echo "exit=$?"`);
    let screen = await term.waitFor(/Enter open/);
    // The tree: /etc (changed) is below /srv (only in release) and /bin (identical): go to it, open it.
    const rows = screen.split('\n');
    const etcRow = rows.findIndex((l) => /▸ etc/.test(l));
    const firstRow = rows.findIndex((l) => /▸ (srv|bin|etc)/.test(l));
    assert.ok(etcRow > 0 && firstRow > 0, `tree rows on:\n${screen}`);
    // Keys typed together (one read: "jl", "j\r") are taken one by one.
    screen = await term.press([`${'j'.repeat(etcRow - firstRow)}l`], /app\.conf/);
    // The header says "— diff" once both copies are read and the diff is drawn.
    screen = await term.press(['j', 'Enter'], /— diff[\s\S]*^\+mode=release$/m);
    const lines = screen.split('\n').map((l) => l.trimEnd());
    assert.match(lines[0]!, /^\/etc\/app\.conf {2}release L2 \(visible copy\) {2}31 bytes, text {2}— diff$/);
    const body = lines.slice(1).join('\n');
    assert.match(body, /--- \/etc\/app\.conf \(debug L1\)/);
    assert.match(body, /\+\+\+ \/etc\/app\.conf \(release L2\)/);
    assert.match(body, /^-mode=debug$/m);
    assert.match(body, /^\+mode=release$/m);
    assert.match(body, /^ port=80$/m);
    // Esc leaves the diff, Esc again the viewer: back in the comparison, where q leaves.
    await term.press(['Escape'], /^ {0,6}1 │ port=80$/m);
    await term.press(['Escape'], /Enter open/);
    await term.press(['q'], /^exit=0$/m);
  } finally {
    term.close();
  }
});
