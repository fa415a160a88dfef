// layerscope's CI rules on a fixture image with exact numbers: each rule's pass, fail and warn,
// ignore globs (every measure taken again without the ignored paths), the secrets rule over a
// findings list, and the rules files layered as documented (.dive-ci < .layerscope-ci < env < flag).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LayerSummary } from '../../src/core/model.js';
import { analyse } from '../../src/core/analysis.js';
import { InputError } from '../../src/core/errors.js';
import { type CiRules, evaluateCi, formatCiVerdict, loadCiRules } from '../../src/report/ci.js';
import { ciView, ignoreMatcher } from '../../src/report/ciMeasures.js';
import { analysisOf } from '../helpers/analysis.js';
import type { TarSpec } from '../helpers/tar.js';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function workdir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-cirules-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const file = (name: string, content: number): TarSpec => ({ name, content });
const wh = (name: string): TarSpec => ({ name, content: '' });

/** Base 1100 bytes; layer 1 adds a 5000-byte package and a 3000-byte file; layer 2 deletes the
 *  package and rewrites the file as 10 bytes. Stored 9110, visible 1110, hidden 8000. */
function fixture() {
  return analysisOf(
    'fixture:ci',
    [
      [file('bin/sh', 1000), file('etc/conf', 100)],
      [file('var/cache/apt/pkg.deb', 5000), file('app/big', 3000)],
      [wh('var/cache/apt/.wh.pkg.deb'), file('app/big', 10)],
    ],
    ['ADD rootfs /', 'RUN apt-get install && make', 'RUN rm pkg.deb && strip big'],
  );
}

const rulesWith = (flags: Record<string, string | string[]>, cwd = workdir()): CiRules =>
  loadCiRules({ cwd, flags: { lowestEfficiency: 'disabled', highestUserWastedPercent: 'disabled', ...flags } });

test('the fixture measures: layers, stored, hidden, hidden share and dive metrics, exactly', async () => {
  const view = ciView(await fixture());
  assert.deepEqual(
    { ...view.measures, secrets: view.measures.secrets },
    {
      efficiency: 1110 / 9110,
      wastedBytes: 8010,
      userWastedPercent: 1,
      layers: 3,
      storedBytes: 9110,
      compressedBytes: null, // the synthetic source says nothing about its blobs
      hiddenBytes: 8000,
      hiddenPercent: 8000 / 9110,
      secrets: [], // every layer walk scans for secrets; this fixture has none
    },
  );
});

test('maxLayers, maxSizeBytes, maxHiddenBytes, maxHiddenPercent: pass at the threshold, fail just past it', async () => {
  const view = ciView(await fixture());
  const at = evaluateCi(
    rulesWith({ maxLayers: '3', maxSizeBytes: '9110', maxHiddenBytes: '8000', maxHiddenPercent: String(8000 / 9110) }),
    view.measures,
  );
  assert.equal(at.passed, true);
  assert.deepEqual(
    at.results.map((r) => [r.rule, r.status]),
    [
      ['highestUserWastedPercent', 'SKIP'],
      ['highestWastedBytes', 'SKIP'],
      ['lowestEfficiency', 'SKIP'],
      ['maxHiddenBytes', 'PASS'],
      ['maxHiddenPercent', 'PASS'],
      ['maxLayers', 'PASS'],
      ['maxSizeBytes', 'PASS'],
    ],
  );
  const past = evaluateCi(
    rulesWith({ maxLayers: '2', maxSizeBytes: '9109', maxHiddenBytes: '7999', maxHiddenPercent: '87%' }),
    view.measures,
  );
  assert.equal(past.passed, false);
  assert.equal(
    formatCiVerdict(past),
    [
      '  SKIP: highestUserWastedPercent: rule disabled',
      '  SKIP: highestWastedBytes: rule disabled',
      '  SKIP: lowestEfficiency: rule disabled',
      '  FAIL: maxHiddenBytes: too many hidden bytes (hidden-bytes=8000 > threshold=7999)',
      '  FAIL: maxHiddenPercent: too many hidden bytes, relative to the stored bytes (hidden-ratio=0.8781558726673985 > threshold=0.87)',
      '  FAIL: maxLayers: too many layers (layers=3 > threshold=2)',
      '  FAIL: maxSizeBytes: image too large (stored-bytes=9110 > threshold=9109)',
      'Result:FAIL [Total:7] [Passed:0] [Failed:4] [Warn:0] [Skipped:3]',
    ].join('\n'),
  );
});

