// Builds a Dockerfile's stages through the engine (`POST /build`, the classic builder), one
// build per stage with `target`, each tagged so it can be reopened like any engine image.
// The engine's JSON progress stream is turned into plain events (stage, step, output line);
// a failing step ends in a BuildFailure that names the stage, the step and the last output.
import type Docker from 'dockerode';
import { InputError } from '../core/errors.js';
import { errorText } from './engine.js';
import { packContext, type ContextEntry } from './buildContext.js';

export type BuildEvent =
  /** The build reached stage `stage` (its FROM step); tag is '' for a stage that is built
   *  only because the classic builder builds every stage before its target. */
  | { type: 'stage'; stage: number; label: string; tag: string; position: number; total: number }
  | { type: 'step'; stage: number; text: string }
  | { type: 'output'; stage: number; text: string }
  | { type: 'built'; stage: number; tag: string; imageId: string };

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
export const FAILURE_LINES = 12;

export class BuildFailure extends InputError {
  override name = 'BuildFailure';
  constructor(
    message: string,
    /** Label of the stage whose step failed, when known. */
    readonly stage: string | undefined,
    /** `Step 3/9 : RUN make`, when the failing step is known. */
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
}

export async function buildStages(
  docker: Docker,
  plan: BuildPlan,
  onEvent: (event: BuildEvent) => void = () => undefined,
  options: BuildStagesOptions = {},
): Promise<BuiltStage[]> {
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
  return built;
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
    if (/^Step \d+\/\d+ : /.test(clean)) {
      if (/^Step \d+\/\d+ : FROM\s/i.test(clean)) {
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
      const id = /^ ---> ([0-9a-f]{12,64})$/.exec(clean);
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
    const where = step ? `${step.replace(/^Step (\d+\/\d+) : /, 'step $1 (')})` : 'before the first step';
    const hint =
      step && /^Step \d+\/\d+ : FROM\s/i.test(step)
        ? ' (the base image is not in the engine and could not be pulled: pull, load or build it first)'
        : '';
    throw new BuildFailure(
      `build of stage ${label ?? main.label} failed at ${where}: ${cleanOutputLine(failure).replace(/\s+/g, ' ').trim()}${hint}`,
      label,
      step,
      last,
    );
  }
  return ids;
}

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
