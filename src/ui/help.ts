// The help overlay's text and the README's key table, generated from the key map (the same
// table that handles input).
import { activeKeymap, CONTEXT_TITLES, KEY_CONTEXTS, keyLabel, type KeyBinding, type KeyContext, type Keymap } from './keymap.js';
import { PANES } from './panes/index.js';
import type { Line } from './text.js';
import { cell, wrap } from './text.js';
import type { UiModel } from './model.js';
import type { OverlayTopic } from './shell.js';
import { warningText } from '../core/warnings.js';

/** The contexts the browser's help overlay explains, in order: what every pane shares, each
 *  registered pane's (src/ui/panes/index.tsx), the filter prompt, the help itself. */
export const BROWSER_HELP_CONTEXTS: readonly KeyContext[] = [
  ...new Set<KeyContext>(['browser', ...PANES.map((p) => p.context), 'prompt', 'help']),
];

const keysText = (row: KeyBinding) => row.key.map(keyLabel).join(' ');

/** The contexts of the key card (the first screen of the help): the browser and its panes.
 *  The prompt and the help itself show their keys on screen. */
const CARD_CONTEXTS: readonly KeyContext[] = [...new Set<KeyContext>(['browser', ...PANES.map((p) => p.context)])];
const CARD_COLUMN = 26;
const CARD_TITLES: Partial<Record<KeyContext, string>> = { browser: 'Browser', lists: 'Packages, Secrets, Config' };

/** One card entry: a context's own rows next to each other with the same short label, merged. */
function cardEntries(context: KeyContext, keymap: Keymap): Array<{ keys: string; label: string }> {
  const out: Array<{ keys: string; label: string }> = [];
  for (const row of keymap.filter((r) => r.context === context)) {
    const label = row.short ?? row.help;
    const keys = row.key.map(keyLabel).join(' ');
    const last = out[out.length - 1];
    if (last && last.label === label) last.keys += ` ${keys}`;
    else out.push({ keys, label });
  }
  return out;
}

/** Every key of the browser and its panes with its short label, in as many columns of
 *  CARD_COLUMN as fit `width`: at 80×24 it fits the screen. An entry too long for its column
 *  wraps to the next line (nothing is cut). */
export function keyCard(width: number, keymap: Keymap = activeKeymap()): Line[] {
  const cells: Line[] = [];
  for (const context of CARD_CONTEXTS) {
    const entries = cardEntries(context, keymap);
    if (entries.length === 0) continue;
    if (cells.length > 0) cells.push([]);
    cells.push([{ text: CARD_TITLES[context] ?? CONTEXT_TITLES[context], tone: 'title' }]);
    for (const e of entries) {
      const text = `${e.keys} ${e.label}`;
      const parts = wrap(text, CARD_COLUMN - 1, 2);
      parts.forEach((part, i) => {
        const keys = i === 0 ? part.slice(0, e.keys.length) : '';
        cells.push([{ text: keys, tone: 'accent' }, { text: part.slice(keys.length) }]);
      });
    }
  }
  const columns = Math.max(1, Math.floor(width / CARD_COLUMN));
  const height = Math.ceil(cells.length / columns);
  const lines: Line[] = [];
  for (let r = 0; r < height; r++) {
    const line: Line = [];
    for (let c = 0; c < columns; c++) {
      const cellLine = cells[c * height + r];
      if (!cellLine) continue;
      const used = cellLine.reduce((n, seg) => n + seg.text.length, 0);
      line.push(...cellLine);
      if (c < columns - 1) line.push({ text: ' '.repeat(Math.max(1, CARD_COLUMN - used)) });
    }
    lines.push(line);
  }
  return lines;
}

/** What the markers, sizes and hidden bytes mean (the help's end, and the hidden-bytes pane's
 *  explain key). */
export function definitionLines(width: number): Line[] {
  const out: Line[] = [];
  const para = (title: string, body: string) => {
    out.push([{ text: title, tone: 'title' }]);
    for (const part of wrap(body, width, 0)) out.push([{ text: part }]);
    out.push([]);
  };
  para('Hidden bytes', HIDDEN_BYTES_MEANING);
  para(
    "dive's efficiency",
    "dive's metric, kept so .dive-ci rules give dive's verdict: over every path, the bytes of its smallest copy divided by the bytes of all its copies. " +
      'It is not 100% minus the hidden share: dive misses what it cannot see (opaque directories, for one) and counts a kept copy as wasted, so an image can hide bytes and still score 100%.',
  );
  para('Markers', '+ added  ~ modified  - removed, by the selected layer.');
  para(
    'Sizes',
    "a file shows its bytes; a directory the file bytes below it, or in changes-only mode the bytes the selected layer changed below it (the heading says 'changed'). Lx: the layer that added the path.",
  );
  return out;
}

