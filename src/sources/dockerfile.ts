// A Dockerfile's stages and the files that flow between them, from the text alone (no engine):
// which image or earlier stage each stage starts from (ARGs before the first FROM and
// --build-arg overrides applied, as the builder does), and every `COPY --from` / `RUN
// --mount=from=` edge with its source paths and its destination resolved against WORKDIR.
// Parsed with dockerfile-ast; variables are expanded here, following the Dockerfile reference
// (`$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR:+word}`, `${VAR-word}`, `${VAR+word}`, escaped `\$`).
import { DockerfileParser, type Instruction, type ModifiableInstruction } from 'dockerfile-ast';
import { InputError } from '../core/errors.js';
import { hasWildcard, resolvePath, type BuildArg, type Stage, type StageBase, type StageEdge, type StageGraph } from '../core/stages.js';

export * from '../core/stages.js';

export interface ParseOptions {
  /** --build-arg NAME=VALUE overrides. */
  buildArgs?: Record<string, string>;
  /** Shown in messages (the Dockerfile's path). */
  file?: string;
}

type Vars = Map<string, string>;

export function parseDockerfile(text: string, options: ParseOptions = {}): StageGraph {
  const file = options.file ?? 'Dockerfile';
  const buildArgs = options.buildArgs ?? {};
  const dockerfile = DockerfileParser.parse(text);
  const escapeChar = dockerfile.getEscapeCharacter();
  const warnings: string[] = [];
  const declared = new Set<string>();

  // Global ARGs: those before the first FROM. Usable in FROM lines; inside a stage only when
  // redeclared (`ARG NAME` without a value takes the global value).
  const globals: Vars = new Map();
  const args: BuildArg[] = [];
  const instructions = dockerfile.getInstructions();
  const firstFrom = instructions.findIndex((i) => i.getKeyword() === 'FROM');
  if (firstFrom < 0) throw new InputError(`${file}: no FROM instruction; a Dockerfile starts its first stage with FROM`);
  for (const instruction of instructions.slice(0, firstFrom)) {
    if (instruction.getKeyword() !== 'ARG') continue;
    for (const arg of argDeclarations(instruction, globals, escapeChar)) {
      declared.add(arg.name);
      const value = buildArgs[arg.name] ?? arg.default;
      if (value !== undefined) globals.set(arg.name, value);
      args.push({ ...arg, ...(value !== undefined ? { value } : {}) });
    }
  }

  const stages: Stage[] = [];
  const edges: StageEdge[] = [];
  const stageEnv: Vars[] = [];
  let current: { stage: Stage; vars: Vars; env: Vars } | undefined;

  const stageByRef = (ref: string, numeric: boolean): number | undefined => {
    const lower = ref.toLowerCase();
    const named = stages.findIndex((s) => s.name === lower);
    if (named >= 0) return named;
    if (numeric && /^\d+$/.test(ref)) {
      const n = Number(ref);
      return n < stages.length ? n : undefined;
    }
    return undefined;
  };

  for (const instruction of instructions.slice(firstFrom)) {
    const keyword = instruction.getKeyword();
    const line = instruction.getRange().start.line + 1;
    if (keyword === 'FROM') {
      const words = instruction.getArguments().map((a) => a.getValue());
      const fromText = words[0] ?? '';
      if (fromText === '') throw new InputError(`${file}:${line}: FROM needs an image`);
      const from = expand(fromText, globals, escapeChar);
      const asAt = words.findIndex((w, i) => i > 0 && w.toLowerCase() === 'as');
      const name = asAt > 0 ? words[asAt + 1]?.toLowerCase() : undefined;
      if (asAt > 0 && !name) throw new InputError(`${file}:${line}: FROM … AS needs a stage name`);
      if (name !== undefined) {
        if (!/^[a-z][a-z0-9._-]*$/.test(name))
          throw new InputError(
            `${file}:${line}: invalid stage name "${name}": use letters, digits, '.', '_' and '-', starting with a letter`,
          );
        if (stages.some((s) => s.name === name)) throw new InputError(`${file}:${line}: duplicate stage name "${name}"`);
      }
      const baseStage = stageByRef(from, false);
      const base: StageBase =
        baseStage !== undefined
          ? { kind: 'stage', index: baseStage }
          : from.toLowerCase() === 'scratch'
            ? { kind: 'scratch' }
            : { kind: 'image', ref: from };
      const platformFlag = flagValue(instruction, 'platform');
      const stage: Stage = {
        index: stages.length,
        ...(name !== undefined ? { name } : {}),
        base,
        fromText,
        from,
        ...(platformFlag !== undefined ? { platform: expand(platformFlag, globals, escapeChar) } : {}),
        line,
        endLine: instruction.getRange().end.line + 1,
        workdir: base.kind === 'stage' ? stages[base.index]!.workdir : '/',
        instructions: 0,
      };
      stages.push(stage);
      const env: Vars = base.kind === 'stage' ? new Map(stageEnv[base.index]) : new Map();
      stageEnv.push(env);
      current = { stage, vars: new Map(), env };
      continue;
    }
    const { stage, vars, env } = current!;
    stage.instructions += 1;
    stage.endLine = instruction.getRange().end.line + 1;
    // Inside a stage, ENV wins over ARG of the same name (Dockerfile reference, "Using ARG variables").
    const scope = (): Vars => new Map([...vars, ...env]);
    switch (keyword) {
      case 'ARG':
        for (const arg of argDeclarations(instruction, scope(), escapeChar)) {
          declared.add(arg.name);
          const value = buildArgs[arg.name] ?? arg.default ?? globals.get(arg.name);
          if (value !== undefined) vars.set(arg.name, value);
        }
        break;
      case 'ENV':
        for (const [k, v] of envPairs(instruction, scope(), escapeChar)) env.set(k, v);
        break;
      case 'WORKDIR': {
        const dir = expand(
          instruction
            .getArguments()
            .map((a) => a.getValue())
            .join(' '),
          scope(),
          escapeChar,
        );
        stage.workdir = resolvePath(stage.workdir, dir);
        break;
      }
      case 'COPY':
      case 'ADD': {
        const fromFlag = flagValue(instruction, 'from');
        if (fromFlag === undefined) break;
        if (keyword === 'ADD') warnings.push(`${file}:${line}: ADD --from is not a Dockerfile feature; the builder rejects it`);
        const words = copyWords(instruction, scope(), escapeChar);
        if (words.length < 2) throw new InputError(`${file}:${line}: ${keyword} needs a source and a destination`);
        const rawFrom = expand(fromFlag, scope(), escapeChar);
        const fromStage = stageByRef(rawFrom, true);
        if (fromStage === stage.index) throw new InputError(`${file}:${line}: ${keyword} --from=${rawFrom} refers to its own stage`);
        const sources = words.slice(0, -1).map((s) => resolvePath('/', s));
        const dest = words[words.length - 1]!;
        edges.push({
          kind: 'copy',
          stage: stage.index,
          from: fromStage !== undefined ? { kind: 'stage', index: fromStage } : { kind: 'image', ref: rawFrom },
          sources,
          destination: resolvePath(stage.workdir, dest),
          intoDirectory: dest.endsWith('/') || sources.length > 1 || sources.some(hasWildcard),
          line,
          instruction: oneLineText(instruction),
        });
        break;
      }
      case 'RUN':
        for (const mount of flagValues(instruction, 'mount')) {
          const opts = mountOptions(expand(mount, scope(), escapeChar));
          const from = opts.get('from');
          if (from === undefined) continue;
          const type = opts.get('type') ?? 'bind';
          if (type !== 'bind' && type !== 'cache') continue;
          const target = opts.get('target') ?? opts.get('dst') ?? opts.get('destination');
          if (target === undefined) throw new InputError(`${file}:${line}: RUN --mount=${mount} has no target`);
          const fromStage = stageByRef(from, true);
          edges.push({
            kind: 'mount',
            stage: stage.index,
            from: fromStage !== undefined ? { kind: 'stage', index: fromStage } : { kind: 'image', ref: from },
            sources: [resolvePath('/', opts.get('source') ?? opts.get('src') ?? '/')],
            destination: resolvePath(stage.workdir, target),
            intoDirectory: true,
            line,
            instruction: oneLineText(instruction),
          });
        }
        break;
    }
  }
  const unusedBuildArgs = Object.keys(buildArgs)
    .filter((k) => !declared.has(k) && !PREDEFINED_ARGS.has(k))
    .sort();
  return { stages, edges, args, unusedBuildArgs, warnings };
}

