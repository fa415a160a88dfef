// The bottom line: the filter prompt while it is open, else the last message, else the key map's
// hints for the focused pane — the first pointing at the hidden-bytes list, the shortest way to
// what an image hides.
import type React from 'react';
import { bytes } from '../report/format.js';
import type { UiModel } from './model.js';
import { hintsOf, hintText, primaryKey } from './keymap.js';
import { keyContext, type UiState } from './state.js';
import { StyledLine } from './StyledLine.js';
import { fitLine, lineLength, type Line } from './text.js';

export interface StatusBarProps {
  model: UiModel;
  state: UiState;
  width: number;
}

export function statusLine(model: UiModel, state: UiState, width: number): Line {
  if (state.prompt !== undefined) {
    const line: Line = [{ text: '/', tone: 'accent' }, { text: state.prompt }, { text: '█', tone: 'dim' }];
    // What is wrong with the text so far (typing goes on), else the prompt's keys.
    if (state.filterInput.error) line.push({ text: `  ${state.filterInput.error}`, tone: 'error' });
    else if (state.promptFor === 'packages') line.push({ text: `  ${hintText('prompt')} · part of a package name`, tone: 'dim' });
    else line.push({ text: `  ${hintText('prompt')} · text, /regex/, >1MB`, tone: 'dim' });
    if (state.message) line.push({ text: `  ${state.message.text}`, tone: state.message.tone === 'error' ? 'error' : 'label' });
    return line;
  }
  const context = keyContext(state);
  const all = hintsOf(context);
  const help: Line = [
    {
      text: all
        .filter((h) => h.always)
        .map((h) => `${h.keys} ${h.label}`)
        .join('  '),
      tone: 'dim',
    },
  ];
  if (state.message) return [{ text: `${state.message.text}  `, tone: state.message.tone === 'error' ? 'error' : 'label' }, ...help];
  const hidden = model.analysis.account.hiddenBytes;
  if (state.legend) {
    // The first screen: what the hidden column (and the hidden-bytes key) means.
    const legend: Line = [
      { text: 'hidden', tone: 'hidden' },
      { text: ' = stored in a layer, unreachable in the final image', tone: 'label' },
    ];
    const key: Line = [
      { text: '  ' },
      { text: primaryKey('browser', 'toggleHiddenBytes'), tone: 'accent' },
      { text: ' hidden bytes ' },
      { text: `(${bytes(hidden)})`, tone: 'hidden' },
      { text: '  ' },
    ];
    const withKey = lineLength(legend) + lineLength(key) + lineLength(help) <= width;
    return [...legend, ...(withKey ? key : [{ text: '  ' }]), ...help];
  }
  // Hints in the key map's order; as many as fit before the ones always shown ("? help  q quit").
  const hints: Line[] = all
    .filter((h) => !h.always)
    .map((h) => [
      { text: h.keys, tone: 'accent' },
      { text: ` ${h.label}` },
      ...(h.actions.includes('toggleHiddenBytes') && context !== 'hiddenBytes'
        ? [{ text: ' ' }, { text: `(${bytes(hidden)})`, tone: hidden > 0 ? ('hidden' as const) : ('dim' as const) }]
        : []),
      { text: '  ' },
    ]);
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
