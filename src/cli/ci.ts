// The options that refine `--ci` (the output table, src/report/outputs.ts, adds `--ci` itself):
// the rules file, the report format, and one flag per rule.
import type { Command } from 'commander';
import { Option } from 'commander';
import { CI_FORMATS } from '../report/ci/report.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addCiOptions(cmd: Command): Command {
  return cmd
    .option('--ci-config <file>', 'rules file (default: .dive-ci then .layerscope-ci in the current directory, when present)')
    .addOption(
      new Option('--ci-format <format>', 'CI report format (implies --ci; default text, github under GitHub Actions)').choices(CI_FORMATS),
    )
    .option('--lowestEfficiency <ratio>', 'CI rule: fail below this dive-compatible efficiency (0..1)')
    .option('--highestWastedBytes <size>', 'CI rule: fail above this many dive-compatible wasted bytes (e.g. 20MB)')
    .option('--highestUserWastedPercent <ratio>', 'CI rule: fail above this ratio of wasted to user-layer bytes (0..1)')
    .option('--maxLayers <n>', 'CI rule: fail above this many layers')
    .option('--maxSizeBytes <size>', 'CI rule: fail above this many stored bytes (every layer’s files)')
    .option('--maxCompressedBytes <size>', 'CI rule: fail above this many compressed bytes (the layer blobs: what a pull costs)')
    .option('--maxHiddenBytes <size>', 'CI rule: fail above this many hidden bytes')
    .option('--maxHiddenPercent <ratio>', 'CI rule: fail above this share of hidden to stored bytes (0..1 or N%)')
    .option('--secrets [max]', 'CI rule (on by default): fail when the layers hold secrets (more than MAX findings; default none)')
    .option('--no-secrets', 'CI: turn the secrets rule off')
    .option('--allow-secret <glob>', 'CI: secrets at paths matching GLOB do not count for the secrets rule (repeatable)', collect)
    .option('--ignore <glob>', 'CI: leave paths matching GLOB out of every rule (repeatable)', collect)
    .option('--warn <rule>', 'CI: report RULE as a warning instead of failing (repeatable)', collect);
}
