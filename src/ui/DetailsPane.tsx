// Details of the selected layer, path or hidden copy. Scrollable (focus it with Tab, then ↑/↓).
import type React from 'react';
import { Box } from 'ink';
import type { PaneBox } from './layout.js';
import type { UiModel } from './model.js';
import type { UiState } from './state.js';
import { detailLines, detailTitle } from './details.js';
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
  const max = Math.max(0, lines.length - box.bodyRows);
  const scroll = Math.min(state.detailsScroll, max);
  const window = lines.slice(scroll, scroll + box.bodyRows);
  const info = lines.length > box.bodyRows ? `${scroll + 1}–${scroll + window.length} of ${lines.length}` : '';
  return (
    <Pane title={detailTitle(model, state)} info={info} focused={focused} box={box}>
      <Box flexDirection="column">
        {window.map((line, i) => (
          <StyledLine key={scroll + i} line={fitLine(line, box.innerWidth)} />
        ))}
      </Box>
    </Pane>
  );
}
