// The bottom line: the filter prompt while it is open, else the last message, else key hints —
// always pointing at the hidden-bytes list, the shortest way to what an image wastes.
import type React from 'react';
import { bytes } from '../report/format.js';
import type { UiModel } from './model.js';
import type { UiState } from './state.js';
import { StyledLine } from './StyledLine.js';
import { fitLine, lineLength, type Line } from './text.js';

export interface StatusBarProps {
  model: UiModel;
  state: UiState;
  width: number;
}

export function statusLine(model: UiModel, state: UiState, width: number): Line {
  if (state.prompt !== undefined) {
    const line: Line = [
      { text: '/', tone: 'accent' },
      { text: state.prompt },
      { text: '█', tone: 'dim' },
      { text: '  Enter apply · Esc cancel · text or /regex/', tone: 'dim' },
    ];
    if (state.message) line.push({ text: `  ${state.message.text}`, tone: state.message.tone === 'error' ? 'error' : 'label' });
    return line;
  }
  const help: Line = [{ text: '? help  q quit', tone: 'dim' }];
  if (state.message) return [{ text: `${state.message.text}  `, tone: state.message.tone === 'error' ? 'error' : 'label' }, ...help];
  const hidden = model.analysis.account.hiddenBytes;
  // Hints in priority order; as many as fit before "? help  q quit".
  const hints: Line[] =
    state.mainView === 'waste'
      ? [
          [{ text: 'Enter', tone: 'accent' }, { text: ' show in tree  ' }],
          [{ text: 'w', tone: 'accent' }, { text: ' back to files  ' }],
        ]
      : [
          [
            { text: 'w', tone: 'accent' },
            { text: ' hidden bytes ' },
            { text: `(${bytes(hidden)})`, tone: hidden > 0 ? 'hidden' : 'dim' },
            { text: '  ' },
          ],
        ];
  hints.push(
    [{ text: '/', tone: 'accent' }, { text: ' filter  ' }],
    [{ text: 'Tab', tone: 'accent' }, { text: ' pane  ' }],
    [{ text: 'Space', tone: 'accent' }, { text: ' open  ' }],
    [{ text: '[ ]', tone: 'accent' }, { text: ' layer  ' }],
    [{ text: 'c', tone: 'accent' }, { text: ' changes only  ' }],
    [{ text: 's', tone: 'accent' }, { text: ' sort  ' }],
  );
  const out: Line = [];
  let used = lineLength(help);
  for (const hint of hints) {
    const n = lineLength(hint);
    if (used + n > width) break;
    out.push(...hint);
    used += n;
  }
  return [...out, ...help];
}

export function StatusBar({ model, state, width }: StatusBarProps): React.JSX.Element {
  return <StyledLine line={fitLine(statusLine(model, state, width), width)} />;
}
