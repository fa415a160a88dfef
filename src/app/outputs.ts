// Writing the reports a command was asked for, in one place for every command: the formats come
// from the table in src/report/outputs.ts; none asked for means a screen on a terminal, else the
// default format (text).
import { appendFile, writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import { chosenFormats, OUTPUT_FORMATS, type OutputFormat, type OutputOptions, type Subject, type SubjectKind } from '../report/outputs.js';
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

/** The formats to write for `kind`, each prepared (before the image is read: a bad rules file
 *  fails fast). */
export function prepareOutputs(kind: SubjectKind, options: OutputOptions): PreparedOutputs {
  const chosen = chosenFormats(kind, options);
  const formats = chosen.length > 0 ? chosen : OUTPUT_FORMATS.filter((f) => f.isDefault && f.help[kind] !== undefined);
  return { formats, prepared: new Map(formats.map((f) => [f, f.prepare?.(options)])) };
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
    if (out.file !== undefined) await writeFile(out.file, out.text);
    else await writeOut(out.text);
    if (out.append) {
      const { file, text, what } = out.append;
      await appendFile(file, text).catch((err: NodeJS.ErrnoException) => {
        throw new InputError(`cannot append to ${what} ${file}: ${err.code ?? err.message}`);
      });
    }
    if (out.failed) code = EXIT.ciFailed;
  }
  return code;
}
