// What `layerscope build` and `layerscope compare` do (registered in build.ts, loaded when one
// of them runs): build every stage of a Dockerfile through the engine, tag each one, analyse
// them, compare the final stage with the stages it copies from, and show it — the stage picker
// on a terminal, else text, or JSON with --json.
import { readFile, stat, writeFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { adviseImage } from '../core/advice.js';
import type { Analysis } from '../core/analysis.js';
import { compareAnalyses, type Comparison } from '../core/compare.js';
import { InputError } from '../core/errors.js';
import { copiedFromStages, findStage, stageClosure, stageLabel, type StageGraph } from '../core/stages.js';
import { buildJsonReport, buildTextReport, compareTextReport, type BuildResult, type BuiltStageResult } from '../report/stages.js';
import { listContext, readIgnore } from '../sources/buildContext.js';
import { parseDockerfile } from '../sources/dockerfile.js';
import { pullPrinter } from './progress.js';
import { loadAnalysis, type ImageOptions } from './load.js';
import { printWarnings, writeOut } from './output.js';
import { jsonText } from '../report/json.js';
import { escapeForTerminal } from '../core/paths.js';
import { plainBuildProgress, type BuildProgressView } from './buildProgress.js';

export interface BuildOptions {
  file?: string;
  buildArg?: string[];
  target?: string;
  json?: string | boolean;
  text?: boolean;
  cache?: boolean;
}

export interface CompareCliOptions extends ImageOptions {
  json?: string | boolean;
  text?: boolean;
  file?: string;
  stages?: string;
}

const EXIT_OK = 0;

/** `--build-arg NAME=VALUE`, or `NAME` alone for the environment's value (docker's rule: unset
 *  in the environment means the arg is not passed). */
export function parseBuildArgs(list: string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InputError(`--build-arg ${item}: expected NAME=VALUE`);
    if (eq >= 0) out[name] = item.slice(eq + 1);
    else if (env[name] !== undefined) out[name] = env[name]!;
  }
  return out;
}

