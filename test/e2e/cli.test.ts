// The real binary, as users and scripts run it: exact report values on the bundled example,
// the `ls --json` contract, CI exit codes, and one-line errors with exit code 2 on bad input.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packTar } from '../helpers/tar.js';
import { buildImage, ImageWorkspace } from '../helpers/image.js';
import { childEnv } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'bin', 'layerscope.js');
const example = join(root, 'examples', 'multistage-final.tar');
const workspace = new ImageWorkspace();
after(() => workspace.cleanup());

function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: childEnv });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(r: ReturnType<typeof run>, pattern: RegExp) {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0]!, /^layerscope: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('bundled example: JSON report has the exact bytes, layers and waste entries', () => {
  const r = run([example, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(report), ['image', 'layers', 'waste', 'packages', 'secrets', 'config', 'warnings']);
  // No package database in the example (busybox): every file is unpackaged; and no leaked secret.
  assert.deepEqual(report.packages, {
    packagedBytes: 0,
    unpackagedBytes: report.image.visibleBytes,
    unpackagedFiles: 4,
    items: [],
    warnings: [],
  });
  assert.deepEqual(report.secrets, []);
  assert.deepEqual(report.warnings, []);
  assert.equal(report.image.os, 'linux');
  assert.equal(report.image.storedBytes, 2185066);
  assert.equal(report.image.visibleBytes, 2103126);
  assert.equal(report.image.hiddenBytes, 81940);
  assert.equal(report.layers.length, 7);
  assert.deepEqual(Object.keys(report.layers[0]), ['index', 'diffId', 'command', 'sizeBytes', 'compressedBytes', 'mediaType', 'entries']);
  assert.deepEqual(
    report.layers.map((l: { sizeBytes: number }) => l.sizeBytes),
    [1982256, 0, 20, 40821, 161920, 0, 49],
  );
  assert.equal(report.layers[5].command, 'RUN /bin/sh -c rm /tmp/assets.tar');
  assert.deepEqual(report.waste.entries, [
    { path: '/tmp/assets.tar', bytes: 81920, count: 1, layers: [4] },
    { path: '/etc/app/app.conf', bytes: 20, count: 1, layers: [2] },
  ]);
  assert.equal(report.waste.hiddenBytes, 81940);
  // dive counts every copy of a path seen in 2+ layers, the kept one too: 81920 + 0 (whiteout) + 20 + 49.
  assert.equal(report.waste.wastedBytes, 81989);
});

test('no IMAGE analyses the bundled example; --json FILE writes the file', () => {
  const out = join(workspace.dir, 'report.json');
  const r = run(['--json', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const report = JSON.parse(spawnSync('cat', [out], { encoding: 'utf8' }).stdout);
  assert.equal(report.image.hiddenBytes, 81940);
});

test('text summary when stdout is not a terminal', () => {
  const r = run([example]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Image .*multistage-final\.tar$/m);
  assert.match(r.stdout, /^\s+4\s+162 kB\s+166 kB\s+81\.9 kB\s+0 B\s+RUN yes 'id,lat,lon,name'/m);
  assert.match(r.stdout, /^\s+81\.9 kB\s+×1\s+L4→L5\s+\/tmp\/assets\.tar$/m);
  assert.match(r.stdout, /^\s+hidden\s+81\.9 kB \(3\.8% of stored\)$/m);
});

test('ls --json: one object a line with the contract keys, PATH restricts to a subtree', () => {
  const r = run(['ls', example, '/etc', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(rows, [
    { path: '/etc', type: 'dir', size: 0, layer: 6 }, // the COPY layer re-lists its parents
    { path: '/etc/app', type: 'dir', size: 0, layer: 6 },
    { path: '/etc/app/app.conf', type: 'file', size: 49, layer: 6 },
  ]);
  const all = run(['ls', example, '--json'])
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(all.filter((x: { path: string }) => x.path === '/tmp/assets.tar').length, 0, 'deleted file is not listed');
  assert.deepEqual(
    all.find((x: { path: string }) => x.path === '/bin/sh'),
    { path: '/bin/sh', type: 'symlink', size: 0, layer: 1 },
  );
  assertOneLineError(run(['ls', example, '/no/such']), /no such path in the image: \/no\/such/);
});

test('--ci: exit 0 when rules pass, 1 with a verdict per rule when one fails', () => {
  const pass = run([example, '--ci', '--lowestEfficiency', '0.9', '--highestUserWastedPercent', '0.5']);
  assert.equal(pass.code, 0, pass.stdout + pass.stderr);
  assert.match(pass.stdout, /PASS: lowestEfficiency/);
  assert.match(pass.stdout, /Result:PASS/);
  const rules = join(workspace.dir, 'dive-ci.yaml');
  writeFileSync(rules, 'rules:\n  lowestEfficiency: 0.99\n  highestWastedBytes: 50KB\n  highestUserWastedPercent: disabled\n');
  const fail = run([example, '--ci', '--ci-config', rules]);
  assert.equal(fail.code, 1, fail.stdout + fail.stderr);
  assert.match(fail.stdout, /FAIL: lowestEfficiency/);
  assert.match(fail.stdout, /FAIL: highestWastedBytes/);
  assert.match(fail.stdout, /SKIP: highestUserWastedPercent/);
  assert.match(fail.stdout, /Result:FAIL \[Total:3\] \[Passed:0\] \[Failed:2\] \[Warn:0\] \[Skipped:1\]/);
});

test('bad input: missing file, non-image tar, truncated layer, bad option → one line, exit 2', async () => {
  assertOneLineError(run(['/no/such/image.tar']), /no such file: \/no\/such\/image\.tar/);

  const notImage = join(workspace.dir, 'not-image.tar');
  writeFileSync(notImage, await packTar([{ name: 'hello.txt', content: 'hi' }]));
  assertOneLineError(run([notImage, '--json']), /not a container image/);

  const text = join(workspace.dir, 'text.tar');
  writeFileSync(text, 'just some text, not a tar at all\n'.repeat(40));
  assertOneLineError(run([text]), /text\.tar/);

  const full = await packTar([{ name: 'big.bin', content: 50_000 }]);
  const truncated = buildImage({ layers: [full.subarray(0, 20_000)] });
  const archive = await workspace.legacyDockerArchive([truncated], 'truncated.tar');
  assertOneLineError(run([archive, '--json']), /layer 0 .*truncated layer/);

  assertOneLineError(run([example, '--bogus']), /unknown option '--bogus'/);
  assertOneLineError(run([example, '--platform', 'not a platform']), /platform/);
  assertOneLineError(run([example, '--ci', '--lowestEfficiency', 'abc']), /lowestEfficiency/);
});

test('--json into a directory that does not exist: one line saying what to do, exit 2, before the image is read', () => {
  assertOneLineError(
    run([example, '--json', '/nonexistent/dir/x.json']),
    /^layerscope: cannot write \/nonexistent\/dir\/x\.json: there is no directory \/nonexistent\/dir; create it first, or name a file in a directory that exists$/,
  );
  assertOneLineError(
    run(['/no/such/image.tar', '--json', '/nonexistent/dir/x.json']),
    /cannot write \/nonexistent\/dir\/x\.json: there is no directory/,
  );
  assertOneLineError(run([example, '--json', workspace.dir]), /: it is a directory; name a file, e\.g\. .*\/report\.json$/);
});
