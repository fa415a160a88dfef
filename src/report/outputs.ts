// Every report format, as one table: the option that asks for it, what it can render (an image,
// a build, a comparison) and how. The command line's options and the choice of what to write
// come from this table (src/cli/options.ts, src/app/outputs.ts), so a new format — junit,
// github, markdown — is one entry here and its renderer. What a format needs from the
// configuration reaches it as OutputSettings (the app layer reads the configuration).
import type { AdviceItem } from '../core/advice.js';
import type { Analysis } from '../core/analysis.js';
import type { BuildResult } from '../core/buildResult.js';
import type { Comparison } from '../core/compare.js';
import type { CompareRowJson } from '../core/compareTree.js';
import type { CiBase, CiRules } from './ci.js';
import type { CiFormat } from './ci/report.js';
import { ciFormatOf, ciOutput, ciRulesOf, type ConfiguredFormat, wantsCi } from './ci/run.js';
import { diveJsonReport } from './diveJson.js';
import { InputError } from '../core/errors.js';
import { jsonReport, jsonText } from './json.js';
import { buildJsonReport, buildTextReport, compareTextReport } from './stages.js';
import { textReport } from './text.js';

/** What a command reports on. */
export type Subject =
  | { kind: 'image'; analysis: Analysis }
  | { kind: 'build'; result: BuildResult }
  | { kind: 'compare'; comparison: Comparison; advice: AdviceItem[]; rows?: CompareRowJson[] };

export type SubjectKind = Subject['kind'];

/** The parsed command-line options (commander's camel-cased attributes). */
export type OutputOptions = object;

/** The value of the option whose attribute is `id`. */
export function optionValue(options: OutputOptions, id: string): unknown {
  return (options as Record<string, unknown>)[id];
}

/** What the formats take from the configuration file (src/app/outputs.ts reads it). */
export interface OutputSettings {
  /** Its ci section: the rules below the rules files. */
  ciBase?: CiBase;
  /** Its ci.format, and where it was set. */
  ciFormat?: ConfiguredFormat;
}

export interface RenderContext {
  options: OutputOptions;
  prepared: unknown;
  /** The columns a text report fits (Infinity: no limit, for a file or a pipe). */
  width: number;
}

export interface Rendered {
  text: string;
  /** Where: a file the option named, else stdout. */
  file?: string;
  /** A check failed (--ci): the run exits 1. */
  failed?: boolean;
  /** Text to append to a file as well (`what` names it in an error): GitHub's step summary. */
  append?: { file: string; text: string; what: string };
}

export interface OutputFormat {
  /** The option's attribute (`--json` → json) that asks for this format. */
  id: string;
  /** The option as the command line spells it, commander's syntax. */
  flags: string;
  /** Per subject it can render, the option's help. */
  help: Partial<Record<SubjectKind, string>>;
  /** Whether the options ask for it; default: its option is given. */
  isChosen?(options: OutputOptions): boolean;
  /** The format written when none is asked for and there is no screen. */
  isDefault?: boolean;
  /** The file the options name for it (`--json FILE`), checked before the image is read. */
  file?(options: OutputOptions): string | undefined;
  /** Runs before the image is read, so bad settings (a rules file) fail before the slow part;
   *  what it returns reaches render. */
  prepare?(options: OutputOptions, settings: OutputSettings): unknown;
  render(subject: Subject, context: RenderContext): Rendered;
  /** Several subjects in one run (`layerscope A B --json`): a part per subject as it is read,
   *  one output for them all at the end. Without it, the format renders each subject in turn. */
  combine?: {
    part(subject: Subject, context: RenderContext): unknown;
    render(parts: unknown[], context: RenderContext): Rendered;
  };
}

/** `--json [file]`: FILE, or stdout when it is omitted or `-`. */
function fileOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '-' ? value : undefined;
}

const json: OutputFormat = {
  id: 'json',
  flags: '--json [file]',
  help: {
    image: 'write the JSON report to FILE, or stdout when FILE is omitted or -',
    build: 'per-stage reports, the comparison and the advice as JSON, to FILE or stdout',
    compare: 'the comparison as JSON, to FILE or stdout',
  },
  // --json-format dive takes it over (the next entry).
  isChosen: (options) => {
    const value = optionValue(options, 'json');
    return value !== undefined && value !== false && jsonSchemaOf(options) === 'layerscope';
  },
  file: (options) => fileOf(optionValue(options, 'json')),
  render: (subject, { options }) => jsonOutput(jsonValue(subject), options),
  // Several images: one array of their reports, in the order given.
  combine: {
    part: (subject) => jsonValue(subject),
    render: (parts, { options }) => jsonOutput(parts, options),
  },
};

