// `layerscope compare A B` in a real 80×24 terminal (tmux): the side-by-side browser on the
// bundled example's two stages. Every tree row shows a path name (not only sizes), the whole
// height is used, the labels are short, and keys move, expand and jump across a copy.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { commandAvailable, need } from '../helpers/env.js';
import { cliPath, repoRoot } from '../helpers/cli.js';

/** The shell in the terminal runs without CI: the suite runs under CI=true, and CI=true with no
 *  output asked for is --ci (as for dive), not the browser these tests drive. */
const NO_CI = ['-e', 'CI='];

const socket = `layerscope-compare-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
after(() => {
  tmux('kill-server');
});
const screen = () => tmux('capture-pane', '-p', '-t', 'main').stdout;

async function until(what: string, check: (s: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let s = screen();
  while (!check(s)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; the screen was:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
    s = screen();
  }
  return s;
}

async function keys(...k: string[]): Promise<void> {
  for (const key of k) {
    tmux('send-keys', '-t', 'main', key);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The tree rows: between the column header (the labels) and the details line. */
function treeRows(s: string): string[] {
  const lines = s.split('\n').slice(0, 24);
  const header = lines.findIndex((l) => /^builder [\d.]+ MB +Δ final/.test(l));
  assert.ok(header > 0, `a column header on:\n${s}`);
  return lines.slice(header + 1, 22);
}

test('compare A B at 80×24: every row shows its path, the height is used, a copy jumps to its source', async (t) => {
  if (!need(t, 'tmux', commandAvailable('tmux'))) return;
  const cmd = `cd ${repoRoot} && node ${cliPath} compare examples/multistage-builder.tar examples/multistage-final.tar; echo EXIT=$?; sleep 60`;
  const r = tmux('new-session', ...NO_CI, '-d', '-s', 'main', '-x', '80', '-y', '24', cmd);
  assert.equal(r.status, 0, r.stderr);
  let s = await until('the compare browser', (x) => x.includes('left behind in builder'));
  const lines = s.split('\n');
  assert.match(lines[0]!, /^builder 2\.26 MB → final 2\.19 MB, −3\.5%/);
  assert.match(lines[1]!, /^shared base 1\.98 MB, 2 layers · own layers: builder 282 kB\/4 → final 203 kB\/5, /);
  assert.match(lines[23]!, /^Enter open {2}Tab groups .* q back/, 'the hint line is the last of the 24');
  const rows = treeRows(s).filter((l) => l.trim() !== '');
  assert.deepEqual(
    rows.map((l) => l.replace(/\s+/g, ' ').trim()),
    [
      '▸ opt 160 kB −',
      '+ ▸ srv 80 kB',
      '▸ src 67.1 kB −',
      '▸ root 54.8 kB −',
      '→ ▸ usr 40.8 kB',
      '+ ▸ etc 49 B',
      '▸ bin 1.98 MB = ▸ bin 1.98 MB',
      '+ ▸ tmp 0 B',
    ],
  );
  // Expand /usr down to the copied binary: each row keeps its name visible.
  await keys('j', 'j', 'j', 'j', 'l', 'j', 'l', 'j', 'l', 'j');
  s = await until('the copied binary', (x) => x.includes('copied from /src/out/app'));
  for (const row of treeRows(s).filter((l) => l.trim() !== '')) assert.match(row, /[▸▾ ] ?[A-Za-z.]/, `a name on: ${row}`);
  assert.match(s, /→ {6}app {20,}40\.8 kB/);
  // Enter on it goes to its source on the left.
  await keys('Enter');
  s = await until('the source', (x) => x.includes('copied from /src/out/app (builder)'));
  assert.match(s, /^ {4}app {20,}40\.8 kB →/m);
  // Every row: a name on every row even with every directory of the left open.
  await keys('d');
  s = await until('differences only', (x) => x.includes('[differences only]'));
  assert.doesNotMatch(s, /▸ bin {20,}1\.98 MB =/);
  await keys('q');
  s = await until('the exit code', (x) => /EXIT=\d+/.test(x));
  assert.match(s, /EXIT=0/);
});