test('warn level: a breached warn rule reports WARN and the run passes; a fail rule beside it still fails', async () => {
  const view = ciView(await fixture());
  const warned = evaluateCi(rulesWith({ maxLayers: '2', warn: ['maxLayers'] }), view.measures);
  assert.equal(warned.passed, true);
  const row = warned.results.find((r) => r.rule === 'maxLayers')!;
  assert.deepEqual([row.status, row.level, row.message], ['WARN', 'warn', 'too many layers (layers=3 > threshold=2)']);
  assert.equal(formatCiVerdict(warned).split('\n').at(-1), 'Result:PASS [Total:4] [Passed:0] [Failed:0] [Warn:1] [Skipped:3]');

  const cwd = workdir({ '.layerscope-ci': 'rules:\n  maxLayers: {value: 2, level: warn}\n  maxHiddenBytes: 1kB\n' });
  const mixed = evaluateCi(loadCiRules({ cwd, flags: { lowestEfficiency: 'off', highestUserWastedPercent: 'off' } }), view.measures);
  assert.equal(mixed.passed, false);
  assert.deepEqual(
    mixed.results.filter((r) => r.status !== 'SKIP').map((r) => [r.rule, r.status]),
    [
      ['maxHiddenBytes', 'FAIL'],
      ['maxLayers', 'WARN'],
    ],
  );
});

test('ignore: the ignored paths leave every measure, dive metrics included', async () => {
  const analysis = await fixture();
  const view = ciView(analysis, ['/var/cache/**']);
  assert.equal(view.measures.storedBytes, 4110);
  assert.equal(view.measures.hiddenBytes, 3000);
  assert.equal(view.measures.hiddenPercent, 3000 / 4110);
  assert.equal(view.measures.wastedBytes, 3010);
  assert.equal(view.measures.userWastedPercent, 1);
  assert.equal(view.measures.efficiency, 1110 / 4110);
  assert.deepEqual(
    view.account.entries.map((e) => [e.path, e.bytes]),
    [['app/big', 3000]],
  );
  // The analysis itself is untouched.
  assert.equal(analysis.account.hiddenBytes, 8000);
  // A directory pattern covers its subtree; patterns without the leading slash match too.
  assert.equal(ciView(analysis, ['var/cache']).measures.hiddenBytes, 3000);
  assert.equal(ciView(analysis, ['**/*.deb', 'app/big']).measures.hiddenBytes, 0);
  assert.equal(ciView(analysis, ['**/*.deb', 'app/big']).measures.storedBytes, 1100);

  const match = ignoreMatcher(['/var/cache', '*.log'])!;
  assert.deepEqual(['var/cache', 'var/cache/apt/x', 'var/cachex', 'a.log', 'x/a.log'].map(match), [true, true, false, true, false]);
  // From a file and the command line together: the file's globs, then the flag's.
  const cwd = workdir({ '.layerscope-ci': 'ignore:\n  - /var/cache/**\nrules:\n  maxHiddenBytes: 3000\n' });
  const rules = loadCiRules({ cwd, flags: { ignore: ['/tmp/**'] } });
  assert.deepEqual(rules.ignore, ['/var/cache/**', '/tmp/**']);
  const verdict = evaluateCi(rules, ciView(analysis, rules.ignore).measures);
  assert.equal(verdict.results.find((r) => r.rule === 'maxHiddenBytes')!.status, 'PASS');
  assert.equal(evaluateCi(rules, ciView(analysis).measures).results.find((r) => r.rule === 'maxHiddenBytes')!.status, 'FAIL');
});

const KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW'.repeat(3)}\n-----END OPENSSH PRIVATE KEY-----\n`;

