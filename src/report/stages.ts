// Reports of a multi-stage build and of a two-image comparison: the JSON of `layerscope build
// --json` / `layerscope compare --json`, and the text printed when stdout is not a terminal.
import type { AdviceItem } from '../core/advice.js';
import type { Comparison } from '../core/compare.js';
import type { BuildResult } from '../core/buildResult.js';
import { stageLabel, type Stage, type StageEdge, type StageGraph } from '../core/stages.js';
import { jsonReport, type JsonReport } from './json.js';
import { bytes, clip, clipMiddle, padLeft, padRight, shortCommand, terminalText, wrap } from './format.js';

export interface BuildJsonStage {
  index: number;
  name: string | null;
  label: string;
  tag: string;
  imageId: string;
  base: Stage['base'];
  from: string;
  line: number;
  /** Stages this one copies or mounts files from. */
  copiesFrom: number[];
  report: JsonReport;
}

export interface BuildJson {
  context: string;
  dockerfile: string;
  finalStage: number;
  args: StageGraph['args'];
  stages: BuildJsonStage[];
  edges: StageEdge[];
  comparisons: Comparison[];
  advice: AdviceItem[];
  warnings: string[];
}

export function buildJsonReport(result: BuildResult): BuildJson {
  const { graph } = result;
  return {
    context: result.context,
    dockerfile: result.dockerfile,
    finalStage: result.finalStage,
    args: graph.args,
    stages: result.stages.map(({ stage, tag, imageId, analysis }) => ({
      index: stage.index,
      name: stage.name ?? null,
      label: stageLabel(stage),
      tag,
      imageId,
      base: stage.base,
      from: stage.from,
      line: stage.line,
      copiesFrom: [
        ...new Set(
          graph.edges.filter((e) => e.stage === stage.index && e.from.kind === 'stage').map((e) => (e.from as { index: number }).index),
        ),
      ].sort((a, b) => a - b),
      report: jsonReport(analysis),
    })),
    edges: graph.edges,
    comparisons: result.comparisons,
    advice: result.advice,
    warnings: graph.warnings,
  };
}

function files(n: number): string {
  return `${n} file${n === 1 ? '' : 's'}`;
}

/** "builder 1.1 GB → final 150 MB, −86%" */
export function reductionLine(c: Comparison): string {
  return `${c.a.label} ${bytes(c.a.storedBytes)} → ${c.b.label} ${bytes(c.b.storedBytes)}, ${signedPercent(c.reduction.ratio)}`;
}

/** −86% for a reduction, +12% for growth (ratio is the reduction). */
export function signedPercent(reduction: number): string {
  const pct = Math.round(Math.abs(reduction) * 1000) / 10;
  const text = Number.isInteger(pct) ? String(pct) : pct.toFixed(1);
  return reduction >= 0 ? `−${text}%` : `+${text}%`;
}

/** `width`: columns to fit; default no limit (a file or a pipe: nothing is cut). */
export function comparisonText(c: Comparison, width = Number.POSITIVE_INFINITY): string[] {
  const lines: string[] = [];
  lines.push(reductionLine(c));
  lines.push(`  shared base   ${padLeft(bytes(c.sharedBase.bytes), 9)}  ${c.sharedBase.layers} layers both start with`);
  lines.push(
    `  own layers    ${c.a.label} ${bytes(c.unique.a.bytes)} (${c.unique.a.layers} layers) → ${c.b.label} ${bytes(c.unique.b.bytes)} (${c.unique.b.layers} layers), ${signedPercent(c.userReduction.ratio)}`,
  );
  const group = (title: string, bucket: Comparison['onlyInA']) => {
    lines.push(`  ${title}: ${files(bucket.files)}, ${bytes(bucket.bytes)}`);
    for (const g of bucket.groups) {
      const left = `    ${padLeft(bytes(g.bytes), 9)}  ${padLeft(files(g.files), 11)}  ${padRight(g.category, 13)} `;
      lines.push(left + clipMiddle(g.path, width - left.length));
    }
    if (bucket.toolchain)
      lines.push(clip(`    of which ${bucket.toolchain.title} — ${bytes(bucket.toolchain.bytes)} (package databases)`, width));
  };
  group(`only in ${c.a.label} (left behind)`, c.onlyInA);
  const identical = c.copiedSummary.identical;
  const how = c.copied.some((x) => x.how === 'matched') ? 'found by content digest' : 'COPY --from';
  lines.push(
    `  copied ${c.a.label} → ${c.b.label} (${how}): ${files(c.copiedSummary.files)}, ${bytes(c.copiedSummary.bytes)}, ${identical} identical (equal content digests)`,
  );
  for (const f of c.copied.slice(0, 20)) {
    const left = `    ${padLeft(bytes(f.bytes), 9)}  ${padRight(f.status, 9)} ${f.layer !== undefined ? padRight(`L${f.layer}`, 4) : '    '} `;
    const why = f.differences ? ` (${f.differences.join(', ')} differ${f.differences.length === 1 ? 's' : ''})` : '';
    lines.push(
      ...wrap(`${f.source} → ${f.destination}${why}`, width - left.length, 2).map(
        (line, i) => (i === 0 ? left : ' '.repeat(left.length)) + line,
      ),
    );
  }
  if (c.copied.length > 20) lines.push(`    … ${c.copied.length - 20} more (see --json)`);
  group(`only in ${c.b.label}`, c.onlyInB);
  lines.push(`  in both (same path): ${files(c.inBoth.files)}, ${bytes(c.inBoth.bytes)}, ${c.inBoth.differing} differ`);
  const t = c.toolchainInB;
  if (t) lines.push(...wrap(`${c.b.label} carries ${t.title} — ${bytes(t.bytes)} — ${t.fix}`, width - 2, 2).map((l) => `  ${l}`));
  return lines;
}

