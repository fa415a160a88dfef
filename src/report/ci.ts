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
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../core/errors.js';
import type { DiveMetrics } from '../core/dive.js';

export type CiRuleName = 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';

export const CI_RULE_NAMES: readonly CiRuleName[] = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'];

/** dive's defaults. */
export const DIVE_CI_DEFAULTS: Readonly<Record<CiRuleName, string>> = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};

export const DEFAULT_CI_CONFIG_FILE = '.dive-ci';

export interface CiRule {
  name: CiRuleName;
  /** The value as configured (text). */
  value: string;
  /** Where the value came from. */
  source: 'default' | 'file' | 'flag';
  /** Parsed threshold: a ratio, or bytes for highestWastedBytes; null when the rule is disabled. */
  threshold: number | null;
}

export interface CiRules {
  /** The rules file that was read, as given (or `.dive-ci`); null when none was read. */
  configFile: string | null;
  rules: Record<CiRuleName, CiRule>;
}

export interface CiFlags {
  lowestEfficiency?: string;
  highestWastedBytes?: string;
  highestUserWastedPercent?: string;
}

export type CiStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface CiRuleResult {
  rule: CiRuleName;
  status: CiStatus;
  /** The measured value, formatted like dive (Go `%v`). */
  actual: string;
  /** The threshold, formatted like dive, or `disabled`. */
  threshold: string;
  /** dive's message: '' for a pass, `rule disabled` for a skip, the reason for a failure. */
  message: string;
}

export interface CiVerdict {
  passed: boolean;
  /** One per rule, in dive's report order (by rule name). */
  results: CiRuleResult[];
}

export type CiMetrics = Pick<DiveMetrics, 'efficiency' | 'wastedBytes' | 'userWastedPercent'>;

/** Reads the rules: defaults, then the `.dive-ci` file (if any), then the flags given. */
export function loadCiRules(opts: { configFile?: string; flags?: CiFlags; cwd?: string }): CiRules {
  const cwd = opts.cwd ?? process.cwd();
  const values: Record<CiRuleName, { value: string; source: CiRule['source'] }> = {
    lowestEfficiency: { value: DIVE_CI_DEFAULTS.lowestEfficiency, source: 'default' },
    highestWastedBytes: { value: DIVE_CI_DEFAULTS.highestWastedBytes, source: 'default' },
    highestUserWastedPercent: { value: DIVE_CI_DEFAULTS.highestUserWastedPercent, source: 'default' },
  };

  let configFile: string | null = null;
  if (opts.configFile !== undefined) {
    if (!exists(resolve(cwd, opts.configFile))) {
      throw new InputError(`CI config file not found: ${opts.configFile} (check the --ci-config path)`);
    }
    configFile = opts.configFile;
  } else if (exists(resolve(cwd, DEFAULT_CI_CONFIG_FILE))) {
    configFile = DEFAULT_CI_CONFIG_FILE;
  }
  if (configFile !== null) {
    for (const [name, value] of Object.entries(readRulesFile(resolve(cwd, configFile), configFile)) as Array<[CiRuleName, string]>) {
      values[name] = { value, source: 'file' };
    }
  }

  for (const name of CI_RULE_NAMES) {
    const flag = opts.flags?.[name];
    if (flag !== undefined) values[name] = { value: flag, source: 'flag' };
  }

  const origin = (source: CiRule['source'], name: CiRuleName): string =>
    source === 'flag' ? `--${name}` : source === 'file' ? configFile! : 'the default';
  const rule = (name: CiRuleName): CiRule => {
    const { value, source } = values[name];
    return { name, value, source, threshold: parseRuleValue(name, value, origin(source, name)) };
  };
  return {
    configFile,
    rules: {
      lowestEfficiency: rule('lowestEfficiency'),
      highestWastedBytes: rule('highestWastedBytes'),
      highestUserWastedPercent: rule('highestUserWastedPercent'),
    },
  };
}

