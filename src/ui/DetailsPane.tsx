// Details of the selected layer, path or hidden copy. Scrollable (focus it with Tab, then ↑/↓).
import type React from 'react';
import { Box } from 'ink';
import type { PaneBox } from './layout.js';
import type { UiModel } from './model.js';
import type { UiState } from './state.js';
import { detailLines, detailTitle } from './details.js';
import { listWindow } from './list.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { fitLine } from './text.js';

export interface DetailsPaneProps {
  model: UiModel;
  state: UiState;
  focused: boolean;
  box: PaneBox;
}

export function DetailsPane({ model, state, focused, box }: DetailsPaneProps): React.JSX.Element {
  const lines = detailLines(model, state, box.innerWidth);
  const window = listWindow(state.details.scroll, box.bodyRows, lines.length);
  const info = window.label;
  return (
    <Pane title={detailTitle(model, state)} info={info} focused={focused} box={box}>
      <Box flexDirection="column">
        {lines.slice(window.from, window.to).map((line, i) => (
          <StyledLine key={window.from + i} line={fitLine(line, box.innerWidth)} />
        ))}
      </Box>
    </Pane>
  );
}
