// One line of styled segments, drawn with the theme. Never wraps: callers fit it to the width.
import React from 'react';
import { Text } from 'ink';
import { theme, type Style } from './theme.js';
import type { Line } from './text.js';

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
              {seg.text}
            </Text>
          ))}
    </Text>
  );
}
