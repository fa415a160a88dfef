// Every key binding, generated from the key map that handles input. Scrolls like any list.
import type React from 'react';
import { Box } from 'ink';
import { helpLines } from './help.js';
import { keysFor, primaryKey } from './keymap.js';
import type { PaneBox } from './layout.js';
import { listWindow } from './list.js';
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
  const window = listWindow(scroll, rows, lines.length);
  const info = window.label && `${window.label} · ${primaryKey('help', 'up')}${primaryKey('help', 'down')} scroll`;
  return (
    <Pane title={`Help · ${keysFor('help', 'closeHelp')} to close`} info={info} focused={true} box={box}>
      <Box flexDirection="column">
        {lines.slice(window.from, window.to).map((line, i) => (
          <StyledLine key={window.from + i} line={fitLine(line, box.innerWidth)} />
        ))}
      </Box>
    </Pane>
  );
}
