/**
 * `--ci`: dive's CI rules over the dive-compatible metrics (src/core/dive.ts), so a `.dive-ci`
 * file and dive's flags give the same verdict as `dive --ci`.
 *
 * Matched against dive (github.com/wagoodman/dive):
 *   - Rules and defaults — v0.12 `cmd/root.go` (`--lowestEfficiency "0.9"`, `--highestWastedBytes
 *     "disabled"`, `--highestUserWastedPercent "0.1"`), v0.13 `cmd/dive/cli/internal/options/ci_rules.go`
 *     (`DefaultCIRules`: the same three values).
 *   - `.dive-ci` — YAML, keys under `rules:`; read from `.dive-ci` in the working directory when
 *     present (v0.12 `cmd/ci.go`, v0.13 `options/ci.go`). An explicit flag beats the file, the file
 *     beats the defaults (v0.12: viper with the flags bound to `rules.*`). Other keys are ignored.
 *   - Parsing — v0.13 `cmd/dive/cli/internal/command/ci/rules.go`: a rule is off when
 *     `strings.TrimSpace(strings.ToLower(value))` is "", "disabled", "off" or "false"; ratios use
 *     `strconv.ParseFloat` and must lie in 0..1; `highestWastedBytes` uses go-humanize `ParseBytes`
 *     (`20MB` = 20·1000², `20MiB` = 20·1024², `1,024` = 1024, a bare number = bytes; the result is
 *     truncated to an integer).
 *   - Comparisons — v0.12 `runtime/ci/rule.go` (same in v0.13 `rules.go`):
 *     `lowestEfficiency > analysis.Efficiency` → FAIL; `analysis.WastedBytes > highestWastedBytes`
 *     → FAIL; `highestUserWastedPercent < analysis.WastedUserPercent` → FAIL (so a NaN ratio passes
 *     and +Inf fails, as in Go).
 *   - Report — v0.12 `runtime/ci/evaluator.go` (`Report`): rules sorted by name, each
 *     `  STATUS: rule` or `  STATUS: rule: message`, then
 *     `Result:PASS [Total:3] [Passed:3] [Failed:0] [Warn:0] [Skipped:0]`. Numbers in messages are
 *     formatted like Go's `%v`.
 *
 * Deviations (deliberate):
 *   - A bad value is an InputError at load time (exit 2) instead of dive v0.12's "CI Misconfigured"
 *     report; dive v0.13 also refuses to start.
 *   - An explicit config file that does not exist is an InputError (dive silently uses defaults).
 *   - `NaN` as a ratio is refused (Go's ParseFloat accepts it, and dive's rule then never fails).
 *   - Rule keys in the file match case-insensitively and also in kebab-case
 *     (`lowest-efficiency`, dive v0.13's spelling); camelCase wins when both are given.
 *     A YAML `null` value keeps the default, as dive v0.13 does.
 *   - ParseFloat's digit-separator underscores (`0_5`) are not accepted.
 *
 * layerscope's own rules (off unless configured, so a `.dive-ci` alone gives dive's verdict and
 * dive's report, line for line; a rule that is configured is reported after dive's, by name) — but
 * `secrets`, on by default (`true`: no secret allowed): left out of the report while it passes, so
 * a clean image still gets dive's report line for line, and reported when it fails:
 *   - `maxLayers` (a count), `maxSizeBytes` (stored bytes: the sum of every layer's files),
 *     `maxCompressedBytes` (the layer blobs as stored: what a pull costs; skipped when the source
 *     cannot say, as for an engine), `maxHiddenBytes`, `maxHiddenPercent` (hidden ÷ stored, a ratio
 *     0..1 as dive's `*Percent` rules, or `N%`), `secrets` (`true`: no secret at all; N: at most N
 *     findings). Sizes as dive's `highestWastedBytes`. Each fails when the measure exceeds it.
 *   - A rule's value may be a mapping `{value: …, level: warn}`: a warn rule reports WARN and does
 *     not fail the run (exit 0); `--warn RULE` does the same from the command line.
 *   - `allowSecrets:` (a list of path globs, as `ignore`; `--allow-secret GLOB`): findings at those
 *     paths are not counted by the secrets rule (a test fixture's fake key); every other rule still
 *     sees the files.
 *   - `ignore:` (a list of path globs, picomatch syntax, matched against image paths with or
 *     without the leading `/`; a directory's pattern covers what is below it) removes those paths
 *     from every rule: the layers are read as if they did not hold them, and every measure (dive's
 *     metrics too) is taken on what is left. A blob's compressed size cannot be split by path, so
 *     `maxCompressedBytes` is the one rule `ignore` cannot change.
 *   - Files: `.dive-ci`, then `.layerscope-ci` over it (both in the working directory, when
 *     present), or only the file `--ci-config` names. Under them the `ci:` section of the
 *     configuration file; over them `LAYERSCOPE_CI_<RULE>` variables (`LAYERSCOPE_CI_MAX_LAYERS`),
 *     then flags.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseYaml } from './yaml.js';
import { InputError } from '../core/errors.js';
import type { DiveMetrics } from '../core/dive.js';

export type DiveRuleName = 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';
export type LayerscopeRuleName = 'maxLayers' | 'maxSizeBytes' | 'maxCompressedBytes' | 'maxHiddenBytes' | 'maxHiddenPercent' | 'secrets';
export type CiRuleName = DiveRuleName | LayerscopeRuleName;

export const DIVE_RULE_NAMES: readonly DiveRuleName[] = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'];
export const LAYERSCOPE_RULE_NAMES: readonly LayerscopeRuleName[] = [
  'maxLayers',
  'maxSizeBytes',
  'maxCompressedBytes',
  'maxHiddenBytes',
  'maxHiddenPercent',
  'secrets',
];
export const CI_RULE_NAMES: readonly CiRuleName[] = [...DIVE_RULE_NAMES, ...LAYERSCOPE_RULE_NAMES];

/** dive's defaults. */
export const DIVE_CI_DEFAULTS: Readonly<Record<DiveRuleName, string>> = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};