/** Build args every builder knows without an ARG (proxy settings). */
const PREDEFINED_ARGS = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

// --- helpers -------------------------------------------------------------------------------

function flagValues(instruction: Instruction, name: string): string[] {
  const flags = (instruction as ModifiableInstruction).getFlags?.() ?? [];
  return flags.filter((f) => f.getName().toLowerCase() === name).map((f) => f.getValue() ?? '');
}

function flagValue(instruction: Instruction, name: string): string | undefined {
  const values = flagValues(instruction, name);
  return values[values.length - 1];
}

function argDeclarations(
  instruction: Instruction,
  scope: Vars,
  escapeChar: string,
): Array<{ name: string; default?: string; line: number }> {
  const line = instruction.getRange().start.line + 1;
  return instruction.getArguments().flatMap((a) => {
    const word = a.getValue();
    const eq = word.indexOf('=');
    if (eq < 0) return [{ name: word, line }];
    return [{ name: word.slice(0, eq), default: expand(unquote(word.slice(eq + 1)), scope, escapeChar), line }];
  });
}

/** `ENV K=V K2="V 2"` and the legacy `ENV K V W` form. */
function envPairs(instruction: Instruction, scope: Vars, escapeChar: string): Array<[string, string]> {
  const words = instruction.getArguments().map((a) => a.getValue());
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) return [[words[0]!, expand(words.slice(1).join(' '), scope, escapeChar)]];
  const out: Array<[string, string]> = [];
  const local = new Map(scope);
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) continue;
    const value = expand(unquote(word.slice(eq + 1)), local, escapeChar);
    out.push([word.slice(0, eq), value]);
  }
  return out;
}

