// Building stages and comparing images, for `layerscope build` and `layerscope compare` (and
// whatever else asks): build every stage of a Dockerfile through the engine, tag each one,
// analyse them, compare the final stage with the stages it copies from. What is shown, and
// where, is the caller's (src/cli/stages.ts: the output table or a screen).
import { readFile, stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type AdviceItem, adviseImage } from '../core/advice.js';
import type { Analysis } from '../core/analysis.js';
import { assembleBuild, type BuildResult, type BuiltStageResult } from '../core/buildResult.js';
import { compareAnalyses, type Comparison } from '../core/compare.js';
import { InputError } from '../core/errors.js';
import { copiedFromStages, findStage, stageClosure, stageLabel, type StageGraph } from '../core/stages.js';
import { listContext, readIgnore } from '../sources/buildContext.js';
import { dockerfileInstructions, layerSources, parseDockerfile } from '../sources/dockerfile.js';
import type { EngineAddress } from '../sources/buildkit/session.js';
import { type LoadHooks, loadAnalysis, openAnalysed, type ImageOptions } from './open.js';
import { printWarnings } from './write.js';
import { escapeForTerminal } from '../core/paths.js';
import type { BuildProgressView } from './buildProgress.js';
import type { CompareJob } from './screens.js';
import { SharedLayers } from './sharedLayers.js';
import { readSecrets, type BuildFlagValues } from './buildFlags.js';

export interface BuildOptions extends BuildFlagValues {
  json?: string | boolean;
  text?: boolean;
}

export interface CompareOptions extends ImageOptions {
  json?: string | boolean;
  text?: boolean;
  file?: string;
  stages?: string;
}

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

