// `--ci-format markdown`, and the GitHub step summary: a report for a pull-request comment, in the
// shape the multi-stage tutorials use — sizes, the reduction left on the table, the largest hidden
// files, and what to change — with the rules' verdict on top. Names and paths come from the image:
// they are made terminal-safe and Markdown-inert (no table, link, HTML or emphasis can start).
import { escapeForTerminal } from '../../core/paths.js';
import { bytes, percent } from '../format.js';
import type { CiReport } from './report.js';
import { statusCounts } from './report.js';

/** Text that Markdown shows as it is: control characters as \xNN, punctuation that could start
 *  markup backslash-escaped, `&` and `<` as entities. */
export function mdText(text: string): string {
  return escapeForTerminal(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

const ICON: Record<string, string> = { PASS: '✅', FAIL: '❌', WARN: '⚠️', SKIP: '⏭️' };

export function ciMarkdown(report: CiReport): string {
  const { image, verdict } = report;
  const counts = statusCounts(verdict);
  const lines: string[] = [];
  const result = verdict.passed ? (counts.warned > 0 ? 'passed with warnings' : 'passed') : 'failed';
  lines.push(`### layerscope: ${mdText(image.ref)} ${result}`);
  lines.push('');
  lines.push(
    `${counts.total} rules: ${counts.passed} passed, ${counts.failed} failed, ${counts.warned} warned, ${counts.skipped} skipped` +
      (report.files.length > 0 ? ` (rules from ${report.files.map(mdText).join(', ')})` : ''),
  );
  lines.push('');
  lines.push('| | Rule | Measured | Threshold | Message |');
  lines.push('|---|---|---:|---:|---|');
  for (const r of verdict.results) {
    lines.push(`| ${ICON[r.status]} ${r.status} | ${r.rule} | ${mdText(r.actual)} | ${mdText(r.threshold)} | ${mdText(r.message)} |`);
  }
  if (report.ignore.length > 0) lines.push('', `Ignored paths: ${report.ignore.map(mdText).join(', ')}`);
  if (report.allowSecrets.length > 0) lines.push('', `Secrets allowed at: ${report.allowSecrets.map(mdText).join(', ')}`);

  lines.push('', '#### Sizes', '');
  lines.push('| | Size |', '|---|---:|');
  lines.push(`| Stored (every layer's files) | ${bytes(image.storedBytes)} |`);
  lines.push(`| Visible (the final filesystem) | ${bytes(image.visibleBytes)} |`);
  const share = image.storedBytes > 0 ? ` (${percent(image.hiddenBytes / image.storedBytes)})` : '';
  lines.push(`| Hidden (stored, unreachable) | ${bytes(image.hiddenBytes)}${share} |`);
  lines.push(
    `| Compressed (what a pull costs) | ${image.compressedBytes === null ? 'unknown for this source' : bytes(image.compressedBytes)} |`,
  );
  lines.push(`| Layers | ${image.layers} |`);
  if (image.hiddenBytes > 0) {
    lines.push(
      '',
      `Reduction: ${bytes(image.storedBytes)} → ${bytes(image.visibleBytes)} ` +
        `(${percent(image.hiddenBytes / image.storedBytes)} smaller) by not storing the hidden bytes.`,
    );
  }

  lines.push('', '#### Top hidden files', '');
  if (report.hidden.length === 0) lines.push('None: every stored byte is reachable in the final image.');
  else {
    lines.push('| Hidden | Copies | Layers | Path |', '|---:|---:|---|---|');
    for (const h of report.hidden) lines.push(`| ${bytes(h.bytes)} | ${h.count} | ${h.layers.join(', ')} | ${mdText(h.path)} |`);
    if (report.hiddenPaths > report.hidden.length) lines.push('', `… and ${report.hiddenPaths - report.hidden.length} more paths.`);
  }

  if (report.advice.length > 0) {
    lines.push('', '#### Advice', '');
    // The fixes are layerscope's own sentences (Markdown with `code`); titles may quote the image.
    for (const a of report.advice)
      lines.push(`- **${mdText(a.title)}** (${bytes(a.bytes)}, layer ${a.layer}): ${escapeForTerminal(a.fix)}`);
  }
  return `${lines.join('\n')}\n`;
}
