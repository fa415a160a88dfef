// Writing the reports a command was asked for, in one place for every command: the formats come
// from the table in src/report/outputs.ts; none asked for means a screen on a terminal, else the
// default format (text). The configuration reaches the formats from here (OutputSettings).
// Several subjects in one run (`layerscope A B --json`) go through the same table: a format
// that combines them (JSON: one array) writes once at the end, the others after each.
import { statSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../core/errors.js';
import { ciBaseOf } from '../config/ciBase.js';
import { currentConfig } from '../config/current.js';
import type { EffectiveConfig } from '../config/schema.js';
import {
  chosenFormats,
  OUTPUT_FORMATS,
  type OutputFormat,
  type OutputOptions,
  type OutputSettings,
  type Rendered,
  type Subject,
  type SubjectKind,
} from '../report/outputs.js';
import { EXIT } from './exitCodes.js';
import { writeOut } from './write.js';

/** Columns the text reports fit: on a terminal its width (COLUMNS wins when set, as for other
 *  tools), else no limit: a file or a pipe gets every line whole. */
export function reportWidth(stdout: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stdout.isTTY !== true) return Number.POSITIVE_INFINITY;
  const columns = Number(env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  return stdout.columns && stdout.columns > 0 ? stdout.columns : 80;
}

/** A screen instead of reports: stdout is a terminal and no format was asked for. */
export function wantsScreen(kind: SubjectKind, options: OutputOptions): boolean {
  return process.stdout.isTTY === true && chosenFormats(kind, options).length === 0;
}

export interface PreparedOutputs {
  formats: OutputFormat[];
  prepared: Map<OutputFormat, unknown>;
}

/** What to say when a report cannot be written to `file`: what is wrong and what to do. */
export function outputFileProblem(file: string, err: NodeJS.ErrnoException): string {
  const dir = dirname(file);
  switch (err.code) {
    case 'ENOENT':
      return `cannot write ${file}: there is no directory ${dir}; create it first, or name a file in a directory that exists`;
    case 'ENOTDIR':
      return `cannot write ${file}: ${dir} is not a directory; name a file in a directory that exists`;
    case 'EISDIR':
      return `cannot write ${file}: it is a directory; name a file, e.g. ${file.replace(/\/+$/, '')}/report.json`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `cannot write ${file}: permission denied; name a file you can write, or - for stdout`;
    default:
      return `cannot write ${file}: ${err.code ?? err.message}`;
  }
}

/** Fails (one line, exit 2) when `file` cannot be where a report goes: its directory is missing,
 *  or it is a directory. Checked before the image is read. */
export function checkOutputFile(file: string): void {
  const dir = statSync(dirname(file), { throwIfNoEntry: false });
  if (!dir) throw new InputError(outputFileProblem(file, Object.assign(new Error('missing'), { code: 'ENOENT' })));
  if (!dir.isDirectory()) throw new InputError(outputFileProblem(file, Object.assign(new Error('not a dir'), { code: 'ENOTDIR' })));
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw new InputError(outputFileProblem(file, Object.assign(new Error('a dir'), { code: 'EISDIR' })));
  }
}

/** Writes a report to the file an option named; a failure is the user's, in one line. */
export async function writeReportFile(file: string, text: string): Promise<void> {
  await writeFile(file, text).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(outputFileProblem(file, err));
  });
}

/** What the formats take from the configuration file, when one was loaded. */
export function outputSettings(config: EffectiveConfig | undefined = currentConfig()): OutputSettings {
  if (!config) return {};
  return { ciBase: ciBaseOf(config), ...(config.ci.format ? { ciFormat: config.ci.format } : {}) };
}

/** The formats to write for `kind`, each prepared (before the image is read: a bad rules file
 *  fails fast). */
export function prepareOutputs(kind: SubjectKind, options: OutputOptions, settings: OutputSettings = outputSettings()): PreparedOutputs {
  const chosen = chosenFormats(kind, options);
  const formats = chosen.length > 0 ? chosen : OUTPUT_FORMATS.filter((f) => f.isDefault && f.help[kind] !== undefined);
  for (const f of formats) {
    const file = f.file?.(options);
    if (file !== undefined) checkOutputFile(file);
  }
  return { formats, prepared: new Map(formats.map((f) => [f, f.prepare?.(options, settings)])) };
}

async function write(out: Rendered): Promise<void> {
  if (out.file !== undefined) await writeReportFile(out.file, out.text);
  else await writeOut(out.text);
  if (out.append) {
    const { file, text, what } = out.append;
    await appendFile(file, text).catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`cannot append to ${what} ${file}: ${err.code ?? err.message}`);
    });
  }
}

/** Writes every prepared format for `subject`, in the table's order; the exit code says whether
 *  a check failed. */
export async function writeOutputs(
  subject: Subject,
  options: OutputOptions,
  outputs = prepareOutputs(subject.kind, options),
): Promise<number> {
  let code: number = EXIT.ok;
  for (const format of outputs.formats) {
    const out = format.render(subject, { options, prepared: outputs.prepared.get(format), width: reportWidth() });
    await write(out);
    if (out.failed) code = EXIT.ciFailed;
  }
  return code;
}

/** Reports on several subjects of one kind, read one after the other: `add` each as it is
 *  read, then `finish`. Formats that combine (JSON) collect a part per subject and write once. */
export class OutputRun {
  private readonly parts = new Map<OutputFormat, unknown[]>();
  private code: number = EXIT.ok;

  constructor(
    private readonly options: OutputOptions,
    private readonly outputs: PreparedOutputs,
  ) {}

  private context(format: OutputFormat) {
    return { options: this.options, prepared: this.outputs.prepared.get(format), width: reportWidth() };
  }

  async add(subject: Subject): Promise<void> {
    for (const format of this.outputs.formats) {
      if (format.combine) {
        const parts = this.parts.get(format) ?? [];
        parts.push(format.combine.part(subject, this.context(format)));
        this.parts.set(format, parts);
        continue;
      }
      const out = format.render(subject, this.context(format));
      await write(out);
      if (out.failed) this.code = EXIT.ciFailed;
    }
  }

  /** Writes the combined formats; the exit code says whether a check failed. */
  async finish(): Promise<number> {
    for (const format of this.outputs.formats) {
      if (!format.combine) continue;
      const out = format.combine.render(this.parts.get(format) ?? [], this.context(format));
      await write(out);
      if (out.failed) this.code = EXIT.ciFailed;
    }
    return this.code;
  }
}
