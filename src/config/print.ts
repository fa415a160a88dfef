// `layerscope config`: the effective configuration, one setting a line, with where each value
// came from (the default, dive's file, layerscope's file, a variable, a flag, a rules file).
import { escapeForTerminal } from '../core/paths.js';
import type { CiRules } from '../report/ci.js';
export { ciBaseOf } from './ciBase.js';
import type { EffectiveConfig, Sourced } from './schema.js';

function shown(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
  return String(value);
}

export function configRows(config: EffectiveConfig, rules: CiRules, ciFormat: Sourced<string>): Array<[string, string, string]> {
  const rows: Array<[string, string, string]> = [];
  for (const [key, v] of Object.entries(config.defaults)) rows.push([`defaults.${key}`, shown(v.value), v.origin]);
  for (const [action, v] of Object.entries(config.keys).sort(([a], [b]) => (a < b ? -1 : 1)))
    rows.push([`keys.${action}`, shown(v.value), v.origin]);
  rows.push(['ci.format', ciFormat.value, ciFormat.origin]);
  for (const rule of Object.values(rules.rules)) {
    rows.push([`ci.rules.${rule.name}`, rule.level === 'warn' ? `${rule.value} (warn)` : rule.value, rule.origin]);
  }
  rows.push([
    'ci.ignore',
    shown(rules.ignore),
    rules.ignore.length === 0 ? 'the default' : [config.ci.ignore?.origin, ...rules.files].filter(Boolean).join(', '),
  ]);
  rows.push([
    'ci.allowSecrets',
    shown(rules.allowSecrets),
    rules.allowSecrets.length === 0 ? 'the default' : [config.ci.allowSecrets?.origin, ...rules.files].filter(Boolean).join(', '),
  ]);
  return rows;
}

export function formatConfig(config: EffectiveConfig, rules: CiRules, ciFormat: Sourced<string>): string {
  const lines: string[] = [];
  lines.push(`config file   ${config.file.path}${config.file.found ? '' : ' (not found: built-in defaults)'}`);
  lines.push(`dive config   ${config.diveFile ?? 'none found'}`);
  lines.push(`rules files   ${rules.files.length > 0 ? rules.files.join(', ') : 'none (.dive-ci, .layerscope-ci)'}`);
  lines.push('');
  const rows = configRows(config, rules, ciFormat);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.min(30, Math.max(...rows.map((r) => r[1].length)));
  for (const [key, value, origin] of rows) lines.push(`${key.padEnd(w0)}  ${value.padEnd(w1)}  ${origin}`);
  if (config.notes.length > 0) {
    lines.push('', 'notes');
    for (const note of config.notes) lines.push(`  ${note}`);
  }
  return `${lines.map((l) => escapeForTerminal(l)).join('\n')}\n`;
}
