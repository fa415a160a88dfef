// Key bindings as data. The same rows decide what a key press does (keyName → commandFor), what
// the help overlay and the README list, and which hints the screens show (status bar, compare
// and picker lines), so none of them can drift apart. Plain keys only: every command has a key
// without Ctrl (Ctrl-C is just a second way to quit).
//
// A context is a screen, or a pane of the browser. A pane context inherits the browser's rows: a
// pane row for the same action replaces the browser's row there (other keys, another label), a
// pane row for another action is added. The table is plain data, so a configuration file can
// change the keys of an action (withOverrides), with conflicts refused.
import type { Key } from 'ink';

export type Command =
  | 'down'
  | 'up'
  | 'pageDown'
  | 'pageUp'
  | 'top'
  | 'bottom'
  | 'expand'
  | 'collapse'
  | 'activate'
  | 'nextPane'
  | 'prevPane'
  | 'nextLayer'
  | 'prevLayer'
  | 'filter'
  | 'nextMatch'
  | 'prevMatch'
  | 'toggleChangesOnly'
  | 'toggleExpandAll'
  | 'toggleAdded'
  | 'toggleModified'
  | 'toggleRemoved'
  | 'toggleUnchanged'
  | 'toggleSort'
  | 'toggleHiddenBytes'
  | 'togglePackages'
  | 'toggleSecrets'
  | 'toggleConfig'
  | 'toggleHelp'
  | 'closeHelp'
  | 'back'
  | 'quit'
  | 'filterApply'
  | 'filterCancel'
  | 'filterErase'
  | 'filterClear'
  | 'filterHistoryPrev'
  | 'filterHistoryNext'
  | 'choose'
  | 'search'
  | 'toggleHex'
  | 'toggleMask'
  | 'followLink'
  | 'diff'
  | 'toggleDifferences'
  | 'openA'
  | 'openB'
  | 'compare'
  | 'view'
  | 'yankPath'
  | 'yankCommand'
  | 'extract'
  | 'toggleAttributes'
  | 'toggleWideLayers'
  | 'toggleWarnings'
  | 'explainHidden';

/** Where a binding applies. `browser` holds what every browser pane shares; `layers`, `files`,
 *  `details` and `hiddenBytes` are its panes; `prompt` is the filter prompt (it takes typed text);
 *  `help` the help overlay; the others are screens of their own. */
export type KeyContext =
  | 'browser'
  | 'layers'
  | 'files'
  | 'details'
  | 'hiddenBytes'
  | 'lists'
  | 'prompt'
  | 'help'
  | 'compare'
  | 'picker'
  | 'build'
  | 'viewer';

export const KEY_CONTEXTS: readonly KeyContext[] = [
  'browser',
  'layers',
  'files',
  'details',
  'hiddenBytes',
  'lists',
  'prompt',
  'help',
  'compare',
  'picker',
  'build',
  'viewer',
];

/** The contexts whose rows a context inherits (a pane inherits the browser's). */
export const CONTEXT_PARENT: Partial<Record<KeyContext, KeyContext>> = {
  layers: 'browser',
  files: 'browser',
  details: 'browser',
  hiddenBytes: 'browser',
  lists: 'browser',
};

/** Section titles (help overlay, README). */
export const CONTEXT_TITLES: Record<KeyContext, string> = {
  browser: 'Browser (every pane)',
  layers: 'Layers pane',
  files: 'Files pane',
  details: 'Details pane',
  hiddenBytes: 'Hidden bytes',
  lists: 'Packages, Secrets and Config panes',
  prompt: 'At the filter prompt (/)',
  help: 'In this help',
  compare: 'Compare (layerscope compare, or a comparison from the stage picker)',
  picker: 'Stage picker (layerscope build)',
  build: 'While stages build',
  viewer: 'File viewer',
};

export interface KeyBinding {
  /** Key names as keyName() produces them: a printed character, or up/down/left/right, pgup,
   *  pgdn, home, end, enter, space, tab, shift-tab, esc, backspace, ctrl-c. The first is the one
   *  hints show. */
  key: readonly string[];
  action: Command;
  /** What the key does, for the help overlay and the README. */
  help: string;
  /** A word or two for hint lines (status bar, compare and picker lines). */
  short?: string;
  /** Shown in the screen's hint line: `true` when there is room, `'always'` at its end. */
  onScreen?: boolean | 'always';
  context: KeyContext;
}

/** The whole table: what a configuration file overrides. */
export type Keymap = readonly KeyBinding[];

