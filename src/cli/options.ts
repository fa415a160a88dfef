// The report options a command takes, from the output table (src/report/outputs.ts), and the
// options that refine one of them.
import type { Command } from 'commander';
import { formatsFor, type SubjectKind } from '../report/outputs.js';
import { addCiOptions } from './ci.js';

/** Options that refine a format, by the format's id. */
const REFINING: Readonly<Record<string, (cmd: Command) => Command>> = { ci: addCiOptions };

export function addOutputOptions(cmd: Command, kind: SubjectKind): Command {
  for (const format of formatsFor(kind)) {
    cmd.option(format.flags, format.help[kind]!);
    REFINING[format.id]?.(cmd);
  }
  return cmd;
}