/** COPY/ADD sources and destination: the JSON form, or words with quotes removed, expanded. */
function copyWords(instruction: Instruction, scope: Vars, escapeChar: string): string[] {
  const content = (instruction.getArgumentsContent() ?? '').trim();
  if (content.startsWith('[')) {
    try {
      const list = JSON.parse(content) as unknown;
      if (Array.isArray(list) && list.every((x) => typeof x === 'string'))
        return (list as string[]).map((w) => expand(w, scope, escapeChar));
    } catch {
      // not JSON after all: shell form
    }
  }
  return instruction.getArguments().map((a) => expand(unquote(a.getValue()), scope, escapeChar));
}

function unquote(word: string): string {
  if (word.length >= 2 && ((word.startsWith('"') && word.endsWith('"')) || (word.startsWith("'") && word.endsWith("'"))))
    return word.slice(1, -1);
  return word;
}

function mountOptions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) out.set(part.trim().toLowerCase(), 'true');
    else out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

function oneLineText(instruction: Instruction): string {
  const flags = ((instruction as ModifiableInstruction).getFlags?.() ?? []).map((f) => f.toString());
  return [instruction.getKeyword(), ...flags, (instruction.getArgumentsContent() ?? '').replace(/\s+/g, ' ').trim()].join(' ');
}

/** Expands `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR:+word}`, `${VAR-word}`, `${VAR+word}`; the
 *  escape character before `$` keeps it literal. Unset variables expand to ''. */