/** `-t NAME[:TAG]` as docker takes it (TAG defaults to latest). */
function checkTag(tag: string): string {
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/.test(tag))
    throw new InputError(`-t ${tag}: invalid tag: use name[:tag], lower-case`);
  return /:[\w][\w.-]*$/.test(tag.replace(/^[^/]*:\d+\//, '')) ? tag : `${tag}:latest`;
}

async function tagAs(docker: Docker, id: string, tag: string): Promise<void> {
  const colon = tag.lastIndexOf(':');
  await docker
    .getImage(id)
    .tag({ repo: tag.slice(0, colon), tag: tag.slice(colon + 1) })
    .catch((e: unknown) => {
      throw new InputError(`cannot tag the built image as ${tag}: ${(e as Error).message}`);
    });
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

/** Builds the stages `options` ask for and analyses each. `progress` gives the view the build's
 *  events go to (a screen, or plain lines), once the build is ready to start. */
export async function buildAndAnalyse(
  context: string,
  options: BuildOptions,
  progress: (title: string) => Promise<BuildProgressView> | BuildProgressView,
): Promise<BuildResult> {
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
  const secrets = readSecrets(options.secret ?? []);
  const extraTags = (options.tag ?? []).map(checkTag);
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
  if (!inContext && options.builder !== 'classic' && options.source !== 'podman')
    printWarnings([
      `${dockerfileLabel} is outside the build context: BuildKit reads it from the context, so it is sent there under a generated name (a COPY of the whole context sees it)`,
    ]);
  const entries = await listContext(contextDir, ignore.matcher);
  const repository = buildRepository(contextDir);

  const { connectEngine } = await import('../sources/engine.js');
  const { buildStages, BuildFailure } = await import('../sources/engineBuild.js');
  const engineKind = options.source ?? 'docker';
  const { docker, endpoint } = await connectEngine(engineKind);
  const view = await progress(`Building ${dockerfileLabel}`);
  let outcome: Awaited<ReturnType<typeof buildStages>>;
  try {
    outcome = await buildStages(
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
      {
        noCache: options.cache === false,
        builder: options.builder ?? 'auto',
        ...(options.pull ? { pull: true } : {}),
        ...(options.platform !== undefined ? { platform: options.platform } : {}),
        secrets,
        engine: endpoint.options as EngineAddress,
        engineKind,
      },
    );
  } catch (e) {
    if (e instanceof BuildFailure) await view.fail(e.step, e.lastLines);
    await view.close();
    throw e;
  }
  await view.close();
  const built = outcome.stages;
  const targetImage = built.find((b) => b.index === target.index);
  for (const tag of extraTags) if (targetImage) await tagAs(docker, targetImage.imageId, tag);
  const total = outcome.builds.reduce((n, b) => n + b.ms, 0);
  process.stderr.write(
    `layerscope: built ${built.length} stage${built.length === 1 ? '' : 's'} with ${outcome.builder === 'buildkit' ? 'BuildKit' : 'the classic builder'} ` +
      `in ${(total / 1000).toFixed(1)} s (${outcome.builds.map((b) => `${escapeForTerminal(b.target)} ${(b.ms / 1000).toFixed(1)} s`).join(', ')})` +
      `${extraTags.length > 0 && targetImage ? `; tagged ${extraTags.join(', ')}` : ''}\n`,
  );
  const instructions = dockerfileInstructions(text);

  const analyses = new Map<number, BuiltStageResult>();
  for (const b of built) {
    process.stderr.write(`layerscope: reading stage ${escapeForTerminal(b.label)} (${b.tag})\n`);
    const spec = `${engineKind}://${b.tag}`;
    const analysis = await loadAnalysis(spec, { ...(options.cache === false ? { cache: false } : {}) });
    const sources = layerSources(instructions, graph, b.index, analysis.image.config.history, dockerfileLabel);
    analysis.image.layers.forEach((layer, i) => {
      const source = sources[i];
      if (source) layer.source = source;
    });
    analyses.set(b.index, { stage: graph.stages[b.index]!, tag: b.tag, imageId: b.imageId, analysis, spec });
  }
  return assembleBuild(
    contextDir,
    dockerfileLabel,
    graph,
    target.index,
    [...analyses.values()],
    await baseLayerCount(docker, graph, target.index, analyses),
  );
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

/** Opens A and B and compares them (A = builder, B = final); with `options.file` the Dockerfile's
 *  COPY --from lines trace what crossed. Advice is for B, above the base the two share. */
export async function compareImages(
  a: string,
  b: string,
  options: CompareOptions,
  hooks: LoadHooks = {},
): Promise<{ comparison: Comparison; advice: AdviceItem[]; a: Analysis; b: Analysis }> {
  const job = await compareJob(a, b, options);
  const [analysisA, analysisB] = [await job.load('a', hooks), await job.load('b', hooks)] as [Analysis, Analysis];
  printWarnings([...analysisA.warnings, ...analysisB.warnings]);
  const comparison = job.compare(analysisA, analysisB);
  // The layers both start with are, in practice, the base image they share.
  const advice = adviseImage(analysisB, { baseLayers: comparison.sharedBase.layers });
  return { comparison, advice, a: analysisA, b: analysisB };
}

/** What comparing A and B needs, before either is read (the Dockerfile is read and checked
 *  here, so bad input fails at once): how to load each side and how to compare them. Layers the
 *  two share are read once (SharedLayers), also when both load at the same time. */
export async function compareJob(a: string, b: string, options: CompareOptions): Promise<CompareJob> {
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
  const shared = new SharedLayers();
  const label = (spec: string, stage: number | undefined) =>
    graph && stage !== undefined && graph.stages[stage] ? stageLabel(graph.stages[stage]!) : spec;
  return {
    labels: { a: label(a, stages?.a), b: label(b, stages?.b) },
    load: async (side, hooks, keep) => {
      const sideHooks: LoadHooks = { shared: (disk) => shared.behind(disk), ...hooks };
      if (!keep) return loadAnalysis(side === 'a' ? a : b, options, sideHooks);
      const opened = await openAnalysed(side === 'a' ? a : b, options, sideHooks);
      keep(opened);
      return opened.analysis;
    },
    compare: (x, y) =>
      compareAnalyses(x, y, { ...(graph && stages ? { graph, aStage: stages.a, bStage: stages.b } : { aLabel: a, bLabel: b }) }),
  };
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