export const CI_DEFAULTS: Readonly<Record<CiRuleName, string>> = {
  ...DIVE_CI_DEFAULTS,
  maxLayers: 'disabled',
  maxSizeBytes: 'disabled',
  maxCompressedBytes: 'disabled',
  maxHiddenBytes: 'disabled',
  maxHiddenPercent: 'disabled',
  // On by default: a key or token anyone who pulls the image can read fails CI unless allowed.
  secrets: 'true',
};

export const DEFAULT_CI_CONFIG_FILE = '.dive-ci';
export const LAYERSCOPE_CI_CONFIG_FILE = '.layerscope-ci';

export type CiLevel = 'fail' | 'warn';
export type CiSource = 'default' | 'config' | 'file' | 'env' | 'flag';

export interface CiRule {
  name: CiRuleName;
  /** The value as configured (text). */
  value: string;
  /** Where the value came from. */
  source: CiSource;
  /** That place by name: a file, an environment variable, a flag; `the default`. */
  origin: string;
  /** Parsed threshold: a ratio, bytes or a count; null when the rule is disabled. */
  threshold: number | null;
  /** fail: a breach fails the run (exit 1); warn: it is reported and the run passes. */
  level: CiLevel;
}

export interface CiRules {
  /** The last rules file read (`.layerscope-ci`, `.dive-ci` or the one given); null when none was. */
  configFile: string | null;
  /** Every rules file read, in the order read. */
  files: string[];
  rules: Record<CiRuleName, CiRule>;
  /** Path globs every rule leaves out. */
  ignore: string[];
  /** Path globs whose secret findings the secrets rule does not count. */
  allowSecrets: string[];
}

export type CiFlags = Partial<Record<CiRuleName, string>> & {
  /** `--ignore GLOB`, repeatable: added to the files' globs. */
  ignore?: string[];
  /** `--allow-secret GLOB`, repeatable: added to the files' allowSecrets globs. */
  allowSecrets?: string[];
  /** `--warn RULE`, repeatable: these rules warn instead of failing. */
  warn?: string[];
};

/** The `ci:` section of the configuration file (src/config), below the rules files. */
export interface CiBase {
  origin: string;
  rules?: Partial<Record<CiRuleName, { value: string; level?: CiLevel }>>;
  ignore?: string[];
  allowSecrets?: string[];
}

export type CiStatus = 'PASS' | 'FAIL' | 'WARN' | 'SKIP';