function jsonValue(subject: Subject): unknown {
  if (subject.kind === 'image') return jsonReport(subject.analysis);
  if (subject.kind === 'build') return buildJsonReport(subject.result);
  return { ...subject.comparison, advice: subject.advice, ...(subject.rows ? { rows: subject.rows } : {}) };
}

function jsonOutput(value: unknown, options: OutputOptions): Rendered {
  const file = fileOf(optionValue(options, 'json'));
  return { text: `${jsonText(value, 2)}\n`, ...(file !== undefined ? { file } : {}) };
}

/** `--json-format`: layerscope's schema (the default) or dive's. */
function jsonSchemaOf(options: OutputOptions): 'layerscope' | 'dive' {
  const value = optionValue(options, 'jsonFormat');
  if (value === undefined || value === 'layerscope') return 'layerscope';
  if (value === 'dive') return 'dive';
  throw new InputError(`--json-format ${String(value)}: expected layerscope or dive`);
}

/** `--json-format dive`: dive's `--json` export schema (src/report/diveJson.ts), to the file
 *  --json names or stdout; several images: an array of them. */
const diveJson: OutputFormat = {
  id: 'jsonFormat',
  flags: '--json-format <schema>',
  help: {
    image: "the JSON report's schema: layerscope (the default) or dive (dive's --json export, for scripts written for dive)",
  },
  isChosen: (options) => jsonSchemaOf(options) === 'dive',
  file: (options) => fileOf(optionValue(options, 'json')),
  render: (subject, { options }) => jsonOutput(diveJsonValue(subject), options),
  combine: {
    part: (subject) => diveJsonValue(subject),
    render: (parts, { options }) => jsonOutput(parts, options),
  },
};

function diveJsonValue(subject: Subject): unknown {
  if (subject.kind !== 'image') throw new Error(`--json-format dive reports on an image, not a ${subject.kind}`);
  return diveJsonReport(subject.analysis);
}

const text: OutputFormat = {
  id: 'text',
  flags: '--text',
  isDefault: true,
  help: {
    image: 'print the text summary (the default when stdout is not a terminal)',
    build: 'print the text summary (the default when stdout is not a terminal)',
    compare: 'print the text comparison (the default when stdout is not a terminal)',
  },
  render(subject, { width }) {
    if (subject.kind === 'image') return { text: textReport(subject.analysis, { width }) };
    if (subject.kind === 'build') return { text: buildTextReport(subject.result, width) };
    return { text: compareTextReport(subject.comparison, subject.advice, width) };
  },
};

interface PreparedCi {
  rules: CiRules;
  format: CiFormat;
}

const ci: OutputFormat = {
  id: 'ci',
  flags: '--ci',
  help: { image: 'check the image against the CI rules (.dive-ci, .layerscope-ci); exit 1 when a rule fails' },
  // The options that refine it (--ci-format, --ci-config, a flag per rule): src/cli/ci.ts.
  isChosen: (options) => wantsCi(options),
  prepare: (options, settings): PreparedCi => ({
    rules: ciRulesOf(options, settings.ciBase),
    format: ciFormatOf(options, settings.ciFormat),
  }),
  render(subject, { prepared }) {
    if (subject.kind !== 'image') throw new Error(`--ci reports on an image, not a ${subject.kind}`);
    const { rules, format } = prepared as PreparedCi;
    const out = ciOutput(subject.analysis, rules, format);
    return {
      text: out.text,
      failed: out.failed,
      ...(out.stepSummary ? { append: { ...out.stepSummary, what: 'GITHUB_STEP_SUMMARY' } } : {}),
    };
  },
};

/** In the order they are written: the JSON report first, the CI verdict last. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = [json, diveJson, text, ci];

/** The formats `kind` offers. */
export function formatsFor(kind: SubjectKind): OutputFormat[] {
  return OUTPUT_FORMATS.filter((f) => f.help[kind] !== undefined);
}

/** `CI` set as dive reads it (`true`, `1` or `yes`): CI systems set it. */
export function ciFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1' || env.CI === 'yes';
}

/** The formats the options ask for ([] when none is: a screen, or the default format). As
 *  dive does, `CI=true` with no output asked for means --ci (no screen, the CI verdict);
 *  an output that is asked for (--json, --text) is written alone. */
export function chosenFormats(kind: SubjectKind, options: OutputOptions, env: NodeJS.ProcessEnv = process.env): OutputFormat[] {
  const formats = formatsFor(kind);
  const chosen = formats.filter((f) => {
    if (f.isChosen) return f.isChosen(options);
    const value = optionValue(options, f.id);
    return value !== undefined && value !== false;
  });
  if (chosen.length > 0 || !ciFromEnvironment(env)) return chosen;
  return formats.filter((f) => f === ci);
}
