// What the CI rules measure, taken from one analysis, with the `ignore` globs applied: ignored
// paths are taken out of every layer (entries, whiteouts and opaque markers at or below them) and
// every measure is computed again on what is left, dive's metrics included, so "ignore /var/cache"
// means the rules see the image as if it did not hold /var/cache at all. No glob: the analysis'
// own numbers, unchanged (a `.dive-ci` gives dive's verdict exactly).
import { createRequire } from 'node:module';
import type { Analysis } from '../core/analysis.js';
import { LayerChanges, Op } from '../core/changes.js';
import { diveMetrics, type DiveMetrics } from '../core/dive.js';
import { MergedTree } from '../core/merge.js';
import { displayPath, type ImagePath, type LayerSummary } from '../core/model.js';
import { accountBytes, type ByteAccount } from '../core/hiddenBytes.js';
import type { CiMeasures, SecretFinding } from './ci.js';
import { imageCompressedBytes } from './json.js';

export interface CiView {
  measures: CiMeasures;
  /** The byte account the rules saw (ignored paths left out). */
  account: ByteAccount;
  dive: DiveMetrics;
  /** The globs applied. */
  ignore: string[];
  /** The globs whose secret findings the secrets rule did not count. */
  allowSecrets: string[];
}

/** A matcher for image paths (normalised, no leading '/'): a pattern matches a path, or a
 *  directory above it. Patterns may be written with or without the leading '/'. */
const require = createRequire(import.meta.url);
type Picomatch = typeof import('picomatch');
let picomatch: Picomatch | undefined;

export function ignoreMatcher(globs: readonly string[]): ((path: ImagePath) => boolean) | undefined {
  if (globs.length === 0) return undefined;
  const patterns = globs.flatMap((g) => {
    const p = g
      .trim()
      .replace(/^\.?\/+/, '')
      .replace(/\/+$/, '');
    return [p, `${p}/**`];
  });
  // Loaded on first use, as only --ci with ignore globs needs it.
  picomatch ??= require('picomatch') as Picomatch;
  const match = picomatch(patterns, { dot: true });
  return (path) => match(path);
}

/** The layers as if the ignored paths were never in them. Sizes drop by the dropped entries'
 *  sizes (a layer's size also counts entries the walker refused: that part stays). */
export function withoutPaths(summaries: readonly LayerSummary[], ignored: (path: ImagePath) => boolean): LayerSummary[] {
  return summaries.map((summary) => {
    const { changes } = summary;
    const kept = new LayerChanges();
    const newIndex = new Int32Array(changes.length).fill(-1);
    let dropped = 0;
    for (let i = 0; i < changes.length; i++) {
      if (ignored(changes.path(i))) {
        if (changes.op(i) === Op.Entry) dropped += changes.size(i);
        continue;
      }
      const change = changes.at(i)!;
      if (change.op === 'entry' && change.entry.linkedContent !== undefined) {
        const target = newIndex[change.entry.linkedContent]!;
        const { linkedContent: _, ...entry } = change.entry;
        newIndex[i] = kept.push({ op: 'entry', entry: target >= 0 ? { ...entry, linkedContent: target } : entry });
      } else {
        newIndex[i] = kept.push(change);
      }
    }
    return { ...summary, changes: kept.trim(), sizeBytes: summary.sizeBytes - dropped };
  });
}

/** The analysis' secret findings (src/core/secrets.ts: every layer, hidden copies included) as
 *  the secrets rule counts them; null when no layer was scanned (summaries read without contents). */
export function secretFindings(analysis: Analysis): SecretFinding[] | null {
  if (!analysis.image.summaries.some((s) => s.contents !== undefined)) return null;
  return analysis.secrets.map((f) => ({
    path: displayPath(f.path),
    layer: f.layer,
    kind: f.rule,
    preview: f.preview,
    ...(f.line !== undefined ? { line: f.line } : {}),
    visible: f.visible,
    ...(f.hiddenBy ? { hiddenBy: f.hiddenBy } : {}),
  }));
}

export function ciView(analysis: Analysis, ignore: readonly string[] = [], allowSecrets: readonly string[] = []): CiView {
  const ignored = ignoreMatcher(ignore);
  const allowed = ignoreMatcher(allowSecrets);
  const summaries = ignored ? withoutPaths(analysis.image.summaries, ignored) : analysis.image.summaries;
  const account = ignored ? accountBytes(new MergedTree(summaries)) : analysis.account;
  const dive = ignored ? diveMetrics(summaries) : analysis.dive;
  const secrets = secretFindings(analysis);
  return {
    measures: {
      efficiency: dive.efficiency,
      wastedBytes: dive.wastedBytes,
      userWastedPercent: dive.userWastedPercent,
      layers: analysis.image.layers.length,
      storedBytes: account.storedBytes,
      compressedBytes: imageCompressedBytes(analysis.image.layers),
      hiddenBytes: account.hiddenBytes,
      hiddenPercent: account.storedBytes > 0 ? account.hiddenBytes / account.storedBytes : 0,
      secrets:
        secrets && (ignored || allowed) ? secrets.filter((f) => !ignored?.(f.path.slice(1)) && !allowed?.(f.path.slice(1))) : secrets,
    },
    account,
    dive,
    ignore: [...ignore],
    allowSecrets: [...allowSecrets],
  };
}
