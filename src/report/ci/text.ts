// `--ci-format text` (the default): dive's report, line for line (dive v0.12 `runtime/run.go` and
// `runtime/ci/evaluator.go`: the analysis, the inefficient files, the results), then
// layerscope's hidden bytes; made terminal-safe.
//
//   dive prints:  `  efficiency: %2.4f %%`, `  wastedBytes: %d bytes (%s)` (go-humanize Bytes),
//   `  userWastedPercent: %2.4f %%`, then `Inefficient Files:`, rows `%5s  %12s  %-s` (count,
//   humanize.Bytes, path) under `Count  Wasted Space  File Path` (or `None`), then `Results:`.
import { escapeForTerminal } from '../../core/paths.js';
import { formatCiVerdict } from '../ci.js';
import { bytes, hiddenCopiesText, padLeft, padRight } from '../format.js';
import type { CiReport } from './report.js';

/** Go's `fmt.Sprintf("%.Nf", x)`: NaN and ±Inf as Go writes them; exact halves to even. */
function goFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return '+Inf';
  if (x === Number.NEGATIVE_INFINITY) return '-Inf';
  const scaled = x * 10 ** digits;
  if (Number.isInteger(scaled - 0.5) && Math.abs(scaled) < 2 ** 52) {
    const down = Math.floor(scaled);
    const even = down % 2 === 0 ? down : down + 1;
    return (even / 10 ** digits).toFixed(digits);
  }
  return x.toFixed(digits);
}

/** go-humanize `Bytes`: SI units, one decimal under 10 (`82 kB`, `1.2 MB`, `69 B`). */
export function humanizeBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const sizes = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.floor(Math.log(n) / Math.log(1000));
  const val = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? goFixed(val, 1) : goFixed(val, 0)} ${sizes[e]}`;
}

function goPad(text: string, width: number): string {
  return padLeft(text, width);
}

function diveSection(report: CiReport): string[] {
  const { dive } = report;
  const lines = [
    `  efficiency: ${goFixed(dive.efficiency * 100, 4)} %`,
    `  wastedBytes: ${dive.wastedBytes} bytes (${humanizeBytes(dive.wastedBytes)})`,
    `  userWastedPercent: ${goFixed(dive.userWastedPercent * 100, 4)} %`,
    'Inefficient Files:',
    `${goPad('Count', 5)}  ${goPad('Wasted Space', 12)}  File Path`,
  ];
  if (dive.files.length === 0) lines.push('None');
  for (const f of dive.files) lines.push(`${goPad(String(f.count), 5)}  ${goPad(humanizeBytes(f.bytes), 12)}  ${f.path}`);
  return lines;
}

/** layerscope's own numbers: what is stored but unreachable, each copy once (dive's "wasted"
 *  counts the copy you keep too). */
function hiddenSection(report: CiReport): string[] {
  const { image } = report;
  const share =
    image.storedBytes > 0 ? ` (${((image.hiddenBytes / image.storedBytes) * 100).toFixed(1)}% of ${bytes(image.storedBytes)} stored)` : '';
  const lines = [
    `Hidden bytes (layerscope: stored but unreachable, each copy once): ${bytes(image.hiddenBytes)} in ${report.hiddenPaths} paths${share}`,
  ];
  for (const h of report.hidden)
    lines.push(`  ${padLeft(bytes(h.bytes), 9)}  ${padLeft(`×${h.count}`, 4)}  ${padRight(hiddenCopiesText(h.copies), 10)}  ${h.path}`);
  if (report.hiddenPaths > report.hidden.length) lines.push(`  … ${report.hiddenPaths - report.hidden.length} more (see --json)`);
  return lines;
}

export function ciText(report: CiReport): string {
  const lines = [...diveSection(report), 'Results:', ...formatCiVerdict(report.verdict).split('\n'), ...hiddenSection(report)];
  return `${lines.map((line) => escapeForTerminal(line)).join('\n')}\n`;
}
