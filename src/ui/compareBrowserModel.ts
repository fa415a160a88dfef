// The side-by-side compare browser without rendering: the two merged trees aligned by path (A
// left, B right, see core/compareTree.ts), flattened into rows by what is expanded, the sort,
// the filter and "differences only"; the groups of what A left behind above them; and a reducer
// over the compare key map. Everything the screen draws is computed here, so tests read it
// without Ink.
import type { Comparison, DirGroup } from '../core/compare.js';
import type { CompareNode, CompareStatus, CompareTree } from '../core/compareTree.js';
import { displayPath, type ImagePath } from '../core/model.js';
import { bytes } from '../report/format.js';
import { reductionLine, signedPercent } from '../report/stages.js';
import { commandFor, type Command } from './keymap.js';
import type { TerminalSize } from './layout.js';
import { scrollToShow } from './list.js';
import { cell, plural, type Line } from './text.js';
import type { Tone } from './theme.js';

export type CompareSort = 'name' | 'sizeA' | 'sizeB' | 'difference';
export const COMPARE_SORTS: readonly CompareSort[] = ['difference', 'sizeA', 'sizeB', 'name'];

export type CompareFocus = 'groups' | 'tree';

/** What the screen asks its owner to do (open a side in the main browser, show a diff). */
export type CompareRequest = { kind: 'open'; side: 'a' | 'b'; path: ImagePath } | { kind: 'diff'; a?: ImagePath; b?: ImagePath };

export interface CompareBrowserState {
  size: TerminalSize;
  focus: CompareFocus;
  expanded: ReadonlySet<ImagePath>;
  sort: CompareSort;
  differencesOnly: boolean;
  filter: string;
  /** The filter being typed (undefined: not at the prompt). */
  prompt: string | undefined;
  cursor: number;
  scroll: number;
  groupCursor: number;
  help: boolean;
  message: string;
  request: CompareRequest | undefined;
  quit: boolean;
}

export type CompareBrowserAction =
  | { type: Command }
  /** A key press as read: the key map decides what it does, in the context the state is in
   *  (the compare screen, or typing at the filter prompt). */
  | { type: 'key'; name: string | undefined; text: string }
  | { type: 'resize'; columns: number; rows: number }
  | { type: 'type'; text: string }
  | { type: 'requestDone' }
  | { type: 'reveal'; path: ImagePath };

export interface CompareData {
  comparison: Comparison;
  tree: CompareTree;
  /** Whether the owner can show a diff (otherwise Enter on a changed file says so). */
  canDiff?: boolean;
}

export const STATUS_WORDS: Record<CompareStatus, string> = {
  onlyA: 'left behind',
  onlyB: 'new',
  identical: 'identical',
  changed: 'changed',
  copied: 'copied',
};

const STATUS_MARK: Record<CompareStatus, string> = { onlyA: '−', onlyB: '+', identical: '=', changed: '≠', copied: '→' };
const STATUS_TONE: Record<CompareStatus, Tone> = {
  onlyA: 'removed',
  onlyB: 'added',
  identical: 'dim',
  changed: 'modified',
  copied: 'accent',
};

