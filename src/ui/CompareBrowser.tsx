// Builder vs final side by side: the seeds' summary on top, the groups of what A left behind
// (Enter shows their files), then A's and B's merged trees aligned by path, A left and B right,
// each row with its size on each side and a status mark between; a details line with the whole
// path and story of the row under the cursor; the hint line from the key map. State and rows
// come from compareBrowserModel.ts; this file only draws them and forwards keys.
import type React from 'react';
import { useEffect, useMemo, useReducer } from 'react';
import { Box, Text, useApp, useInput } from 'ink';
import { hintText, keyName, primaryKey } from './keymap.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import type { TerminalSize } from './layout.js';
import { StyledLine } from './StyledLine.js';
import { fitLine, type Line } from './text.js';
import { theme } from './theme.js';
import {
  COMPARE_MIN,
  compareBrowserReducer,
  compareScreenLayout,
  detailText,
  groupLine,
  groupsTitle,
  headerLine,
  initialCompareBrowserState,
  summaryLines,
  treeLine,
  visibleRows,
  type CompareBrowserState,
  type CompareData,
  type CompareRequest,
} from './compareBrowserModel.js';

export interface CompareBrowserProps {
  data: CompareData;
  /** Leaving (q, Esc): default, exit the Ink app. Gets the state, to come back to it later. */
  onDone?: (state: CompareBrowserState) => void;
  /** Open a side in the main browser, or show a diff. Gets the state to come back to. */
  onRequest?: (request: CompareRequest, state: CompareBrowserState) => void;
  /** Where to start (coming back from the main browser). */
  initialState?: CompareBrowserState;
  size?: TerminalSize;
}

export function CompareBrowser({ data, onDone, onRequest, initialState, size: fixedSize }: CompareBrowserProps): React.JSX.Element {
  const reducer = useMemo(() => compareBrowserReducer(data), [data]);
  const terminal = useTerminalSize();
  const size = fixedSize ?? terminal;
  const [state, dispatch] = useReducer(reducer, size, (s: TerminalSize) =>
    initialState ? { ...initialState, size: s, request: undefined, quit: false } : initialCompareBrowserState(data, s),
  );
  const { exit } = useApp();
  useInput((input, key) => {
    if (key.meta && !key.escape && input.length === 1) {
      dispatch({ type: 'key', name: 'esc', text: '' });
      dispatch({ type: 'key', name: keyName(input, { ...key, meta: false }), text: input });
      return;
    }
    const name = keyName(input, key);
    // Keys read together ("j\r" when typed fast) are taken one by one, as the browser does.
    if (name === undefined && !key.ctrl && !key.meta && input.length > 1) {
      for (const ch of input) dispatch({ type: 'key', name: keyName(ch, {}), text: ch });
      return;
    }
    dispatch({ type: 'key', name, text: key.ctrl || key.meta ? '' : input });
  });
  useEffect(() => {
    if (size.columns !== state.size.columns || size.rows !== state.size.rows)
      dispatch({ type: 'resize', columns: size.columns, rows: size.rows });
  }, [size.columns, size.rows, state.size.columns, state.size.rows]);
  useEffect(() => {
    if (state.quit) onDone ? onDone(state) : exit();
  }, [state, onDone, exit]);
  useEffect(() => {
    if (!state.request) return;
    const request = state.request;
    dispatch({ type: 'requestDone' });
    onRequest?.(request, state);
  }, [state, onRequest]);
  return <CompareBrowserScreen data={data} state={state} />;
}

/** The screen for a state: pure rendering, used by CompareBrowser and by tests. */
export function CompareBrowserScreen({ data, state }: { data: CompareData; state: CompareBrowserState }): React.JSX.Element {
  const layout = compareScreenLayout(data, state.size);
  const width = layout.columns;
  if (layout.tooSmall) {
    return (
      <Box flexDirection="column" width={width}>
        <Text {...theme.tones.warning} wrap="truncate-end">
          Terminal too small ({width}x{layout.rows}); need {COMPARE_MIN.columns}x{COMPARE_MIN.rows}.
        </Text>
        <Text wrap="truncate-end">Enlarge it, or press {primaryKey('compare', 'quit')} to go back.</Text>
      </Box>
    );
  }
  const c = data.comparison;
  const rows = visibleRows(data, state);
  const lines: Array<{ line: Line; cursor?: boolean }> = [];
  for (const l of summaryLines(c)) lines.push({ line: l });
  const groups = c.onlyInA.groups;
  const groupFocus = state.focus === 'groups';
  lines.push({
    line: [
      { text: groupsTitle(c), tone: groupFocus ? 'title' : 'label' },
      {
        text: groups.length > 0 ? (groupFocus ? '  (Enter: show the files)' : `  (${primaryKey('compare', 'nextPane')}: choose)`) : '',
        tone: 'dim',
      },
    ],
  });
  const groupFrom = Math.max(0, Math.min(state.groupCursor - layout.groupRows + 1, groups.length - layout.groupRows));
  for (let i = 0; i < layout.groupRows; i++) {
    const g = groups[groupFrom + i];
    const isCursor = groupFocus && groupFrom + i === state.groupCursor;
    lines.push({
      line: g ? [{ text: isCursor ? theme.symbols.cursor : theme.symbols.noCursor }, ...groupLine(g, width)] : [],
      cursor: isCursor,
    });
  }
  lines.push({ line: headerLine(data, state, layout.side) });
  for (let i = 0; i < layout.treeRows; i++) {
    const node = rows[state.scroll + i];
    const isCursor = !groupFocus && state.scroll + i === state.cursor;
    lines.push({
      line: node ? treeLine(node, state.expanded.has(node.path) || state.filter !== '', layout.side) : [],
      cursor: isCursor && !!node,
    });
  }
  const selected = groupFocus ? undefined : rows[state.cursor];
  const detail =
    state.prompt !== undefined
      ? `/${state.prompt}█`
      : state.message !== ''
        ? state.message
        : groupFocus
          ? (groups[state.groupCursor]?.path ?? '')
          : rows.length === 0
            ? state.differencesOnly
              ? 'no differences'
              : 'nothing to show'
            : detailText(data, selected);
  lines.push({ line: [{ text: detail, tone: 'label' }] });
  const flags = `${state.differencesOnly ? '[differences only] ' : ''}${state.filter !== '' ? `[filter: ${state.filter}] ` : ''}`;
  const hints =
    state.prompt !== undefined ? hintText('prompt') : hintText('compare', { separator: '  ', ...(state.help ? { all: true } : {}) });
  lines.push({
    line: [
      { text: flags, tone: 'warning' },
      { text: hints, tone: 'dim' },
    ],
  });
  return (
    <Box flexDirection="column" width={width} height={layout.rows}>
      {lines.map((l, i) => (
        <StyledLine key={i} line={fitLine(l.line, width)} {...(l.cursor ? { style: { inverse: true } } : {})} />
      ))}
    </Box>
  );
}
