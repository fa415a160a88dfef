// Builds a Dockerfile's stages through the engine and tags each so it can be reopened like any
// engine image. BuildKit by default (`POST /build?version=2`, the engine's built-in BuildKit):
// one build per wanted stage with `target`, the last stage first, so the others come from the
// cache it filled. The classic builder (`--builder classic`, Podman, or an engine without
// BuildKit) builds every stage up to its target in one build. Both progress streams become the
// same plain events (stage, step, output line); a failing step ends in a BuildFailure that names
// the stage, the step's Dockerfile line and its last output.
import type Docker from 'dockerode';
import { InputError } from '../core/errors.js';
import { errorText } from './engine.js';
import { packContext, type ContextEntry } from './buildContext.js';
import { dockerfileInstructions, truncateToStage, type StageInstructions } from './dockerfile.js';
import { runBuildkit } from './buildkit/build.js';
import { openSession, type BuildSession, type EngineAddress } from './buildkit/session.js';
import { parseVertexName, type StepStatus, type TraceStep } from './buildkit/trace.js';

export type BuilderKind = 'buildkit' | 'classic';

export type BuildEvent =
  /** The build reached stage `stage` (its FROM step); tag is '' for a stage that is built
   *  only because the classic builder builds every stage before its target. */
  | { type: 'stage'; stage: number; label: string; tag: string; position: number; total: number }
  /** A step started or changed. BuildKit steps carry a key (the vertex), their status and,
   *  once finished, their duration; a step with a known key updates that step. */
  | { type: 'step'; stage: number; text: string; key?: string; status?: StepStatus; durationMs?: number }
  | { type: 'output'; stage: number; text: string; key?: string }
  | { type: 'built'; stage: number; tag: string; imageId: string }
  /** Which builder runs, and why when it is not the default. */
  | { type: 'builder'; builder: BuilderKind; reason?: string };

export interface StageBuild {
  index: number;
  /** Stage name or index, for display and tags. */
  label: string;
  /** The stage's name in the Dockerfile (what `target` accepts); undefined for unnamed stages. */
  name?: string;
  /** `repository:tag` to give the built stage. */
  tag: string;
}

export interface BuildPlan {
  contextDir: string;
  entries: ContextEntry[];
  /** The Dockerfile's text. */
  dockerfile: string;
  /** The Dockerfile is this context file (see PackOptions.dockerfileInContext). */
  dockerfileInContext?: string;
  contextIgnoreText?: string;
  buildArgs: Record<string, string>;
  /** The stages to build and tag, ascending. */
  stages: StageBuild[];
  /** Every stage of the Dockerfile: name (undefined when unnamed) and label, by index. */
  allStages: Array<{ name?: string; label: string }>;
  /** Shown in messages: the Dockerfile as the user named it. */
  dockerfileLabel: string;
}

export interface BuiltStage {
  index: number;
  label: string;
  tag: string;
  imageId: string;
}

/** How many output lines a failure keeps to show. */
export const FAILURE_LINES = 20;

export class BuildFailure extends InputError {
  override name = 'BuildFailure';
  constructor(
    message: string,
    /** Label of the stage whose step failed, when known. */
    readonly stage: string | undefined,
    /** `Dockerfile:7 RUN make` (BuildKit) or `Step 3/9 : RUN make` (classic), when known. */
    readonly step: string | undefined,
    /** The failing step's last output lines (at most FAILURE_LINES), oldest first. */
    readonly lastLines: string[],
  ) {
    super(message);
  }
}

/** The engine build that yields the wanted stages: its `target` (undefined: the whole file). */
export interface BuildUnit {
  target?: string;
  /** Stages the build goes through, 0…last: the classic builder builds every stage up to its
   *  target, in order, whether the target needs it or not. */
  through: number;
  stages: StageBuild[];
}

/**
 * One build gives every wanted stage. Builders take only stage *names* as targets, and the
 * classic builder builds every stage up to its target, in order, printing `Step n/m : FROM …`
 * at each stage start and ` ---> <id>` after every step; so the build targets the last wanted
 * stage (or, when that one is unnamed, the next named stage, or the whole file) and each stage's
 * image is the last ` ---> <id>` of its part of the output. Taking every stage from the one
 * build also means a stage's tag is exactly the image the later stages copied from (separate
 * builds per target could disagree when the engine's build cache is off).
 */
