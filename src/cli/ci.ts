// `--ci`: the rules (files, environment, flags), the measures, the verdict in the format asked
// for, and the GitHub step summary. Exit 1 when a fail-level rule fails; warn-level rules print
// and pass.
import { appendFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Analysis } from '../core/analysis.js';
import { InputError } from '../core/errors.js';
import { type CiBase, type CiFlags, type CiRuleName, type CiRules, evaluateCi, LAYERSCOPE_RULE_NAMES, loadCiRules } from '../report/ci.js';
import type { CiFormat } from '../report/ci/report.js';
import { CI_FORMAT_NAMES } from '../config/schema.js';
import type { Source } from '../config/schema.js';

export interface CiOptions {
  ci?: boolean;
  ciConfig?: string;
  ciFormat?: string;
  lowestEfficiency?: string;
  highestWastedBytes?: string;
  highestUserWastedPercent?: string;
  maxLayers?: string;
  maxSizeBytes?: string;
  maxCompressedBytes?: string;
  maxHiddenBytes?: string;
  maxHiddenPercent?: string;
  secrets?: string | boolean;
  ignore?: string[];
  warn?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addCiOptions(cmd: Command): Command {
  return cmd
    .option('--ci', 'check the image against the CI rules (.dive-ci, .layerscope-ci); exit 1 when a rule fails')
    .option('--ci-config <file>', 'rules file (default: .dive-ci then .layerscope-ci in the current directory, when present)')
    .addOption(
      new Option('--ci-format <format>', 'CI report format (implies --ci; default text, github under GitHub Actions)').choices(
        CI_FORMAT_NAMES,
      ),
    )
    .option('--lowestEfficiency <ratio>', 'CI rule: fail below this dive-compatible efficiency (0..1)')
    .option('--highestWastedBytes <size>', 'CI rule: fail above this many dive-compatible wasted bytes (e.g. 20MB)')
    .option('--highestUserWastedPercent <ratio>', 'CI rule: fail above this ratio of wasted to user-layer bytes (0..1)')
    .option('--maxLayers <n>', 'CI rule: fail above this many layers')
    .option('--maxSizeBytes <size>', 'CI rule: fail above this many stored bytes (every layer’s files)')
    .option('--maxCompressedBytes <size>', 'CI rule: fail above this many compressed bytes (the layer blobs: what a pull costs)')
    .option('--maxHiddenBytes <size>', 'CI rule: fail above this many hidden bytes')
    .option('--maxHiddenPercent <ratio>', 'CI rule: fail above this share of hidden to stored bytes (0..1 or N%)')
    .option('--secrets [max]', 'CI rule: fail when the layers hold secrets (more than MAX findings; default none)')
    .option('--ignore <glob>', 'CI: leave paths matching GLOB out of every rule (repeatable)', collect)
    .option('--warn <rule>', 'CI: report RULE as a warning instead of failing (repeatable)', collect);
}

export function wantsCi(options: CiOptions): boolean {
  return options.ci === true || options.ciFormat !== undefined;
}

/** The format and where it came from: --ci-format, LAYERSCOPE_CI_FORMAT or the configuration's
 *  ci.format (`configured`), else github under GitHub Actions, else dive's text. */
export function ciFormatSourced(
  options: CiOptions,
  env: NodeJS.ProcessEnv = process.env,
  configured?: { value: string; source: Source; origin: string },
): { value: CiFormat; source: Source; origin: string } {
  if (options.ciFormat !== undefined) return { value: options.ciFormat as CiFormat, source: 'flag', origin: '--ci-format' };
  if (configured) return configured as { value: CiFormat; source: Source; origin: string };
  if (env.GITHUB_ACTIONS === 'true') return { value: 'github', source: 'env', origin: 'GITHUB_ACTIONS=true' };
  return { value: 'text', source: 'default', origin: 'the default' };
}

export function ciFormatOf(
  options: CiOptions,
  env: NodeJS.ProcessEnv = process.env,
  configured?: { value: string; source: Source; origin: string },
): CiFormat {
  return ciFormatSourced(options, env, configured).value;
}

export function ciRulesOf(options: CiOptions, base?: CiBase, env: NodeJS.ProcessEnv = process.env): CiRules {
  const flags: CiFlags = {
    lowestEfficiency: options.lowestEfficiency,
    highestWastedBytes: options.highestWastedBytes,
    highestUserWastedPercent: options.highestUserWastedPercent,
    ...(options.ignore ? { ignore: options.ignore } : {}),
    ...(options.warn ? { warn: options.warn } : {}),
  };
  for (const name of LAYERSCOPE_RULE_NAMES) {
    const value = (options as Record<string, unknown>)[name];
    if (value === true) flags[name as CiRuleName] = 'true';
    else if (typeof value === 'string') flags[name as CiRuleName] = value;
  }
  return loadCiRules({ configFile: options.ciConfig, flags, env, ...(base ? { base } : {}) });
}

/** Evaluates and writes the report; resolves to the exit code (0 pass, 1 a fail rule failed). */
export async function runCi(
  analysis: Analysis,
  rules: CiRules,
  format: CiFormat,
  write: (text: string) => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  // The formatters (an XML builder among them) load only when a CI report is written.
  const [{ CI_FORMATTERS }, { ciGitlab, readRulesFileText }, { ciMarkdown }, { ciReport }, { ciView }] = await Promise.all([
    import('../report/ci/index.js'),
    import('../report/ci/gitlab.js'),
    import('../report/ci/markdown.js'),
    import('../report/ci/report.js'),
    import('../report/ciMeasures.js'),
  ]);
  const view = ciView(analysis, rules.ignore);
  const verdict = evaluateCi(rules, view.measures);
  const report = ciReport(analysis, rules, view, verdict);
  await write(format === 'gitlab' ? ciGitlab(report, readRulesFileText) : CI_FORMATTERS[format](report));
  const summary = env.GITHUB_STEP_SUMMARY;
  if (format === 'github' && summary) {
    try {
      appendFileSync(summary, `${ciMarkdown(report)}\n`);
    } catch (err) {
      throw new InputError(
        `cannot append to GITHUB_STEP_SUMMARY ${summary}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  return verdict.passed ? 0 : 1;
}
