// The whole program on screen: the loading progress, then the browser; a failed load is shown
// as one line and ends the app (run.ts prints it to stderr and exits with code 2).
import React, { useEffect, useRef } from 'react';
import { Text, useApp, useInput } from 'ink';
import { Browser } from './Browser.js';
import { LoadingView } from './LoadingView.js';
import { useLoader, type Loader } from './hooks/useLoader.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { commandFor, keyName } from './keymap.js';
import type { TerminalSize } from './layout.js';
import { theme } from './theme.js';
import { escapeForTerminal } from '../core/paths.js';

export interface AppProps {
  load: Loader;
  /** Called once when loading fails, with the one-line message. */
  onError?: (message: string) => void;
  /** Fixed size (tests); otherwise the terminal's. */
  size?: TerminalSize;
}

export function App({ load, onError, size }: AppProps): React.JSX.Element {
  const state = useLoader(load);
  const terminal = useTerminalSize();
  const { exit } = useApp();
  const loading = useRef(true);
  loading.current = state.phase === 'opening' || state.phase === 'reading';
  // While loading, the key map's quit keys work (the browser handles every key after that). This
  // stays subscribed for the app's life so raw mode is never switched off and on again in between:
  // a Ctrl-C in that gap would arrive as SIGINT.
  useInput((input, key) => {
    if (!loading.current) return;
    const name = keyName(input, key);
    if (name !== undefined && commandFor(name, 'browse') === 'quit') exit();
  });
  useEffect(() => {
    if (state.phase !== 'failed') return;
    onError?.(state.message);
    exit();
  }, [state, onError, exit]);
  if (state.phase === 'ready') return <Browser analysis={state.analysis} {...(size ? { size } : {})} />;
  if (state.phase === 'failed') return <Text {...theme.tones.error}>layerscope: {escapeForTerminal(state.message)}</Text>;
  return <LoadingView state={state} size={size ?? terminal} />;
}