/** `builder`/`final`, or a tag: never a long path repeated on every line. */
export function shortLabel(label: string): string {
  let s = label.replace(/^[a-z-]+:\/\//, '');
  if (s.includes('/') && (s.endsWith('.tar') || s.startsWith('/') || s.startsWith('.'))) s = s.slice(s.lastIndexOf('/') + 1);
  s = s.replace(/\.tar$/, '');
  if (s.length > 24) s = `…${s.slice(-23)}`;
  return s;
}

/** Both sides' short labels; a prefix both share up to a separator is dropped
 *  (`multistage-builder` / `multistage-final` → `builder` / `final`, `app:build` / `app:run` → `build` / `run`). */
export function sideLabels(c: Comparison): { a: string; b: string } {
  const a = shortLabel(c.a.label);
  const b = shortLabel(c.b.label);
  let cut = 0;
  for (let i = 0; i < Math.min(a.length, b.length) && a[i] === b[i]; i++) if ('-_:/.'.includes(a[i]!)) cut = i + 1;
  return cut > 0 && cut < a.length && cut < b.length ? { a: a.slice(cut), b: b.slice(cut) } : { a, b };
}

export function initialCompareBrowserState(data: CompareData, size: TerminalSize): CompareBrowserState {
  return settle(data, {
    size,
    focus: 'tree',
    expanded: new Set(['']),
    sort: 'difference',
    differencesOnly: false,
    filter: '',
    prompt: undefined,
    cursor: 0,
    scroll: 0,
    groupCursor: 0,
    help: false,
    message: '',
    request: undefined,
    quit: false,
  });
}

function sortKey(sort: CompareSort): ((x: CompareNode, y: CompareNode) => number) | undefined {
  switch (sort) {
    case 'sizeA':
      return (x, y) => y.sumA - x.sumA;
    case 'sizeB':
      return (x, y) => y.sumB - x.sumB;
    case 'difference':
      return (x, y) => Math.abs(y.sumA - y.sumB) - Math.abs(x.sumA - x.sumB) || y.differences - x.differences;
    default:
      return undefined;
  }
}

const isDirNode = (n: CompareNode) => n.children.length > 0 || n.a?.type === 'dir' || n.b?.type === 'dir';

/** Paths the filter matches, with their ancestors (shown and opened while the filter is on). */
function filterSet(tree: CompareTree, filter: string): Set<ImagePath> | undefined {
  if (filter === '') return undefined;
  const needle = filter.toLowerCase();
  const keep = new Set<ImagePath>(['']);
  for (const [path] of tree.byPath) {
    if (path === '' || !path.toLowerCase().includes(needle)) continue;
    for (let p = path; !keep.has(p); p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') keep.add(p);
  }
  return keep;
}

const rowCache = new WeakMap<CompareTree, Map<string, CompareNode[]>>();

/** The rows on screen, in order (memoised on everything they depend on). */
export function visibleRows(data: CompareData, s: CompareBrowserState): CompareNode[] {
  let byKey = rowCache.get(data.tree);
  if (!byKey) {
    byKey = new Map();
    rowCache.set(data.tree, byKey);
  }
  const key = `${s.sort}\0${s.differencesOnly}\0${s.filter}\0${[...s.expanded].sort().join('\0')}`;
  const known = byKey.get(key);
  if (known) return known;
  const keep = filterSet(data.tree, s.filter);
  const order = sortKey(s.sort);
  const out: CompareNode[] = [];
  const visit = (n: CompareNode) => {
    const kids = order ? [...n.children].sort((x, y) => order(x, y) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)) : n.children;
    for (const c of kids) {
      if (s.differencesOnly && c.status === 'identical') continue;
      if (keep && !keep.has(c.path)) continue;
      out.push(c);
      if (isDirNode(c) && (keep !== undefined || s.expanded.has(c.path))) visit(c);
    }
  };
  visit(data.tree.root);
  if (byKey.size > 16) byKey.clear();
  byKey.set(key, out);
  return out;
}

export interface CompareScreenLayout {
  columns: number;
  rows: number;
  tooSmall: boolean;
  /** Group rows shown under the summary. */
  groupRows: number;
  /** Tree rows. */
  treeRows: number;
  /** Width of each side's column (the status mark sits between them). */
  side: number;
}

export const COMPARE_MIN = { columns: 40, rows: 12 } as const;

export function compareScreenLayout(data: CompareData, size: TerminalSize): CompareScreenLayout {
  const columns = Math.max(1, size.columns);
  const rows = Math.max(1, size.rows);
  const groups = data.comparison.onlyInA.groups.length;
  // Summary (2), groups title (1) + rows, column header (1), details (1), hint line (1).
  const groupRows = Math.min(groups, Math.max(0, Math.floor((rows - 12) / 3)), 6);
  const treeRows = Math.max(1, rows - 6 - groupRows);
  return {
    columns,
    rows,
    tooSmall: columns < COMPARE_MIN.columns || rows < COMPARE_MIN.rows,
    groupRows,
    treeRows,
    side: Math.floor((columns - 3) / 2),
  };
}

function settle(data: CompareData, s: CompareBrowserState): CompareBrowserState {
  const rows = visibleRows(data, s);
  const layout = compareScreenLayout(data, s.size);
  const cursor = Math.max(0, Math.min(s.cursor, rows.length - 1));
  const groups = data.comparison.onlyInA.groups.length;
  const groupCursor = Math.max(0, Math.min(s.groupCursor, groups - 1));
  return { ...s, cursor, groupCursor, scroll: scrollToShow(s.scroll, cursor, layout.treeRows, rows.length) };
}

/** Opens every ancestor of `path` and puts the cursor on it (clearing filters that hide it). */
function reveal(data: CompareData, s: CompareBrowserState, path: ImagePath, message = ''): CompareBrowserState {
  const node = data.tree.byPath.get(path);
  if (!node) return { ...s, message: `${displayPath(path)} is on neither side` };
  const expanded = new Set(s.expanded);
  for (let p = path; p !== ''; ) {
    p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
    expanded.add(p);
  }
  let next: CompareBrowserState = { ...s, expanded, focus: 'tree' };
  if (next.differencesOnly && node.status === 'identical') next = { ...next, differencesOnly: false };
  if (next.filter !== '' && !filterSet(data.tree, next.filter)!.has(path)) next = { ...next, filter: '' };
  const rows = visibleRows(data, next);
  const at = rows.indexOf(node);
  return settle(data, { ...next, cursor: at < 0 ? next.cursor : at, message });
}

export function compareBrowserReducer(data: CompareData): (s: CompareBrowserState, a: CompareBrowserAction) => CompareBrowserState {
  const reduce = (s: CompareBrowserState, action: CompareBrowserAction): CompareBrowserState => {
    if (action.type === 'key') {
      const command = action.name === undefined ? undefined : commandFor(action.name, s.prompt !== undefined ? 'prompt' : 'compare');
      if (command) return reduce(s, { type: command });
      return s.prompt !== undefined && action.text !== '' ? reduce(s, { type: 'type', text: action.text }) : s;
    }
    const rows = visibleRows(data, s);
    const node = rows[s.cursor];
    const layout = compareScreenLayout(data, s.size);
    const groups = data.comparison.onlyInA.groups;
    const moveTo = (to: number): CompareBrowserState =>
      s.focus === 'groups' ? settle(data, { ...s, groupCursor: to, message: '' }) : settle(data, { ...s, cursor: to, message: '' });
    const at = s.focus === 'groups' ? s.groupCursor : s.cursor;
    const page = s.focus === 'groups' ? Math.max(1, layout.groupRows) : layout.treeRows;
    const total = s.focus === 'groups' ? groups.length : rows.length;
    switch (action.type) {
      case 'resize':
        return settle(data, { ...s, size: { columns: action.columns, rows: action.rows } });
      case 'requestDone':
        return { ...s, request: undefined };
      case 'reveal':
        return reveal(data, s, action.path);
      case 'type':
        return s.prompt === undefined ? s : { ...s, prompt: s.prompt + action.text };
      case 'filter':
        return { ...s, prompt: s.filter };
      case 'filterErase':
        return s.prompt === undefined ? s : { ...s, prompt: s.prompt.slice(0, -1) };
      case 'filterClear':
        return s.prompt === undefined ? s : { ...s, prompt: '' };
      case 'filterCancel':
        return { ...s, prompt: undefined };
      case 'filterApply': {
        const filter = s.prompt ?? s.filter;
        const next = settle(data, { ...s, prompt: undefined, filter, cursor: 0, scroll: 0, focus: 'tree' });
        const n = visibleRows(data, next).filter((r) => !isDirNode(r)).length;
        return {
          ...next,
          message: filter === '' ? 'filter cleared' : n === 0 ? `no path matches “${filter}”` : `${plural(n, 'file')} match`,
        };
      }
      case 'down':
        return moveTo(at + 1);
      case 'up':
        return moveTo(at - 1);
      case 'pageDown':
        return moveTo(at + page);
      case 'pageUp':
        return moveTo(at - page);
      case 'top':
        return moveTo(0);
      case 'bottom':
        return moveTo(total - 1);
      case 'nextPane':
      case 'prevPane':
        if (groups.length === 0 || layout.groupRows === 0) return s;
        return { ...s, focus: s.focus === 'tree' ? 'groups' : 'tree', message: '' };
      case 'expand':
        if (s.focus !== 'tree' || !node || !isDirNode(node)) return s;
        if (!s.expanded.has(node.path)) return settle(data, { ...s, expanded: new Set([...s.expanded, node.path]) });
        return rows[s.cursor + 1]?.depth === node.depth + 1 ? moveTo(s.cursor + 1) : s;
      case 'collapse': {
        if (s.focus !== 'tree' || !node) return s;
        if (isDirNode(node) && s.expanded.has(node.path) && s.filter === '') {
          const expanded = new Set(s.expanded);
          expanded.delete(node.path);
          return settle(data, { ...s, expanded });
        }
        const parent = node.path.includes('/') ? node.path.slice(0, node.path.lastIndexOf('/')) : '';
        const i = rows.findIndex((r) => r.path === parent);
        return i < 0 ? s : moveTo(i);
      }
      case 'activate':
      case 'choose':
        return activate(data, s, node);
      case 'toggleSort': {
        const sort = COMPARE_SORTS[(COMPARE_SORTS.indexOf(s.sort) + 1) % COMPARE_SORTS.length]!;
        return keepCursor(data, s, { ...s, sort, message: `sorted by ${SORT_WORDS[sort]}` });
      }
      case 'toggleDifferences':
        return keepCursor(data, s, {
          ...s,
          differencesOnly: !s.differencesOnly,
          message: s.differencesOnly ? 'every path' : 'differences only',
        });
      case 'openA':
      case 'openB': {
        const side = action.type === 'openA' ? 'a' : 'b';
        const path = s.focus === 'groups' ? groups[s.groupCursor]?.path.slice(1) : node?.path;
        if (path === undefined) return s;
        const there = data.tree.byPath.get(path)?.[side];
        if (!there) return { ...s, message: `${displayPath(path)} is not in ${sideLabels(data.comparison)[side]}` };
        return { ...s, request: { kind: 'open', side, path } };
      }
      case 'toggleHelp':
        return { ...s, help: !s.help };
      case 'closeHelp':
        return { ...s, help: false };
      case 'back':
        if (s.help) return { ...s, help: false };
        if (s.filter !== '') return settle(data, { ...s, filter: '', message: 'filter cleared' });
        return { ...s, quit: true };
      case 'quit':
        return { ...s, quit: true };
      default:
        return s;
    }
  };
  return reduce;
}

export const SORT_WORDS: Record<CompareSort, string> = {
  name: 'name',
  sizeA: 'size on the left',
  sizeB: 'size on the right',
  difference: 'difference',
};

/** Applies a change that reorders rows, keeping the cursor on the same path when it stays visible. */
function keepCursor(data: CompareData, before: CompareBrowserState, after: CompareBrowserState): CompareBrowserState {
  const path = visibleRows(data, before)[before.cursor]?.path;
  const rows = visibleRows(data, after);
  const at = path === undefined ? -1 : rows.findIndex((r) => r.path === path);
  return settle(data, { ...after, cursor: Math.max(0, at) });
}

function activate(data: CompareData, s: CompareBrowserState, node: CompareNode | undefined): CompareBrowserState {
  if (s.focus === 'groups') {
    const group = data.comparison.onlyInA.groups[s.groupCursor];
    if (!group) return s;
    const path = group.path.slice(1);
    const next = reveal(data, s, path, `${group.path}: ${plural(group.files, 'file')} left behind (${group.category})`);
    return settle(data, { ...next, expanded: new Set([...next.expanded, path]) });
  }
  if (!node) return s;
  if (isDirNode(node)) {
    const expanded = new Set(s.expanded);
    if (expanded.has(node.path)) expanded.delete(node.path);
    else expanded.add(node.path);
    return settle(data, { ...s, expanded });
  }
  // A copy: go to the other end of it.
  if (node.copiedFrom !== undefined && node.copiedFrom !== node.path)
    return reveal(data, s, node.copiedFrom, `copied from ${displayPath(node.copiedFrom)} (${sideLabels(data.comparison).a})`);
  if (node.copiedTo && !node.copiedTo.includes(node.path))
    return reveal(data, s, node.copiedTo[0]!, `copied to ${node.copiedTo.map(displayPath).join(', ')} (${sideLabels(data.comparison).b})`);
  return openDiff(data, s, node);
}

/** The hook for the file diff: asks the owner to show A's and B's versions of the file. */
function openDiff(data: CompareData, s: CompareBrowserState, node: CompareNode): CompareBrowserState {
  if (!data.canDiff) return { ...s, message: `${displayPath(node.path)}: ${STATUS_WORDS[node.status]} (no diff viewer here)` };
  return {
    ...s,
    request: {
      kind: 'diff',
      ...(node.a ? { a: node.copiedFrom ?? node.path } : {}),
      ...(node.b ? { b: node.path } : {}),
    },
  };
}

// --- what the screen shows ---

export function summaryLines(c: Comparison): Line[] {
  const { a, b } = sideLabels(c);
  const line1: Line = [
    { text: reductionLine({ ...c, a: { ...c.a, label: a }, b: { ...c.b, label: b } }), tone: 'accent' },
    { text: `   copied ${plural(c.copiedSummary.files, 'file')}, ${bytes(c.copiedSummary.bytes)}`, tone: 'dim' },
  ];
  const t = c.toolchainInB;
  const line2: Line = [
    // What the final stage should not carry comes first: it is what to act on.
    ...(t ? [{ text: `${b} carries ${t.title} — ${bytes(t.bytes)} — ${t.fix} · `, tone: 'warning' as const }] : []),
    { text: `shared base ${bytes(c.sharedBase.bytes)}, ${plural(c.sharedBase.layers, 'layer')}`, tone: 'dim' },
    {
      text: ` · own layers: ${a} ${bytes(c.unique.a.bytes)}/${c.unique.a.layers} → ${b} ${bytes(c.unique.b.bytes)}/${c.unique.b.layers}, `,
    },
    { text: signedPercent(c.userReduction.ratio), tone: c.userReduction.ratio >= 0 ? 'added' : 'removed' },
  ];
  return [line1, line2];
}

export function groupsTitle(c: Comparison): string {
  const t = c.onlyInA.toolchain;
  return `left behind in ${sideLabels(c).a}: ${plural(c.onlyInA.files, 'file')}, ${bytes(c.onlyInA.bytes)}${t ? ` · ${t.title} ${bytes(t.bytes)}` : ''}`;
}

export function groupLine(g: DirGroup, width: number): Line {
  return [
    { text: bytes(g.bytes).padStart(9), tone: 'hidden' },
    { text: `  ${g.category.padEnd(10)}`, tone: g.category === 'other' ? 'dim' : 'warning' },
    { text: ` ${g.path}` },
    { text: `  ${plural(g.files, 'file')}`, tone: 'dim' },
  ].slice(0, width > 0 ? 4 : 0) as Line;
}

/** The two columns' header: each side's label and its sum. */
export function headerLine(data: CompareData, s: CompareBrowserState, side: number): Line {
  const c = data.comparison;
  const mark = (k: CompareSort) => (s.sort === k ? ' ▼' : '');
  const { a, b } = sideLabels(c);
  const left = cell(`${a} ${bytes(c.a.visibleBytes)}${mark('sizeA')}`, side);
  const right = cell(`${b} ${bytes(c.b.visibleBytes)}${mark('sizeB')}`, side);
  return [
    { text: left, tone: 'title' },
    { text: s.sort === 'difference' ? ' Δ ' : '   ', tone: 'title' },
    { text: right, tone: 'title' },
  ];
}

const SIZE_WIDTH = 8;

/** One aligned row: A's name and size, the status mark, B's name and size. The path's name shows
 *  on every row (on the side that has it, on both when both do). */
export function treeLine(node: CompareNode, expanded: boolean, side: number): Line {
  const dir = isDirNode(node);
  const indent = ' '.repeat(Math.min(node.depth - 1, Math.floor(side / 3)));
  const icon = dir ? (expanded ? '▾ ' : '▸ ') : '  ';
  const nameWidth = Math.max(1, side - SIZE_WIDTH - 1);
  const half = (present: boolean, sum: number): string =>
    present
      ? cell(indent + icon + node.name + (node.b?.type === 'symlink' && present ? ' →' : ''), nameWidth) +
        ' ' +
        cell(bytes(sum), SIZE_WIDTH, 'right')
      : ' '.repeat(side);
  const tone = STATUS_TONE[node.status];
  return [
    { text: half(node.a !== undefined || (dir && node.sumA > 0), node.sumA), tone: node.a ? 'plain' : 'dim' },
    { text: ` ${STATUS_MARK[node.status]} `, tone },
    { text: half(node.b !== undefined || (dir && node.sumB > 0), node.sumB), tone: node.status === 'identical' ? 'plain' : tone },
  ];
}

/** The details line: the whole path and the story of the row under the cursor. */
export function detailText(data: CompareData, node: CompareNode | undefined): string {
  if (!node) return '';
  const { a, b } = sideLabels(data.comparison);
  const sizes = `${a} ${node.a || node.sumA ? bytes(node.sumA) : '—'} · ${b} ${node.b || node.sumB ? bytes(node.sumB) : '—'}`;
  let story: string = STATUS_WORDS[node.status];
  if (node.copiedFrom !== undefined)
    story = node.copiedFrom === node.path ? `copied from ${a}` : `copied from ${displayPath(node.copiedFrom)}`;
  else if (node.copiedTo) story = `copied to ${node.copiedTo.map(displayPath).join(', ')}`;
  if (isDirNode(node) && node.differences > 0) story += `, ${plural(node.differences, 'difference')} inside`;
  return `${displayPath(node.path)}  ${sizes}  ${story}`;
}