export function expand(word: string, vars: ReadonlyMap<string, string>, escapeChar = '\\'): string {
  let out = '';
  let i = 0;
  while (i < word.length) {
    const c = word[i]!;
    if (c === escapeChar && word[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    if (word[i + 1] === '{') {
      const close = matchingBrace(word, i + 1);
      if (close < 0) {
        out += word.slice(i);
        break;
      }
      out += expandBraced(word.slice(i + 2, close), vars, escapeChar);
      i = close + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(i + 1));
    if (!name) {
      out += '$';
      i++;
      continue;
    }
    out += vars.get(name[0]) ?? '';
    i += 1 + name[0].length;
  }
  return out;
}

function matchingBrace(word: string, open: number): number {
  let depth = 0;
  for (let i = open; i < word.length; i++) {
    if (word[i] === '{') depth++;
    else if (word[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function expandBraced(inner: string, vars: ReadonlyMap<string, string>, escapeChar: string): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$/s.exec(inner);
  if (!m) return '';
  const value = vars.get(m[1]!);
  const op = m[2];
  const word = m[3] ?? '';
  switch (op) {
    case ':-':
      return value !== undefined && value !== '' ? value : expand(word, vars, escapeChar);
    case '-':
      return value !== undefined ? value : expand(word, vars, escapeChar);
    case ':+':
      return value !== undefined && value !== '' ? expand(word, vars, escapeChar) : '';
    case '+':
      return value !== undefined ? expand(word, vars, escapeChar) : '';
    default:
      return value ?? '';
  }
}

// --- instructions as written, and the layers they made ------------------------------------

/** One instruction of a stage, as written in the Dockerfile. */
export interface DockerfileInstruction {
  /** Upper-case keyword: RUN, COPY… */
  keyword: string;
  /** 1-based line where it starts. */
  line: number;
  endLine: number;
  /** Its text on one line (continuations joined), flags and all. */
  text: string;
}

/** Per stage (by index): its FROM and the instructions after it, in order. */
export interface StageInstructions {
  from: DockerfileInstruction;
  instructions: DockerfileInstruction[];
}

/** The Dockerfile's stages and their instructions as written. */
export function dockerfileInstructions(text: string): StageInstructions[] {
  const dockerfile = DockerfileParser.parse(text);
  const escapeChar = dockerfile.getEscapeCharacter();
  const lines = text.split(/\r?\n/);
  const out: StageInstructions[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const range = instruction.getRange();
    const raw = lines.slice(range.start.line, range.end.line + 1);
    raw[raw.length - 1] = raw[raw.length - 1]!.slice(0, range.end.character);
    raw[0] = raw[0]!.slice(range.start.character);
    const joined = raw
      .filter((l) => !/^\s*#/.test(l))
      .map((l) => (l.trimEnd().endsWith(escapeChar) ? l.trimEnd().slice(0, -1) : l))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    const item: DockerfileInstruction = {
      keyword: instruction.getKeyword().toUpperCase(),
      line: range.start.line + 1,
      endLine: range.end.line + 1,
      text: joined,
    };
    if (item.keyword === 'FROM') out.push({ from: item, instructions: [] });
    else out[out.length - 1]?.instructions.push(item);
  }
  return out;
}

/** Where a layer came from in the Dockerfile. */
export interface LayerSourceRef {
  file: string;
  line: number;
  instruction: string;
}

/** The keyword a history `created_by` names: BuildKit writes `RUN /bin/sh -c …`, `COPY a b`,
 *  `WORKDIR /x`; the classic builder `/bin/sh -c #(nop) COPY …` or, for RUN, the command itself. */
export function historyKeyword(createdBy: string): string {
  const nop = /#\(nop\)\s+([A-Za-z]+)/.exec(createdBy);
  if (nop) return nop[1]!.toUpperCase();
  const first = /^([A-Z]+)\b/.exec(createdBy.trim());
  if (first && first[1] !== 'RUN' && /^[A-Z]+$/.test(first[1]!)) return first[1]!;
  return 'RUN';
}

/**
 * The Dockerfile instruction that made each layer of stage `index`, from the image's history:
 * every instruction after FROM adds one history entry (both builders; a stage FROM an earlier
 * stage starts with that stage's entries), so the entries above the base image's pair with the
 * stage chain's instructions in order; each layer is a history entry that is not empty_layer.
 * An entry whose keyword does not match its instruction (ONBUILD triggers of a base image, say)
 * leaves that layer without a source rather than guess. Returns one entry per layer.
 */
export function layerSources(
  stages: StageInstructions[],
  graph: StageGraph,
  index: number,
  history: Array<{ createdBy: string; emptyLayer: boolean }>,
  file: string,
): Array<LayerSourceRef | undefined> {
  const chain: DockerfileInstruction[] = [];
  for (let at: number | undefined = index; at !== undefined; ) {
    chain.unshift(...(stages[at]?.instructions ?? []));
    const base: StageGraph['stages'][number]['base'] | undefined = graph.stages[at]?.base;
    at = base?.kind === 'stage' ? base.index : undefined;
  }
  const baseEntries = history.length - chain.length;
  const out: Array<LayerSourceRef | undefined> = [];
  history.forEach((entry, i) => {
    const instruction = i >= baseEntries ? chain[i - baseEntries] : undefined;
    const matches = instruction !== undefined && historyKeyword(entry.createdBy) === instruction.keyword;
    if (!entry.emptyLayer) out.push(matches ? { file, line: instruction.line, instruction: instruction.text } : undefined);
  });
  return out;
}

/** The Dockerfile up to the end of stage `index` (the lines after it dropped, line numbers
 *  kept): building it without a target builds that stage, named or not. */
export function truncateToStage(text: string, index: number): string {
  const stages = dockerfileInstructions(text);
  const stage = stages[index];
  if (!stage) return text;
  const end = stage.instructions.length > 0 ? stage.instructions[stage.instructions.length - 1]!.endLine : stage.from.endLine;
  return `${text.split('\n').slice(0, end).join('\n')}\n`;
}
