// dive's configuration file, read so a dive user's settings carry over. Matched against dive
// (github.com/wagoodman/dive):
//   - Where: v0.12 `cmd/root.go` getCfgFile — the first `*.yaml` (by name) in `$XDG_CONFIG_HOME/dive/`,
//     then in each `$XDG_CONFIG_DIRS` entry's `dive/`, then `~/.config/dive/`; else `~/.dive.yaml`.
//   - Keys: `keybinding.<name>` (v0.12 root.go defaults; v0.13 `options/ui_keybindings.go`),
//     `filetree.collapse-dir`, `filetree.pane-width` (0 < w < 1, dive resets others to 0.5),
//     `filetree.show-attributes`, `diff.hide` (added, removed, modified, unmodified),
//     `layer.show-aggregated-changes` (v0.13 `options/ui_filetree.go`, `ui_diff.go`, `ui_layers.go`).
//   - Key syntax: awesome-gocui/keybinding, comma-separated (`ctrl+f, ctrl+slash`, `up,k`, `pgup`).
// Only what the file sets is taken (dive's own defaults are Ctrl chords; layerscope keeps its plain
// keys). A dive key or value layerscope cannot use becomes a note for `layerscope config`, never
// an error: the file was written for dive.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../report/yaml.js';
import type { Defaults, StatusName } from './schema.js';

/** dive's keybinding names → the layerscope action each one maps to (undefined: none). */
export const DIVE_KEY_ACTIONS: Readonly<Record<string, string | undefined>> = {
  quit: 'quit',
  'toggle-view': 'nextPane',
  'filter-files': 'filter',
  'close-filter-files': 'filterCancel',
  up: 'up',
  down: 'down',
  left: 'collapse',
  right: 'expand',
  'page-up': 'pageUp',
  'page-down': 'pageDown',
  'compare-all': 'toggleChangesOnly',
  'compare-layer': 'toggleChangesOnly',
  'toggle-collapse-dir': 'activate',
  'toggle-collapse-all-dir': undefined,
  'toggle-added-files': 'toggleAdded',
  'toggle-removed-files': 'toggleRemoved',
  'toggle-modified-files': 'toggleModified',
  'toggle-unmodified-files': 'toggleUnchanged',
  'toggle-unchanged-files': 'toggleUnchanged',
  'toggle-filetree-attributes': 'toggleAttributes',
  'toggle-sort-order': 'toggleSort',
  'toggle-wrap-tree': undefined,
  'extract-file': undefined,
};

const NAMED: Record<string, string> = {
  up: 'up',
  down: 'down',
  left: 'left',
  right: 'right',
  pgup: 'pgup',
  pgdn: 'pgdn',
  home: 'home',
  end: 'end',
  enter: 'enter',
  space: 'space',
  tab: 'tab',
  esc: 'esc',
  backspace: 'backspace',
  backspace2: 'backspace',
  slash: '/',
};

/** One dive key (`ctrl+f`, `k`, `pgup`, `slash`) as a layerscope key name; undefined when the
 *  terminal keys layerscope reads cannot express it (function keys, alt, ctrl+space…). */
export function diveKeyName(text: string): string | undefined {
  const t = text.trim();
  if (t.length === 1) return t;
  const lower = t.toLowerCase();
  const ctrl = /^ctrl\+(.)$/.exec(lower);
  if (ctrl) return /[a-z]/.test(ctrl[1]!) ? `ctrl-${ctrl[1]}` : undefined;
  return NAMED[lower];
}

export interface DiveSettings {
  path: string;
  /** layerscope action → keys, from the keybindings the file sets. */
  keys: Record<string, { keys: string[]; from: string[] }>;
  defaults: Partial<Defaults>;
  /** Which dive key each default came from. */
  defaultOrigins: Partial<Record<keyof Defaults, string>>;
  notes: string[];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function firstYaml(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(join(dir, 'dive')).sort();
  } catch {
    return undefined;
  }
  const name = names.find((n) => n.endsWith('.yaml') && isFile(join(dir, 'dive', n)));
  return name === undefined ? undefined : join(dir, 'dive', name);
}