export function planBuild(stages: StageBuild[], allStages: Array<{ name?: string }>): BuildUnit {
  const sorted = [...stages].sort((a, b) => a.index - b.index);
  const last = sorted[sorted.length - 1];
  if (!last) throw new Error('planBuild: no stage to build');
  if (last.name !== undefined) return { target: last.name, through: last.index, stages: sorted };
  const next = allStages.findIndex((s, i) => i > last.index && s.name !== undefined);
  return next >= 0 ? { target: allStages[next]!.name!, through: next, stages: sorted } : { through: allStages.length - 1, stages: sorted };
}

export interface BuildStagesOptions {
  /** Build without the engine's build cache (`docker build --no-cache`). */
  noCache?: boolean;
  /** `auto` (default): BuildKit, the classic builder when the engine has no BuildKit. */
  builder?: 'auto' | BuilderKind;
  /** Always pull a newer base image (`--pull`). */
  pull?: boolean;
  platform?: string;
  /** `--secret` values by id, served to BuildKit through the build session (memory only). */
  secrets?: Map<string, Buffer>;
  /** Where the engine listens (the build session is a connection of its own). */
  engine?: EngineAddress;
  /** Podman builds with Buildah behind the classic build API. */
  engineKind?: 'docker' | 'podman';
}

export interface BuildOutcome {
  builder: BuilderKind;
  stages: BuiltStage[];
  /** Each engine build: its target and wall time. */
  builds: Array<{ target: string; ms: number }>;
}

/** Where the session connects: as told, else where dockerode connects (DOCKER_HOST read by
 *  docker-modem). TLS and ssh endpoints are not supported for the session. */
function engineAddress(docker: Docker, given: EngineAddress | undefined): EngineAddress {
  if (given?.socketPath || given?.host) return given;
  const modem = docker.modem as { socketPath?: string; host?: string; port?: number | string };
  if (modem.socketPath) return { socketPath: modem.socketPath };
  if (modem.host) return { host: modem.host, port: Number(modem.port ?? 2375) };
  return { socketPath: '/var/run/docker.sock' };
}

/** An engine without BuildKit answers a version 2 build with one of these. */
const NO_BUILDKIT = /buildkit (?:is )?not supported|not supported by (?:the )?daemon|unsupported builder version|invalid builder version/i;

export async function buildStages(
  docker: Docker,
  plan: BuildPlan,
  onEvent: (event: BuildEvent) => void = () => undefined,
  options: BuildStagesOptions = {},
): Promise<BuildOutcome> {
  const wanted = options.builder ?? 'auto';
  if (wanted === 'classic' || options.engineKind === 'podman') {
    if (options.secrets && options.secrets.size > 0)
      throw new InputError(
        wanted === 'classic'
          ? '--secret needs BuildKit: the classic builder cannot pass secrets (drop --builder classic)'
          : '--secret needs BuildKit: building with Podman takes no secrets here (use --source docker)',
      );
    onEvent({
      type: 'builder',
      builder: 'classic',
      ...(wanted !== 'classic' ? { reason: 'Podman builds with Buildah through the classic build API' } : {}),
    });
    return classicBuild(docker, plan, onEvent, options);
  }
  try {
    return await buildkitStages(docker, plan, onEvent, options);
  } catch (e) {
    if (wanted === 'auto' && e instanceof NoBuildkit) {
      onEvent({ type: 'builder', builder: 'classic', reason: `the engine has no BuildKit (${e.message})` });
      if (options.secrets && options.secrets.size > 0)
        throw new InputError(`--secret needs BuildKit, and the engine has none: ${e.message}`);
      return classicBuild(docker, plan, onEvent, options);
    }
    throw e;
  }
}

class NoBuildkit extends Error {}

