// The compare view's content and state, without rendering: three scrollable lists (what only A
// has; what crossed to B and what only B has; advice for B), a cursor in each, and a reducer
// driven by the key map's compare rows (src/ui/keymap.ts).
import type { AdviceItem } from '../core/advice.js';
import type { Comparison } from '../core/compare.js';
import { bytes, shortCommand } from '../report/format.js';
import { reductionLine, signedPercent } from '../report/stages.js';
import type { Command } from './keymap.js';
import { scrollToShow, type TerminalSize } from './layout.js';
import { plural, type Line } from './text.js';

export type ComparePaneId = 'onlyA' | 'toB' | 'advice';
export const COMPARE_PANES: readonly ComparePaneId[] = ['onlyA', 'toB', 'advice'];

export interface CompareRow {
  line: Line;
  /** The whole story of the row, for the details line (rows are clipped to their pane). */
  detail: string;
  /** Section headings are not selectable content, but the cursor may rest on them. */
  heading?: boolean;
}

export interface CompareContent {
  title: Line;
  summary: Line[];
  panes: Record<ComparePaneId, { title: string; rows: CompareRow[] }>;
}

const heading = (text: string): CompareRow => ({ line: [{ text, tone: 'title' }], detail: text, heading: true });

export function compareContent(c: Comparison, advice: AdviceItem[]): CompareContent {
  const a = c.a.label;
  const b = c.b.label;
  const onlyA: CompareRow[] = c.onlyInA.groups.map((g) => ({
    line: [
      { text: bytes(g.bytes).padStart(9), tone: 'hidden' },
      { text: `  ${plural(g.files, 'file').padStart(11)}  ` },
      { text: g.category.padEnd(13), tone: g.category === 'other' ? 'dim' : 'warning' },
      { text: ` ${g.path}` },
    ],
    detail: `${g.path}: ${plural(g.files, 'file')}, ${bytes(g.bytes)} only in ${a} (${g.category}) — left behind by the multi-stage split`,
  }));
  if (c.onlyInA.files > c.onlyInA.groups.reduce((n, g) => n + g.files, 0)) {
    onlyA.push({
      line: [{ text: '  … smaller directories: see --json', tone: 'dim' }],
      detail: 'More directories: layerscope compare … --json lists them all',
    });
  }
  const toB: CompareRow[] = [
    heading(
      `copied ${a} → ${b}: ${plural(c.copiedSummary.files, 'file')}, ${bytes(c.copiedSummary.bytes)}, ${c.copiedSummary.identical} identical`,
    ),
  ];
  for (const f of c.copied) {
    toB.push({
      line: [
        { text: bytes(f.bytes).padStart(9) },
        { text: `  ${f.status.padEnd(9)} `, tone: f.status === 'identical' ? 'added' : f.status === 'differs' ? 'modified' : 'removed' },
        { text: `${f.source} → ${f.destination}` },
      ],
      detail:
        `${f.source} (${a}) → ${f.destination} (${b}${f.layer !== undefined ? `, layer ${f.layer}` : ''}): ${f.status}` +
        (f.differences ? ` (${f.differences.join(', ')} differ)` : '') +
        (f.instruction ? ` — line ${f.line}: ${f.instruction}` : ' — found by content (equal xxh128 digests)'),
    });
  }
  if (c.copied.length === 0)
    toB.push({
      line: [{ text: '  nothing crossed', tone: 'dim' }],
      detail: 'No file of A is found in B (by COPY --from, or by content digest)',
    });
  toB.push(heading(`only in ${b}: ${plural(c.onlyInB.files, 'file')}, ${bytes(c.onlyInB.bytes)}`));
  for (const g of c.onlyInB.groups) {
    toB.push({
      line: [
        { text: bytes(g.bytes).padStart(9) },
        { text: `  ${plural(g.files, 'file').padStart(11)}  ` },
        { text: g.category.padEnd(13), tone: 'dim' },
        { text: ` ${g.path}` },
      ],
      detail: `${g.path}: ${plural(g.files, 'file')}, ${bytes(g.bytes)} only in ${b} (${g.category})`,
    });
  }
  const adviceRows: CompareRow[] =
    advice.length === 0 ? [{ line: [{ text: '  nothing to flag', tone: 'dim' }], detail: `No leftovers found in ${b}` }] : [];
  for (const item of advice) {
    adviceRows.push({
      line: [
        { text: bytes(item.bytes).padStart(9), tone: 'hidden' },
        { text: `  ${item.title}: ` },
        { text: item.paths.join(', '), tone: 'label' },
      ],
      detail:
        `${item.title} (${plural(item.files, 'file')}, ${bytes(item.bytes)}) — by layer ${item.layer}: ${shortCommand(item.command)}` +
        (item.laterLayer !== undefined ? `; then layer ${item.laterLayer}: ${shortCommand(item.laterCommand ?? '')}` : '') +
        ` — fix: ${item.fix}`,
    });
  }
  return {
    title: [{ text: reductionLine(c), tone: 'accent' }],
    summary: [
      [{ text: `shared base ${bytes(c.sharedBase.bytes)} (${c.sharedBase.layers} layers)`, tone: 'dim' }],
      [
        { text: `own layers: ${a} ${bytes(c.unique.a.bytes)} → ${b} ${bytes(c.unique.b.bytes)}, ` },
        { text: signedPercent(c.userReduction.ratio), tone: c.userReduction.ratio >= 0 ? 'added' : 'removed' },
        { text: `   in both: ${plural(c.inBoth.files, 'file')}, ${bytes(c.inBoth.bytes)}`, tone: 'dim' },
      ],
    ],
    panes: {
      onlyA: { title: `only in ${a}: ${plural(c.onlyInA.files, 'file')}, ${bytes(c.onlyInA.bytes)}`, rows: onlyA },
      toB: { title: `${b}: what crossed, what is new`, rows: toB },
      advice: { title: `advice for ${b}`, rows: adviceRows },
    },
  };
}