/** `layerscope-build/<context dir name>`, made a valid repository name. */
export function buildRepository(contextDir: string): string {
  const name = basename(resolve(contextDir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
    .replace(/[._-]{2,}/g, '-');
  return `layerscope-build/${name || 'context'}`;
}

async function writeJson(target: string | boolean, value: unknown): Promise<void> {
  const text = `${jsonText(value, 2)}\n`;
  if (target === true || target === '-') await writeOut(text);
  else await writeFile(target as string, text);
}

function interactive(options: { json?: string | boolean; text?: boolean }): boolean {
  return process.stdout.isTTY === true && !options.json && !options.text;
}

export async function runBuild(context: string, options: BuildOptions): Promise<number> {
  const contextDir = resolve(context);
  const contextStats = await stat(contextDir).catch(() => undefined);
  if (!contextStats?.isDirectory()) throw new InputError(`build context ${context} is not a directory`);
  const dockerfilePath = options.file !== undefined ? resolve(options.file) : join(contextDir, 'Dockerfile');
  const dockerfileLabel = options.file ?? join(context, 'Dockerfile');
  let text: string;
  try {
    text = await readFile(dockerfilePath, 'utf8');
  } catch {
    throw new InputError(`no Dockerfile at ${dockerfileLabel}${options.file === undefined ? '; name one with -f' : ''}`);
  }
  const buildArgs = parseBuildArgs(options.buildArg ?? []);
  const graph = parseDockerfile(text, { buildArgs, file: dockerfileLabel });
  const target = options.target !== undefined ? findStage(graph, options.target) : graph.stages[graph.stages.length - 1];
  if (!target) {
    throw new InputError(
      `--target ${options.target}: no such stage in ${dockerfileLabel} (stages: ${graph.stages.map(stageLabel).join(', ')})`,
    );
  }
  const wanted = options.target !== undefined ? stageClosure(graph, target.index) : graph.stages.map((s) => s.index);
  printWarnings(graph.warnings);
  if (graph.unusedBuildArgs.length > 0) printWarnings([`build args not declared by any ARG: ${graph.unusedBuildArgs.join(', ')}`]);

  const relDockerfile = relative(contextDir, dockerfilePath).split(sep).join('/');
  const inContext = !relDockerfile.startsWith('..') && !isAbsolute(relDockerfile);
  const ignore = await readIgnore(contextDir, dockerfilePath);
  const entries = await listContext(contextDir, ignore.matcher);
  const repository = buildRepository(contextDir);

  const { connectEngine } = await import('../sources/engine.js');
  const { buildStages, BuildFailure } = await import('../sources/engineBuild.js');
  const { docker } = await connectEngine('docker');
  const view: BuildProgressView = interactive(options)
    ? await (await import('../ui/runStages.js')).buildProgressView(`Building ${dockerfileLabel}`)
    : plainBuildProgress();
  let built: Awaited<ReturnType<typeof buildStages>>;
  try {
    built = await buildStages(
      docker,
      {
        contextDir,
        entries,
        dockerfile: text,
        ...(inContext ? { dockerfileInContext: relDockerfile } : {}),
        ...(ignore.contextIgnoreText !== undefined ? { contextIgnoreText: ignore.contextIgnoreText } : {}),
        buildArgs,
        dockerfileLabel,
        allStages: graph.stages.map((s) => ({ ...(s.name !== undefined ? { name: s.name } : {}), label: stageLabel(s) })),
        stages: wanted.map((i) => {
          const stage = graph.stages[i]!;
          return {
            index: i,
            label: stageLabel(stage),
            ...(stage.name !== undefined ? { name: stage.name } : {}),
            tag: `${repository}:${stageLabel(stage)}`,
          };
        }),
      },
      (event) => view.event(event),
      { noCache: options.cache === false },
    );
  } catch (e) {
    if (e instanceof BuildFailure) await view.fail(e.step, e.lastLines);
    await view.close();
    throw e;
  }
  await view.close();

  const analyses = new Map<number, BuiltStageResult>();
  for (const b of built) {
    process.stderr.write(`layerscope: reading stage ${escapeForTerminal(b.label)} (${b.tag})\n`);
    const analysis = await loadAnalysis(`docker://${b.tag}`, { ...(options.cache === false ? { cache: false } : {}) });
    analyses.set(b.index, { stage: graph.stages[b.index]!, tag: b.tag, imageId: b.imageId, analysis });
  }
  const result = assembleBuild(
    contextDir,
    dockerfileLabel,
    graph,
    target.index,
    [...analyses.values()],
    await baseLayerCount(docker, graph, target.index, analyses),
  );
  if (options.json) await writeJson(options.json, buildJsonReport(result));
  if (interactive(options)) return (await import('../ui/runStages.js')).runStagePicker(result);
  if (options.text || !options.json) await writeOut(buildTextReport(result, process.stdout.columns ?? 100));
  return EXIT_OK;
}

/** How many bottom layers of stage `index` its FROM brought: the base image's (asked of the
 *  engine that built it), the base stage's, or none for scratch. */
async function baseLayerCount(docker: Docker, graph: StageGraph, index: number, built: Map<number, BuiltStageResult>): Promise<number> {
  const base = graph.stages[index]!.base;
  if (base.kind === 'scratch') return 0;
  if (base.kind === 'stage') return built.get(base.index)?.analysis.image.layers.length ?? 0;
  try {
    return ((await docker.getImage(base.ref).inspect()).RootFS?.Layers ?? []).length;
  } catch {
    return 0;
  }
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

export async function runCompare(a: string, b: string, options: CompareCliOptions): Promise<number> {
  let graph: StageGraph | undefined;
  let stages: { a: number; b: number } | undefined;
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch {
      throw new InputError(`no Dockerfile at ${options.file}`);
    }
    graph = parseDockerfile(text, { file: options.file });
    stages = pickStages(graph, options.stages, options.file);
  } else if (options.stages !== undefined) {
    throw new InputError('--stages needs the Dockerfile: add -f Dockerfile');
  }
  const hooks = interactive(options) ? {} : { onPull: pullPrinter() };
  const [analysisA, analysisB] = [await loadAnalysis(a, options, hooks), await loadAnalysis(b, options, hooks)] as [Analysis, Analysis];
  printWarnings([...analysisA.warnings, ...analysisB.warnings]);
  const comparison = compareAnalyses(analysisA, analysisB, {
    ...(graph && stages ? { graph, aStage: stages.a, bStage: stages.b } : { aLabel: a, bLabel: b }),
  });
  // The layers both start with are, in practice, the base image they share.
  const advice = adviseImage(analysisB, { baseLayers: comparison.sharedBase.layers });
  if (options.json) {
    const { compareTree, compareRowsJson } = await import('../core/compareTree.js');
    await writeJson(options.json, { ...comparison, advice, rows: compareRowsJson(compareTree(analysisA, analysisB, comparison)) });
  }
  if (interactive(options)) return (await import('../ui/runStages.js')).runCompareBrowser(comparison, analysisA, analysisB);
  if (options.text || !options.json) await writeOut(compareTextReport(comparison, advice, process.stdout.columns ?? 100));
  return EXIT_OK;
}

function pickStages(graph: StageGraph, spec: string | undefined, file: string): { a: number; b: number } {
  const names = graph.stages.map(stageLabel).join(', ');
  if (spec !== undefined) {
    const parts = spec.split(',');
    if (parts.length !== 2) throw new InputError(`--stages ${spec}: expected A,B (two stage names or indexes)`);
    const [sa, sb] = parts.map((p) => findStage(graph, p.trim()));
    if (!sa || !sb) throw new InputError(`--stages ${spec}: no such stage in ${file} (stages: ${names})`);
    return { a: sa.index, b: sb.index };
  }
  const b = graph.stages.length - 1;
  const from = copiedFromStages(graph, b);
  if (from.length === 0)
    throw new InputError(`the last stage of ${file} copies from no other stage; name the two with --stages A,B (stages: ${names})`);
  return { a: from[0]!, b };
}
