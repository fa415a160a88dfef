// --ci end to end through the real binary: GitHub Actions is detected, the step summary is
// appended (what was there stays), warn rules exit 0, fail rules exit 1, bad rules exit 2.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { BUNDLED_EXAMPLE } from '../../src/app/open.js';
import { runLayerscope } from '../helpers/cli.js';
import { writeImageFixtures } from '../helpers/image.js';
import { packTar } from '../helpers/tar.js';

const dir = mkdtempSync(join(tmpdir(), 'layerscope-cicli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a CI job: no GitHub variables unless a test sets them. */
/** The rule results of dive's text report: the lines from `Results:` to the `Result:` line. */
function verdictOf(stdout: string): string {
  const lines = stdout.split('\n');
  const from = lines.indexOf('Results:') + 1;
  const to = lines.findIndex((l) => l.startsWith('Result:'));
  return from > 0 && to >= from ? `${lines.slice(from, to + 1).join('\n')}\n` : stdout;
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GITHUB_') && !k.startsWith('LAYERSCOPE_CI_')) out[k] = v;
  return { ...out, ...extra };
}

test('GITHUB_ACTIONS=true: workflow commands by default, and the Markdown report appended to $GITHUB_STEP_SUMMARY', async () => {
  const summary = join(dir, 'summary.md');
  writeFileSync(summary, '## earlier step\n');
  const r = await runLayerscope([BUNDLED_EXAMPLE, '--ci', '--maxHiddenBytes', '50kB'], {
    cwd: dir,
    env: env({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary }),
  });
  assert.equal(r.code, 1, r.stderr);
  const image = BUNDLED_EXAMPLE.replace(/:/g, '%3A').replace(/,/g, '%2C');
  assert.equal(
    r.stdout.split('\n')[1],
    `::error title=layerscope maxHiddenBytes (${image})::too many hidden bytes (hidden-bytes=81940 > threshold=50000)`,
  );
  const text = readFileSync(summary, 'utf8');
  assert.ok(text.startsWith('## earlier step\n### layerscope: '), text.slice(0, 80));
  assert.match(text, /^\| 81\.9 kB \| 1 \| 4 \| \/tmp\/assets\.tar \|$/m);
  // A second run appends again.
  await runLayerscope([BUNDLED_EXAMPLE, '--ci'], { cwd: dir, env: env({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary }) });
  assert.equal(readFileSync(summary, 'utf8').split('### layerscope: ').length, 3);
});

test('--ci-format implies --ci; warn rules exit 0; JUnit on stdout parses', async () => {
  writeFileSync(
    join(dir, '.layerscope-ci'),
    'rules:\n  highestUserWastedPercent: {value: 0.1, level: warn}\n  maxLayers: {value: 3, level: warn}\n',
  );
  const r = await runLayerscope([BUNDLED_EXAMPLE, '--ci-format', 'junit'], { cwd: dir, env: env() });
  rmSync(join(dir, '.layerscope-ci'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(XMLValidator.validate(r.stdout), true);
  assert.match(r.stdout, /<testsuites name="layerscope" tests="4" failures="0" errors="0" skipped="1">/);
  assert.match(r.stdout, /<system-out>WARN: too many layers \(layers=7 &gt; threshold=3\)<\/system-out>/);
});

test('a bad rule or format is one line on stderr and exit 2', async () => {
  const bad = await runLayerscope([BUNDLED_EXAMPLE, '--ci', '--maxLayers', 'lots'], { cwd: dir, env: env() });
  assert.equal(bad.code, 2);
  assert.equal(
    bad.stderr,
    'layerscope: invalid CI rule maxLayers "lots" from --maxLayers: expected a whole number of layers, or "disabled"\n',
  );
  const format = await runLayerscope([BUNDLED_EXAMPLE, '--ci-format', 'xml'], { cwd: dir, env: env() });
  assert.equal(format.code, 2);
  assert.match(
    format.stderr,
    /^layerscope: option '--ci-format <format>' argument 'xml' is invalid\. Allowed choices are text, json, junit, github, gitlab, markdown\./,
  );
  assert.equal(format.stderr.split('\n').length, 2);
});

test('a rule flag on its own means --ci (it is never silently dropped)', async () => {
  const r = await runLayerscope([BUNDLED_EXAMPLE, '--maxLayers', '5', '--highestUserWastedPercent', 'off'], { cwd: dir, env: env() });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    verdictOf(r.stdout),
    [
      '  SKIP: highestUserWastedPercent: rule disabled',
      '  SKIP: highestWastedBytes: rule disabled',
      '  PASS: lowestEfficiency',
      '  FAIL: maxLayers: too many layers (layers=7 > threshold=5)',
      'Result:FAIL [Total:4] [Passed:1] [Failed:1] [Warn:0] [Skipped:2]',
      '',
    ].join('\n'),
  );
});

test('the secrets rule is on by default: a leaked .env fails --ci (exit 1); --allow-secret, --no-secrets and a rules file turn it down', async () => {
  const fx = await writeImageFixtures({
    layers: [
      await packTar([{ name: 'bin/sh', content: 1000 }]),
      await packTar([{ name: 'app/.env', content: 'DB_PASSWORD=hunter22hunter22\n' }]),
    ],
  });
  after(() => fx.cleanup());
  const ci = (...args: string[]) => runLayerscope([fx.legacyTar, '--ci', ...args], { cwd: dir, env: env() });
  const leak = await ci();
  assert.equal(leak.code, 1, leak.stderr);
  assert.equal(
    verdictOf(leak.stdout),
    [
      '  PASS: highestUserWastedPercent',
      '  SKIP: highestWastedBytes: rule disabled',
      '  PASS: lowestEfficiency',
      "  FAIL: secrets: secrets in the image's layers (secrets=1 > threshold=0): /app/.env (layer 1, dotenv)",
      'Result:FAIL [Total:4] [Passed:2] [Failed:1] [Warn:0] [Skipped:1]',
      '',
    ].join('\n'),
  );
  assert.doesNotMatch(leak.stdout, /hunter22/);
  const dive = [
    '  PASS: highestUserWastedPercent',
    '  SKIP: highestWastedBytes: rule disabled',
    '  PASS: lowestEfficiency',
    'Result:PASS [Total:3] [Passed:2] [Failed:0] [Warn:0] [Skipped:1]',
    '',
  ].join('\n');
  for (const off of [
    ['--allow-secret', '/app/.env'],
    ['--allow-secret', 'app/**'],
  ]) {
    const r = await ci(...off);
    assert.deepEqual([r.code, verdictOf(r.stdout)], [0, dive], off.join(' '));
  }
  // Turned off explicitly, it is reported as any configured rule is.
  const noSecrets = await ci('--no-secrets');
  assert.equal(noSecrets.code, 0);
  assert.equal(
    verdictOf(noSecrets.stdout).split('\n').slice(3).join('\n'),
    '  SKIP: secrets: rule disabled\nResult:PASS [Total:4] [Passed:2] [Failed:0] [Warn:0] [Skipped:2]\n',
  );
  writeFileSync(join(dir, '.layerscope-ci'), 'allowSecrets:\n  - /app/.env\n');
  const allowed = await ci();
  rmSync(join(dir, '.layerscope-ci'));
  assert.deepEqual([allowed.code, verdictOf(allowed.stdout)], [0, dive]);
  // The bundled example holds no secret: --ci on it is dive's verdict alone, as before.
  const example = await runLayerscope([BUNDLED_EXAMPLE, '--ci'], { cwd: dir, env: env() });
  assert.doesNotMatch(example.stdout, /secrets/);
});