async function buildkitStages(
  docker: Docker,
  plan: BuildPlan,
  onEvent: (event: BuildEvent) => void,
  options: BuildStagesOptions,
): Promise<BuildOutcome> {
  const instructions = dockerfileInstructions(plan.dockerfile);
  const vertexStage = new Map<string, number>();
  plan.allStages.forEach((s, i) => {
    vertexStage.set(s.name ?? `stage-${i}`, i);
  });
  const sorted = [...plan.stages].sort((a, b) => a.index - b.index);
  // The last stage first: it needs most of the others, whose builds then come from the cache.
  const order = [sorted[sorted.length - 1]!, ...sorted.slice(0, -1)];
  let session: BuildSession | undefined;
  if (options.secrets && options.secrets.size > 0) {
    try {
      session = await openSession(engineAddress(docker, options.engine), {
        secrets: options.secrets,
        sharedKey: plan.contextDir,
      });
    } catch (e) {
      throw new InputError(`cannot open a build session on the engine (needed for --secret): ${errorText(e)}`, { cause: e });
    }
  }
  onEvent({ type: 'builder', builder: 'buildkit' });
  const built: BuiltStage[] = [];
  const builds: BuildOutcome['builds'] = [];
  try {
    for (const [position, stage] of order.entries()) {
      onEvent({ type: 'stage', stage: stage.index, label: stage.label, tag: stage.tag, position, total: order.length });
      // BuildKit takes only stage names as targets and reads the Dockerfile from the context
      // (applying no .dockerignore to a context in the request body): a named stage is built
      // from the user's file as it is; an unnamed one from the file cut after that stage, with
      // no target, sent beside the context's files (visible to that build's COPY . only).
      const asIs = stage.name !== undefined ? plan.dockerfileInContext : undefined;
      const context = packContext(plan.contextDir, plan.entries, {
        dockerfile: stage.name !== undefined ? plan.dockerfile : truncateToStage(plan.dockerfile, stage.index),
        ...(asIs !== undefined ? { dockerfileInContext: asIs } : {}),
        buildkit: true,
      });
      const started = Date.now();
      let result: Awaited<ReturnType<typeof runBuildkit>>;
      try {
        result = await runBuildkit(
          docker,
          {
            context: context.stream,
            dockerfile: context.dockerfileName,
            ...(stage.name !== undefined ? { target: stage.name } : {}),
            buildArgs: plan.buildArgs,
            // A fresh build is the first one; the others take what it just built.
            ...(options.noCache && position === 0 ? { noCache: true } : {}),
            ...(options.pull && position === 0 ? { pull: true } : {}),
            ...(options.platform ? { platform: options.platform } : {}),
            ...(session ? { session: session.id } : {}),
          },
          (change) => {
            const parsed = parseVertexName(change.step.name);
            if (!parsed) return;
            const index = parsed.stage === '' ? 0 : (vertexStage.get(parsed.stage) ?? stage.index);
            const text = change.step.name;
            if (change.type === 'step')
              onEvent({
                type: 'step',
                stage: index,
                text,
                key: change.step.digest,
                status: change.step.status,
                ...(change.step.durationMs !== undefined ? { durationMs: change.step.durationMs } : {}),
              });
            else onEvent({ type: 'output', stage: index, text: change.text, key: change.step.digest });
          },
        );
      } catch (e) {
        await context.done.catch(() => undefined);
        const text = errorText(e);
        if (NO_BUILDKIT.test(text)) throw new NoBuildkit(text);
        throw new InputError(`the engine refused the build of stage ${stage.label} (${plan.dockerfileLabel}): ${text}`, { cause: e });
      }
      await context.done.catch((e: unknown) => {
        result.error ??= e instanceof Error ? e.message : String(e);
      });
      builds.push({ target: stage.label, ms: Date.now() - started });
      if (result.error !== undefined) {
        if (NO_BUILDKIT.test(result.error)) throw new NoBuildkit(result.error);
        throw buildkitFailure(result.error, result.trace.failed(), plan, instructions, vertexStage, stage);
      }
      if (!result.imageId) throw new InputError(`the build of ${plan.dockerfileLabel} did not report an image for stage ${stage.label}`);
      const imageId = await tagImage(docker, result.imageId, stage.tag);
      onEvent({ type: 'built', stage: stage.index, tag: stage.tag, imageId });
      built.push({ index: stage.index, label: stage.label, tag: stage.tag, imageId });
    }
  } finally {
    await session?.close();
  }
  return { builder: 'buildkit', stages: built.sort((a, b) => a.index - b.index), builds };
}

/** Instructions that are BuildKit steps (`[stage k/n]`): FROM is step 1, then these in order. */
const STEP_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

/** The Dockerfile instruction of a step `[stage k/n] …`. */
export function stepInstruction(
  instructions: StageInstructions[],
  stageIndex: number,
  name: string,
): { line: number; text: string } | undefined {
  const parsed = parseVertexName(name);
  const stage = instructions[stageIndex];
  if (!parsed || !stage) return undefined;
  if (parsed.step === 1) return stage.from;
  const steps = stage.instructions.filter((i) => STEP_KEYWORDS.has(i.keyword));
  const byNumber = steps[parsed.step - 2];
  const keyword = parsed.instruction.split(/\s/)[0]!.toUpperCase();
  if (byNumber && byNumber.keyword === keyword) return byNumber;
  return stage.instructions.find((i) => i.text === parsed.instruction.trim());
}

