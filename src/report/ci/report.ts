// One CI run as plain data: the verdict, the image's sizes as the rules saw them, the largest
// hidden paths and the advice. Every `--ci-format` formatter (this folder, one file per format)
// reads this and nothing else, so the formats cannot disagree.
import type { Analysis } from '../../core/analysis.js';
import { adviseImage } from '../../core/advice.js';
import type { HiddenCopy } from '../../core/hiddenBytes.js';
import { displayPath } from '../../core/model.js';
import type { CiRuleName, CiRules, CiSource, CiVerdict } from '../ci.js';
import type { CiView } from '../ciMeasures.js';
import { imageCompressedBytes } from '../json.js';

export interface CiReport {
  image: {
    ref: string;
    id: string;
    layers: number;
    storedBytes: number;
    visibleBytes: number;
    hiddenBytes: number;
    /** The layer blobs as stored (what a pull costs); null when the source cannot say. */
    compressedBytes: number | null;
  };
  verdict: CiVerdict;
  /** The rules files read. */
  files: string[];
  /** Where each reported rule's value came from (a rules file, a flag…). */
  origins: Partial<Record<CiRuleName, { source: CiSource; origin: string }>>;
  ignore: string[];
  /** Paths whose secret findings the secrets rule did not count. */
  allowSecrets: string[];
  /** Largest hidden paths first (at most `top`). */
  hidden: Array<{ path: string; bytes: number; count: number; layers: number[]; copies: HiddenCopy[] }>;
  /** Paths with hidden bytes in all (the list above may be cut). */
  hiddenPaths: number;
  advice: Array<{ title: string; bytes: number; layer: number; fix: string }>;
  /** dive's metrics as the rules saw them, and its inefficient files (largest first), for the
   *  part of the text report that reads as dive's. */
  dive: {
    efficiency: number;
    wastedBytes: number;
    userWastedPercent: number;
    files: Array<{ count: number; bytes: number; path: string }>;
  };
}

export const CI_FORMATS = ['text', 'json', 'junit', 'github', 'gitlab', 'markdown'] as const;
export type CiFormat = (typeof CI_FORMATS)[number];

export function ciReport(analysis: Analysis, rules: CiRules, view: CiView, verdict: CiVerdict, top = 10): CiReport {
  const { account } = view;
  return {
    image: {
      ref: analysis.image.ref,
      id: analysis.image.id,
      layers: analysis.image.layers.length,
      storedBytes: account.storedBytes,
      visibleBytes: account.visibleBytes,
      hiddenBytes: account.hiddenBytes,
      compressedBytes: imageCompressedBytes(analysis.image.layers),
    },
    verdict,
    files: rules.files,
    origins: Object.fromEntries(
      verdict.results.map((r) => [r.rule, { source: rules.rules[r.rule].source, origin: rules.rules[r.rule].origin }]),
    ),
    ignore: view.ignore,
    allowSecrets: view.allowSecrets,
    hidden: account.entries
      .slice(0, top)
      .map((e) => ({ path: displayPath(e.path), bytes: e.bytes, count: e.count, layers: e.layers, copies: e.copies })),
    hiddenPaths: account.entries.length,
    dive: {
      efficiency: view.dive.efficiency,
      wastedBytes: view.dive.wastedBytes,
      userWastedPercent: view.dive.userWastedPercent,
      files: view.dive.inefficiencies.map((f) => ({ count: f.count, bytes: f.cumulativeSize, path: f.path })),
    },
    advice: adviseImage(analysis)
      .slice(0, 5)
      .map((a) => ({ title: a.title, bytes: a.bytes, layer: a.layer, fix: a.fix })),
  };
}

/** Counts of each status, as dive's summary line gives them. */
export function statusCounts(verdict: CiVerdict): { total: number; passed: number; failed: number; warned: number; skipped: number } {
  const n = (status: string) => verdict.results.filter((r) => r.status === status).length;
  return { total: verdict.results.length, passed: n('PASS'), failed: n('FAIL'), warned: n('WARN'), skipped: n('SKIP') };
}