const MOVES = (context: KeyContext, what: string): KeyBinding[] => [
  { key: ['up', 'k'], action: 'up', help: `${what} up`, short: 'move', context },
  { key: ['down', 'j'], action: 'down', help: `${what} down`, short: 'move', context },
  { key: ['pgdn'], action: 'pageDown', help: 'page down', short: 'page', context },
  { key: ['pgup'], action: 'pageUp', help: 'page up', short: 'page', context },
  { key: ['g', 'home'], action: 'top', help: 'go to the first row', short: 'first/last', context },
  { key: ['G', 'end'], action: 'bottom', help: 'go to the last row', short: 'first/last', context },
];

export const KEYMAP: Keymap = [
  ...MOVES('browser', 'move'),
  {
    key: ['w'],
    action: 'toggleHiddenBytes',
    help: 'hidden bytes: largest first, Enter jumps to it',
    short: 'hidden bytes',
    onScreen: true,
    context: 'browser',
  },
  {
    key: ['/', 'ctrl-f'],
    action: 'filter',
    help: 'filter paths as you type: text, /regex/, sizes (>1MB); ↑ at the prompt: earlier filters',
    short: 'filter',
    onScreen: true,
    context: 'browser',
  },
  { key: ['n'], action: 'nextMatch', help: 'next filter match', short: 'next', context: 'browser' },
  { key: ['N'], action: 'prevMatch', help: 'previous filter match', short: 'previous', context: 'browser' },
  { key: ['tab'], action: 'nextPane', help: 'next pane', short: 'pane', onScreen: true, context: 'browser' },
  { key: ['shift-tab'], action: 'prevPane', help: 'previous pane', short: 'pane', context: 'browser' },
  {
    key: ['space', 'enter'],
    action: 'activate',
    help: 'expand/collapse a directory; in Layers: go to its files',
    short: 'open',
    onScreen: true,
    context: 'browser',
  },
  {
    key: ['['],
    action: 'prevLayer',
    help: 'select the previous layer (from any pane)',
    short: 'layer',
    onScreen: true,
    context: 'browser',
  },
  { key: [']'], action: 'nextLayer', help: 'select the next layer (from any pane)', short: 'layer', onScreen: true, context: 'browser' },
  {
    key: ['c'],
    action: 'toggleChangesOnly',
    help: "only this layer's changes / the whole filesystem",
    short: 'changes only',
    onScreen: true,
    context: 'browser',
  },
  {
    key: ['z', 'ctrl-space'],
    action: 'toggleExpandAll',
    help: 'collapse every directory (none open: expand every one)',
    short: 'fold all',
    context: 'browser',
  },
  { key: ['a', 'ctrl-a'], action: 'toggleAdded', help: 'show/hide added paths', short: 'show added', context: 'browser' },
  // dive's Ctrl-M is the byte Enter sends (0x0d): no terminal tells them apart, so m only.
  { key: ['m'], action: 'toggleModified', help: 'show/hide modified paths', short: 'show modified', context: 'browser' },
  { key: ['r', 'ctrl-r'], action: 'toggleRemoved', help: 'show/hide removed paths', short: 'show removed', context: 'browser' },
  { key: ['u', 'ctrl-u'], action: 'toggleUnchanged', help: 'show/hide unchanged paths', short: 'show unchanged', context: 'browser' },
  { key: ['s', 'ctrl-o'], action: 'toggleSort', help: 'sort by size / by name', short: 'sort', onScreen: true, context: 'browser' },
  { key: ['y'], action: 'yankPath', help: 'copy the path to the clipboard (OSC 52)', short: 'copy path, cat cmd', context: 'browser' },
  {
    key: ['Y'],
    action: 'yankCommand',
    help: 'copy a command printing this copy: layerscope cat IMAGE PATH --layer N',
    short: 'copy path, cat cmd',
    context: 'browser',
  },
  {
    key: ['x', 'ctrl-e'],
    action: 'extract',
    help: 'extract the path (as it is at the selected layer) into a directory you name',
    short: 'extract',
    context: 'browser',
  },
  {
    key: ['b', 'ctrl-b'],
    action: 'toggleAttributes',
    help: 'file attributes in the tree: permissions, uid:gid (and the time on wide panes)',
    short: 'attributes',
    context: 'browser',
  },
  {
    key: ['f'],
    action: 'toggleWideLayers',
    help: "full commands in Layers: the selected layer's command in full, the size columns folded",
    short: 'full commands',
    context: 'browser',
  },
  {
    key: ['!'],
    action: 'toggleWarnings',
    help: 'warnings about the image (the header counts them)',
    short: 'warnings',
    context: 'browser',
  },
  { key: ['?'], action: 'toggleHelp', help: 'help: every key', short: 'help', onScreen: 'always', context: 'browser' },
  { key: ['esc'], action: 'back', help: 'close Hidden bytes, then clear the filter', short: 'back', context: 'browser' },
  { key: ['q', 'ctrl-c'], action: 'quit', help: 'quit', short: 'quit', onScreen: 'always', context: 'browser' },

  { key: ['down', 'j'], action: 'down', help: 'select the next layer', short: 'layer', context: 'layers' },
  { key: ['up', 'k'], action: 'up', help: 'select the previous layer', short: 'layer', context: 'layers' },
  {
    key: ['space', 'enter'],
    action: 'activate',
    help: 'show the files after this layer',
    short: 'open',
    onScreen: true,
    context: 'layers',
  },

  { key: ['right', 'l'], action: 'expand', help: 'expand a directory (again: go into it)', short: 'expand', context: 'files' },
  {
    key: ['v'],
    action: 'view',
    help: 'view the file: the copy the selected layer stores (or shows), hidden copies too',
    short: 'view',
    onScreen: true,
    context: 'files',
  },
  { key: ['d'], action: 'diff', help: "diff the file with the path's previous stored copy", short: 'diff', context: 'files' },
  { key: ['left', 'h'], action: 'collapse', help: 'collapse a directory, or go to its parent', short: 'collapse', context: 'files' },

  { key: ['down', 'j'], action: 'down', help: 'scroll the details down', short: 'scroll', context: 'details' },
  { key: ['up', 'k'], action: 'up', help: 'scroll the details up', short: 'scroll', context: 'details' },

  {
    key: ['enter', 'space'],
    action: 'activate',
    help: 'show the path in the tree, at the layer that stores its largest copy',
    short: 'show in tree',
    onScreen: true,
    context: 'hiddenBytes',
  },
  {
    key: ['w'],
    action: 'toggleHiddenBytes',
    help: 'back to the file tree',
    short: 'back to files',
    onScreen: true,
    context: 'hiddenBytes',
  },
  {
    key: ['v'],
    action: 'view',
    help: 'view its largest hidden copy (Enter keeps jumping to the tree)',
    short: 'view',
    onScreen: true,
    context: 'hiddenBytes',
  },
  { key: ['d'], action: 'diff', help: 'diff its largest hidden copy with the copy before it', short: 'diff', context: 'hiddenBytes' },
  {
    key: ['e'],
    action: 'explainHidden',
    help: "what hidden bytes are, and how dive's efficiency differs",
    short: 'explain',
    onScreen: true,
    context: 'hiddenBytes',
  },
  { key: ['esc'], action: 'back', help: 'back to the file tree', short: 'back', context: 'hiddenBytes' },

  { key: ['p'], action: 'togglePackages', help: 'packages: who owns the bytes, largest first', short: 'packages', context: 'browser' },
  {
    key: ['t'],
    action: 'toggleSecrets',
    help: 'leaked secrets (keys, tokens) in every layer, hidden copies included',
    short: 'secrets',
    context: 'browser',
  },
  { key: ['i'], action: 'toggleConfig', help: 'image config: ENV, CMD, USER, ports, history…', short: 'config', context: 'browser' },
  {
    key: ['enter', 'space'],
    action: 'activate',
    help: "packages: list the package's files (then: that file in the tree); secrets: show the stored copy",
    short: 'show in tree',
    onScreen: true,
    context: 'lists',
  },
  {
    key: ['esc'],
    action: 'back',
    help: "back to the file tree (from a package's files: to the packages)",
    short: 'back',
    onScreen: true,
    context: 'lists',
  },

  { key: ['enter'], action: 'filterApply', help: 'apply the filter (empty: clear it)', short: 'apply', onScreen: true, context: 'prompt' },
  { key: ['esc'], action: 'filterCancel', help: 'cancel: back to the filter before', short: 'cancel', onScreen: true, context: 'prompt' },
  { key: ['backspace'], action: 'filterErase', help: 'erase a character', short: 'erase', context: 'prompt' },
  { key: ['ctrl-u'], action: 'filterClear', help: 'clear the text', short: 'clear', context: 'prompt' },
  { key: ['up'], action: 'filterHistoryPrev', help: 'the previous filter (history)', short: 'history', onScreen: true, context: 'prompt' },
  { key: ['down'], action: 'filterHistoryNext', help: 'the next filter (history)', short: 'history', context: 'prompt' },
  { key: ['ctrl-c'], action: 'quit', help: 'quit', short: 'quit', context: 'prompt' },

  ...MOVES('help', 'scroll'),
  { key: ['?', 'esc'], action: 'closeHelp', help: 'close the help', short: 'close', onScreen: 'always', context: 'help' },
  { key: ['q', 'ctrl-c'], action: 'quit', help: 'quit', short: 'quit', onScreen: 'always', context: 'help' },

  ...MOVES('compare', 'move'),
  { key: ['right', 'l'], action: 'expand', help: 'expand a directory (again: go into it)', short: 'expand', context: 'compare' },
  { key: ['left', 'h'], action: 'collapse', help: 'collapse a directory, or go to its parent', short: 'collapse', context: 'compare' },
  {
    key: ['enter', 'space'],
    action: 'activate',
    help: 'expand/collapse; a copied file: go to its other end; a file: diff; a group: show its files',
    short: 'open',
    onScreen: true,
    context: 'compare',
  },
  { key: ['tab'], action: 'nextPane', help: 'the left-behind groups / the trees', short: 'groups', onScreen: true, context: 'compare' },
  { key: ['shift-tab'], action: 'prevPane', help: 'the left-behind groups / the trees', short: 'groups', context: 'compare' },
  { key: ['d'], action: 'toggleDifferences', help: 'differences only / every path', short: 'diffs', onScreen: true, context: 'compare' },
  {
    key: ['s'],
    action: 'toggleSort',
    help: 'sort by difference, size on the left, size on the right, name',
    short: 'sort',
    onScreen: true,
    context: 'compare',
  },
  { key: ['/'], action: 'filter', help: 'filter paths (text)', short: 'filter', onScreen: true, context: 'compare' },
  {
    key: ['a'],
    action: 'openA',
    help: 'open the left image in the browser at this path',
    short: 'browse',
    onScreen: true,
    context: 'compare',
  },
  {
    key: ['b'],
    action: 'openB',
    help: 'open the right image in the browser at this path',
    short: 'browse',
    onScreen: true,
    context: 'compare',
  },
  { key: ['?'], action: 'toggleHelp', help: 'show/hide the keys', short: 'help', onScreen: 'always', context: 'compare' },
  { key: ['esc'], action: 'back', help: 'close the keys, clear the filter, else go back', short: 'back', context: 'compare' },
  {
    key: ['q', 'ctrl-c'],
    action: 'quit',
    help: 'go back (to the stage picker), or quit',
    short: 'back',
    onScreen: 'always',
    context: 'compare',
  },

  {
    key: ['enter'],
    action: 'choose',
    help: 'open a stage in the browser, or a comparison',
    short: 'open',
    onScreen: true,
    context: 'picker',
  },
  { key: ['up', 'k'], action: 'up', help: 'move up', short: 'move', onScreen: true, context: 'picker' },
  { key: ['down', 'j'], action: 'down', help: 'move down', short: 'move', onScreen: true, context: 'picker' },
  { key: ['c'], action: 'compare', help: 'compare builder and final side by side', short: 'compare', onScreen: true, context: 'picker' },
  { key: ['q', 'esc', 'ctrl-c'], action: 'quit', help: 'quit', short: 'quit', onScreen: 'always', context: 'picker' },

  { key: ['ctrl-c'], action: 'quit', help: 'stop the build and quit', short: 'stop', onScreen: 'always', context: 'build' },

  { key: ['down', 'j'], action: 'down', help: 'scroll down', short: 'scroll', context: 'viewer' },
  { key: ['up', 'k'], action: 'up', help: 'scroll up', short: 'scroll', context: 'viewer' },
  { key: ['pgdn', 'space'], action: 'pageDown', help: 'page down', short: 'page', context: 'viewer' },
  { key: ['pgup'], action: 'pageUp', help: 'page up', short: 'page', context: 'viewer' },
  { key: ['g', 'home'], action: 'top', help: 'go to the start', short: 'start/end', context: 'viewer' },
  { key: ['G', 'end'], action: 'bottom', help: 'go to the end', short: 'start/end', context: 'viewer' },
  { key: ['/'], action: 'search', help: 'search the file: text, or /regex/', short: 'search', onScreen: true, context: 'viewer' },
  { key: ['n'], action: 'nextMatch', help: 'next match', short: 'next', context: 'viewer' },
  { key: ['N'], action: 'prevMatch', help: 'previous match', short: 'previous', context: 'viewer' },
  { key: ['x'], action: 'toggleHex', help: 'hex / text', short: 'hex', onScreen: true, context: 'viewer' },
  {
    key: ['U'],
    action: 'toggleMask',
    help: 'a copy that holds a secret opens masked: show (or mask again) its values',
    short: 'unmask',
    context: 'viewer',
  },
  {
    key: ['f'],
    action: 'followLink',
    help: 'follow a symbolic link to its target',
    short: 'follow link',
    onScreen: true,
    context: 'viewer',
  },
  { key: ['d'], action: 'diff', help: 'diff with the copy in the previous layer', short: 'diff', onScreen: true, context: 'viewer' },
  { key: ['esc'], action: 'back', help: 'back to the browser', short: 'back', onScreen: 'always', context: 'viewer' },
  { key: ['q', 'ctrl-c'], action: 'quit', help: 'quit', short: 'quit', onScreen: 'always', context: 'viewer' },
];

