// What the application asks of a terminal user interface, so the command line can open screens
// without knowing them: src/ui/screens.ts implements it, src/main.ts hands it to the CLI.
import type { Analysis } from '../core/analysis.js';
import type { BuildResult } from '../core/buildResult.js';
import type { Comparison } from '../core/compare.js';
import type { BuildProgressView } from './buildProgress.js';
import type { ImageOptions, LoadHooks, OpenContent } from './open.js';

export interface Screens {
  /** The browser on IMAGE (the bundled example when undefined); resolves to the exit code. */
  browse(image: string | undefined, options: ImageOptions): Promise<number>;
  /** Live build progress. */
  buildProgress(title: string): Promise<BuildProgressView>;
  /** The stage picker after a build, opening stages and comparisons. */
  pickStage(result: BuildResult): Promise<number>;
  /** Two images side by side (A = builder, B = final): their loading, then the compare browser. */
  compare(job: CompareJob): Promise<number>;
}

/** What the compare screen loads and how it compares (src/app/build.ts, compareJob). */
export interface CompareJob {
  /** Short names of the two sides while they load. */
  labels: { a: string; b: string };
  /** With `keep`, the side's source stays open for its file contents (the caller closes it). */
  load(side: 'a' | 'b', hooks: LoadHooks, keep?: (open: OpenContent) => void): Promise<Analysis>;
  compare(a: Analysis, b: Analysis): Comparison;
}

/** Loads the screens when one is needed (Ink and React are not loaded otherwise). */
export type ScreensLoader = () => Promise<Screens>;
