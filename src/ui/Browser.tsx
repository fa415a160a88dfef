// The main screen: layers on top, the file tree (or hidden bytes) and details below, a status
// line at the bottom. State lives in one reducer; keys reach it through the key map.
import type React from 'react';
import { useEffect, useMemo, useReducer } from 'react';
import { Box, Text, useApp, type Key } from 'ink';
import type { Analysis } from '../core/analysis.js';
import { createModel } from './model.js';
import { createReducer, initialState, isList, revealPath } from './state.js';
import { helpBox, layoutFor, MIN_COLUMNS, MIN_ROWS, type TerminalSize } from './layout.js';
import { useKeymap } from './hooks/useKeymap.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { LayersPane } from './LayersPane.js';
import { TreePane } from './TreePane.js';
import { HiddenBytesPane } from './HiddenBytesPane.js';
import { ListPane } from './ListPane.js';
import { DetailsPane } from './DetailsPane.js';
import { HelpOverlay } from './HelpOverlay.js';
import { StatusBar } from './StatusBar.js';
import { theme } from './theme.js';
import { primaryKey } from './keymap.js';

export interface BrowserProps {
  analysis: Analysis;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  size?: TerminalSize;
  /** Keys pressed after the image loaded but before this screen was listening (App keeps them):
   *  taken once, when it starts listening, and handled in order. */
  takeEarlyKeys?: () => Array<[string, Key]>;
  /** Open at this path (the compare browser's "open this side here"). */
  initialPath?: string;
}

export function Browser({ analysis, size: fixedSize, takeEarlyKeys, initialPath }: BrowserProps): React.JSX.Element {
  const model = useMemo(() => createModel(analysis), [analysis]);
  const reducer = useMemo(() => createReducer(model), [model]);
  const terminal = useTerminalSize();
  const size = fixedSize ?? terminal;
  const [state, dispatch] = useReducer(reducer, size, (s: TerminalSize) =>
    initialPath === undefined ? initialState(model, s) : revealPath(model, initialState(model, s), initialPath),
  );
  const { exit } = useApp();
  const handleKey = useKeymap(dispatch);
  // After the key handler above is subscribed (effects run in order): nothing typed is lost.
  useEffect(() => {
    for (const [input, key] of takeEarlyKeys?.() ?? []) handleKey(input, key);
    // Once, at mount.
  }, [takeEarlyKeys, handleKey]);
  useEffect(() => {
    if (size.columns !== state.size.columns || size.rows !== state.size.rows)
      dispatch({ type: 'resize', columns: size.columns, rows: size.rows });
  }, [size.columns, size.rows, state.size.columns, state.size.rows]);
  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);

  const layout = layoutFor(state.size, model.layerCount);
  if (layout.tooSmall) {
    return (
      <Box flexDirection="column" width={layout.size.columns}>
        <Text {...theme.tones.warning} wrap="truncate-end">
          Terminal too small ({layout.size.columns}x{layout.size.rows}); need {MIN_COLUMNS}x{MIN_ROWS}.
        </Text>
        <Text wrap="truncate-end">Enlarge it, or press {primaryKey('browser', 'quit')} to quit.</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={layout.size.columns} height={layout.height}>
      {state.help.open ? (
        <HelpOverlay box={helpBox(layout)} scroll={state.help.scroll} />
      ) : (
        <>
          <LayersPane
            model={model}
            selected={state.layers.cursor}
            scroll={state.layers.scroll}
            focused={state.focus === 'layers'}
            box={layout.layers}
          />
          <Box flexDirection="row" height={layout.main.height}>
            {state.mainView === 'tree' ? (
              <TreePane model={model} state={state} focused={state.focus === 'main'} box={layout.main} />
            ) : isList(state.mainView) ? (
              <ListPane
                model={model}
                view={state.mainView}
                cursor={state.list.cursor}
                scroll={state.list.scroll}
                focused={state.focus === 'main'}
                layout={layout}
              />
            ) : (
              <HiddenBytesPane
                model={model}
                cursor={state.hiddenBytes.cursor}
                scroll={state.hiddenBytes.scroll}
                focused={state.focus === 'main'}
                layout={layout}
              />
            )}
            <DetailsPane model={model} state={state} focused={state.focus === 'details'} box={layout.details} />
          </Box>
        </>
      )}
      <StatusBar model={model} state={state} width={layout.size.columns} />
    </Box>
  );
}