const LABELS: Record<string, string> = {
  down: '↓',
  up: '↑',
  left: '←',
  right: '→',
  pgdn: 'PgDn',
  pgup: 'PgUp',
  home: 'Home',
  end: 'End',
  enter: 'Enter',
  space: 'Space',
  tab: 'Tab',
  'shift-tab': 'Shift-Tab',
  esc: 'Esc',
  backspace: 'Backspace',
  'ctrl-c': 'Ctrl-C',
  'ctrl-space': 'Ctrl-Space',
  ...Object.fromEntries([...'abdefgklnoprstuvwxyz'].map((c) => [`ctrl-${c}`, `Ctrl-${c.toUpperCase()}`])),
};

/** Every key name a binding may use besides single printable characters. */
export const NAMED_KEYS: readonly string[] = Object.keys(LABELS);

/** How a key is written on screen (help overlay, status bar). */
export function keyLabel(name: string): string {
  return LABELS[name] ?? name;
}

/** Ink's key event as one key name; undefined for keys no binding can name. */
export function keyName(input: string, key: Partial<Key>): string | undefined {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageDown) return 'pgdn';
  if (key.pageUp) return 'pgup';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.escape) return 'esc';
  if (key.ctrl) return input === ' ' ? 'ctrl-space' : input.length === 1 ? `ctrl-${input.toLowerCase()}` : undefined;
  // Raw characters, as they come when several keys arrive in one read.
  if (input === ' ') return 'space';
  if (input === '\r' || input === '\n') return 'enter';
  if (input === '\t') return 'tab';
  if (input === '\u007F' || input === '\b') return 'backspace';
  if (input === '\u001B') return 'esc';
  if (input === '\u0003') return 'ctrl-c';
  return input.length === 1 ? input : undefined;
}