/** A key copied in and "deleted" by the next layer (still in the image), and a .env that stays. */
function leaky() {
  return analysisOf('fixture:secrets', [
    [file('bin/sh', 10)],
    [
      { name: 'root/.ssh/id_rsa', content: KEY },
      { name: 'app/.env', content: 'API_KEY=abcdef0123456789\n' },
    ],
    [wh('root/.ssh/.wh.id_rsa')],
  ]);
}

test("secrets: the scanner's findings, hidden copies included, masked; fail, allowed count, ignore, no scan", async () => {
  const analysis = await leaky();
  const view = ciView(analysis);
  assert.deepEqual(view.measures.secrets, [
    {
      path: '/root/.ssh/id_rsa',
      layer: 1,
      kind: 'private-key',
      preview: '-----BEGIN OPENSSH PRIVATE KEY----- ********',
      line: 1,
      visible: false,
      hiddenBy: { layer: 2, how: 'deleted' },
    },
    { path: '/app/.env', layer: 1, kind: 'dotenv', preview: 'API_KEY=********', line: 1, visible: true },
  ]);
  const none = evaluateCi(rulesWith({ secrets: 'true' }), view.measures).results.find((r) => r.rule === 'secrets')!;
  assert.equal(none.status, 'FAIL');
  assert.equal(
    none.message,
    "secrets in the image's layers (secrets=2 > threshold=0): /root/.ssh/id_rsa (layer 1, private-key, deleted in layer 2 but still stored), /app/.env (layer 1, dotenv)",
  );
  assert.doesNotMatch(JSON.stringify(none), /abcdef0123456789|b3BlbnNzaC1rZXkt/, 'never the secret itself');
  assert.equal(evaluateCi(rulesWith({ secrets: '2' }), view.measures).results.find((r) => r.rule === 'secrets')!.status, 'PASS');
  const ignored = ciView(analysis, ['/app/.env']);
  assert.deepEqual(
    ignored.measures.secrets!.map((f) => f.path),
    ['/root/.ssh/id_rsa'],
  );
  assert.equal(evaluateCi(rulesWith({ secrets: '1' }), ignored.measures).passed, true);
  // The rule takes a findings list: any producer of findings can feed it.
  const direct = evaluateCi(rulesWith({ secrets: 'true' }), {
    efficiency: 1,
    wastedBytes: 0,
    userWastedPercent: 0,
    secrets: [{ path: '/x', layer: 0, kind: 'github-token' }],
  });
  assert.equal(direct.results.at(-1)!.message, "secrets in the image's layers (secrets=1 > threshold=0): /x (layer 0, github-token)");

  // Summaries read without contents (no scan): the rule is skipped and says why.
  const unscannedImage = { ...analysis.image, summaries: analysis.image.summaries.map(({ contents: _, ...s }) => s as LayerSummary) };
  const unscanned = evaluateCi(rulesWith({ secrets: 'true' }), ciView(analyse(unscannedImage)).measures).results.at(-1)!;
  assert.deepEqual([unscanned.status, unscanned.message], ['SKIP', 'no secret scan in this analysis']);
});