export interface CompareLayout {
  size: TerminalSize;
  tooSmall: boolean;
  /** Rows of the summary block (title + summary lines). */
  headerRows: number;
  /** Width and list rows of each pane (inside borders, below the title line). */
  panes: Record<ComparePaneId, { width: number; height: number; bodyRows: number }>;
}

/** `listRows`: rows of the two side-by-side lists (the longer one); the panes take no more
 *  height than that needs, so a small comparison does not fill the screen with empty boxes. */
export function compareLayout(size: TerminalSize, adviceRows: number, listRows = Number.MAX_SAFE_INTEGER): CompareLayout {
  const columns = Math.max(1, size.columns);
  const rows = Math.max(1, size.rows);
  const headerRows = 3;
  // Screen: header, the two side-by-side panes, the advice pane, details line, status line.
  const usable = Math.max(8, rows - 1 - headerRows - 2);
  const adviceHeight = Math.min(Math.max(4, adviceRows + 3), Math.max(4, Math.floor(usable * 0.35)));
  const middle = Math.max(4, Math.min(usable - adviceHeight, listRows + 3));
  const left = Math.floor(columns / 2);
  const box = (width: number, height: number) => ({ width, height, bodyRows: Math.max(1, height - 3) });
  return {
    size: { columns, rows },
    tooSmall: columns < 40 || rows < 14,
    headerRows,
    panes: { onlyA: box(left, middle), toB: box(columns - left, middle), advice: box(columns, adviceHeight) },
  };
}

export function layoutOfContent(content: CompareContent, size: TerminalSize): CompareLayout {
  return compareLayout(size, content.panes.advice.rows.length, Math.max(content.panes.onlyA.rows.length, content.panes.toB.rows.length));
}

export interface CompareState {
  size: TerminalSize;
  focus: ComparePaneId;
  cursor: Record<ComparePaneId, number>;
  scroll: Record<ComparePaneId, number>;
  help: boolean;
  quit: boolean;
}

export type CompareAction = { type: Command } | { type: 'resize'; columns: number; rows: number };

export function initialCompareState(size: TerminalSize): CompareState {
  return {
    size,
    focus: 'onlyA',
    cursor: { onlyA: 0, toB: 0, advice: 0 },
    scroll: { onlyA: 0, toB: 0, advice: 0 },
    help: false,
    quit: false,
  };
}

export function compareReducer(content: CompareContent): (state: CompareState, action: CompareAction) => CompareState {
  return (state, action) => {
    if (action.type === 'resize') return settleCompare(content, { ...state, size: { columns: action.columns, rows: action.rows } });
    const pane = state.focus;
    const total = content.panes[pane].rows.length;
    const page = layoutOfContent(content, state.size).panes[pane].bodyRows;
    const move = (to: number): CompareState =>
      settleCompare(content, { ...state, cursor: { ...state.cursor, [pane]: Math.max(0, Math.min(total - 1, to)) } });
    const at = state.cursor[pane];
    switch (action.type) {
      case 'down':
        return move(at + 1);
      case 'up':
        return move(at - 1);
      case 'pageDown':
        return move(at + page);
      case 'pageUp':
        return move(at - page);
      case 'top':
        return move(0);
      case 'bottom':
        return move(total - 1);
      case 'nextPane':
      case 'expand':
        return { ...state, focus: COMPARE_PANES[(COMPARE_PANES.indexOf(pane) + 1) % COMPARE_PANES.length]! };
      case 'prevPane':
      case 'collapse':
        return { ...state, focus: COMPARE_PANES[(COMPARE_PANES.indexOf(pane) + COMPARE_PANES.length - 1) % COMPARE_PANES.length]! };
      case 'toggleHelp':
        return { ...state, help: !state.help };
      case 'back':
        return state.help ? { ...state, help: false } : { ...state, quit: true };
      case 'quit':
        return { ...state, quit: true };
      default:
        return state;
    }
  };
}

/** Keeps every cursor in range and visible. */
export function settleCompare(content: CompareContent, state: CompareState): CompareState {
  const layout = layoutOfContent(content, state.size);
  const cursor = { ...state.cursor };
  const scroll = { ...state.scroll };
  for (const id of COMPARE_PANES) {
    const total = content.panes[id].rows.length;
    cursor[id] = Math.max(0, Math.min(cursor[id], total - 1));
    scroll[id] = scrollToShow(scroll[id], cursor[id], layout.panes[id].bodyRows, total);
  }
  return { ...state, cursor, scroll };
}
