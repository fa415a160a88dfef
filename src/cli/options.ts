// The report options a command takes, from the output table (src/report/outputs.ts).
import type { Command } from 'commander';
import { formatsFor, type SubjectKind } from '../report/outputs.js';

export function addOutputOptions(cmd: Command, kind: SubjectKind): Command {
  for (const format of formatsFor(kind)) {
    cmd.option(format.flags, format.help[kind]!);
    for (const option of format.options ?? []) cmd.option(option.flags, option.help);
  }
  return cmd;
}
