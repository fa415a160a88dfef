// The help overlay's text, generated from the key map (the same table that handles input).
import { KEYMAP, keyLabel, type KeyContext } from './keymap.js';
import type { Line } from './text.js';
import { cell } from './text.js';

const SECTIONS: Array<{ context: KeyContext; title: string }> = [
  { context: 'browse', title: 'Keys' },
  { context: 'prompt', title: 'At the filter prompt (/)' },
];

export function helpLines(columns: number): Line[] {
  const width = Math.max(20, columns - 4);
  const keyWidth = Math.max(...KEYMAP.map((row) => row.key.map(keyLabel).join(' ').length)) + 2;
  const lines: Line[] = [];
  for (const section of SECTIONS) {
    if (lines.length > 0) lines.push([]);
    lines.push([{ text: section.title, tone: 'title' }]);
    for (const row of KEYMAP.filter((r) => r.context === section.context)) {
      lines.push([
        { text: `  ${cell(row.key.map(keyLabel).join(' '), keyWidth)}`, tone: 'accent' },
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