/** The rows in effect in `context`: the parent's, each replaced in place by the context's row
 *  for the same action, after the context's rows for actions of its own. */
export function rowsOf(context: KeyContext, keymap: Keymap = KEYMAP): KeyBinding[] {
  const own = keymap.filter((r) => r.context === context);
  const parent = CONTEXT_PARENT[context];
  if (!parent) return own;
  const inherited = rowsOf(parent, keymap);
  const byAction = new Map(own.map((r) => [r.action, r]));
  const added = own.filter((r) => !inherited.some((p) => p.action === r.action));
  return [...added, ...inherited.map((p) => byAction.get(p.action) ?? p)];
}

/** Key conflicts in the table: a key that means two actions in one context. */
export function keyConflicts(keymap: Keymap): string[] {
  const out: string[] = [];
  for (const context of KEY_CONTEXTS) {
    const seen = new Map<string, Command>();
    for (const row of rowsOf(context, keymap)) {
      for (const k of row.key) {
        const before = seen.get(k);
        if (before !== undefined && before !== row.action) {
          out.push(`key ${keyLabel(k)} is bound to both ${before} and ${row.action} in the ${CONTEXT_TITLES[context]} context`);
        }
        seen.set(k, row.action);
      }
    }
  }
  return out;
}

/** The keys a configuration file may give: `action` (every context that binds it) or
 *  `context.action` (that context only). */