/** The BuildKit error as a BuildFailure (a failing step) or a one-line InputError (the
 *  Dockerfile frontend refused the file: its line and message). */
function buildkitFailure(
  error: string,
  step: TraceStep | undefined,
  plan: BuildPlan,
  instructions: StageInstructions[],
  vertexStage: Map<string, number>,
  building: StageBuild,
): Error {
  const message = cleanOutputLine(error).replace(/\s+/g, ' ').trim();
  const parse = /dockerfile parse error (?:on )?line (\d+): (.*)$/i.exec(message);
  if (parse) {
    const line = Number(parse[1]);
    const text = plan.dockerfile.split(/\r?\n/)[line - 1]?.trim() ?? '';
    const hint = /unknown flag|unknown instruction/i.test(parse[2]!)
      ? " (this engine's Dockerfile frontend is older than that syntax: heredocs and COPY --link need a newer BuildKit)"
      : '';
    return new InputError(`${plan.dockerfileLabel}:${line} ${text}: ${parse[2]}${hint}`);
  }
  const llb = /failed to create LLB definition: (.*)$/i.exec(message);
  if (llb) return new InputError(`${plan.dockerfileLabel}: ${llb[1]}`);
  if (step) {
    const parsed = parseVertexName(step.name);
    const index = parsed ? (parsed.stage === '' ? 0 : (vertexStage.get(parsed.stage) ?? building.index)) : building.index;
    const label = plan.allStages[index]?.label ?? building.label;
    const at = stepInstruction(instructions, index, step.name);
    const where = at ? `${plan.dockerfileLabel}:${at.line} ${at.text}` : step.name;
    const hint =
      at && parsed?.step === 1 ? ' (the base image is not in the engine and could not be pulled: pull, load or build it first)' : '';
    return new BuildFailure(
      `build of stage ${label} failed at ${where}: ${message}${hint}`,
      label,
      where,
      step.lines
        .map(cleanOutputLine)
        .filter((l) => l !== '')
        .slice(-FAILURE_LINES),
    );
  }
  return new BuildFailure(`build of stage ${building.label} failed: ${message}`, building.label, undefined, []);
}

async function classicBuild(
  docker: Docker,
  plan: BuildPlan,
  onEvent: (event: BuildEvent) => void,
  options: BuildStagesOptions,
): Promise<BuildOutcome> {
  const started = Date.now();
  const unit = planBuild(plan.stages, plan.allStages);
  const ids = await buildOne(docker, plan, unit, onEvent, options);
  const built: BuiltStage[] = [];
  for (const stage of unit.stages) {
    const short = ids.get(stage.index);
    if (short === undefined) throw new InputError(`the build of ${plan.dockerfileLabel} did not report an image for stage ${stage.label}`);
    const imageId = await tagImage(docker, short, stage.tag);
    onEvent({ type: 'built', stage: stage.index, tag: stage.tag, imageId });
    built.push({ index: stage.index, label: stage.label, tag: stage.tag, imageId });
  }
  return { builder: 'classic', stages: built, builds: [{ target: unit.target ?? 'the whole file', ms: Date.now() - started }] };
}

/** Tags image `id` as `repo:tag`; resolves to its full ID. */
async function tagImage(docker: Docker, id: string, tag: string): Promise<string> {
  const colon = tag.lastIndexOf(':');
  try {
    const image = docker.getImage(id);
    await image.tag({ repo: tag.slice(0, colon), tag: tag.slice(colon + 1) });
    return (await image.inspect()).Id;
  } catch (e) {
    throw new InputError(`cannot tag the built image ${id} as ${tag}: ${errorText(e)}`, { cause: e });
  }
}

interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

/** What a build printed is shown on a terminal: no colour codes or other control sequences. */
export function cleanOutputLine(text: string): string {
  return text
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b[\]P^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\s+$/, '');
}

/** Runs one engine build; resolves to the image of each stage it went through (by stage index:
 *  the last ` ---> <id>` printed in that stage's part of the output). */
