// Loading the configuration: built-in defaults, dive's file, layerscope's file
// ($XDG_CONFIG_HOME/layerscope/config.yaml, ~/.config when unset; or --config / LAYERSCOPE_CONFIG),
// LAYERSCOPE_* variables, then flags — each value remembering where it came from. A bad value in
// layerscope's own file, a variable or a flag is one InputError line (exit 2); dive's file only
// gives notes (it was written for dive).
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseYaml } from '../report/yaml.js';
import { InputError } from '../core/errors.js';
import { CI_RULE_NAMES, type CiRuleName, parseByteSize, readRuleEntry } from '../report/ci.js';
import { findDiveConfig, readDiveConfig } from './dive.js';
import { applyKeyOverrides } from './keys.js';
import {
  CI_FORMAT_NAMES,
  DEFAULTS,
  type Defaults,
  type EffectiveConfig,
  SORTS,
  type Source,
  STATUSES,
  type StatusName,
  THEMES,
} from './schema.js';

export interface ConfigFlags {
  /** --config FILE */
  config?: string;
  theme?: string;
  ciFormat?: string;
  /** false: --no-mouse */
  mouse?: boolean;
  /** --secrets-max-bytes SIZE */
  secretsMaxBytes?: string;
}

export interface LoadOptions {
  flags?: ConfigFlags;
  env?: NodeJS.ProcessEnv;
  home?: string;
  cwd?: string;
}

/** Where layerscope's configuration file is (whether or not it exists), and who said so. */
export function configPath(opts: LoadOptions): { path: string; explicit: string | null } {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.flags?.config) return { path: resolve(cwd, opts.flags.config), explicit: '--config' };
  if (env.LAYERSCOPE_CONFIG) return { path: resolve(cwd, env.LAYERSCOPE_CONFIG), explicit: 'LAYERSCOPE_CONFIG' };
  const xdg = env.XDG_CONFIG_HOME || join(opts.home ?? homedir(), '.config');
  return { path: join(xdg, 'layerscope', 'config.yaml'), explicit: null };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const DEFAULT_KEYS = Object.keys(DEFAULTS) as Array<keyof Defaults>;
const ENV_NAMES: Record<keyof Defaults, string> = {
  theme: 'LAYERSCOPE_THEME',
  sort: 'LAYERSCOPE_SORT',
  changesOnly: 'LAYERSCOPE_CHANGES_ONLY',
  hide: 'LAYERSCOPE_HIDE',
  attributes: 'LAYERSCOPE_ATTRIBUTES',
  treeWidth: 'LAYERSCOPE_TREE_WIDTH',
  collapseDirs: 'LAYERSCOPE_COLLAPSE_DIRS',
  mouse: 'LAYERSCOPE_MOUSE',
  secretsMaxBytes: 'LAYERSCOPE_SECRETS_MAX_BYTES',
};

/** Parses one default from text or YAML; throws a one-line InputError naming `where`. */
export function parseDefault<K extends keyof Defaults>(key: K, raw: unknown, where: string): Defaults[K] {
  const fail = (want: string): never => {
    throw new InputError(`${where}: ${JSON.stringify(raw)} is not ${want}`);
  };
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (key) {
    case 'theme':
      return (THEMES.includes(text as never) ? text : fail(`a theme (${THEMES.join(', ')})`)) as Defaults[K];
    case 'sort':
      return (SORTS.includes(text as never) ? text : fail(`a sort order (${SORTS.join(', ')})`)) as Defaults[K];
    case 'changesOnly':
    case 'attributes':
    case 'collapseDirs':
    case 'mouse': {
      if (typeof text === 'boolean') return text as Defaults[K];
      const t = String(text).toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(t)) return true as Defaults[K];
      if (['false', '0', 'no', 'off'].includes(t)) return false as Defaults[K];
      return fail('true or false');
    }
    case 'treeWidth': {
      const n = typeof text === 'number' ? text : Number(text);
      if (typeof text === 'boolean' || text === '' || !Number.isFinite(n) || n <= 0 || n >= 1)
        return fail('a share of the width, > 0 and < 1');
      return n as Defaults[K];
    }
    case 'secretsMaxBytes': {
      let n: number;
      try {
        n = typeof text === 'number' ? text : typeof text === 'string' && text !== '' ? parseByteSize(text) : NaN;
      } catch {
        n = NaN;
      }
      if (!Number.isSafeInteger(n) || n < 0) return fail('a size such as 1MiB or 16MB (0: names only)');
      return n as Defaults[K];
    }
    case 'hide': {
      const list =
        typeof text === 'string'
          ? text
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : text;
      if (!Array.isArray(list)) return fail(`a list of statuses (${STATUSES.join(', ')})`);
      const out: StatusName[] = [];
      for (const item of list) {
        if (!STATUSES.includes(item as never)) return fail(`a list of statuses (${STATUSES.join(', ')})`);
        if (!out.includes(item as StatusName)) out.push(item as StatusName);
      }
      return out as Defaults[K];
    }
  }
  return fail('valid');
}

