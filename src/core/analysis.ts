// Everything the reports and the UI read about one image, computed once from plain data.
import type { AnalysedImage } from './model.js';
import { MergedTree } from './merge.js';
import { accountBytes, type ByteAccount } from './hiddenBytes.js';
import { diveMetrics, type DiveMetrics } from './dive.js';
import { symlinkWarnings } from './links.js';
import { accountPackages, type PackageAccount } from './packages/attribute.js';
import { accountSecrets, type SecretFinding } from './secrets.js';
import type { ImageWarning } from './warnings.js';

export interface Analysis {
  image: AnalysedImage;
  tree: MergedTree;
  account: ByteAccount;
  /** dive-compatible metrics, computed on first read. */
  readonly dive: DiveMetrics;
  /** Packages that own the bytes (dpkg, apk, rpm, npm, pip), computed on first read. */
  readonly packages: PackageAccount;
  /** Leaked secrets in every layer, hidden copies included, computed on first read. */
  readonly secrets: SecretFinding[];
  /** Source, walk, merge and symlink warnings together, as data (core/warnings.ts). */
  warnings: ImageWarning[];
}

export function analyse(image: AnalysedImage): Analysis {
  const tree = (image.merged && restored(image)) || new MergedTree(image.summaries);
  const layerWarnings = image.summaries.flatMap((s, i) => s.warnings.map((w): ImageWarning => ({ layer: i, ...w })));
  const imageWarnings = image.warnings.map((message): ImageWarning => ({ kind: 'image', message }));
  let dive: DiveMetrics | undefined;
  let packages: PackageAccount | undefined;
  let secrets: SecretFinding[] | undefined;
  return {
    image,
    tree,
    account: accountBytes(tree),
    // Only --ci, the JSON report and the hidden-bytes pane read these: computed on first use, so the
    // browser's first frame does not wait for them.
    get dive() {
      dive ??= diveMetrics(image.summaries, tree);
      return dive;
    },
    get packages() {
      packages ??= accountPackages(tree);
      return packages;
    },
    get secrets() {
      secrets ??= accountSecrets(tree);
      return secrets;
    },
    warnings: [...imageWarnings, ...layerWarnings, ...tree.warnings, ...symlinkWarnings(tree)],
  };
}

/** The tree the merged-tree cache stored for these summaries, or undefined when it does not fit
 *  them (then they are merged again). */
function restored(image: AnalysedImage): MergedTree | undefined {
  try {
    return MergedTree.restore(image.summaries, image.merged!);
  } catch {
    return undefined;
  }
}
