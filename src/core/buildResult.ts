// What a multi-stage build yields once every stage is analysed: the stages, the final stage
// compared with each stage it copies from, and advice for the final stage. Plain data, made by
// assembleBuild from analyses (src/app/build.ts builds them; reports and screens read it).
import { adviseImage, type AdviceItem } from './advice.js';
import type { Analysis } from './analysis.js';
import { compareAnalyses, type Comparison } from './compare.js';
import { copiedFromStages, type Stage, type StageGraph } from './stages.js';

/** One built stage with its analysis. */
export interface BuiltStageResult {
  stage: Stage;
  tag: string;
  imageId: string;
  analysis: Analysis;
  /** How to open the stage's image again (`docker://TAG`), for its file contents. */
  spec?: string;
}

export interface BuildResult {
  context: string;
  dockerfile: string;
  graph: StageGraph;
  /** The stage the build was for: --target, else the last. */
  finalStage: number;
  stages: BuiltStageResult[];
  /** The final stage against each stage it copies from. */
  comparisons: Comparison[];
  /** Advice for the final stage. */
  advice: AdviceItem[];
}

/** Comparisons (final stage vs each stage it copies from) and advice, from built stages.
 *  `baseLayers`: layers of the final stage that its FROM brought (advice marks them). */
export function assembleBuild(
  context: string,
  dockerfile: string,
  graph: StageGraph,
  finalStage: number,
  stages: BuiltStageResult[],
  baseLayers = 0,
): BuildResult {
  const byIndex = new Map(stages.map((s) => [s.stage.index, s]));
  const final = byIndex.get(finalStage);
  const comparisons: Comparison[] = [];
  if (final) {
    for (const from of copiedFromStages(graph, finalStage)) {
      const source = byIndex.get(from);
      if (source) comparisons.push(compareAnalyses(source.analysis, final.analysis, { graph, aStage: from, bStage: finalStage }));
    }
  }
  return { context, dockerfile, graph, finalStage, stages, comparisons, advice: final ? adviseImage(final.analysis, { baseLayers }) : [] };
}
