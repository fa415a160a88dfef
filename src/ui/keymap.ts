// Key bindings as data. The same rows decide what a key press does (keyName → commandFor) and
// what the help overlay lists, so the two cannot drift apart. Plain keys only: every command has
// a key without Ctrl (Ctrl-C is just a second way to quit).
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
  | 'toggleAdded'
  | 'toggleModified'
  | 'toggleRemoved'
  | 'toggleUnchanged'
  | 'toggleSort'
  | 'toggleWaste'
  | 'toggleHelp'
  | 'back'
  | 'quit'
  | 'filterApply'
  | 'filterCancel'
  | 'filterErase';

/** Where a binding applies: the normal screen, or the filter prompt (which takes typed text). */
export type KeyContext = 'browse' | 'prompt';

export interface KeyBinding {
  /** Key names as keyName() produces them: a printed character, or up/down/left/right, pgup,
   *  pgdn, home, end, enter, space, tab, shift-tab, esc, backspace, ctrl-c. */
  key: readonly string[];
  action: Command;
  help: string;
  context: KeyContext;
}

export const KEYMAP: readonly KeyBinding[] = [
  { key: ['down', 'j'], action: 'down', help: 'move down (in Layers: select the next layer)', context: 'browse' },
  { key: ['up', 'k'], action: 'up', help: 'move up (in Layers: select the previous layer)', context: 'browse' },
  { key: ['pgdn'], action: 'pageDown', help: 'page down', context: 'browse' },
  { key: ['pgup'], action: 'pageUp', help: 'page up', context: 'browse' },
  { key: ['g', 'home'], action: 'top', help: 'go to the first row', context: 'browse' },
  { key: ['G', 'end'], action: 'bottom', help: 'go to the last row', context: 'browse' },
  { key: ['right', 'l'], action: 'expand', help: 'expand a directory (again: go into it)', context: 'browse' },
  { key: ['left', 'h'], action: 'collapse', help: 'collapse a directory, or go to its parent', context: 'browse' },
  { key: ['space', 'enter'], action: 'activate', help: 'expand/collapse; in Hidden bytes: jump to the path', context: 'browse' },
  { key: ['tab'], action: 'nextPane', help: 'next pane', context: 'browse' },
  { key: ['shift-tab'], action: 'prevPane', help: 'previous pane', context: 'browse' },
  { key: [']'], action: 'nextLayer', help: 'select the next layer (from any pane)', context: 'browse' },
  { key: ['['], action: 'prevLayer', help: 'select the previous layer (from any pane)', context: 'browse' },
  { key: ['w'], action: 'toggleWaste', help: 'hidden bytes: largest first, Enter jumps to it', context: 'browse' },
  { key: ['/'], action: 'filter', help: 'filter paths: text, or /regex/; jumps to the first match', context: 'browse' },
  { key: ['n'], action: 'nextMatch', help: 'next filter match', context: 'browse' },
  { key: ['N'], action: 'prevMatch', help: 'previous filter match', context: 'browse' },
  { key: ['c'], action: 'toggleChangesOnly', help: "only this layer's changes / the whole filesystem", context: 'browse' },
  { key: ['a'], action: 'toggleAdded', help: 'show/hide added paths', context: 'browse' },
  { key: ['m'], action: 'toggleModified', help: 'show/hide modified paths', context: 'browse' },
  { key: ['r'], action: 'toggleRemoved', help: 'show/hide removed paths', context: 'browse' },
  { key: ['u'], action: 'toggleUnchanged', help: 'show/hide unchanged paths', context: 'browse' },
  { key: ['s'], action: 'toggleSort', help: 'sort by size / by name', context: 'browse' },
  { key: ['?'], action: 'toggleHelp', help: 'this help', context: 'browse' },
  { key: ['esc'], action: 'back', help: 'close help or Hidden bytes, then clear the filter', context: 'browse' },
  { key: ['q', 'ctrl-c'], action: 'quit', help: 'quit', context: 'browse' },
  { key: ['enter'], action: 'filterApply', help: 'apply the filter (empty: clear it)', context: 'prompt' },
  { key: ['esc'], action: 'filterCancel', help: 'cancel, keep the previous filter', context: 'prompt' },
  { key: ['backspace'], action: 'filterErase', help: 'erase a character', context: 'prompt' },
  { key: ['ctrl-c'], action: 'quit', help: 'quit', context: 'prompt' },
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
};

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
  if (key.ctrl) return input.length === 1 ? `ctrl-${input.toLowerCase()}` : undefined;
  // Raw characters, as they come when several keys arrive in one read.
  if (input === ' ') return 'space';
  if (input === '\r' || input === '\n') return 'enter';
  if (input === '\t') return 'tab';
  if (input === '\u007F' || input === '\b') return 'backspace';
  if (input === '\u001B') return 'esc';
  if (input === '\u0003') return 'ctrl-c';
  return input.length === 1 ? input : undefined;
}

const lookup = new Map<string, Command>();
for (const row of KEYMAP) for (const k of row.key) if (!lookup.has(`${row.context}:${k}`)) lookup.set(`${row.context}:${k}`, row.action);

export function commandFor(name: string, context: KeyContext): Command | undefined {
  return lookup.get(`${context}:${name}`);
}
