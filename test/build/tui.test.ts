// `layerscope build` on a real terminal (tmux): build progress, the stage picker, a stage in the
// browser (and its file viewer, reading the stage from the engine) and back, the comparison and back, quit — and the terminal left as it was.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { commandAvailable, dockerAvailable, need } from '../helpers/env.js';
import { cliPath, repoRoot } from '../helpers/cli.js';

/** The shell in the terminal runs without CI: the suite runs under CI=true, and CI=true with no
 *  output asked for is --ci (as for dive), not the browser these tests drive. */
const NO_CI = ['-e', 'CI='];

const session = `layerscope-build-tui-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
after(() => {
  tmux('kill-session', '-t', session);
});

const screen = () => tmux('capture-pane', '-p', '-t', session).stdout;

async function until(what: string, check: (s: string) => boolean, timeoutMs = 60_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let s = screen();
  while (!check(s)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; the screen was:\n${s}`);
    await new Promise((r) => setTimeout(r, 150));
    s = screen();
  }
  return s;
}

async function keys(...k: string[]): Promise<void> {
  for (const key of k) {
    tmux('send-keys', '-t', session, key);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('build → picker → browser → picker → compare → picker → quit', async (t) => {
  if (!need(t, 'docker', dockerAvailable()) || !need(t, 'tmux', commandAvailable('tmux'))) return;
  const r = tmux(
    'new-session',
    ...NO_CI,
    '-d',
    '-s',
    session,
    '-x',
    '120',
    '-y',
    '40',
    `cd ${repoRoot} && node ${cliPath} build examples/multistage; echo EXIT=$?; sleep 120`,
  );
  assert.equal(r.status, 0, r.stderr);
  let s = await until('the stage picker', (x) => x.includes('Built 2 stages of examples/multistage/Dockerfile'));
  assert.match(s, /❯\s+0\s+builder\s+2\.26 MB\s+6 layers\s+FROM layerscope-test\/busybox:latest/);
  assert.match(s, /1\s+final \*\s+2\.19 MB\s+7 layers/);
  assert.match(s, /compare: builder 2\.26 MB → final 2\.19 MB, −3\.5%/);
  assert.match(s, /deleted in layer 5, but still stored in layer 4: \/tmp\/assets\.tar/);

  await keys('j', 'Enter');
  s = await until('the browser on the final stage', (x) => x.includes('Layers') && x.includes('7 layers'));
  // Look inside: the stage's bytes come from the engine when first asked for (the hidden copy
  // of the deleted tarball, its member list).
  await keys('w');
  await until('the hidden bytes pane', (x) => x.includes('▶ Hidden bytes'));
  await keys('v');
  s = await until('the viewer on the hidden tarball', (x) => x.includes('assets.csv'));
  assert.match(s, /^\/tmp\/assets\.tar {2}layer 4 \(hidden copy\) {2}81920 bytes, tar archive/m);
  assert.match(s, /^- +80000 {2}assets\.csv/m);
  await keys('Escape');
  await until('the browser again', (x) => x.includes('▶ Hidden bytes'));
  await keys('q');
  await until('the picker again', (x) => x.includes('Built 2 stages'));
  // c: the comparison (the cursor is back on the final stage, so builder vs final).
  await keys('c');
  s = await until('the compare browser', (x) => x.includes('left behind in builder'));
  assert.match(s, /builder 2\.26 MB → final 2\.19 MB, −3\.5%/);
  assert.match(s, /toolchain\s+\/opt\/toolchain/);
  // The row of /opt: only in builder, its size on the left.
  assert.match(s, /▸ opt\s+160 kB −/);
  await keys('Escape');
  await until('the picker again', (x) => x.includes('Built 2 stages'));
  await keys('q');
  s = await until('the exit code', (x) => /EXIT=\d+/.test(x));
  assert.match(s, /EXIT=0/);
  // Back on the normal screen: the build progress that was printed before the picker.
  assert.match(s, /Building examples\/multistage\/Dockerfile/);
});
