// A bordered pane with a title line. The focused pane has a heavier border (and a marker in its
// title), so focus is visible without colour.
import type React from 'react';
import { Box, Text } from 'ink';
import { theme } from './theme.js';
import type { PaneBox } from './layout.js';
import { clip } from '../report/format.js';

export interface PaneProps {
  title: string;
  /** Shown at the right end of the title line (position, counts). */
  info?: string;
  focused: boolean;
  box: PaneBox;
  children?: React.ReactNode;
}

function borderColour(focused: boolean): { borderColor?: string } {
  const colour = (focused ? theme.focusBorder : theme.border).color;
  return colour ? { borderColor: colour } : {};
}

export function Pane({ title, info, focused, box, children }: PaneProps): React.JSX.Element {
  const marker = focused ? '▶ ' : '  ';
  const right = info ? clip(info, Math.max(0, box.innerWidth - marker.length - title.length - 2)) : '';
  const gap = Math.max(1, box.innerWidth - marker.length - title.length - right.length);
  return (
    <Box
      flexDirection="column"
      width={box.width}
      height={box.height}
      borderStyle={focused ? theme.focusBorderStyle : theme.borderStyle}
      {...borderColour(focused)}
      overflow="hidden"
    >
      <Text wrap="truncate-end">
        <Text bold={focused} {...(focused ? theme.tones.accent : theme.tones.title)}>
          {clip(marker + title, box.innerWidth)}
        </Text>
        {right ? <Text {...theme.tones.dim}>{' '.repeat(gap) + right}</Text> : null}
      </Text>
      {children}
    </Box>
  );
}
