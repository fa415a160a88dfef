// `layerscope build` and `layerscope compare` (registered in build.ts, loaded when one of them
// runs): the work is the application's (src/app/build.ts); this picks the progress view and
// then the output table or the screen.
import { buildAndAnalyse, compareImages, compareJob, type BuildOptions, type CompareOptions } from '../app/build.js';
import { plainBuildProgress } from '../app/buildProgress.js';
import { prepareOutputs, wantsScreen, writeOutputs } from '../app/outputs.js';
import type { ScreensLoader } from '../app/screens.js';
import { pullPrinter } from './progress.js';
import { compareRowsJson, compareTree } from '../core/compareTree.js';

export async function runBuild(context: string, options: BuildOptions, screens: ScreensLoader): Promise<number> {
  const screen = wantsScreen('build', options);
  const outputs = prepareOutputs('build', options);
  const result = await buildAndAnalyse(context, options, async (title) =>
    screen ? (await screens()).buildProgress(title) : plainBuildProgress(),
  );
  if (screen) return (await screens()).pickStage(result);
  return writeOutputs({ kind: 'build', result }, options, outputs);
}

export async function runCompare(a: string, b: string, options: CompareOptions, screens: ScreensLoader): Promise<number> {
  const screen = wantsScreen('compare', options);
  const outputs = prepareOutputs('compare', options);
  if (screen) return (await screens()).compare(await compareJob(a, b, options));
  const compared = await compareImages(a, b, options, { onPull: pullPrinter() });
  const { comparison, advice } = compared;
  // Per-path rows of both sides (the JSON's `rows`).
  const rows = compareRowsJson(compareTree(compared.a, compared.b, comparison));
  return writeOutputs({ kind: 'compare', comparison, advice, rows }, options, outputs);
}
