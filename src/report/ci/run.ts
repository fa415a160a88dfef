// `--ci`: the rules (files, environment, flags), the measures, and the verdict in the format
// asked for (and, under GitHub Actions, the step summary). Fail-level rules that fail make the
// run exit 1; warn-level rules print and pass. Written by the output table (src/report/outputs.ts).
import type { Analysis } from '../../core/analysis.js';
import {
  type CiBase,
  type CiFlags,
  type CiRuleName,
  type CiRules,
  DIVE_RULE_NAMES,
  evaluateCi,
  LAYERSCOPE_RULE_NAMES,
  loadCiRules,
} from '../ci.js';
import { ciView } from '../ciMeasures.js';
import { CI_FORMATTERS } from './index.js';
import { ciGitlab, readRulesFileText } from './gitlab.js';
import { ciMarkdown } from './markdown.js';
import { type CiFormat, ciReport } from './report.js';

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
  allowSecret?: string[];
  warn?: string[];
}

/** --ci, or anything that only means something for it: --ci-format, --ci-config, a rule flag,
 *  --ignore, --warn (a rule given on its own must not be silently dropped). */
export function wantsCi(options: CiOptions): boolean {
  if (options.ci === true || options.ciFormat !== undefined || options.ciConfig !== undefined) return true;
  if (options.ignore !== undefined || options.warn !== undefined || options.allowSecret !== undefined) return true;
  return [...DIVE_RULE_NAMES, ...LAYERSCOPE_RULE_NAMES].some((name) => (options as Record<string, unknown>)[name] !== undefined);
}

export interface SourcedFormat {
  value: CiFormat;
  source: 'default' | 'dive' | 'file' | 'env' | 'flag';
  origin: string;
}

/** A format the configuration names, and where (the app layer reads the configuration). */
export type ConfiguredFormat = { value: string; source: SourcedFormat['source']; origin: string };

/** The format and where it came from: --ci-format, else LAYERSCOPE_CI_FORMAT or the
 *  configuration's ci.format (`configured`), else github under GitHub Actions, else dive's text. */
export function ciFormatSourced(options: CiOptions, env: NodeJS.ProcessEnv = process.env, configured?: ConfiguredFormat): SourcedFormat {
  if (options.ciFormat !== undefined) return { value: options.ciFormat as CiFormat, source: 'flag', origin: '--ci-format' };
  if (configured) return configured as SourcedFormat;
  if (env.GITHUB_ACTIONS === 'true') return { value: 'github', source: 'env', origin: 'GITHUB_ACTIONS=true' };
  return { value: 'text', source: 'default', origin: 'the default' };
}

/** The format: --ci-format, else the configuration's, else github under GitHub Actions, else dive's text. */
export function ciFormatOf(options: CiOptions, configured?: ConfiguredFormat, env: NodeJS.ProcessEnv = process.env): CiFormat {
  return ciFormatSourced(options, env, configured).value;
}

/** The rules: the flags over the rules files over `base` (the configuration's ci section, when
 *  one was loaded). */
export function ciRulesOf(options: CiOptions, base?: CiBase, env: NodeJS.ProcessEnv = process.env): CiRules {
  const flags: CiFlags = {
    lowestEfficiency: options.lowestEfficiency,
    highestWastedBytes: options.highestWastedBytes,
    highestUserWastedPercent: options.highestUserWastedPercent,
    ...(options.ignore ? { ignore: options.ignore } : {}),
    ...(options.allowSecret ? { allowSecrets: options.allowSecret } : {}),
    ...(options.warn ? { warn: options.warn } : {}),
  };
  for (const name of LAYERSCOPE_RULE_NAMES) {
    const value = (options as Record<string, unknown>)[name];
    if (value === true) flags[name as CiRuleName] = 'true';
    else if (value === false)
      flags[name as CiRuleName] = 'disabled'; // --no-secrets
    else if (typeof value === 'string') flags[name as CiRuleName] = value;
  }
  return loadCiRules({ configFile: options.ciConfig, flags, env, ...(base ? { base } : {}) });
}

/** The report in `format`, whether a fail-level rule failed, and the Markdown summary GitHub
 *  Actions shows for the step (format github with GITHUB_STEP_SUMMARY set). */
export function ciOutput(
  analysis: Analysis,
  rules: CiRules,
  format: CiFormat,
  env: NodeJS.ProcessEnv = process.env,
): { text: string; failed: boolean; stepSummary?: { file: string; text: string } } {
  const view = ciView(analysis, rules.ignore, rules.allowSecrets);
  const verdict = evaluateCi(rules, view.measures);
  const report = ciReport(analysis, rules, view, verdict);
  const text = format === 'gitlab' ? ciGitlab(report, readRulesFileText) : CI_FORMATTERS[format](report);
  const summary = env.GITHUB_STEP_SUMMARY;
  return {
    text,
    failed: !verdict.passed,
    ...(format === 'github' && summary ? { stepSummary: { file: summary, text: `${ciMarkdown(report)}\n` } } : {}),
  };
}
