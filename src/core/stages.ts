// A multi-stage build's stages and the files that flow between them (COPY --from, RUN
// --mount=from): the plain data src/sources/dockerfile.ts parses a Dockerfile into, and what
// the stage comparison reads. Pure.

export interface BuildArg {
  name: string;
  /** The default written in the Dockerfile (`ARG NAME=default`), if any. */
  default?: string;
  /** The value used: a --build-arg override, else the default (undefined: unset). */
  value?: string;
  /** 1-based line of the ARG instruction. */
  line: number;
}

export type StageBase = { kind: 'image'; ref: string } | { kind: 'stage'; index: number } | { kind: 'scratch' };

export interface Stage {
  index: number;
  /** `AS name`, lowercased as the builder does; undefined for an unnamed stage. */
  name?: string;
  base: StageBase;
  /** The FROM image argument as written and after ARG substitution. */
  fromText: string;
  from: string;
  platform?: string;
  /** 1-based lines of the FROM instruction and of the stage's last instruction. */
  line: number;
  endLine: number;
  /** WORKDIR at the end of the stage ('/' unless set here or in the stage it starts from;
   *  a WORKDIR set by an external base image is not known from the text). */
  workdir: string;
  /** Instructions after FROM. */
  instructions: number;
}

export type EdgeSource =
  | { kind: 'stage'; index: number }
  /** An image used directly: `COPY --from=alpine:3 …` (it is pulled, not built). */
  | { kind: 'image'; ref: string };

/** Files flowing into a stage from another stage or an image. */
export interface StageEdge {
  kind: 'copy' | 'mount';
  /** The stage whose instruction this is. */
  stage: number;
  from: EdgeSource;
  /** Source paths in `from`, absolute (COPY --from sources are relative to its root). May hold
   *  wildcards (`*`, `?`, `[…]`) as written. */
  sources: string[];
  /** Absolute destination (copy) or mount target (mount), WORKDIR-relative ones resolved. */
  destination: string;
  /** The destination is a directory sources go into (trailing `/`, several sources, or a
   *  wildcard), rather than the new name of a single source. */
  intoDirectory: boolean;
  /** 1-based line of the instruction. */
  line: number;
  /** The instruction as written, on one line. */
  instruction: string;
}

export interface StageGraph {
  stages: Stage[];
  edges: StageEdge[];
  /** ARGs declared before the first FROM (they may be used in FROM lines). */
  args: BuildArg[];
  /** Build args given that no ARG declares (the builder warns about them too). */
  unusedBuildArgs: string[];
  warnings: string[];
}

/** The stage a `--target` (or a user's choice) names: a stage name, or its index. */
export function findStage(graph: StageGraph, nameOrIndex: string): Stage | undefined {
  const lower = nameOrIndex.toLowerCase();
  return graph.stages.find((s) => s.name === lower) ?? (/^\d+$/.test(nameOrIndex) ? graph.stages[Number(nameOrIndex)] : undefined);
}

/** How a stage is called in tags and on the command line: its name, else its index. */
export function stageLabel(stage: Stage): string {
  return stage.name ?? String(stage.index);
}

/** How a stage is called in sentences: its name, else `stage N`. */
export function stageTitle(stage: Stage): string {
  return stage.name ?? `stage ${stage.index}`;
}

/** Stages `index` needs (its base and the stages it copies or mounts from), transitively,
 *  with itself, ascending. */
export function stageClosure(graph: StageGraph, index: number): number[] {
  const seen = new Set<number>();
  const visit = (i: number) => {
    if (seen.has(i)) return;
    seen.add(i);
    const stage = graph.stages[i]!;
    if (stage.base.kind === 'stage') visit(stage.base.index);
    for (const edge of graph.edges) if (edge.stage === i && edge.from.kind === 'stage') visit(edge.from.index);
  };
  visit(index);
  return [...seen].sort((a, b) => a - b);
}

/** The stages `index` copies or mounts files from (directly), ascending. */
export function copiedFromStages(graph: StageGraph, index: number): number[] {
  const out = new Set<number>();
  for (const edge of graph.edges) if (edge.stage === index && edge.from.kind === 'stage') out.add(edge.from.index);
  return [...out].sort((a, b) => a - b);
}

export function hasWildcard(path: string): boolean {
  return /[*?[]/.test(path);
}

/** Joins `path` onto `dir` when it is relative, and normalises: absolute, no `.`/`..`, no
 *  trailing slash (the root is `/`). */
export function resolvePath(dir: string, path: string): string {
  const full = path.startsWith('/') ? path : `${dir.replace(/\/+$/, '')}/${path}`;
  const out: string[] = [];
  for (const seg of full.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}