/** A secret found in a layer (masked): what the secrets rule counts. */
export interface SecretFinding {
  /** Display path, with a leading '/'. */
  path: string;
  layer: number;
  /** What kind of secret (the scanner's rule name). */
  kind: string;
  /** Masked preview: never the secret itself. */
  preview?: string;
  line?: number;
  /** Whether the final filesystem shows this copy (false: a hidden copy, still pulled with the image). */
  visible?: boolean;
  /** When hidden: the layer that deleted or overwrote it. */
  hiddenBy?: { layer: number; how: 'deleted' | 'overwritten' };
}

export interface CiRuleResult {
  rule: CiRuleName;
  status: CiStatus;
  level: CiLevel;
  /** The measured value, formatted like dive (Go `%v`). */
  actual: string;
  /** The threshold, formatted like dive, or `disabled`. */
  threshold: string;
  /** dive's message: '' for a pass, `rule disabled` for a skip, the reason for a failure. */
  message: string;
  /** The measured value as a number; null when it could not be measured. */
  measured: number | null;
  /** The threshold as a number; null when the rule is disabled. */
  limit: number | null;
  /** For the secrets rule: the findings counted. */
  findings?: SecretFinding[];
}

export interface CiVerdict {
  passed: boolean;
  /** dive's rules by name (dive's report order), then the configured layerscope rules by name. */
  results: CiRuleResult[];
}

/** What the rules measure. Only dive's three are required; a rule whose measure is missing is skipped. */
export interface CiMeasures extends Pick<DiveMetrics, 'efficiency' | 'wastedBytes' | 'userWastedPercent'> {
  layers?: number;
  storedBytes?: number;
  /** null: the source cannot say (engine). */
  compressedBytes?: number | null;
  hiddenBytes?: number;
  /** hiddenBytes ÷ storedBytes (0 for an empty image). */
  hiddenPercent?: number;
  /** null: no secret scan in this analysis. */
  secrets?: SecretFinding[] | null;
}

