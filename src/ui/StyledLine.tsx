// One line of styled segments, drawn with the theme. Never wraps: callers fit it to the width.
// Segments are escaped here once more (fitLine and cell already do): nothing drawn can carry a
// control character from an image's names to the terminal.
import type React from 'react';
import { Text } from 'ink';
import { theme, type Style } from './theme.js';
import type { Line } from './text.js';
import { escapeForTerminal } from '../core/paths.js';

export interface StyledLineProps {
  line: Line;
  /** Extra style for the whole line (the cursor row). */
  style?: Style;
}

export function StyledLine({ line, style }: StyledLineProps): React.JSX.Element {
  return (
    <Text wrap="truncate-end" {...style}>
      {line.length === 0
        ? ' '
        : line.map((seg, i) => (
            <Text key={i} {...(seg.tone ? theme.tones[seg.tone] : {})}>
              {escapeForTerminal(seg.text)}
            </Text>
          ))}
    </Text>
  );
}