/** The dive configuration file dive itself would read, or null. */
export function findDiveConfig(env: NodeJS.ProcessEnv, home: string): string | null {
  const dirs = [env.XDG_CONFIG_HOME, ...(env.XDG_CONFIG_DIRS ?? '').split(':'), join(home, '.config')].filter(
    (d): d is string => typeof d === 'string' && d !== '',
  );
  for (const dir of dirs) {
    const found = firstYaml(dir);
    if (found) return found;
  }
  const legacy = join(home, '.dive.yaml');
  return isFile(legacy) ? legacy : null;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads dive's file. An unreadable or unparsable file is a note, not an error. */
export function readDiveConfig(path: string): DiveSettings {
  const out: DiveSettings = { path, keys: {}, defaults: {}, defaultOrigins: {}, notes: [] };
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    out.notes.push(`dive config ${path} not used: ${((err as Error).message.split('\n')[0] ?? '').replace(/:\s*$/, '')}`);
    return out;
  }
  if (!isMapping(doc)) return out;
  const at = (section: string, key: string): unknown =>
    isMapping(doc[section]) ? (doc[section] as Record<string, unknown>)[key] : undefined;
  const note = (what: string) => out.notes.push(`${path}: ${what}`);

  if (isMapping(doc.keybinding)) {
    for (const [name, raw] of Object.entries(doc.keybinding)) {
      if (!(name in DIVE_KEY_ACTIONS)) {
        note(`keybinding.${name} is not a dive key binding; ignored`);
        continue;
      }
      const action = DIVE_KEY_ACTIONS[name];
      if (action === undefined) {
        note(`keybinding.${name}: layerscope has no such command; ignored`);
        continue;
      }
      if (typeof raw !== 'string' || raw.trim() === '') continue;
      const keys: string[] = [];
      for (const part of raw.split(',')) {
        const key = diveKeyName(part);
        if (key === undefined) note(`keybinding.${name}: key "${part.trim()}" cannot be read by layerscope; ignored`);
        else if (!keys.includes(key)) keys.push(key);
      }
      if (keys.length === 0) continue;
      const entry = out.keys[action] ?? { keys: [], from: [] };
      for (const k of keys) if (!entry.keys.includes(k)) entry.keys.push(k);
      entry.from.push(`keybinding.${name}`);
      out.keys[action] = entry;
    }
  }

  const bool = (section: string, key: string, set: (v: boolean) => void, field: keyof Defaults) => {
    const v = at(section, key);
    if (v === undefined || v === null) return;
    if (typeof v === 'boolean') {
      set(v);
      out.defaultOrigins[field] = `${section}.${key}`;
    } else note(`${section}.${key} is not true or false; ignored`);
  };
  bool('filetree', 'collapse-dir', (v) => (out.defaults.collapseDirs = v), 'collapseDirs');
  bool('filetree', 'show-attributes', (v) => (out.defaults.attributes = v), 'attributes');
  bool('layer', 'show-aggregated-changes', (v) => (out.defaults.changesOnly = !v), 'changesOnly');

  const width = at('filetree', 'pane-width');
  if (width !== undefined && width !== null) {
    if (typeof width === 'number' && width > 0 && width < 1) {
      out.defaults.treeWidth = width;
      out.defaultOrigins.treeWidth = 'filetree.pane-width';
    } else note(`filetree.pane-width must be > 0 and < 1 (as dive requires); ignored`);
  }

  const hide = at('diff', 'hide');
  if (hide !== undefined && hide !== null && hide !== '') {
    const list = typeof hide === 'string' ? hide.split(',') : Array.isArray(hide) ? hide : [];
    const statuses: StatusName[] = [];
    for (const item of list) {
      const v = String(item).trim().toLowerCase();
      const status = v === 'unmodified' ? 'unchanged' : v;
      if (status === 'added' || status === 'removed' || status === 'modified' || status === 'unchanged') statuses.push(status);
      else if (v !== '') note(`diff.hide: "${v}" is not added, removed, modified or unmodified; ignored`);
    }
    out.defaults.hide = statuses;
    out.defaultOrigins.hide = 'diff.hide';
  }
  return out;
}