async function buildOne(
  docker: Docker,
  plan: BuildPlan,
  unit: BuildUnit,
  onEvent: (event: BuildEvent) => void,
  options: BuildStagesOptions,
): Promise<Map<number, string>> {
  const main = unit.stages[unit.stages.length - 1]!;
  const context = packContext(plan.contextDir, plan.entries, {
    dockerfile: plan.dockerfile,
    ...(plan.dockerfileInContext !== undefined ? { dockerfileInContext: plan.dockerfileInContext } : {}),
    ...(plan.contextIgnoreText !== undefined ? { contextIgnoreText: plan.contextIgnoreText } : {}),
  });
  let response: NodeJS.ReadableStream;
  try {
    response = await docker.buildImage(context.stream, {
      dockerfile: context.dockerfileName,
      ...(unit.target !== undefined ? { target: unit.target } : {}),
      buildargs: plan.buildArgs,
      rm: true,
      forcerm: true,
      ...(options.noCache ? { nocache: true } : {}),
      ...(options.pull ? { pull: true } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
      version: '1',
    });
  } catch (e) {
    await context.done.catch(() => undefined);
    throw new InputError(`the engine refused the build of stage ${main.label} (${plan.dockerfileLabel}): ${errorText(e)}`, { cause: e });
  }
  const last: string[] = [];
  const ids = new Map<number, string>();
  let stage = -1;
  let step: string | undefined;
  let failure: string | undefined;
  const line = (text: string) => {
    const clean = cleanOutputLine(text);
    if (clean === '') return;
    const at = Math.max(0, stage);
    // The classic builder: `Step 3/9 : RUN make`, ` ---> <id>`; Buildah (Podman): `[1/2] STEP
    // 3/5: RUN make`, `--> <id>` (each stage numbered, the FROM step 1).
    if (STEP_LINE.test(clean)) {
      if (FROM_STEP.test(clean)) {
        stage += 1;
        const wanted = unit.stages.find((s) => s.index === stage);
        const label = plan.allStages[stage]?.label ?? String(stage);
        onEvent({ type: 'stage', stage, label, tag: wanted?.tag ?? '', position: stage, total: unit.through + 1 });
      }
      step = clean;
      last.length = 0;
      onEvent({ type: 'step', stage: Math.max(0, stage), text: clean });
      return;
    } else {
      onEvent({ type: 'output', stage: at, text: clean });
      const id = /^ ?---?> ([0-9a-f]{11,64})$/.exec(clean);
      if (id && stage >= 0) ids.set(stage, id[1]!);
    }
    last.push(clean);
    if (last.length > FAILURE_LINES) last.shift();
  };
  let pending = '';
  await readJsonLines(response, (message: BuildMessage) => {
    if (message.error !== undefined || message.errorDetail) {
      failure = message.errorDetail?.message ?? message.error ?? 'the build failed';
      return;
    }
    const text = message.stream ?? message.status;
    if (text === undefined) return;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) line(l);
  }).catch((e: unknown) => {
    failure ??= `the engine's build stream broke off: ${errorText(e)}`;
  });
  if (pending !== '') line(pending);
  await context.done.catch((e: unknown) => {
    failure ??= e instanceof Error ? e.message : String(e);
  });
  if (failure !== undefined) {
    const label = stage >= 0 ? plan.allStages[stage]?.label : undefined;
    const where = step ? `${step.replace(/^(?:\[\d+\/\d+\] )?(?:Step|STEP) (\d+\/\d+) ?: /, 'step $1 (')})` : 'before the first step';
    const hint =
      step && FROM_STEP.test(step) ? ' (the base image is not in the engine and could not be pulled: pull, load or build it first)' : '';
    throw new BuildFailure(
      `build of stage ${label ?? main.label} failed at ${where}: ${cleanOutputLine(failure).replace(/\s+/g, ' ').trim()}${hint}`,
      label,
      step,
      last,
    );
  }
  return ids;
}

const STEP_LINE = /^(?:Step \d+\/\d+ : |(?:\[\d+\/\d+\] )?STEP \d+\/\d+: )/;
const FROM_STEP = /^(?:Step \d+\/\d+ : |(?:\[\d+\/\d+\] )?STEP 1\/\d+: )FROM\s/i;

/** Newline-delimited JSON, as the engine's build and pull endpoints stream it. */
function readJsonLines<T>(stream: NodeJS.ReadableStream, onMessage: (message: T) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const flush = (final: boolean) => {
      for (let at = buffer.indexOf('\n'); at >= 0 || (final && buffer.trim() !== ''); at = buffer.indexOf('\n')) {
        const text = at >= 0 ? buffer.slice(0, at) : buffer;
        buffer = at >= 0 ? buffer.slice(at + 1) : '';
        if (text.trim() === '') continue;
        try {
          onMessage(JSON.parse(text) as T);
        } catch {
          onMessage({ stream: `${text}\n` } as T);
        }
      }
    };
    stream.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString();
      flush(false);
    });
    stream.on('end', () => {
      flush(true);
      resolve();
    });
    stream.on('error', reject);
  });
}