/** Checks the metrics against the rules, as dive's evaluator does. */
export function evaluateCi(rules: CiRules, metrics: CiMetrics): CiVerdict {
  const results: CiRuleResult[] = [];
  for (const name of [...CI_RULE_NAMES].sort()) {
    const rule = rules.rules[name];
    const actual =
      name === 'highestWastedBytes'
        ? goUint(metrics.wastedBytes)
        : goFloat(name === 'lowestEfficiency' ? metrics.efficiency : metrics.userWastedPercent);
    if (rule.threshold === null) {
      results.push({ rule: name, status: 'SKIP', actual, threshold: 'disabled', message: 'rule disabled' });
      continue;
    }
    const threshold = rule.threshold;
    const shown = name === 'highestWastedBytes' ? goUint(threshold) : goFloat(threshold);
    let failure = '';
    switch (name) {
      case 'lowestEfficiency':
        if (threshold > metrics.efficiency) failure = `image efficiency is too low (efficiency=${actual} < threshold=${shown})`;
        break;
      case 'highestWastedBytes':
        if (metrics.wastedBytes > threshold) failure = `too many bytes wasted (wasted-bytes=${actual} > threshold=${shown})`;
        break;
      case 'highestUserWastedPercent':
        if (threshold < metrics.userWastedPercent) {
          failure = `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${actual} > threshold=${shown})`;
        }
        break;
    }
    results.push({ rule: name, status: failure ? 'FAIL' : 'PASS', actual, threshold: shown, message: failure });
  }
  return { passed: results.every((r) => r.status !== 'FAIL'), results };
}

/** dive's CI result text: one line per rule, then the summary line (no trailing newline). */
export function formatCiVerdict(verdict: CiVerdict): string {
  const lines = verdict.results.map((r) => (r.message ? `  ${r.status}: ${r.rule}: ${r.message}` : `  ${r.status}: ${r.rule}`));
  const count = (status: CiStatus): number => verdict.results.filter((r) => r.status === status).length;
  lines.push(
    `Result:${count('FAIL') > 0 ? 'FAIL' : 'PASS'} [Total:${verdict.results.length}] [Passed:${count('PASS')}] ` +
      `[Failed:${count('FAIL')}] [Warn:0] [Skipped:${count('SKIP')}]`,
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
  if (name === 'highestWastedBytes') {
    try {
      return parseByteSize(value);
    } catch (err) {
      throw bad(`${(err as Error).message}; expected a size like 20MB, 1.5GiB or 1024, or "disabled"`);
    }
  }
  const ratio = parseGoFloat(value);
  if (ratio === null || Number.isNaN(ratio)) throw bad('expected a ratio between 0 and 1, or "disabled"');
  if (ratio < 0 || ratio > 1) throw bad('outside the allowed range 0..1');
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

/** The rule values a `.dive-ci` file sets (YAML `rules:` mapping). */
function readRulesFile(path: string, shown: string): Partial<Record<CiRuleName, string>> {
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
  if (doc === null || doc === undefined) return {};
  if (!isMapping(doc)) throw new InputError(`CI config ${shown} must be a YAML mapping with a "rules:" section`);
  const rules = doc.rules;
  if (rules === null || rules === undefined) return {};
  if (!isMapping(rules)) throw new InputError(`CI config ${shown}: "rules" must be a mapping of rule names to values`);

  const out: Partial<Record<CiRuleName, string>> = {};
  const exact = new Set<CiRuleName>();
  for (const [key, raw] of Object.entries(rules)) {
    const name = ruleKey(key);
    if (name === undefined || raw === null || raw === undefined) continue; // other keys: ignored, as dive does
    if (exact.has(name) && key !== name) continue; // camelCase wins over other spellings
    let value: string;
    if (typeof raw === 'string') value = raw;
    else if (typeof raw === 'number') value = goPlainFloat(raw);
    else if (typeof raw === 'boolean') value = String(raw);
    else throw new InputError(`CI config ${shown}: rules.${key} must be a single value, not a list or mapping`);
    out[name] = value;
    if (key === name) exact.add(name);
  }
  return out;
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
