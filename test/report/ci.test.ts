import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DIVE_CI_DEFAULTS,
  evaluateCi,
  formatCiVerdict,
  goFloat,
  loadCiRules,
  parseByteSize,
  parseGoFloat,
  type CiRules,
} from '../../src/report/ci.js';
import { InputError } from '../../src/core/errors.js';

/** A fresh working directory, optionally with a `.dive-ci` (or other) file in it. */
const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function workdir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-ci-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const thresholds = (rules: CiRules) => ({
  lowestEfficiency: rules.rules.lowestEfficiency.threshold,
  highestWastedBytes: rules.rules.highestWastedBytes.threshold,
  highestUserWastedPercent: rules.rules.highestUserWastedPercent.threshold,
});

test("defaults are dive's: 0.9, disabled, 0.1; no file read when there is no .dive-ci", () => {
  const rules = loadCiRules({ cwd: workdir(), flags: {} });
  assert.deepEqual(DIVE_CI_DEFAULTS, { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' });
  assert.equal(rules.configFile, null);
  assert.deepEqual(thresholds(rules), { lowestEfficiency: 0.9, highestWastedBytes: null, highestUserWastedPercent: 0.1 });
  assert.equal(rules.rules.lowestEfficiency.source, 'default');
});

test('.dive-ci in the working directory is read (YAML, rules: mapping, comments, other keys ignored)', () => {
  const cwd = workdir({
    '.dive-ci': [
      '---',
      'plugins:',
      '  - plugin1',
      'rules:',
      '  # If the efficiency is measured below X%, mark as failed.',
      '  lowestEfficiency: 0.95',
      '  highestWastedBytes: 20Mb',
      '  highestUserWastedPercent: 0.20',
      '  plugin1/rule1: error',
      '',
    ].join('\n'),
  });
  const rules = loadCiRules({ cwd, flags: {} });
  assert.equal(rules.configFile, '.dive-ci');
  assert.deepEqual(thresholds(rules), { lowestEfficiency: 0.95, highestWastedBytes: 20_000_000, highestUserWastedPercent: 0.2 });
  assert.equal(rules.rules.highestWastedBytes.value, '20Mb');
  assert.equal(rules.rules.highestUserWastedPercent.value, '0.2');
  assert.equal(rules.rules.lowestEfficiency.source, 'file');
});

test('a given --ci-config file replaces .dive-ci; partial files keep the other defaults', () => {
  const cwd = workdir({ '.dive-ci': 'rules:\n  lowestEfficiency: 0.5\n', 'strict.yaml': 'rules:\n  highestWastedBytes: 1KiB\n' });
  const rules = loadCiRules({ cwd, configFile: 'strict.yaml', flags: {} });
  assert.equal(rules.configFile, 'strict.yaml');
  assert.deepEqual(thresholds(rules), { lowestEfficiency: 0.9, highestWastedBytes: 1024, highestUserWastedPercent: 0.1 });
});

test('"disabled" (and dive\'s other off words) disables a rule; YAML null keeps the default', () => {
  const cwd = workdir({
    '.dive-ci': 'rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: "OFF"\n  highestUserWastedPercent:\n',
  });
  const rules = loadCiRules({ cwd, flags: {} });
  assert.deepEqual(thresholds(rules), { lowestEfficiency: null, highestWastedBytes: null, highestUserWastedPercent: 0.1 });
  const fromFlags = loadCiRules({ cwd: workdir(), flags: { lowestEfficiency: 'false', highestUserWastedPercent: ' Disabled ' } });
  assert.deepEqual(thresholds(fromFlags), { lowestEfficiency: null, highestWastedBytes: null, highestUserWastedPercent: null });
});

test('flags override the file, rule by rule', () => {
  const cwd = workdir({ '.dive-ci': 'rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: 0.2\n' });
  const rules = loadCiRules({
    cwd,
    flags: { lowestEfficiency: '0.5', highestWastedBytes: 'disabled', highestUserWastedPercent: undefined },
  });
  assert.deepEqual(thresholds(rules), { lowestEfficiency: 0.5, highestWastedBytes: null, highestUserWastedPercent: 0.2 });
  assert.equal(rules.rules.lowestEfficiency.source, 'flag');
  assert.equal(rules.rules.highestUserWastedPercent.source, 'file');
});

test('kebab-case and other-case rule keys are accepted; camelCase wins', () => {
  const cwd = workdir({
    '.dive-ci':
      'rules:\n  lowestEfficiency: 0.8\n  lowest-efficiency: 0.1\n  HIGHESTWASTEDBYTES: 1k\n  highest-user-wasted-percent: "0.3"\n',
  });
  assert.deepEqual(thresholds(loadCiRules({ cwd, flags: {} })), {
    lowestEfficiency: 0.8,
    highestWastedBytes: 1000,
    highestUserWastedPercent: 0.3,
  });
});

test('byte sizes parse like go-humanize ParseBytes', () => {
  assert.equal(parseByteSize('20MB'), 20_000_000);
  assert.equal(parseByteSize('20Mb'), 20_000_000);
  assert.equal(parseByteSize('20MiB'), 20 * 1024 * 1024);
  assert.equal(parseByteSize('1.5GiB'), 1_610_612_736);
  assert.equal(parseByteSize('1024'), 1024);
  assert.equal(parseByteSize('1,024'), 1024);
  assert.equal(parseByteSize('50kB'), 50_000);
  assert.equal(parseByteSize('1 k'), 1000);
  assert.equal(parseByteSize('2gi'), 2 * 1024 ** 3);
  assert.equal(parseByteSize('42 B'), 42);
  assert.equal(parseByteSize('0.5'), 0); // uint64(0.5)
  assert.equal(parseByteSize('1.5B'), 1);
  assert.equal(parseByteSize('.5KB'), 500);
  assert.equal(parseByteSize('15EiB'), 15 * 1024 ** 6);
  assert.throws(() => parseByteSize('1BB'), { message: 'unhandled size name: bb' });
  assert.throws(() => parseByteSize('-1'), /invalid syntax/);
  assert.throws(() => parseByteSize('MB'), /invalid syntax/);
  assert.throws(() => parseByteSize('1.2.3MB'), /invalid syntax/);
  assert.throws(() => parseByteSize('1e3'), { message: 'unhandled size name: e3' });
  assert.throws(() => parseByteSize('16EiB'), { message: 'too large: 16EiB' });
  assert.throws(() => parseByteSize(' 1MB'), /invalid syntax/);

  const rules = loadCiRules({ cwd: workdir(), flags: { highestWastedBytes: '1.5GiB' } });
  assert.equal(rules.rules.highestWastedBytes.threshold, 1_610_612_736);
});

test('ratios parse like Go strconv.ParseFloat', () => {
  assert.equal(parseGoFloat('0.9'), 0.9);
  assert.equal(parseGoFloat('.5'), 0.5);
  assert.equal(parseGoFloat('1.'), 1);
  assert.equal(parseGoFloat('+1e-1'), 0.1);
  assert.equal(parseGoFloat('0x1p-2'), 0.25);
  assert.equal(parseGoFloat('0x.8p0'), 0.5);
  assert.equal(parseGoFloat('-Inf'), -Infinity);
  assert.ok(Number.isNaN(parseGoFloat('NaN')));
  assert.equal(parseGoFloat('0.9 '), null);
  assert.equal(parseGoFloat('90%'), null);
  assert.equal(parseGoFloat('0x1'), null);
  assert.equal(parseGoFloat(''), null);
});

test('bad values are one-line InputErrors naming the rule, the value and where it came from', () => {
  const cwd = workdir();
  const bad = (flags: Record<string, string>, message: RegExp) =>
    assert.throws(
      () => loadCiRules({ cwd, flags }),
      (err: unknown) => err instanceof InputError && message.test(err.message) && !err.message.includes('\n'),
    );
  bad({ lowestEfficiency: '1.1' }, /^invalid CI rule lowestEfficiency "1.1" from --lowestEfficiency: outside the allowed range 0..1$/);
  bad({ lowestEfficiency: '-0.1' }, /outside the allowed range/);
  bad(
    { lowestEfficiency: 'high' },
    /^invalid CI rule lowestEfficiency "high" from --lowestEfficiency: expected a ratio between 0 and 1, or "disabled"$/,
  );
  bad({ lowestEfficiency: 'NaN' }, /expected a ratio/);
  bad({ highestUserWastedPercent: '10' }, /^invalid CI rule highestUserWastedPercent "10" .*outside the allowed range 0..1$/);
  bad(
    { highestWastedBytes: '1BB' },
    /^invalid CI rule highestWastedBytes "1BB" from --highestWastedBytes: unhandled size name: bb; expected a size like 20MB/,
  );
  bad({ highestWastedBytes: '-1BB' }, /highestWastedBytes "-1BB".*invalid syntax/);

  const fileCwd = workdir({ '.dive-ci': 'rules:\n  lowestEfficiency: 95%\n' });
  assert.throws(() => loadCiRules({ cwd: fileCwd, flags: {} }), {
    name: 'InputError',
    message: /^invalid CI rule lowestEfficiency "95%" from \.dive-ci: expected a ratio/,
  });
});

test('bad or missing files are one-line InputErrors', () => {
  const cwd = workdir({
    'broken.yaml': 'rules:\n  lowestEfficiency: [0.9\n',
    'dupe.yaml': 'rules:\n  lowestEfficiency: 0.9\n  lowestEfficiency: 0.8\n',
    'list.yaml': '- rules\n',
    'scalar-rules.yaml': 'rules: strict\n',
    'nested.yaml': 'rules:\n  lowestEfficiency:\n    value: 0.9\n    when: always\n',
    'listed.yaml': 'rules:\n  lowestEfficiency: [0.9]\n',
  });
  mkdirSync(join(cwd, 'adir'));
  const fails = (configFile: string, message: RegExp) =>
    assert.throws(
      () => loadCiRules({ cwd, configFile, flags: {} }),
      (err: unknown) => err instanceof InputError && err.exitCode === 2 && message.test(err.message) && !err.message.includes('\n'),
    );
  fails('nope.yaml', /^CI config file not found: nope\.yaml/);
  fails('broken.yaml', /^cannot parse CI config broken\.yaml: /);
  fails('dupe.yaml', /^cannot parse CI config dupe\.yaml: Map keys must be unique/);
  fails('list.yaml', /^CI config list\.yaml must be a YAML mapping/);
  fails('scalar-rules.yaml', /"rules" must be a mapping/);
  fails('nested.yaml', /rules\.lowestEfficiency: unknown key "when" \(a rule takes value and level\)$/);
  fails('listed.yaml', /rules\.lowestEfficiency must be a single value, or a mapping \{value, level\}$/);
  fails('adir', /^cannot read CI config adir: EISDIR$/);

  // Empty files and files without rules: defaults.
  const empty = workdir({ '.dive-ci': '', 'other.yaml': 'ci: true\n' });
  assert.deepEqual(thresholds(loadCiRules({ cwd: empty, flags: {} })), {
    lowestEfficiency: 0.9,
    highestWastedBytes: null,
    highestUserWastedPercent: 0.1,
  });
  assert.deepEqual(thresholds(loadCiRules({ cwd: empty, configFile: 'other.yaml', flags: {} })), {
    lowestEfficiency: 0.9,
    highestWastedBytes: null,
    highestUserWastedPercent: 0.1,
  });
});

test("dive's own ci-go-case: the same report, line for line", () => {
  // dive v0.12 runtime/run_test.go, image .data/test-docker-image.tar, rules 0.9 / 1000 / 0.1.
  const rules = loadCiRules({ cwd: workdir(), flags: { highestWastedBytes: '1000' } });
  const verdict = evaluateCi(rules, { efficiency: 0.9844212134184309, wastedBytes: 32025, userWastedPercent: 0.4834911001404049 });
  assert.equal(verdict.passed, false);
  assert.equal(
    formatCiVerdict(verdict),
    [
      '  FAIL: highestUserWastedPercent: too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.4834911001404049 > threshold=0.1)',
      '  FAIL: highestWastedBytes: too many bytes wasted (wasted-bytes=32025 > threshold=1000)',
      '  PASS: lowestEfficiency',
      'Result:FAIL [Total:3] [Passed:1] [Failed:2] [Warn:0] [Skipped:0]',
    ].join('\n'),
  );
  assert.deepEqual(verdict.results[2], {
    rule: 'lowestEfficiency',
    status: 'PASS',
    level: 'fail',
    actual: '0.9844212134184309',
    threshold: '0.9',
    message: '',
    measured: 0.9844212134184309,
    limit: 0.9,
  });
});

test('each rule passes at its threshold and fails just past it', () => {
  const rules = loadCiRules({
    cwd: workdir(),
    flags: { lowestEfficiency: '0.75', highestWastedBytes: '1KB', highestUserWastedPercent: '0.25' },
  });
  const at = evaluateCi(rules, { efficiency: 0.75, wastedBytes: 1000, userWastedPercent: 0.25 });
  assert.equal(at.passed, true);
  assert.deepEqual(
    at.results.map((r) => r.status),
    ['PASS', 'PASS', 'PASS'],
  );
  assert.equal(formatCiVerdict(at).split('\n').at(-1), 'Result:PASS [Total:3] [Passed:3] [Failed:0] [Warn:0] [Skipped:0]');

  const efficiency = evaluateCi(rules, { efficiency: 0.7499, wastedBytes: 0, userWastedPercent: 0 });
  assert.deepEqual(
    efficiency.results.find((r) => r.rule === 'lowestEfficiency'),
    {
      rule: 'lowestEfficiency',
      status: 'FAIL',
      level: 'fail',
      actual: '0.7499',
      threshold: '0.75',
      message: 'image efficiency is too low (efficiency=0.7499 < threshold=0.75)',
      measured: 0.7499,
      limit: 0.75,
    },
  );
  assert.equal(efficiency.passed, false);

  const wasted = evaluateCi(rules, { efficiency: 1, wastedBytes: 1001, userWastedPercent: 0 });
  assert.deepEqual(
    wasted.results.find((r) => r.rule === 'highestWastedBytes'),
    {
      rule: 'highestWastedBytes',
      status: 'FAIL',
      level: 'fail',
      actual: '1001',
      threshold: '1000',
      message: 'too many bytes wasted (wasted-bytes=1001 > threshold=1000)',
      measured: 1001,
      limit: 1000,
    },
  );

  const percent = evaluateCi(rules, { efficiency: 1, wastedBytes: 0, userWastedPercent: 0.2501 });
  assert.deepEqual(
    percent.results.find((r) => r.rule === 'highestUserWastedPercent'),
    {
      rule: 'highestUserWastedPercent',
      status: 'FAIL',
      level: 'fail',
      actual: '0.2501',
      threshold: '0.25',
      message: 'too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.2501 > threshold=0.25)',
      measured: 0.2501,
      limit: 0.25,
    },
  );
  assert.deepEqual(
    [efficiency, wasted, percent].map((v) => v.results.filter((r) => r.status === 'FAIL').length),
    [1, 1, 1],
  );
});

test('disabled rules are skipped; NaN user ratio passes and +Infinity fails, as in Go', () => {
  const rules = loadCiRules({ cwd: workdir(), flags: {} });
  const nan = evaluateCi(rules, { efficiency: 1, wastedBytes: 0, userWastedPercent: NaN });
  assert.equal(nan.passed, true);
  assert.equal(
    formatCiVerdict(nan),
    [
      '  PASS: highestUserWastedPercent',
      '  SKIP: highestWastedBytes: rule disabled',
      '  PASS: lowestEfficiency',
      'Result:PASS [Total:3] [Passed:2] [Failed:0] [Warn:0] [Skipped:1]',
    ].join('\n'),
  );
  assert.deepEqual(nan.results[1], {
    rule: 'highestWastedBytes',
    status: 'SKIP',
    level: 'fail',
    actual: '0',
    threshold: 'disabled',
    message: 'rule disabled',
    measured: 0,
    limit: null,
  });

  const inf = evaluateCi(rules, { efficiency: 1 / 3, wastedBytes: 1000, userWastedPercent: Infinity });
  assert.equal(inf.passed, false);
  assert.equal(
    formatCiVerdict(inf),
    [
      '  FAIL: highestUserWastedPercent: too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=+Inf > threshold=0.1)',
      '  SKIP: highestWastedBytes: rule disabled',
      '  FAIL: lowestEfficiency: image efficiency is too low (efficiency=0.3333333333333333 < threshold=0.9)',
      'Result:FAIL [Total:3] [Passed:0] [Failed:2] [Warn:0] [Skipped:1]',
    ].join('\n'),
  );

  const off = loadCiRules({ cwd: workdir(), flags: { lowestEfficiency: 'disabled', highestUserWastedPercent: 'disabled' } });
  const all = evaluateCi(off, { efficiency: 0, wastedBytes: 10, userWastedPercent: 5 });
  assert.equal(all.passed, true);
  assert.equal(formatCiVerdict(all).split('\n').at(-1), 'Result:PASS [Total:3] [Passed:0] [Failed:0] [Warn:0] [Skipped:3]');
});

test('numbers are shown as Go %v shows them', () => {
  assert.equal(goFloat(0.9), '0.9');
  assert.equal(goFloat(1), '1');
  assert.equal(goFloat(0), '0');
  assert.equal(goFloat(100000), '100000');
  assert.equal(goFloat(1_000_000), '1e+06');
  assert.equal(goFloat(1_234_567.5), '1.2345675e+06');
  assert.equal(goFloat(0.0001), '0.0001');
  assert.equal(goFloat(0.00001), '1e-05');
  assert.equal(goFloat(NaN), 'NaN');
  assert.equal(goFloat(-Infinity), '-Inf');
  const big = loadCiRules({ cwd: workdir(), flags: { highestWastedBytes: '15EiB' } });
  const verdict = evaluateCi(big, { efficiency: 1, wastedBytes: 0, userWastedPercent: 0 });
  assert.equal(verdict.results.find((r) => r.rule === 'highestWastedBytes')!.threshold, '17293822569102704640');
});
