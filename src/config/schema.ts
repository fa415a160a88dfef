// What a configuration holds, its built-in defaults, and where each value came from.
// Precedence (lowest first): built-in default < dive's config file < layerscope's config file <
// LAYERSCOPE_* environment variables < command-line flags.
import { DEFAULT_SCAN_MAX_BYTES } from '../core/secrets.js';
import type { CiLevel, CiRuleName } from '../report/ci.js';

export const THEMES = ['default', 'light', 'high-contrast'] as const;
export type ThemeName = (typeof THEMES)[number];
export const SORTS = ['size', 'name'] as const;
export type SortName = (typeof SORTS)[number];
export const STATUSES = ['added', 'modified', 'removed', 'unchanged'] as const;
export type StatusName = (typeof STATUSES)[number];
export const CI_FORMAT_NAMES = ['text', 'json', 'junit', 'github', 'gitlab', 'markdown'] as const;

export type Source = 'default' | 'dive' | 'file' | 'env' | 'flag';

export interface Sourced<T> {
  value: T;
  source: Source;
  /** Where: `the default`, a file and key, a variable, a flag. */
  origin: string;
}

/** The browser's starting state and look, and how the layers are read. */
export interface Defaults {
  theme: ThemeName;
  sort: SortName;
  /** Start with only the selected layer's changes (dive: layer.show-aggregated-changes: false). */
  changesOnly: boolean;
  /** Statuses hidden at start (dive: diff.hide; dive's `unmodified` is `unchanged` here). */
  hide: StatusName[];
  /** Show file attributes (mode, owner) in the tree (dive: filetree.show-attributes). */
  attributes: boolean;
  /** Share of the width the file tree takes beside the details pane, 0 < w < 1 (dive: filetree.pane-width). */
  treeWidth: number;
  /** Start with directories collapsed (dive: filetree.collapse-dir). */
  collapseDirs: boolean;
  /** The mouse in the browser: wheel and clicks (--no-mouse turns it off). */
  mouse: boolean;
  /** Largest file whose content is scanned for secrets, in bytes; larger ones by name only, 0: names only
   *  (--secrets-max-bytes; a size such as 16MB or 1MiB in the file and LAYERSCOPE_SECRETS_MAX_BYTES). */
  secretsMaxBytes: number;
}

export const DEFAULTS: Readonly<Defaults> = {
  theme: 'default',
  sort: 'size',
  changesOnly: false,
  hide: [],
  attributes: true,
  treeWidth: 0.6,
  collapseDirs: true,
  mouse: true,
  secretsMaxBytes: DEFAULT_SCAN_MAX_BYTES,
};

export interface EffectiveConfig {
  /** The layerscope configuration file read, or the path looked at (found: false). */
  file: { path: string; found: boolean };
  /** dive's configuration file read, if any. */
  diveFile: string | null;
  defaults: { [K in keyof Defaults]: Sourced<Defaults[K]> };
  /** Key overrides: action (or `context.action`) → keys, as the key map's withOverrides takes them. */
  keys: Record<string, Sourced<string[]>>;
  ci: {
    format: Sourced<string> | undefined;
    rules: Partial<Record<CiRuleName, Sourced<{ value: string; level?: CiLevel }>>>;
    ignore: Sourced<string[]> | undefined;
    /** Path globs whose secret findings the secrets rule does not count (as a rules file's allowSecrets). */
    allowSecrets: Sourced<string[]> | undefined;
  };
  /** Settings read but not used, with the reason (dive keys layerscope has no equivalent for…). */
  notes: string[];
}
