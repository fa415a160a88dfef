// Every --ci-format checked by an independent reader: JUnit XML by an XML parser, GitLab Code
// Quality by its JSON schema (vendored in test/fixtures/ci), GitHub workflow commands and the dive
// text by exact text, Markdown by its lines; hostile image names and paths cannot break out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Analysis } from '../../src/core/analysis.js';
import { evaluateCi, loadCiRules, type CiFlags } from '../../src/report/ci.js';
import { ciGithub, escapeData, escapeProperty } from '../../src/report/ci/github.js';
import { ciGitlab, codeQualityIssues, ruleLine } from '../../src/report/ci/gitlab.js';
import { ciJson } from '../../src/report/ci/json.js';
import { ciJunit } from '../../src/report/ci/junit.js';
import { ciMarkdown, mdText } from '../../src/report/ci/markdown.js';
import { type CiReport, ciReport } from '../../src/report/ci/report.js';
import { ciText } from '../../src/report/ci/text.js';
import { ciView } from '../../src/report/ciMeasures.js';
import { loadAnalysis, BUNDLED_EXAMPLE } from '../../src/app/open.js';
import { analysisOf } from '../helpers/analysis.js';
import { EXAMPLE_DIVE_CI_HEAD, repoRoot } from '../helpers/cli.js';

const schema = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'ci', 'gitlab-codequality.schema.json'), 'utf8'));
const validateCodeQuality = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema);

function reportOf(analysis: Analysis, flags: CiFlags, cwd = repoRoot): CiReport {
  const rules = loadCiRules({ cwd, flags });
  const view = ciView(analysis, rules.ignore, rules.allowSecrets);
  return ciReport(analysis, rules, view, evaluateCi(rules, view.measures));
}

let example: Analysis | undefined;
async function bundled(): Promise<Analysis> {
  example ??= await loadAnalysis(BUNDLED_EXAMPLE, { cache: false });
  return example;
}

/** The bundled multi-stage example with dive's defaults plus three of ours, one at warn level. */
async function exampleReport(): Promise<CiReport> {
  return reportOf(await bundled(), {
    maxHiddenBytes: '50kB',
    maxLayers: '5',
    warn: ['maxLayers'],
    maxSizeBytes: '10MB',
    allowSecrets: ['/srv/test/**'],
  });
}

/** An image whose name and paths try to end a workflow command, start another, open HTML or a
 *  table cell, and colour the log. */
const HOSTILE_REF = 'evil\n::error::pwned%0A\r\u001b[31m|<b>,x:y';
function hostile(): Promise<Analysis> {
  return analysisOf(HOSTILE_REF, [
    [{ name: 'a|b<script>\u001b[2J.bin', content: 700 }],
    [{ name: '.wh.a|b<script>\u001b[2J.bin', content: '' }],
  ]);
}

test("text: dive's report, line for line (its analysis, inefficient files and results), then layerscope's hidden bytes", async () => {
  assert.equal(
    ciText(await exampleReport()),
    [
      ...EXAMPLE_DIVE_CI_HEAD,
      '  FAIL: highestUserWastedPercent: too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.40426507568660325 > threshold=0.1)',
      '  SKIP: highestWastedBytes: rule disabled',
      '  PASS: lowestEfficiency',
      '  FAIL: maxHiddenBytes: too many hidden bytes (hidden-bytes=81940 > threshold=50000)',
      '  WARN: maxLayers: too many layers (layers=7 > threshold=5)',
      '  PASS: maxSizeBytes',
      'Result:FAIL [Total:6] [Passed:2] [Failed:2] [Warn:1] [Skipped:1]',
      'Hidden bytes (layerscope: stored but unreachable, each copy once): 81.9 kB in 2 paths (3.8% of 2.19 MB stored)',
      '    81.9 kB    ×1  L4→L5       /tmp/assets.tar',
      '       20 B    ×1  L2→L6       /etc/app/app.conf',
      '',
    ].join('\n'),
  );
});

test('junit: well-formed XML, one testcase per rule; FAIL a failure, SKIP skipped, WARN a passing case that says so', async () => {
  const xml = ciJunit(await exampleReport());
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'testcase' }).parse(xml);
  const suites = doc.testsuites;
  assert.deepEqual([suites['@tests'], suites['@failures'], suites['@skipped'], suites['@errors']], ['6', '2', '1', '0']);
  const suite = suites.testsuite;
  assert.equal(suite['@name'], `layerscope CI: ${BUNDLED_EXAMPLE}`);
  const cases = suite.testcase as Array<Record<string, unknown>>;
  assert.deepEqual(
    cases.map((c) => c['@name']),
    ['highestUserWastedPercent', 'highestWastedBytes', 'lowestEfficiency', 'maxHiddenBytes', 'maxLayers', 'maxSizeBytes'],
  );
  const failure = cases[3]!.failure as Record<string, string>;
  assert.equal(failure['@message'], 'too many hidden bytes (hidden-bytes=81940 > threshold=50000)');
  assert.equal(failure['#text'], 'too many hidden bytes (hidden-bytes=81940 > threshold=50000)\nmeasured: 81940\nthreshold: 50000');
  assert.equal((cases[1]!.skipped as Record<string, string>)['@message'], 'rule disabled');
  assert.equal(cases[4]!['system-out'], 'WARN: too many layers (layers=7 > threshold=5)');
  assert.equal(cases[4]!.failure, undefined);
  assert.equal(cases[2]!.failure, undefined);
  assert.equal(cases[2]!.skipped, undefined);
});