function envName(rule: CiRuleName): string {
  return `LAYERSCOPE_CI_${rule.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The environment variable that sets a rule. */
export const CI_ENV_NAMES: Readonly<Record<CiRuleName, string>> = Object.fromEntries(
  CI_RULE_NAMES.map((name) => [name, envName(name)]),
) as Record<CiRuleName, string>;

/** Reads the rules: defaults, the configuration's `ci:` section, `.dive-ci` and `.layerscope-ci`
 *  (or the file given), LAYERSCOPE_CI_* variables, then the flags given. */
export function loadCiRules(opts: { configFile?: string; flags?: CiFlags; cwd?: string; env?: NodeJS.ProcessEnv; base?: CiBase }): CiRules {
  const cwd = opts.cwd ?? process.cwd();
  const values = {} as Record<CiRuleName, { value: string; source: CiSource; origin: string; level: CiLevel }>;
  for (const name of CI_RULE_NAMES) values[name] = { value: CI_DEFAULTS[name], source: 'default', origin: 'the default', level: 'fail' };
  const ignore: string[] = [];
  const allowSecrets: string[] = [];

  if (opts.base) {
    for (const [name, v] of Object.entries(opts.base.rules ?? {}) as Array<[CiRuleName, { value: string; level?: CiLevel }]>) {
      values[name] = { value: v.value, source: 'config', origin: opts.base.origin, level: v.level ?? 'fail' };
    }
    ignore.push(...(opts.base.ignore ?? []));
    allowSecrets.push(...(opts.base.allowSecrets ?? []));
  }

  const files: string[] = [];
  if (opts.configFile !== undefined) {
    if (!exists(resolve(cwd, opts.configFile))) {
      throw new InputError(`CI config file not found: ${opts.configFile} (check the --ci-config path)`);
    }
    files.push(opts.configFile);
  } else {
    for (const name of [DEFAULT_CI_CONFIG_FILE, LAYERSCOPE_CI_CONFIG_FILE]) if (exists(resolve(cwd, name))) files.push(name);
  }
  for (const file of files) {
    const read = readRulesFile(resolve(cwd, file), file);
    for (const [name, v] of Object.entries(read.rules) as Array<[CiRuleName, { value: string; level?: CiLevel }]>) {
      values[name] = { value: v.value, source: 'file', origin: file, level: v.level ?? 'fail' };
    }
    ignore.push(...read.ignore);
    allowSecrets.push(...read.allowSecrets);
  }

  const env = opts.env ?? {};
  for (const name of CI_RULE_NAMES) {
    const value = env[CI_ENV_NAMES[name]];
    if (value !== undefined && value !== '') values[name] = { ...values[name], value, source: 'env', origin: CI_ENV_NAMES[name] };
  }
  for (const name of CI_RULE_NAMES) {
    const flag = opts.flags?.[name];
    if (flag !== undefined) values[name] = { ...values[name], value: flag, source: 'flag', origin: `--${name}` };
  }
  for (const warned of opts.flags?.warn ?? []) {
    const name = ruleKey(warned);
    if (name === undefined) throw new InputError(`--warn ${warned}: no such CI rule (rules: ${CI_RULE_NAMES.join(', ')})`);
    values[name].level = 'warn';
  }
  ignore.push(...(opts.flags?.ignore ?? []));
  allowSecrets.push(...(opts.flags?.allowSecrets ?? []));
  for (const glob of ignore) if (glob.trim() === '') throw new InputError('an empty ignore glob would match nothing; remove it');
  for (const glob of allowSecrets)
    if (glob.trim() === '') throw new InputError('an empty allowSecrets glob would match nothing; remove it');

  const rules = {} as Record<CiRuleName, CiRule>;
  for (const name of CI_RULE_NAMES) {
    const { value, source, origin, level } = values[name];
    rules[name] = { name, value, source, origin, level, threshold: parseRuleValue(name, value, origin) };
  }
  return { configFile: files.at(-1) ?? null, files, rules, ignore, allowSecrets };
}

/** Whether a rule appears in the report: dive's always (as dive prints them), ours once configured
 *  (the default-on secrets rule also when it fails or warns: see evaluateCi). */
export function isReported(rule: CiRule): boolean {
  return (DIVE_RULE_NAMES as readonly string[]).includes(rule.name) || rule.source !== 'default';
}

const SECRETS_LISTED = 5;

/** Checks the measures against the rules, as dive's evaluator does for its rules. */
export function evaluateCi(rules: CiRules, measures: CiMeasures): CiVerdict {
  const results: CiRuleResult[] = [];
  const ordered: CiRuleName[] = [...[...DIVE_RULE_NAMES].sort(), ...[...LAYERSCOPE_RULE_NAMES].sort()];
  for (const name of ordered) {
    const rule = rules.rules[name];
    if (isReported(rule)) results.push(evaluateRule(rule, measures));
    else if (rule.threshold !== null) {
      // On by default (secrets): reported when it fails or warns, so a clean image's report stays dive's.
      const result = evaluateRule(rule, measures);
      if (result.status === 'FAIL' || result.status === 'WARN') results.push(result);
    }
  }
  return { passed: results.every((r) => r.status !== 'FAIL'), results };
}

function evaluateRule(rule: CiRule, m: CiMeasures): CiRuleResult {
  const { name, level } = rule;
  const bytesRule = name === 'highestWastedBytes' || name === 'maxSizeBytes' || name === 'maxCompressedBytes' || name === 'maxHiddenBytes';
  const countRule = name === 'maxLayers' || name === 'secrets';
  const show = (x: number): string => (bytesRule || countRule ? goUint(x) : goFloat(x));
  let measured: number | null | undefined;
  let findings: SecretFinding[] | undefined;
  switch (name) {
    case 'lowestEfficiency':
      measured = m.efficiency;
      break;
    case 'highestWastedBytes':
      measured = m.wastedBytes;
      break;
    case 'highestUserWastedPercent':
      measured = m.userWastedPercent;
      break;
    case 'maxLayers':
      measured = m.layers;
      break;
    case 'maxSizeBytes':
      measured = m.storedBytes;
      break;
    case 'maxCompressedBytes':
      measured = m.compressedBytes;
      break;
    case 'maxHiddenBytes':
      measured = m.hiddenBytes;
      break;
    case 'maxHiddenPercent':
      measured = m.hiddenPercent;
      break;
    case 'secrets':
      findings = m.secrets ?? undefined;
      measured = m.secrets === undefined || m.secrets === null ? m.secrets : m.secrets.length;
      break;
  }
  const base = { rule: name, level, limit: rule.threshold, ...(findings ? { findings } : {}) };
  const actual = measured === undefined || measured === null ? 'unknown' : show(measured);
  if (rule.threshold === null) {
    return { ...base, status: 'SKIP', actual, threshold: 'disabled', message: 'rule disabled', measured: measured ?? null };
  }
  const threshold = rule.threshold;
  const shown = show(threshold);
  if (measured === undefined || measured === null) {
    const why =
      name === 'maxCompressedBytes'
        ? 'compressed size unknown: this source does not say what its layer blobs weigh (an engine); check an archive, OCI layout or registry image'
        : name === 'secrets'
          ? 'no secret scan in this analysis'
          : 'not measured';
    return { ...base, status: 'SKIP', actual, threshold: shown, message: why, measured: null };
  }
  let failure = '';
  switch (name) {
    case 'lowestEfficiency':
      if (threshold > measured) failure = `image efficiency is too low (efficiency=${actual} < threshold=${shown})`;
      break;
    case 'highestWastedBytes':
      if (measured > threshold) failure = `too many bytes wasted (wasted-bytes=${actual} > threshold=${shown})`;
      break;
    case 'highestUserWastedPercent':
      if (threshold < measured) {
        failure = `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${actual} > threshold=${shown})`;
      }
      break;
    case 'maxLayers':
      if (measured > threshold) failure = `too many layers (layers=${actual} > threshold=${shown})`;
      break;
    case 'maxSizeBytes':
      if (measured > threshold) failure = `image too large (stored-bytes=${actual} > threshold=${shown})`;
      break;
    case 'maxCompressedBytes':
      if (measured > threshold) failure = `image too large to pull (compressed-bytes=${actual} > threshold=${shown})`;
      break;
    case 'maxHiddenBytes':
      if (measured > threshold) failure = `too many hidden bytes (hidden-bytes=${actual} > threshold=${shown})`;
      break;
    case 'maxHiddenPercent':
      if (measured > threshold) {
        failure = `too many hidden bytes, relative to the stored bytes (hidden-ratio=${actual} > threshold=${shown})`;
      }
      break;
    case 'secrets':
      if (measured > threshold) {
        const listed = findings!
          .slice(0, SECRETS_LISTED)
          .map(
            (f) =>
              `${f.path} (layer ${f.layer}, ${f.kind}${f.hiddenBy ? `, ${f.hiddenBy.how} in layer ${f.hiddenBy.layer} but still stored` : ''})`,
          )
          .join(', ');
        const more = findings!.length > SECRETS_LISTED ? `, … ${findings!.length - SECRETS_LISTED} more` : '';
        failure = `secrets in the image's layers (secrets=${actual} > threshold=${shown}): ${listed}${more}`;
      }
      break;
  }
  const status: CiStatus = failure ? (level === 'warn' ? 'WARN' : 'FAIL') : 'PASS';
  return { ...base, status, actual, threshold: shown, message: failure, measured };
}

