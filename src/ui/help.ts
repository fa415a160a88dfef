// The help overlay's text and the README's key table, generated from the key map (the same
// table that handles input).
import { activeKeymap, CONTEXT_TITLES, KEY_CONTEXTS, keyLabel, type KeyBinding, type KeyContext, type Keymap } from './keymap.js';
import { PANES } from './panes/index.js';
import type { Line } from './text.js';
import { cell } from './text.js';

/** The contexts the browser's help overlay explains, in order: what every pane shares, each
 *  registered pane's (src/ui/panes/index.tsx), the filter prompt, the help itself. */
export const BROWSER_HELP_CONTEXTS: readonly KeyContext[] = [
  ...new Set<KeyContext>(['browser', ...PANES.map((p) => p.context), 'prompt', 'help']),
];

const keysText = (row: KeyBinding) => row.key.map(keyLabel).join(' ');

export function helpLines(columns: number, keymap: Keymap = activeKeymap()): Line[] {
  const width = Math.max(20, columns - 4);
  const rows = keymap.filter((r) => BROWSER_HELP_CONTEXTS.includes(r.context));
  const keyWidth = Math.max(...rows.map((row) => keysText(row).length)) + 2;
  const lines: Line[] = [];
  for (const context of BROWSER_HELP_CONTEXTS) {
    const own = rows.filter((r) => r.context === context);
    if (own.length === 0) continue;
    if (lines.length > 0) lines.push([]);
    lines.push([{ text: CONTEXT_TITLES[context], tone: 'title' }]);
    for (const row of own) {
      lines.push([
        { text: `  ${cell(keysText(row), keyWidth)}`, tone: 'accent' },
        { text: cell(row.help, Math.max(1, width - keyWidth - 2)) },
      ]);
    }
  }
  lines.push([]);
  lines.push([{ text: 'Markers: + added  ~ modified  - removed (by the selected layer)', tone: 'dim' }]);
  lines.push([{ text: 'Sizes: a directory shows the file bytes below it. Lx: layer that added the path.', tone: 'dim' }]);
  lines.push([{ text: 'Hidden bytes: stored in a layer but unreachable in the final image.', tone: 'dim' }]);
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
