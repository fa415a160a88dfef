// Every key binding, generated from the key map that handles input. Scrolls like any list.
import type React from 'react';
import { Box } from 'ink';
import { helpLines } from './help.js';
import { keysFor, primaryKey } from './keymap.js';
import type { PaneBox } from './layout.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { fitLine } from './text.js';

export interface HelpOverlayProps {
  box: PaneBox;
  scroll: number;
}

export function HelpOverlay({ box, scroll }: HelpOverlayProps): React.JSX.Element {
  const lines = helpLines(box.width);
  const rows = box.bodyRows;
  const max = Math.max(0, lines.length - rows);
  const top = Math.min(scroll, max);
  const info =
    lines.length > rows
      ? `${top + 1}–${Math.min(lines.length, top + rows)} of ${lines.length} · ${primaryKey('help', 'up')}${primaryKey('help', 'down')} scroll`
      : '';
  return (
    <Pane title={`Help · ${keysFor('help', 'closeHelp')} to close`} info={info} focused={true} box={box}>
      <Box flexDirection="column">
        {lines.slice(top, top + rows).map((line, i) => (
          <StyledLine key={top + i} line={fitLine(line, box.innerWidth)} />
        ))}
      </Box>
    </Pane>
  );
}
