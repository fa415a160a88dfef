// Everything the reports and the UI read about one image, computed once from plain data.
import type { AnalysedImage } from './model.js';
import { MergedTree } from './merge.js';
import { accountBytes, type ByteAccount } from './waste.js';
import { diveMetrics, type DiveMetrics } from './dive.js';
import { symlinkWarnings } from './links.js';

export interface Analysis {
  image: AnalysedImage;
  tree: MergedTree;
  account: ByteAccount;
  /** dive-compatible metrics, computed on first read. */
  readonly dive: DiveMetrics;
  /** Source, walk and merge warnings together, for display. */
  warnings: string[];
}

export function analyse(image: AnalysedImage): Analysis {
  const tree = new MergedTree(image.summaries);
  const layerWarnings = image.summaries.flatMap((s, i) => s.warnings.map((w) => `layer ${i}: ${w}`));
  let dive: DiveMetrics | undefined;
  return {
    image,
    tree,
    account: accountBytes(tree),
    // Only --ci, the JSON report and the waste pane read these: computed on first use, so the
    // browser's first frame does not wait for them.
    get dive() {
      dive ??= diveMetrics(image.summaries, tree);
      return dive;
    },
    warnings: [...image.warnings, ...layerWarnings, ...tree.warnings, ...symlinkWarnings(tree)],
  };
}