/** The legend of "hidden", shown the first time the hidden column is on screen. */
export const HIDDEN_BYTES_MEANING =
  'bytes a layer stores (and every pull downloads) that no path of the final image can reach: deleted, replaced or overwritten by a later layer.';

export function helpLines(columns: number, keymap: Keymap = activeKeymap()): Line[] {
  const width = Math.max(20, columns - 4);
  const rows = keymap.filter((r) => BROWSER_HELP_CONTEXTS.includes(r.context));
  const keyWidth = Math.min(16, Math.max(...rows.map((row) => keysText(row).length)) + 2);
  const lines: Line[] = [...keyCard(columns - 2, keymap), [], [{ text: 'Every key in full', tone: 'title' }]];
  for (const context of BROWSER_HELP_CONTEXTS) {
    const own = rows.filter((r) => r.context === context);
    if (own.length === 0) continue;
    lines.push([]);
    lines.push([{ text: CONTEXT_TITLES[context], tone: 'title' }]);
    for (const row of own) {
      const keys = keysText(row);
      const help = wrap(row.help, Math.max(10, width - keyWidth - 2), 0);
      if (keys.length > keyWidth - 2) lines.push([{ text: `  ${keys}`, tone: 'accent' }]);
      for (const [i, part] of help.entries()) {
        lines.push([{ text: `  ${cell(i === 0 && keys.length <= keyWidth - 2 ? keys : '', keyWidth)}`, tone: 'accent' }, { text: part }]);
      }
    }
  }
  lines.push([]);
  lines.push(...definitionLines(width));
  return lines;
}

/** The overlay's lines for a topic. */
export function overlayLines(model: UiModel, topic: OverlayTopic, columns: number): Line[] {
  const width = Math.max(20, columns);
  if (topic === 'keys') return helpLines(columns + 2);
  if (topic === 'hiddenBytes') return definitionLines(width);
  const warnings = model.analysis.warnings;
  if (warnings.length === 0) return [[{ text: 'No warnings: the image was read without surprises.', tone: 'dim' }]];
  const lines: Line[] = [];
  // The image's own first (which image of an archive, its metadata), then each layer's in order.
  const image = warnings.filter((w) => w.layer === undefined);
  const layers = warnings.filter((w) => w.layer !== undefined).sort((x, y) => x.layer! - y.layer!);
  for (const [title, group] of [
    ['The image', image],
    ['Its layers', layers],
  ] as const) {
    if (group.length === 0) continue;
    if (lines.length > 0) lines.push([]);
    lines.push([{ text: `${title} (${group.length})`, tone: 'title' }]);
    for (const warning of group) {
      for (const [i, part] of wrap(warningText(warning), width, 2).entries())
        lines.push([{ text: part, tone: i === 0 ? 'warning' : 'plain' }]);
    }
  }
  return lines;
}

export const README_KEYS_START = '<!-- keys:start -->';
export const README_KEYS_END = '<!-- keys:end -->';

/** The README's key tables (Markdown), one per context, from the table. */
export function keyTableMarkdown(keymap: Keymap = activeKeymap()): string {
  const out: string[] = ['<!-- Generated from src/ui/keymap.ts by `npm run docs:keys`; edit the key map, not this table. -->'];
  for (const context of KEY_CONTEXTS) {
    const own = keymap.filter((r) => r.context === context);
    if (own.length === 0) continue;
    out.push('', `**${CONTEXT_TITLES[context]}**`, '', '| keys | what |', '| --- | --- |');
    for (const row of own) out.push(`| ${row.key.map((k) => mdCell(keyLabel(k))).join(' ')} | ${mdCell(row.help)} |`);
  }
  return out.join('\n');
}

function mdCell(text: string): string {
  const escaped = text.replace(/\|/g, '\\|');
  return /[`[\]*_<>]/.test(escaped) ? `\`${escaped.replace(/`/g, "'")}\`` : escaped;
}

/** `readme` with the text between the key markers replaced by the generated tables. */
export function withKeyTable(readme: string, keymap: Keymap = activeKeymap()): string {
  const start = readme.indexOf(README_KEYS_START);
  const end = readme.indexOf(README_KEYS_END);
  if (start < 0 || end < start) throw new Error(`README: no ${README_KEYS_START} … ${README_KEYS_END} block`);
  return `${readme.slice(0, start + README_KEYS_START.length)}\n${keyTableMarkdown(keymap)}\n${readme.slice(end)}`;
}
