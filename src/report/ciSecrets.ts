// The `secrets` CI rule: fail when any leaked secret is stored in the image (hidden copies
// included), except for paths the rules file allows by glob. In `.layerscope-ci` or `.dive-ci`:
//
//   rules:
//     secrets: enabled          # or disabled / off / false
//   secrets:
//     allow:
//       - /etc/ssl/private/test-*.pem
//
// Globs are picomatch globs over absolute image paths, dotfiles included (`/root/**` matches
// /root/.npmrc). The verdict lines name the path, layer, rule and masked preview, never the secret.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../core/errors.js';
import { displayPath } from '../core/model.js';
import { describeFinding, type SecretFinding } from '../core/secrets.js';
import { isRuleDisabled } from './ci.js';

export interface SecretsRule {
  enabled: boolean;
  /** Path globs whose findings do not fail the rule. */
  allow: string[];
  /** Where the settings came from (a file name, or `the default`). */
  origin: string;
}

/** layerscope's own rules file, read before `.dive-ci` for the rules dive does not have. */
export const LAYERSCOPE_CI_FILE = '.layerscope-ci';

export const DEFAULT_SECRETS_RULE: Readonly<SecretsRule> = Object.freeze({ enabled: true, allow: [], origin: 'the default' });

/** The rule's settings from a parsed rules document (the YAML of `.layerscope-ci` / `.dive-ci`). */
export function secretsRuleFrom(doc: unknown, origin: string): SecretsRule {
  const rule: SecretsRule = { ...DEFAULT_SECRETS_RULE, allow: [], origin };
  if (!isMapping(doc)) return rule;
  const rules = doc.rules;
  if (isMapping(rules) && rules.secrets !== undefined && rules.secrets !== null) {
    const v = rules.secrets;
    if (typeof v !== 'string' && typeof v !== 'boolean')
      throw new InputError(`CI config ${origin}: rules.secrets must be enabled or disabled`);
    rule.enabled = !isRuleDisabled(String(v));
  }
  const section = doc.secrets;
  if (section !== undefined && section !== null) {
    if (!isMapping(section)) throw new InputError(`CI config ${origin}: "secrets" must be a mapping with an "allow" list`);
    const allow = section.allow ?? [];
    if (!Array.isArray(allow) || !allow.every((g) => typeof g === 'string')) {
      throw new InputError(`CI config ${origin}: secrets.allow must be a list of path globs`);
    }
    rule.allow = allow as string[];
  }
  return rule;
}

/** Reads the rule from a rules file (as given, relative to `cwd`); the default when `file` is null. */
export function loadSecretsRule(file: string | null, cwd = process.cwd()): SecretsRule {
  if (file === null) return { ...DEFAULT_SECRETS_RULE, allow: [] };
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(resolve(cwd, file), 'utf8'));
  } catch (e) {
    throw new InputError(
      `cannot read CI config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0] ?? ''}`,
    );
  }
  return secretsRuleFrom(doc, file);
}

export interface SecretsVerdict {
  status: 'PASS' | 'FAIL' | 'SKIP';
  /** dive-style result line text after `STATUS: secrets`: '' / `rule disabled` / the reason. */
  message: string;
  /** Findings that fail the rule, then those allowed. */
  failing: SecretFinding[];
  allowed: SecretFinding[];
}

export function evaluateSecretsRule(rule: SecretsRule, findings: readonly SecretFinding[]): SecretsVerdict {
  if (!rule.enabled) return { status: 'SKIP', message: 'rule disabled', failing: [], allowed: [] };
  const allowed = rule.allow.length > 0 ? picomatch(rule.allow, { dot: true }) : () => false;
  const failing: SecretFinding[] = [];
  const ok: SecretFinding[] = [];
  for (const f of findings) (allowed(displayPath(f.path)) ? ok : failing).push(f);
  const message = failing.length > 0 ? `${failing.length} leaked secret${failing.length === 1 ? '' : 's'} stored in the image` : '';
  return { status: failing.length > 0 ? 'FAIL' : 'PASS', message, failing, allowed: ok };
}

/** The verdict as lines for the CI output: the result line, then one line per failing finding. */
export function formatSecretsVerdict(verdict: SecretsVerdict, forTerminal: (s: string) => string): string[] {
  const lines = [verdict.message ? `  ${verdict.status}: secrets: ${verdict.message}` : `  ${verdict.status}: secrets`];
  for (const f of verdict.failing) {
    lines.push(`    ${forTerminal(displayPath(f.path))} (L${f.layer}, ${f.rule}): ${forTerminal(f.preview)}: ${describeFinding(f)}`);
  }
  if (verdict.allowed.length > 0) lines.push(`    (${verdict.allowed.length} allowed by secrets.allow)`);
  return lines;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