test('junit: a hostile image name is still well-formed XML, its control characters shown as \\xNN', async () => {
  const xml = ciJunit(reportOf(await hostile(), { maxHiddenBytes: '1' }));
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml);
  assert.equal(doc.testsuites.testsuite['@name'], 'layerscope CI: evil\\n::error::pwned%0A\\r\\x1b[31m|<b>,x:y');
});

test('github: workflow commands with %, CR, LF escaped (and : , in properties); a hostile name starts no command', async () => {
  assert.equal(escapeData('100%\r\nnext'), '100%25%0D%0Anext');
  assert.equal(escapeProperty('a:b,c%\n'), 'a%3Ab%2Cc%25%0A');
  const out = ciGithub(await exampleReport());
  const lines = out.split('\n');
  const image = BUNDLED_EXAMPLE.replace(/:/g, '%3A').replace(/,/g, '%2C');
  assert.deepEqual(lines.slice(0, 3), [
    `::error title=layerscope highestUserWastedPercent (${image})::too many bytes wasted, relative to the user bytes added (%25-user-wasted-bytes=0.40426507568660325 > threshold=0.1)`,
    `::error title=layerscope maxHiddenBytes (${image})::too many hidden bytes (hidden-bytes=81940 > threshold=50000)`,
    `::warning title=layerscope maxLayers (${image})::too many layers (layers=7 > threshold=5)`,
  ]);
  // Then the text report, dive's part first.
  assert.equal(lines[3], '  efficiency: 96.2487 %');
  assert.equal(
    lines[lines.indexOf('Results:') + 1],
    '  FAIL: highestUserWastedPercent: too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.40426507568660325 > threshold=0.1)',
  );

  const evil = ciGithub(reportOf(await hostile(), { maxHiddenBytes: '1', lowestEfficiency: 'off', highestUserWastedPercent: 'off' }));
  assert.equal(
    evil.split('\n')[0],
    '::error title=layerscope maxHiddenBytes (evil\\n%3A%3Aerror%3A%3Apwned%250A\\r\\x1b[31m|<b>%2Cx%3Ay)::too many hidden bytes (hidden-bytes=700 > threshold=1)',
  );
  // Exactly one command line; nothing else in the output starts one, and no escape byte reaches the log.
  assert.equal(evil.split('\n').filter((l) => l.startsWith('::')).length, 1);
  assert.doesNotMatch(evil, /[\u0000-\u0009\u000b-\u001f\u007f]/);
});