test('secrets is on by default: fails on a leak, out of a clean report; allowSecrets globs, --no-secrets and "disabled" turn it down', async () => {
  const view = ciView(await leaky());
  // No rules file, no flag: dive's three rules, then the default secrets rule because it fails.
  const defaults = evaluateCi(loadCiRules({ cwd: workdir() }), view.measures);
  assert.equal(defaults.passed, false);
  assert.deepEqual(
    defaults.results.map((r) => [r.rule, r.status]),
    [
      ['highestUserWastedPercent', 'FAIL'],
      ['highestWastedBytes', 'SKIP'],
      ['lowestEfficiency', 'FAIL'],
      ['secrets', 'FAIL'],
    ],
  );
  assert.equal(
    formatCiVerdict(defaults).split('\n').at(-2),
    "  FAIL: secrets: secrets in the image's layers (secrets=2 > threshold=0): /root/.ssh/id_rsa (layer 1, private-key, deleted in layer 2 but still stored), /app/.env (layer 1, dotenv)",
  );
  // A clean image: the default rule passes and the report is dive's, line for line.
  const clean = evaluateCi(loadCiRules({ cwd: workdir() }), ciView(await fixture()).measures);
  assert.deepEqual(
    clean.results.map((r) => r.rule),
    ['highestUserWastedPercent', 'highestWastedBytes', 'lowestEfficiency'],
  );
  // allowSecrets in .layerscope-ci (and .dive-ci), and --allow-secret: those paths do not count.
  const allowFile = loadCiRules({ cwd: workdir({ '.layerscope-ci': 'allowSecrets:\n  - /root/.ssh/**\n' }) });
  assert.deepEqual(allowFile.allowSecrets, ['/root/.ssh/**']);
  const allowed = ciView(await leaky(), allowFile.ignore, allowFile.allowSecrets);
  assert.deepEqual(
    allowed.measures.secrets!.map((f) => f.path),
    ['/app/.env'],
  );
  assert.equal(allowed.measures.storedBytes, view.measures.storedBytes, 'allowSecrets leaves the other rules alone');
  const both = loadCiRules({ cwd: workdir({ '.dive-ci': 'allowSecrets: root/.ssh/id_rsa\n' }), flags: { allowSecrets: ['app/.env'] } });
  assert.deepEqual(both.allowSecrets, ['root/.ssh/id_rsa', 'app/.env']);
  const none = evaluateCi(rulesWith({}), ciView(await leaky(), both.ignore, both.allowSecrets).measures);
  assert.deepEqual(
    none.results.map((r) => [r.rule, r.status]),
    [
      ['highestUserWastedPercent', 'SKIP'],
      ['highestWastedBytes', 'SKIP'],
      ['lowestEfficiency', 'SKIP'],
    ],
  );
  assert.equal(none.passed, true);
  // Off: secrets: disabled in a file, LAYERSCOPE_CI_SECRETS=off, or --no-secrets (the flag value 'disabled').
  for (const rules of [
    loadCiRules({ cwd: workdir({ '.layerscope-ci': 'rules:\n  secrets: disabled\n' }) }),
    loadCiRules({ cwd: workdir(), env: { LAYERSCOPE_CI_SECRETS: 'off' } }),
    loadCiRules({ cwd: workdir(), flags: { secrets: 'disabled' } }),
  ]) {
    assert.equal(rules.rules.secrets.threshold, null);
    const r = evaluateCi(rules, view.measures).results.find((x) => x.rule === 'secrets')!;
    assert.deepEqual([r.status, r.message], ['SKIP', 'rule disabled']);
  }
  assert.throws(() => loadCiRules({ cwd: workdir(), flags: { allowSecrets: [' '] } }), {
    message: 'an empty allowSecrets glob would match nothing; remove it',
  });
});

test('maxCompressedBytes: checks the blobs as stored; skipped with the reason when the source cannot say', () => {
  const rules = rulesWith({ maxCompressedBytes: '1MB' });
  const base = { efficiency: 1, wastedBytes: 0, userWastedPercent: 0 };
  const over = evaluateCi(rules, { ...base, compressedBytes: 1_000_001 }).results.at(-1)!;
  assert.deepEqual([over.status, over.message], ['FAIL', 'image too large to pull (compressed-bytes=1000001 > threshold=1000000)']);
  assert.equal(evaluateCi(rules, { ...base, compressedBytes: 1_000_000 }).results.at(-1)!.status, 'PASS');
  const unknown = evaluateCi(rules, { ...base, compressedBytes: null });
  assert.equal(unknown.passed, true);
  assert.equal(unknown.results.at(-1)!.status, 'SKIP');
  assert.match(unknown.results.at(-1)!.message, /^compressed size unknown: this source does not say/);
});

