// The overlay over the panes: every key (generated from the key map that handles input), the
// image's warnings, or what hidden bytes mean. Scrolls like any list; nothing is cut, long lines wrap.
import type React from 'react';
import { Box } from 'ink';
import { overlayLines } from './help.js';
import { keysFor, primaryKey } from './keymap.js';
import type { PaneBox } from './layout.js';
import { listWindow } from './list.js';
import type { UiModel } from './model.js';
import type { OverlayTopic } from './shell.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { fitLine } from './text.js';

export interface HelpOverlayProps {
  box: PaneBox;
  scroll: number;
  model: UiModel;
  topic?: OverlayTopic | undefined;
}

export function overlayTitle(model: UiModel, topic: OverlayTopic): string {
  const close = keysFor('help', 'closeHelp');
  if (topic === 'warnings') return `Warnings (${model.analysis.warnings.length}) · ${close} to close`;
  if (topic === 'hiddenBytes') return `What the numbers mean · ${close} to close`;
  return `Help · ${close} to close`;
}

export function HelpOverlay({ box, scroll, model, topic = 'keys' }: HelpOverlayProps): React.JSX.Element {
  const lines = overlayLines(model, topic, box.innerWidth);
  const rows = box.bodyRows;
  const window = listWindow(scroll, rows, lines.length);
  const info = window.label && `${window.label} · ${primaryKey('help', 'up')}${primaryKey('help', 'down')} scroll`;
  return (
    <Pane title={overlayTitle(model, topic)} info={info} focused={true} box={box}>
      <Box flexDirection="column">
        {lines.slice(window.from, window.to).map((line, i) => (
          <StyledLine key={window.from + i} line={fitLine(line, box.innerWidth)} />
        ))}
      </Box>
    </Pane>
  );
}
