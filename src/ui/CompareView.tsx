// Two images side by side (A = builder, B = final): the headline and shared base on top, what
// only A has on the left, what crossed and what only B has on the right, advice for B below,
// and a details line for the row under the cursor. Keys and hints from the key map's compare rows.
import type React from 'react';
import { useEffect, useMemo, useReducer } from 'react';
import { Box, Text, useApp, useInput } from 'ink';
import type { AdviceItem } from '../core/advice.js';
import type { Comparison } from '../core/compare.js';
import { commandFor, hintsOf, hintText, keyName, primaryKey } from './keymap.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import type { TerminalSize } from './layout.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { fitLine } from './text.js';
import { theme } from './theme.js';
import {
  compareContent,
  layoutOfContent,
  compareReducer,
  initialCompareState,
  settleCompare,
  type ComparePaneId,
  type CompareContent,
  type CompareState,
} from './compareModel.js';

export interface CompareViewProps {
  comparison: Comparison;
  advice: AdviceItem[];
  /** Called when the user leaves (q or Esc); default: exit the Ink app. */
  onDone?: () => void;
  size?: TerminalSize;
}

export function CompareView({ comparison, advice, onDone, size: fixedSize }: CompareViewProps): React.JSX.Element {
  const content = useMemo(() => compareContent(comparison, advice), [comparison, advice]);
  const reducer = useMemo(() => compareReducer(content), [content]);
  const terminal = useTerminalSize();
  const size = fixedSize ?? terminal;
  const [state, dispatch] = useReducer(reducer, size, (s: TerminalSize) => settleCompare(content, initialCompareState(s)));
  const { exit } = useApp();
  useInput((input, key) => {
    const name = keyName(input, key);
    const command = name === undefined ? undefined : commandFor(name, 'compare');
    if (command) dispatch({ type: command });
  });
  useEffect(() => {
    if (size.columns !== state.size.columns || size.rows !== state.size.rows)
      dispatch({ type: 'resize', columns: size.columns, rows: size.rows });
  }, [size.columns, size.rows, state.size.columns, state.size.rows]);
  useEffect(() => {
    if (state.quit) (onDone ?? exit)();
  }, [state.quit, onDone, exit]);
  return <CompareScreen content={content} state={state} />;
}

/** The bottom line, from the key map: every key with `all` (after ?), else the short hints. */
export function compareHints(all: boolean): string {
  return all
    ? hintText('compare', { all: true })
    : hintsOf('compare')
        .map((h) => `${h.keys} ${h.label}`)
        .join('  ');
}

/** The screen for a state: pure rendering, used by CompareView and by tests. */
export function CompareScreen({ content, state }: { content: CompareContent; state: CompareState }): React.JSX.Element {
  const layout = layoutOfContent(content, state.size);
  const width = layout.size.columns;
  if (layout.tooSmall) {
    return (
      <Box flexDirection="column">
        <Text {...theme.tones.warning}>
          Terminal too small ({width}x{layout.size.rows}); need 40x14.
        </Text>
        <Text>Enlarge it, or press {primaryKey('compare', 'quit')} to go back.</Text>
      </Box>
    );
  }
  const selected = content.panes[state.focus].rows[state.cursor[state.focus]];
  const pane = (id: ComparePaneId) => {
    const box = layout.panes[id];
    const { title, rows } = content.panes[id];
    const from = state.scroll[id];
    const shown = rows.slice(from, from + box.bodyRows);
    const inner = Math.max(0, box.width - 2);
    const focused = state.focus === id;
    return (
      <Pane
        key={id}
        title={title}
        info={rows.length > box.bodyRows ? `${state.cursor[id] + 1}/${rows.length}` : ''}
        focused={focused}
        box={{ width: box.width, height: box.height, innerWidth: inner, bodyRows: box.bodyRows }}
      >
        {shown.map((row, i) => {
          const isCursor = focused && from + i === state.cursor[id];
          const marker = isCursor ? theme.symbols.cursor : theme.symbols.noCursor;
          return (
            <StyledLine
              key={from + i}
              line={fitLine([{ text: marker }, ...row.line], inner)}
              {...(isCursor ? { style: { inverse: true } } : {})}
            />
          );
        })}
      </Pane>
    );
  };
  return (
    <Box flexDirection="column" width={width}>
      <StyledLine line={fitLine(content.title, width)} />
      {content.summary.map((line, i) => (
        <StyledLine key={i} line={fitLine(line, width)} />
      ))}
      <Box flexDirection="row">
        {pane('onlyA')}
        {pane('toB')}
      </Box>
      {pane('advice')}
      <StyledLine line={fitLine([{ text: selected?.detail ?? '', tone: 'label' }], width)} />
      <StyledLine line={fitLine([{ text: compareHints(state.help), tone: 'dim' }], width)} />
    </Box>
  );
}