export type KeyOverrides = Partial<Record<Command | `${KeyContext}.${Command}`, readonly string[]>>;

export class KeymapError extends Error {
  override name = 'KeymapError';
}

/** `keymap` with the keys of some actions replaced. Throws KeymapError, saying what and where,
 *  for an unknown action or context, an unknown key name, an action with no key, or a key that
 *  would mean two actions in one context. */
export function withOverrides(keymap: Keymap, overrides: KeyOverrides): Keymap {
  const actions = new Set(keymap.map((r) => r.action));
  const entries = Object.entries(overrides) as Array<[string, readonly string[]]>;
  for (const [name, keys] of entries) {
    const [context, action] = name.includes('.') ? (name.split('.', 2) as [string, string]) : [undefined, name];
    if (!actions.has(action as Command)) throw new KeymapError(`keys: unknown action ${name}`);
    if (context !== undefined && !keymap.some((r) => r.context === context && r.action === action)) {
      throw new KeymapError(`keys: ${name}: no ${action} in the ${context} context`);
    }
    if (!Array.isArray(keys) || keys.length === 0) throw new KeymapError(`keys: ${name}: give at least one key`);
    for (const k of keys) {
      if (typeof k !== 'string' || (k.length !== 1 && !NAMED_KEYS.includes(k))) {
        throw new KeymapError(`keys: ${name}: unknown key ${JSON.stringify(k)} (a single character, or one of ${NAMED_KEYS.join(', ')})`);
      }
    }
  }
  const next = keymap.map((row) => {
    const keys = overrides[`${row.context}.${row.action}`] ?? overrides[row.action];
    return keys ? { ...row, key: [...keys] } : row;
  });
  const conflicts = keyConflicts(next);
  if (conflicts.length > 0) throw new KeymapError(`keys: ${conflicts[0]}`);
  return next;
}