/** Continuation lines of an advice item start under its title. */
const ADVICE_INDENT = ' '.repeat(13);

function adviceItemText(item: AdviceItem, width: number): string[] {
  const lines: string[] = [];
  const paths = `${item.paths.join(', ')}${item.files > item.paths.length ? `, … (${item.files} files)` : ''}`;
  const head = `  ${padLeft(bytes(item.bytes), 9)}  `;
  // The title and the paths wrap (words and paths are never cut); commands are clipped.
  lines.push(...wrap(`${item.title}: ${paths}`, width - head.length, 2).map((line, i) => (i === 0 ? head : ADVICE_INDENT) + line));
  lines.push(clip(`${ADVICE_INDENT}by layer ${item.layer}: ${shortCommand(item.command) || '(no command recorded)'}`, width));
  if (item.laterLayer !== undefined)
    lines.push(clip(`${ADVICE_INDENT}then layer ${item.laterLayer}: ${shortCommand(item.laterCommand ?? '')}`, width));
  const fix = `${ADVICE_INDENT}fix: `;
  lines.push(...wrap(item.fix, width - fix.length, 0).map((line, i) => (i === 0 ? fix : ' '.repeat(fix.length)) + line));
  return lines;
}

/** Advice, largest first within two groups: what the image's own layers did (this Dockerfile
 *  can fix it), then what came with the base image. `width`: columns to fit (default: no limit). */
export function adviceText(items: AdviceItem[], width = Number.POSITIVE_INFINITY, max = 10): string[] {
  if (items.length === 0) return ['  nothing to flag'];
  const lines: string[] = [];
  const shown = items.slice(0, max);
  const groups: Array<[string, AdviceItem[]]> = [
    ['your layers', shown.filter((i) => !i.inBase)],
    ['base image (its layers come with FROM)', shown.filter((i) => i.inBase)],
  ];
  // Labelled once the base image is known to be part of it.
  const labelled = items.some((i) => i.inBase);
  for (const [label, group] of groups) {
    if (group.length === 0) continue;
    const total = items.filter((i) => i.inBase === group[0]!.inBase).reduce((n, i) => n + i.bytes, 0);
    if (labelled) lines.push(`  ${label}: ${bytes(total)}`);
    for (const item of [...group].sort((a, b) => b.bytes - a.bytes)) lines.push(...adviceItemText(item, width));
  }
  if (items.length > max) lines.push(`  … ${items.length - max} more (see --json)`);
  return lines;
}

export function buildTextReport(result: BuildResult, width = Number.POSITIVE_INFINITY): string {
  const lines: string[] = [];
  lines.push(`Built ${result.stages.length} stage${result.stages.length === 1 ? '' : 's'} of ${result.dockerfile}`);
  lines.push(`  ${padLeft('#', 2)}  ${padRight('stage', 14)} ${padLeft('size', 9)}  ${padLeft('layers', 6)}  tag`);
  for (const s of result.stages) {
    const mark = s.stage.index === result.finalStage ? '  (final)' : '';
    lines.push(
      clip(
        `  ${padLeft(String(s.stage.index), 2)}  ${padRight(stageLabel(s.stage), 14)} ${padLeft(bytes(s.analysis.account.storedBytes), 9)}  ${padLeft(String(s.analysis.image.layers.length), 6)}  ${s.tag}${mark}`,
        width,
      ),
    );
  }
  for (const c of result.comparisons) {
    lines.push('');
    lines.push(...comparisonText(c, width));
  }
  const final = result.stages.find((s) => s.stage.index === result.finalStage);
  if (final) {
    lines.push('');
    lines.push(`Advice for ${stageLabel(final.stage)} (${final.tag})`);
    lines.push(...adviceText(result.advice, width));
  }
  if (result.graph.warnings.length > 0) {
    lines.push('');
    for (const w of result.graph.warnings) lines.push(`warning: ${w}`);
  }
  return terminalText(lines);
}

export function compareTextReport(c: Comparison, advice: AdviceItem[], width = Number.POSITIVE_INFINITY): string {
  return terminalText([...comparisonText(c, width), '', `Advice for ${c.b.label}`, ...adviceText(advice, width)]);
}
