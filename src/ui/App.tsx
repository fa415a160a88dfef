// The whole program on screen: the loading progress, then the browser; a failed load is shown
// as one line and ends the app (run.ts reports the error as src/app/failure.ts says).
import type React from 'react';
import type { EventEmitter } from 'node:events';
import { useCallback, useEffect, useRef } from 'react';
import { Text, useApp, useInput, type Key } from 'ink';
import { Browser } from './Browser.js';
import type { ContentAccess } from './viewerTarget.js';
import { LoadingView } from './LoadingView.js';
import { useLoader, type Loader } from './hooks/useLoader.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { commandFor, keyName } from './keymap.js';
import { promptOpenAfter } from './keyQueue.js';
import type { TerminalSize } from './layout.js';
import { theme } from './theme.js';
import { escapeForTerminal } from '../core/paths.js';

export interface AppProps {
  load: Loader;
  /** Called once when loading fails, with the error and its one-line message. */
  onError?: (error: unknown, message: string) => void;
  /** Called when Ctrl-C ends the app before the image is loaded (it then exits). */
  onInterrupt?: () => void;
  /** Fixed size (tests); otherwise the terminal's. */
  size?: TerminalSize;
  /** The image's bytes once loaded, for the file viewer. */
  content?: () => ContentAccess | undefined;
  /** Mouse reports for the browser, when the mouse is on. */
  mouse?: EventEmitter | undefined;
  /** The browser's extract (src/app/extract.ts over the open image). */
  extract?: ((path: string, layer: number, dir: string) => Promise<string>) | undefined;
}

export function App({ load, onError, onInterrupt, size, content, mouse, extract }: AppProps): React.JSX.Element {
  const state = useLoader(load);
  const terminal = useTerminalSize();
  const { exit } = useApp();
  const loading = useRef(true);
  loading.current = state.phase === 'opening' || state.phase === 'reading';
  // Every key typed before the browser listens is kept (`early`, null once the browser has taken
  // them) and handled by it in order after its first frame: keys typed while the image loads, and
  // in the instant between the load ending and the browser subscribing its handler. This handler
  // stays subscribed for the app's life so raw mode is never switched off and on again in between:
  // a Ctrl-C in that gap would arrive as SIGINT. While loading, a quit key still quits at once —
  // unless a queued `/` has opened the filter prompt, where it is text (`/tmp` is not "quit").
  const early = useRef<Array<[string, Key]> | null>([]);
  useInput((input, key) => {
    const name = keyName(input, key);
    // Ctrl-C always ends the app, in that instant too (the browser quits on it as well: exit is
    // idempotent); while loading it is an interruption.
    if (name === 'ctrl-c') {
      if (loading.current) onInterrupt?.();
      exit();
      return;
    }
    const queue = early.current;
    if (!queue) return;
    if (loading.current && name !== undefined && !promptOpenAfter(queue) && commandFor(name, 'browser') === 'quit') {
      exit();
      return;
    }
    queue.push([input, { ...key }]);
  });
  const takeEarlyKeys = useCallback(() => {
    const keys = early.current ?? [];
    early.current = null;
    return keys;
  }, []);
  useEffect(() => {
    if (state.phase !== 'failed') return;
    onError?.(state.error, state.message);
    exit();
  }, [state, onError, exit]);
  if (state.phase === 'ready') {
    const bytes = content?.();
    return (
      <Browser
        analysis={state.analysis}
        takeEarlyKeys={takeEarlyKeys}
        mouse={mouse}
        extract={extract}
        {...(size ? { size } : {})}
        {...(bytes ? { content: bytes } : {})}
      />
    );
  }
  if (state.phase === 'failed') return <Text {...theme.tones.error}>layerscope: {escapeForTerminal(state.message)}</Text>;
  return <LoadingView state={state} size={size ?? terminal} />;
}