/** The key map in effect: the built-in table, or one a configuration gave (setKeymap). */
let active: Keymap = KEYMAP;
let lookup = buildLookup(active);

function buildLookup(keymap: Keymap): Map<string, Command> {
  const map = new Map<string, Command>();
  for (const context of KEY_CONTEXTS) {
    for (const row of rowsOf(context, keymap))
      for (const k of row.key) if (!map.has(`${context}:${k}`)) map.set(`${context}:${k}`, row.action);
  }
  return map;
}

export function activeKeymap(): Keymap {
  return active;
}

/** Makes `keymap` (e.g. withOverrides of the built-in one) the one keys are looked up in. */
export function setKeymap(keymap: Keymap): void {
  active = keymap;
  lookup = buildLookup(keymap);
}

export function commandFor(name: string, context: KeyContext): Command | undefined {
  return lookup.get(`${context}:${name}`);
}

/** One hint: keys as shown (`[ ]`, `Esc q`) and the short label. */
export interface Hint {
  actions: Command[];
  keys: string;
  label: string;
  always: boolean;
}

/** The hint line of a context, from its on-screen rows in table order; rows next to each other
 *  with the same label share one hint (`[ ] layer`). `all`: every row, with all its keys. */
export function hintsOf(context: KeyContext, options: { all?: boolean; keymap?: Keymap } = {}): Hint[] {
  const rows = rowsOf(context, options.keymap ?? active).filter((r) => options.all || r.onScreen);
  const hints: Hint[] = [];
  for (const row of rows) {
    const label = row.short ?? row.help;
    const keys = options.all ? row.key.map(keyLabel).join('/') : keyLabel(row.key[0]!);
    const last = hints[hints.length - 1];
    if (last && last.label === label && last.always === (row.onScreen === 'always')) {
      last.actions.push(row.action);
      last.keys += ` ${keys}`;
    } else {
      hints.push({ actions: [row.action], keys, label, always: row.onScreen === 'always' });
    }
  }
  return hints;
}

/** The keys of `action` in `context`, as shown: `? or Esc`, `↑↓`. */
export function keysFor(context: KeyContext, action: Command, join = ' or '): string {
  const row = rowsOf(context, active).find((r) => r.action === action);
  return row ? row.key.map(keyLabel).join(join) : '';
}

/** The first key of `action` in `context`, as shown (`/`, `Esc`); '' when it has none. */
export function primaryKey(context: KeyContext, action: Command): string {
  const row = rowsOf(context, active).find((r) => r.action === action);
  return row ? keyLabel(row.key[0]!) : '';
}

/** A one-line hint text: `↑ move · Tab pane · ? help`. */
export function hintText(context: KeyContext, options: { all?: boolean; separator?: string } = {}): string {
  return hintsOf(context, options)
    .map((h) => `${h.keys} ${h.label}`)
    .join(options.separator ?? ' · ');
}
