// The human-readable summary printed when stdout is not a terminal (or with --text).
import type { Analysis } from '../core/analysis.js';
import { displayPath, sourceText } from '../core/model.js';
import { describeFinding } from '../core/secrets.js';
import { warningText } from '../core/warnings.js';
import { imageCompressedBytes } from './json.js';
import { bytes, clip, clipMiddle, hiddenCopiesText, padLeft, padRight, percent, shortCommand, terminalText, wrap } from './format.js';

export interface TextOptions {
  /** Columns to fit (a terminal's width); default: no limit, nothing is cut (a file or a pipe). */
  width?: number;
  /** How many waste entries to list. */
  top?: number;
}

function packageLines(analysis: Analysis, lines: string[], width: number, top: number): void {
  const { packages } = analysis.packages;
  const installed = packages.filter((p) => p.removedIn === undefined);
  const removed = packages.filter((p) => p.removedIn !== undefined);
  const account = analysis.packages;
  lines.push(
    `Packages: ${installed.length} installed, ${bytes(account.packagedBytes)}; unpackaged ${bytes(account.unpackagedBytes)} in ${account.unpackagedFiles} files`,
  );
  for (const p of installed.slice(0, top)) {
    const left = `  ${padLeft(bytes(p.bytes), 9)}  ${padRight(`L${p.layer}`, 4)}  ${padRight(p.manager, 4)}  `;
    lines.push(left + clip(`${p.name} ${p.version}${p.dev ? ' (dev)' : ''}`, width - left.length));
  }
  if (installed.length > top) lines.push(`  … ${installed.length - top} more (see --json)`);
  for (const p of removed.slice(0, top)) {
    const left = `  ${padLeft(bytes(p.bytes), 9)}  ${padRight(`L${p.layer}`, 4)}  ${padRight(p.manager, 4)}  `;
    lines.push(left + clip(`${p.name} ${p.version}: removed in L${p.removedIn} but still stored`, width - left.length));
  }
  if (removed.length > top) lines.push(`  … ${removed.length - top} more removed (see --json)`);
}

function secretLines(analysis: Analysis, lines: string[], width: number): void {
  const secrets = analysis.secrets;
  lines.push(`Leaked secrets: ${secrets.length === 0 ? 'none found' : secrets.length}`);
  for (const f of secrets.slice(0, 20)) {
    const tail = `  L${f.layer}  ${f.rule}  ${f.preview}`;
    const path = clipMiddle(displayPath(f.path), Math.max(20, width - 2 - tail.length));
    lines.push(`  ${path}${clip(tail, width - 2 - path.length)}`);
    lines.push(...wrap(describeFinding(f), width - 4, 2).map((line) => `    ${line}`));
  }
  if (secrets.length > 20) lines.push(`  … ${secrets.length - 20} more (see --json)`);
}

/** A layer blob's stored size, or `n/a` when the source cannot say. */
function compressed(n: number | null | undefined): string {
  return n === undefined || n === null ? 'n/a' : bytes(n);
}

export function textReport(analysis: Analysis, options: TextOptions = {}): string {
  const width = Math.max(60, options.width ?? Number.POSITIVE_INFINITY);
  const top = options.top ?? 10;
  const { image, account, dive } = analysis;
  const lines: string[] = [];
  const platform = [image.config.os, image.config.architecture, image.config.variant].filter(Boolean).join('/');
  lines.push(`Image ${clipMiddle(image.ref, width - 6)}`);
  const layerCount = `${image.layers.length} layer${image.layers.length === 1 ? '' : 's'}`;
  lines.push(...wrap(`id ${image.id}  ${platform}  ${layerCount}`, width - 2, 2).map((line) => `  ${line}`));
  lines.push('');
  lines.push('Layers');
  // hidden: what the layer stores that is unreachable at the end; hid below: what of the layers
  // below it made unreachable (a `RUN rm` stores nothing and hides what it deletes).
  const header = `  ${padLeft('#', 3)}  ${padLeft('size', 9)}  ${padLeft('compressed', 10)}  ${padLeft('hidden', 9)}  ${padLeft('hid below', 9)}  command`;
  lines.push(header);
  image.layers.forEach((layer, i) => {
    const summary = image.summaries[i]!;
    const left =
      `  ${padLeft(String(i), 3)}  ${padLeft(bytes(summary.sizeBytes), 9)}  ${padLeft(compressed(layer.compressedBytes), 10)}  ` +
      `${padLeft(bytes(account.hiddenByLayer[i] ?? 0), 9)}  ${padLeft(bytes(account.hidByLayer[i] ?? 0), 9)}  `;
    const what = layer.source ? sourceText(layer.source) : shortCommand(layer.command) || '(no command recorded)';
    lines.push(left + clip(what, width - left.length));
  });
  lines.push('');
  lines.push(`Hidden bytes (stored in a layer, unreachable in the final image): ${account.entries.length} paths`);
  if (account.entries.length > 0) lines.push('  (Lx→Ly: the copy stored in layer x, hidden by layer y)');
  if (account.entries.length === 0) lines.push('  none');
  for (const entry of account.entries.slice(0, top)) {
    // Each copy's layer → the layer that hid it.
    const left = `  ${padLeft(bytes(entry.bytes), 9)}  ${padLeft(`×${entry.count}`, 4)}  ${padRight(hiddenCopiesText(entry.copies), 10)}  `;
    lines.push(left + clipMiddle(displayPath(entry.path), width - left.length));
  }
  if (account.entries.length > top) lines.push(`  … ${account.entries.length - top} more (see --json)`);
  lines.push('');
  packageLines(analysis, lines, width, top);
  lines.push('');
  secretLines(analysis, lines, width);
  lines.push('');
  lines.push('Totals');
  lines.push(`  stored   ${padLeft(bytes(account.storedBytes), 9)}  (sum of every layer's files)`);
  lines.push(`  visible  ${padLeft(bytes(account.visibleBytes), 9)}  (what the final filesystem holds)`);
  const pull = imageCompressedBytes(image.layers);
  lines.push(
    pull === null
      ? '  compressed      n/a  (this source does not say what its layer blobs weigh)'
      : `  compressed ${padLeft(bytes(pull), 7)}  (the layer blobs as stored: what a pull costs)`,
  );
  const hiddenShare = account.storedBytes > 0 ? ` (${percent(account.hiddenBytes / account.storedBytes)} of stored)` : '';
  lines.push(`  hidden   ${padLeft(bytes(account.hiddenBytes), 9)}${hiddenShare}`);
  lines.push(
    `  dive-compatible: efficiency ${percent(dive.efficiency, 2)}, wasted ${bytes(dive.wastedBytes)}, user wasted ${percent(dive.userWastedPercent, 2)}`,
  );
  if (analysis.warnings.length > 0) {
    lines.push('');
    lines.push(`Warnings (${analysis.warnings.length})`);
    for (const w of analysis.warnings.slice(0, 20)) lines.push(...wrap(warningText(w), width - 2, 2).map((line) => `  ${line}`));
    if (analysis.warnings.length > 20) lines.push(`  … ${analysis.warnings.length - 20} more`);
  }
  // Whatever is still wider than the terminal (headings, totals) wraps at words, indented.
  return terminalText(
    lines.flatMap((line) => (line.length <= width ? [line] : wrap(line, width, (/^ */.exec(line)?.[0].length ?? 0) + 2))),
  );
}