/** dive's CI result text: one line per rule, then the summary line (no trailing newline). */
export function formatCiVerdict(verdict: CiVerdict): string {
  const lines = verdict.results.map((r) => (r.message ? `  ${r.status}: ${r.rule}: ${r.message}` : `  ${r.status}: ${r.rule}`));
  const count = (status: CiStatus): number => verdict.results.filter((r) => r.status === status).length;
  lines.push(
    `Result:${count('FAIL') > 0 ? 'FAIL' : 'PASS'} [Total:${verdict.results.length}] [Passed:${count('PASS')}] ` +
      `[Failed:${count('FAIL')}] [Warn:${count('WARN')}] [Skipped:${count('SKIP')}]`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Values

/** dive v0.13 `isRuleDisabled`. */
export function isRuleDisabled(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '' || v === 'disabled' || v === 'off' || v === 'false';
}

/** Parses one rule's value; null = disabled. Throws InputError with one line naming where it came from. */
export function parseRuleValue(name: CiRuleName, value: string, origin: string): number | null {
  if (isRuleDisabled(value)) return null;
  const bad = (why: string): InputError => new InputError(`invalid CI rule ${name} ${JSON.stringify(value)} from ${origin}: ${why}`);
  switch (name) {
    case 'highestWastedBytes':
    case 'maxSizeBytes':
    case 'maxCompressedBytes':
    case 'maxHiddenBytes':
      try {
        return parseByteSize(value);
      } catch (err) {
        throw bad(`${(err as Error).message}; expected a size like 20MB, 1.5GiB or 1024, or "disabled"`);
      }
    case 'maxLayers': {
      const v = value.trim();
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw bad('expected a whole number of layers, or "disabled"');
      return Number(v);
    }
    case 'secrets': {
      const v = value.trim().toLowerCase();
      if (v === 'true' || v === 'on' || v === 'enabled' || v === 'yes') return 0;
      if (/^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
      throw bad('expected true (no secret allowed), a number of findings allowed, or "disabled"');
    }
    case 'maxHiddenPercent': {
      const pct = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*$/.exec(value);
      if (pct) {
        const n = Number(pct[1]) / 100;
        if (n > 1) throw bad('outside the allowed range 0%..100%');
        return n;
      }
      break;
    }
    default:
      break;
  }
  const ratio = parseGoFloat(value);
  const percentHint = name === 'maxHiddenPercent' ? ', or a percentage like 10%' : '';
  if (ratio === null || Number.isNaN(ratio)) throw bad(`expected a ratio between 0 and 1${percentHint}, or "disabled"`);
  if (ratio < 0 || ratio > 1) throw bad(`outside the allowed range 0..1${percentHint}`);
  return ratio;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  kb: 1000,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
  pib: 1024 ** 5,
  pb: 1000 ** 5,
  eib: 1024 ** 6,
  eb: 1000 ** 6,
  '': 1,
  ki: 1024,
  k: 1000,
  mi: 1024 ** 2,
  m: 1000 ** 2,
  gi: 1024 ** 3,
  g: 1000 ** 3,
  ti: 1024 ** 4,
  t: 1000 ** 4,
  pi: 1024 ** 5,
  p: 1000 ** 5,
  ei: 1024 ** 6,
  e: 1000 ** 6,
};

/** 2^64, the first float64 value ≥ math.MaxUint64. */
const MAX_UINT64_FLOAT = 2 ** 64;

/**
 * go-humanize v1.0.1 `ParseBytes`: leading digits, '.' and ',' (commas dropped) are the number,
 * the rest (trimmed, lower-cased) the unit; the product is truncated to an integer.
 * Throws an Error with go-humanize's message.
 */
export function parseByteSize(text: string): number {
  let end = 0;
  while (end < text.length && /[0-9.,]/.test(text[end]!)) end++;
  const num = text.slice(0, end).replaceAll(',', '');
  if (!/^(\d+\.?\d*|\.\d+)$/.test(num)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  }
  let f = Number(num);
  if (!Number.isFinite(f)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: value out of range`);
  const unit = text.slice(end).trim().toLowerCase();
  const multiplier = SIZE_UNITS[unit];
  if (multiplier === undefined) throw new Error(`unhandled size name: ${unit}`);
  f *= multiplier;
  if (f >= MAX_UINT64_FLOAT) throw new Error(`too large: ${text}`);
  return Math.trunc(f);
}

/**
 * Go `strconv.ParseFloat(s, 64)`: decimal (`0.9`, `.5`, `5.`, `1e-1`, signed), hexadecimal
 * (`0x1p-1`), `Inf`/`Infinity`/`NaN` in any case. null when it is not a number.
 */
export function parseGoFloat(s: string): number | null {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const n = Number(s);
    return Number.isFinite(n) ? n : null; // Go: ±Inf with ErrRange
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
  if (hex && (hex[2]! + (hex[3] ?? '')).length > 0) {
    const frac = hex[3] ?? '';
    const mantissa = parseInt(hex[2]! + frac, 16) || 0;
    const n = mantissa * 2 ** (Number(hex[4]) - 4 * frac.length);
    if (!Number.isFinite(n)) return null;
    return hex[1] === '-' ? -n : n;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The rules file

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function ruleKey(key: string): CiRuleName | undefined {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return CI_RULE_NAMES.find((name) => name.toLowerCase() === k);
}

/** A rule's value in YAML as dive's config layer turns it into text. */
function valueText(raw: unknown, where: string): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number') return goPlainFloat(raw);
  if (typeof raw === 'boolean') return String(raw);
  throw new InputError(`${where} must be a single value, or a mapping {value, level}`);
}

/** One rule in a file or the configuration: `value`, or `{value: …, level: warn|fail}`. */
export function readRuleEntry(raw: unknown, where: string): { value: string; level?: CiLevel } | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (!isMapping(raw)) return { value: valueText(raw, where) };
  for (const key of Object.keys(raw)) {
    if (key !== 'value' && key !== 'level') throw new InputError(`${where}: unknown key "${key}" (a rule takes value and level)`);
  }
  const level = raw.level;
  if (level !== undefined && level !== 'warn' && level !== 'fail') throw new InputError(`${where}.level must be warn or fail`);
  if (raw.value === null || raw.value === undefined) throw new InputError(`${where} has a level but no value`);
  return { value: valueText(raw.value, `${where}.value`), ...(level ? { level } : {}) };
}

/** The rules and ignore globs a mapping holds (`rules:`, `ignore:`), as in a rules file. */
export function readRulesSection(
  doc: Record<string, unknown>,
  shown: string,
): { rules: Partial<Record<CiRuleName, { value: string; level?: CiLevel }>>; ignore: string[]; allowSecrets: string[] } {
  const ignore = readIgnore(doc.ignore, `CI config ${shown}: "ignore"`);
  const allowSecrets = readIgnore(doc.allowSecrets, `CI config ${shown}: "allowSecrets"`);
  const rules = doc.rules;
  if (rules === null || rules === undefined) return { rules: {}, ignore, allowSecrets };
  if (!isMapping(rules)) throw new InputError(`CI config ${shown}: "rules" must be a mapping of rule names to values`);

  const out: Partial<Record<CiRuleName, { value: string; level?: CiLevel }>> = {};
  const exact = new Set<CiRuleName>();
  for (const [key, raw] of Object.entries(rules)) {
    const name = ruleKey(key);
    if (name === undefined) continue; // other keys: ignored, as dive does
    const entry = readRuleEntry(raw, `CI config ${shown}: rules.${key}`);
    if (entry === undefined) continue;
    if (exact.has(name) && key !== name) continue; // camelCase wins over other spellings
    out[name] = entry;
    if (key === name) exact.add(name);
  }
  return { rules: out, ignore, allowSecrets };
}

function readIgnore(raw: unknown, where: string): string[] {
  if (raw === null || raw === undefined) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((g) => typeof g === 'string')) throw new InputError(`${where} must be a list of path globs`);
  return list as string[];
}

/** The rule values and ignore globs a `.dive-ci` / `.layerscope-ci` file sets. */
function readRulesFile(
  path: string,
  shown: string,
): { rules: Partial<Record<CiRuleName, { value: string; level?: CiLevel }>>; ignore: string[]; allowSecrets: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read CI config ${shown}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const first = ((err as Error).message.split('\n')[0] ?? '').replace(/:\s*$/, '');
    throw new InputError(`cannot parse CI config ${shown}: ${first}`);
  }
  if (doc === null || doc === undefined) return { rules: {}, ignore: [], allowSecrets: [] };
  if (!isMapping(doc)) throw new InputError(`CI config ${shown} must be a YAML mapping with a "rules:" section`);
  return readRulesSection(doc, shown);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Go number formatting

/** Shortest digits and decimal exponent of a finite, non-zero number. */
function decimalDigits(x: number): { negative: boolean; digits: string; exp: number } {
  const [mantissa, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  return { negative: x < 0, digits: mantissa.replace('.', ''), exp: Number(exp) };
}

/** Go `fmt` `%v` of a float64 (= `strconv.FormatFloat(x, 'g', -1, 64)`). */
export function goFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const { negative, digits, exp } = decimalDigits(x);
  if (exp < -4 || exp >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${negative ? '-' : ''}${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return String(x); // shortest digits in plain notation, as JS prints this range
}

/** Go `strconv.FormatFloat(x, 'f', -1, 64)`: how dive's config layer turns a YAML number into text. */
function goPlainFloat(x: number): string {
  if (!Number.isFinite(x)) return goFloat(x);
  if (x === 0) return '0';
  const { negative, digits, exp } = decimalDigits(x);
  let text: string;
  if (exp >= 0) {
    const whole = digits.padEnd(exp + 1, '0');
    text = whole.slice(0, exp + 1) + (digits.length > exp + 1 ? `.${digits.slice(exp + 1)}` : '');
  } else {
    text = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return (negative ? '-' : '') + text;
}

/** Go `%v` of a uint64 (exact, even above 2^53). */
function goUint(x: number): string {
  return Number.isSafeInteger(x) ? String(x) : BigInt(Math.trunc(x)).toString();
}
