// `--ci-format junit`: one <testcase> per rule, so CI systems that read JUnit XML (GitLab, Jenkins,
// Azure, CircleCI…) show each rule as a test: FAIL is a <failure>, SKIP a <skipped>, WARN a
// passing test whose <system-out> says why it warned. Built with xmlbuilder2, which escapes text
// and attributes; characters XML 1.0 cannot hold at all (control characters an image name may
// carry) are written as \xNN first.
import { createRequire } from 'node:module';
import { escapeForTerminal } from '../../core/paths.js';
import type { CiReport } from './report.js';
import { statusCounts } from './report.js';

/** One line of text from the image, as XML 1.0 can hold it and a reader shows it: control
 *  characters (newlines included, which attribute normalisation would turn into spaces) as
 *  \n, \r, \xNN; U+FFFE and U+FFFF, which XML forbids, as \uFFFE and \uFFFF. */
function xmlSafe(text: string): string {
  return escapeForTerminal(text).replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// Loaded on first use: the builder is sizeable, and every command's start-up would pay for it.
const require = createRequire(import.meta.url);
type Create = typeof import('xmlbuilder2').create;
let create: Create | undefined;

export function ciJunit(report: CiReport): string {
  create ??= (require('xmlbuilder2') as { create: Create }).create;
  const counts = statusCounts(report.verdict);
  const suiteName = xmlSafe(`layerscope CI: ${report.image.ref}`);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: 'layerscope',
    tests: String(counts.total),
    failures: String(counts.failed),
    errors: '0',
    skipped: String(counts.skipped),
  });
  const suite = root.ele('testsuite', {
    name: suiteName,
    tests: String(counts.total),
    failures: String(counts.failed),
    errors: '0',
    skipped: String(counts.skipped),
  });
  const props = suite.ele('properties');
  props.ele('property', { name: 'image', value: xmlSafe(report.image.ref) });
  props.ele('property', { name: 'id', value: report.image.id });
  for (const r of report.verdict.results) {
    const testcase = suite.ele('testcase', { classname: 'layerscope.ci', name: r.rule });
    const message = xmlSafe(r.message);
    if (r.status === 'FAIL') {
      testcase.ele('failure', { message, type: r.rule }).txt(`${message}\nmeasured: ${r.actual}\nthreshold: ${r.threshold}`);
    } else if (r.status === 'SKIP') {
      testcase.ele('skipped', { message });
    } else if (r.status === 'WARN') {
      testcase.ele('system-out').txt(`WARN: ${message}`);
    }
  }
  return `${root.end({ prettyPrint: true })}\n`;
}