function keyList(raw: unknown, where: string): string[] {
  const list = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()) : raw;
  if (!Array.isArray(list) || list.length === 0 || !list.every((k) => typeof k === 'string' && k !== '')) {
    throw new InputError(`${where}: give a list of keys, e.g. [j, down]`);
  }
  return list as string[];
}

/** Reads the whole configuration. */
export function loadConfig(opts: LoadOptions = {}): EffectiveConfig {
  const env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  const { path, explicit } = configPath(opts);
  const notes: string[] = [];

  const defaults = {} as EffectiveConfig['defaults'];
  for (const key of DEFAULT_KEYS) defaults[key] = { value: DEFAULTS[key], source: 'default', origin: 'the default' } as never;
  const set = <K extends keyof Defaults>(key: K, value: Defaults[K], source: Source, origin: string) => {
    (defaults as Record<string, unknown>)[key] = { value, source, origin };
  };

  // dive's file.
  const divePath = findDiveConfig(env, home);
  const dive = divePath ? readDiveConfig(divePath) : undefined;
  const diveKeys: Record<string, { keys: string[]; origin: string }> = {};
  if (dive) {
    notes.push(...dive.notes);
    for (const key of Object.keys(dive.defaults) as Array<keyof Defaults>) {
      set(key, dive.defaults[key] as never, 'dive', `${dive.path} ${dive.defaultOrigins[key]}`);
    }
    for (const [action, v] of Object.entries(dive.keys)) diveKeys[action] = { keys: v.keys, origin: `${dive.path} ${v.from.join(', ')}` };
  }

  // layerscope's file.
  let found = false;
  let doc: Record<string, unknown> = {};
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = false;
  }
  if (isFile) {
    found = true;
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new InputError(`cannot parse config ${path}: ${((err as Error).message.split('\n')[0] ?? '').replace(/:\s*$/, '')}`);
    }
    if (parsed !== null && parsed !== undefined && !isMapping(parsed)) throw new InputError(`config ${path} must be a YAML mapping`);
    doc = (parsed as Record<string, unknown> | null) ?? {};
  } else if (explicit) {
    throw new InputError(`config file not found: ${path} (from ${explicit})`);
  }

  const known = new Set(['defaults', 'keys', 'ci', ...DEFAULT_KEYS]);
  for (const key of Object.keys(doc)) {
    if (!known.has(key)) throw new InputError(`config ${path}: unknown setting "${key}" (settings: defaults, keys, ci)`);
  }
  const section = (name: string): Record<string, unknown> => {
    const v = doc[name];
    if (v === undefined || v === null) return {};
    if (!isMapping(v)) throw new InputError(`config ${path}: "${name}" must be a mapping`);
    return v;
  };
  const fileDefaults = { ...section('defaults') };
  // Top-level shortcuts (`theme: light`) mean the same as under defaults:.
  for (const key of DEFAULT_KEYS) if (doc[key] !== undefined && fileDefaults[key] === undefined) fileDefaults[key] = doc[key];
  for (const [key, raw] of Object.entries(fileDefaults)) {
    if (!DEFAULT_KEYS.includes(key as keyof Defaults)) {
      throw new InputError(`config ${path}: unknown default "${key}" (defaults: ${DEFAULT_KEYS.join(', ')})`);
    }
    if (raw === null || raw === undefined) continue;
    const k = key as keyof Defaults;
    set(k, parseDefault(k, raw, `config ${path}: defaults.${key}`), 'file', `${path} defaults.${key}`);
  }
  const fileKeys: Record<string, { keys: string[]; origin: string }> = {};
  for (const [action, raw] of Object.entries(section('keys'))) {
    fileKeys[action] = { keys: keyList(raw, `config ${path}: keys.${action}`), origin: `${path} keys.${action}` };
  }

  const ciSection = section('ci');
  const ci: EffectiveConfig['ci'] = { format: undefined, rules: {}, ignore: undefined, allowSecrets: undefined };
  for (const key of Object.keys(ciSection)) {
    if (!['format', 'rules', 'ignore', 'allowSecrets'].includes(key))
      throw new InputError(`config ${path}: unknown CI setting "ci.${key}" (format, rules, ignore, allowSecrets)`);
  }
  if (ciSection.format !== undefined && ciSection.format !== null) {
    if (!CI_FORMAT_NAMES.includes(ciSection.format as never)) {
      throw new InputError(`config ${path}: ci.format ${JSON.stringify(ciSection.format)} is not one of ${CI_FORMAT_NAMES.join(', ')}`);
    }
    ci.format = { value: ciSection.format as string, source: 'file', origin: `${path} ci.format` };
  }
  for (const key of ['ignore', 'allowSecrets'] as const) {
    const raw = ciSection[key];
    if (raw === undefined || raw === null) continue;
    const list = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(list) || !list.every((g) => typeof g === 'string' && g.trim() !== '')) {
      throw new InputError(`config ${path}: ci.${key} must be a list of path globs`);
    }
    ci[key] = { value: list as string[], source: 'file', origin: `${path} ci.${key}` };
  }
  if (ciSection.rules !== undefined && ciSection.rules !== null) {
    if (!isMapping(ciSection.rules)) throw new InputError(`config ${path}: ci.rules must be a mapping of rule names to values`);
    for (const [key, raw] of Object.entries(ciSection.rules)) {
      const name = CI_RULE_NAMES.find((n) => n.toLowerCase() === key.toLowerCase().replace(/[-_]/g, '')) as CiRuleName | undefined;
      if (!name) throw new InputError(`config ${path}: unknown CI rule "ci.rules.${key}" (rules: ${CI_RULE_NAMES.join(', ')})`);
      const entry = readRuleEntry(raw, `config ${path}: ci.rules.${key}`);
      if (entry) ci.rules[name] = { value: entry, source: 'file', origin: `${path} ci.rules.${key}` };
    }
  }

  // Environment, then flags.
  for (const key of DEFAULT_KEYS) {
    const v = env[ENV_NAMES[key]];
    if (v !== undefined && v !== '') set(key, parseDefault(key, v, ENV_NAMES[key]), 'env', ENV_NAMES[key]);
  }
  if (env.LAYERSCOPE_CI_FORMAT) {
    if (!CI_FORMAT_NAMES.includes(env.LAYERSCOPE_CI_FORMAT as never)) {
      throw new InputError(`LAYERSCOPE_CI_FORMAT: "${env.LAYERSCOPE_CI_FORMAT}" is not one of ${CI_FORMAT_NAMES.join(', ')}`);
    }
    ci.format = { value: env.LAYERSCOPE_CI_FORMAT, source: 'env', origin: 'LAYERSCOPE_CI_FORMAT' };
  }
  if (opts.flags?.theme !== undefined) set('theme', parseDefault('theme', opts.flags.theme, '--theme'), 'flag', '--theme');
  if (opts.flags?.mouse === false) set('mouse', false, 'flag', '--no-mouse');
  if (opts.flags?.secretsMaxBytes !== undefined) {
    const flag = opts.flags.secretsMaxBytes;
    let bytes: number;
    try {
      bytes = parseDefault('secretsMaxBytes', flag, '--secrets-max-bytes');
    } catch {
      throw new InputError(`--secrets-max-bytes ${flag}: expected a size such as 1MiB or 16MB (0: names only)`);
    }
    set('secretsMaxBytes', bytes, 'flag', '--secrets-max-bytes');
  }
  if (opts.flags?.ciFormat !== undefined) ci.format = { value: opts.flags.ciFormat, source: 'flag', origin: '--ci-format' };

  const keys = applyKeyOverrides(diveKeys, fileKeys, notes);
  return { file: { path, found }, diveFile: divePath, defaults, keys, ci, notes };
}