test('github: a rule set in a rules file annotates that file', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const cwd = mkdtempSync(join(tmpdir(), 'layerscope-gh-'));
  try {
    writeFileSync(join(cwd, '.layerscope-ci'), 'rules:\n  maxLayers: 2\n');
    const out = ciGithub(reportOf(await bundled(), { lowestEfficiency: 'off', highestUserWastedPercent: 'off' }, cwd));
    assert.equal(
      out.split('\n')[0],
      `::error file=.layerscope-ci,title=layerscope maxLayers (${BUNDLED_EXAMPLE.replace(/:/g, '%3A')})::too many layers (layers=7 > threshold=2)`,
    );
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('gitlab: Code Quality JSON valid against its schema; one issue per failed or warning rule, stable fingerprints', async () => {
  const report = await exampleReport();
  const issues = JSON.parse(ciGitlab(report));
  assert.equal(validateCodeQuality(issues), true, JSON.stringify(validateCodeQuality.errors));
  assert.deepEqual(
    issues.map((i: { check_name: string; severity: string }) => [i.check_name, i.severity]),
    [
      ['layerscope/highestUserWastedPercent', 'major'],
      ['layerscope/maxHiddenBytes', 'major'],
      ['layerscope/maxLayers', 'minor'],
    ],
  );
  assert.equal(
    issues[1].description,
    `maxHiddenBytes: too many hidden bytes (hidden-bytes=81940 > threshold=50000) (image ${BUNDLED_EXAMPLE})`,
  );
  assert.deepEqual(issues[1].location, { path: 'Dockerfile', lines: { begin: 1 } });
  assert.deepEqual(JSON.parse(ciGitlab(await exampleReport())), issues, 'the same run gives the same fingerprints');
  assert.equal(new Set(issues.map((i: { fingerprint: string }) => i.fingerprint)).size, 3);
  // The schema is no rubber stamp.
  assert.equal(validateCodeQuality([{ ...issues[0], severity: 'fatal' }]), false);
  assert.equal(validateCodeQuality([{ ...issues[0], location: { path: 'Dockerfile' } }]), false);

  // A rule from a rules file points at its line; a passing run is an empty report.
  const fromFile = { ...report, origins: { ...report.origins, maxLayers: { source: 'file' as const, origin: '.layerscope-ci' } } };
  const located = codeQualityIssues(fromFile, (p) => (p === '.layerscope-ci' ? '# gates\nrules:\n  max-layers: 5\n' : undefined));
  assert.deepEqual(located[2]!.location, { path: '.layerscope-ci', lines: { begin: 3 } });
  assert.equal(ruleLine('rules:\n  lowestEfficiency: 0.9\n', 'lowestEfficiency'), 2);
  const clean = JSON.parse(ciGitlab(reportOf(await bundled(), { highestUserWastedPercent: 'off' })));
  assert.deepEqual(clean, []);
  assert.equal(validateCodeQuality(clean), true);

  const evil = JSON.parse(ciGitlab(reportOf(await hostile(), { maxHiddenBytes: '1', secrets: 'off' })));
  assert.equal(validateCodeQuality(evil), true);
  assert.equal(evil[0].description.includes('(image evil\\n::error::pwned%0A\\r\\x1b[31m|<b>,x:y)'), true);
  assert.doesNotMatch(evil.map((i: { description: string }) => i.description).join(''), /[\u0000-\u001f\u007f-\u009f]/);
});

test('json: the verdict with numbers, for scripts', async () => {
  const json = JSON.parse(ciJson(await exampleReport()));
  assert.equal(json.passed, false);
  assert.deepEqual(json.counts, { total: 6, passed: 2, failed: 2, warned: 1, skipped: 1 });
  assert.deepEqual(json.image, {
    ref: BUNDLED_EXAMPLE,
    id: 'sha256:62b669a6cf681c086bbe56aa70242d9e17601f234c17ab1470defd10d337f19b',
    layers: 7,
    storedBytes: 2185066,
    visibleBytes: 2103126,
    hiddenBytes: 81940,
    compressedBytes: json.image.compressedBytes,
  });
  assert.ok(Number.isSafeInteger(json.image.compressedBytes));
  assert.deepEqual([json.ignore, json.allowSecrets], [[], ['/srv/test/**']]);
  assert.deepEqual(json.rules[3], {
    rule: 'maxHiddenBytes',
    status: 'FAIL',
    level: 'fail',
    measured: 81940,
    threshold: 50000,
    message: 'too many hidden bytes (hidden-bytes=81940 > threshold=50000)',
  });
});

test('markdown: verdict table, sizes, reduction, top hidden files, advice; hostile names stay inert', async () => {
  const md = ciMarkdown(await exampleReport());
  const lines = md.split('\n');
  assert.equal(lines[0], `### layerscope: ${mdText(BUNDLED_EXAMPLE)} failed`);
  assert.equal(lines[2], '6 rules: 2 passed, 2 failed, 1 warned, 1 skipped');
  assert.ok(
    lines.includes('| ❌ FAIL | maxHiddenBytes | 81940 | 50000 | too many hidden bytes (hidden-bytes=81940 &gt; threshold=50000) |'),
  );
  assert.ok(lines.includes('| ⚠️ WARN | maxLayers | 7 | 5 | too many layers (layers=7 &gt; threshold=5) |'));
  assert.ok(lines.includes('Secrets allowed at: /srv/test/\\*\\*'));
  assert.ok(lines.includes("| Stored (every layer's files) | 2.19 MB |"));
  assert.ok(lines.includes('| Hidden (stored, unreachable) | 81.9 kB (3.8%) |'));
  assert.ok(lines.includes('Reduction: 2.19 MB → 2.1 MB (3.8% smaller) by not storing the hidden bytes.'));
  assert.ok(lines.includes('| 81.9 kB | 1 | 4 | /tmp/assets.tar |'));
  assert.ok(lines.includes('| 20 B | 1 | 2 | /etc/app/app.conf |'));
  assert.ok(lines.some((l) => l.startsWith('- **deleted in layer 5, but still stored in layer 4** (81.9 kB, layer 4): ')));

  const evil = ciMarkdown(reportOf(await hostile(), { maxHiddenBytes: '1' }));
  // Shown as written: the escapes themselves are escaped, so Markdown renders `evil\n::error…` literally.
  assert.equal(evil.split('\n')[0], '### layerscope: evil\\\\n::error::pwned%0A\\\\r\\\\x1b\\[31m\\|&lt;b&gt;,x:y failed');
  assert.ok(evil.split('\n').includes('| 700 B | 1 | 0 | /a\\|b&lt;script&gt;\\\\x1b\\[2J.bin |'));
  assert.doesNotMatch(evil, /<script>|\u001b/);
});