test('precedence: config section < .dive-ci < .layerscope-ci < LAYERSCOPE_CI_* < flags; origins are named', () => {
  const cwd = workdir({
    '.dive-ci': 'rules:\n  lowestEfficiency: 0.5\n  maxLayers: 10\n  maxSizeBytes: 1GB\n',
    '.layerscope-ci': 'rules:\n  maxLayers: 20\n  maxHiddenBytes: 5MB\n',
  });
  const rules = loadCiRules({
    cwd,
    base: { origin: '/home/u/.config/layerscope/config.yaml', rules: { maxLayers: { value: '1' }, maxHiddenPercent: { value: '10%' } } },
    env: { LAYERSCOPE_CI_MAX_HIDDEN_BYTES: '6MB', LAYERSCOPE_CI_MAX_SIZE_BYTES: '' },
    flags: { maxSizeBytes: '2GB' },
  });
  assert.deepEqual(rules.files, ['.dive-ci', '.layerscope-ci']);
  assert.equal(rules.configFile, '.layerscope-ci');
  const show = (name: keyof CiRules['rules']) => [rules.rules[name].threshold, rules.rules[name].source, rules.rules[name].origin];
  assert.deepEqual(show('lowestEfficiency'), [0.5, 'file', '.dive-ci']);
  assert.deepEqual(show('maxLayers'), [20, 'file', '.layerscope-ci']);
  assert.deepEqual(show('maxHiddenPercent'), [0.1, 'config', '/home/u/.config/layerscope/config.yaml']);
  assert.deepEqual(show('maxHiddenBytes'), [6_000_000, 'env', 'LAYERSCOPE_CI_MAX_HIDDEN_BYTES']);
  assert.deepEqual(show('maxSizeBytes'), [2_000_000_000, 'flag', '--maxSizeBytes']);
  assert.deepEqual(show('secrets'), [0, 'default', 'the default']); // on by default: no secret allowed
  // --ci-config replaces both files.
  const only = loadCiRules({
    cwd: workdir({ 'x.yaml': 'rules:\n  maxLayers: 3\n', '.dive-ci': 'rules:\n  maxLayers: 9\n' }),
    configFile: 'x.yaml',
  });
  assert.deepEqual([only.files, only.rules.maxLayers.threshold], [['x.yaml'], 3]);
});

test('bad values of the new rules are one-line InputErrors naming the rule and where it came from', () => {
  const bad = (flags: Record<string, string | string[]>, message: RegExp) =>
    assert.throws(
      () => loadCiRules({ cwd: workdir(), flags }),
      (err: unknown) => err instanceof InputError && message.test(err.message) && !err.message.includes('\n'),
    );
  bad({ maxLayers: '3.5' }, /^invalid CI rule maxLayers "3.5" from --maxLayers: expected a whole number of layers, or "disabled"$/);
  bad(
    { maxHiddenPercent: '150%' },
    /^invalid CI rule maxHiddenPercent "150%" from --maxHiddenPercent: outside the allowed range 0%\.\.100%$/,
  );
  bad({ maxHiddenPercent: '10' }, /outside the allowed range 0\.\.1, or a percentage like 10%$/);
  bad({ maxSizeBytes: 'big' }, /^invalid CI rule maxSizeBytes "big" from --maxSizeBytes: strconv\.ParseFloat/);
  bad({ secrets: 'maybe' }, /^invalid CI rule secrets "maybe" .*expected true \(no secret allowed\), a number of findings allowed/);
  bad({ warn: ['maxLayerz'] }, /^--warn maxLayerz: no such CI rule \(rules: lowestEfficiency, /);
  assert.throws(() => loadCiRules({ cwd: workdir({ '.layerscope-ci': 'rules:\n  maxLayers: {value: 3, level: loud}\n' }) }), {
    message: 'CI config .layerscope-ci: rules.maxLayers.level must be warn or fail',
  });
  assert.throws(() => loadCiRules({ cwd: workdir({ '.layerscope-ci': 'ignore: {a: 1}\n' }) }), {
    message: 'CI config .layerscope-ci: "ignore" must be a list of path globs',
  });
  assert.throws(() => loadCiRules({ cwd: workdir(), env: { LAYERSCOPE_CI_MAX_LAYERS: 'many' } }), {
    message: 'invalid CI rule maxLayers "many" from LAYERSCOPE_CI_MAX_LAYERS: expected a whole number of layers, or "disabled"',
  });
});

test("a .dive-ci alone: only dive's three rules, as dive reports them", async () => {
  const cwd = workdir({ '.dive-ci': 'rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: 0.20\n' });
  const verdict = evaluateCi(loadCiRules({ cwd }), ciView(await fixture()).measures);
  assert.deepEqual(
    verdict.results.map((r) => r.rule),
    ['highestUserWastedPercent', 'highestWastedBytes', 'lowestEfficiency'],
  );
});
