// Details of the selected layer, path or hidden copy (the focused pane's spec says which).
// Scrollable (focus it with Tab, then ↑/↓).
import type React from 'react';
import { Box } from 'ink';
import type { PaneBox } from './layout.js';
import { listWindow } from './list.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { fitLine, type Line } from './text.js';

export interface DetailsPaneProps {
  title: string;
  lines: Line[];
  scroll: number;
  focused: boolean;
  box: PaneBox;
}

export function DetailsPane({ title, lines, scroll, focused, box }: DetailsPaneProps): React.JSX.Element {
  const window = listWindow(scroll, box.bodyRows, lines.length);
  return (
    <Pane title={title} info={window.label} focused={focused} box={box}>
      <Box flexDirection="column">
        {lines.slice(window.from, window.to).map((line, i) => (
          <StyledLine key={window.from + i} line={fitLine(line, box.innerWidth)} />
        ))}
      </Box>
    </Pane>
  );
}
