// The main screen: layers on top, the file tree (or a pane in its place) and details below, a
// status line at the bottom; each slot draws the registered pane it holds (src/ui/panes/).
// State lives in one reducer; keys reach it through the key map.
import type React from 'react';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Box, Text, useApp, type Key } from 'ink';
import type { Analysis } from '../core/analysis.js';
import { createModel } from './model.js';
import { createReducer, initialState, keyContext, revealPath, layoutOf, type Action } from './state.js';
import { focusedPane, paneIn } from './panes/index.js';
import { commandFor, keyName } from './keymap.js';
import type { StoredCopy } from '../core/contentPath.js';
import { Viewer, type ViewerTarget } from './Viewer.js';
import { copyAt, linkTargetCopy, viewerTarget, type ContentAccess } from './viewerTarget.js';
import { helpBox, MIN_COLUMNS, MIN_ROWS, type TerminalSize } from './layout.js';
import { useKeymap } from './hooks/useKeymap.js';
import { FILTER_DEBOUNCE_MS } from './filterInput.js';
import { screenClipboard, type ClipboardResult } from './clipboard.js';
import { cursorTarget, yankMessage, yankText } from './yank.js';
import { StyledLine } from './StyledLine.js';
import { fitLine } from './text.js';
import { escapeForTerminal } from '../core/paths.js';
import type { EventEmitter } from 'node:events';
import type { MouseEvent } from './mouse.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { HelpOverlay } from './HelpOverlay.js';
import { StatusBar } from './StatusBar.js';
import { Header } from './Header.js';
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
  /** The image's bytes, for the file viewer (`v`); without it the viewer is not offered. */
  content?: ContentAccess;
  /** The build stage this image is (opened from the stage picker or a comparison): the header names it. */
  stage?: string | undefined;
  /** Where `y` and `Y` copy to (tests); otherwise the terminal's clipboard, through OSC 52. */
  clipboard?: (bytes: Uint8Array) => ClipboardResult;
  /** Mouse reports ('mouse' events, src/ui/mouse.ts), when the mouse is on. */
  mouse?: EventEmitter | undefined;
  /** Writes `path` as it is after `layer` under `dir` (src/app/extract.ts); resolves to what to say. */
  extract?: ((path: string, layer: number, dir: string) => Promise<string>) | undefined;
}

const terminalClipboard = screenClipboard();

export function Browser({
  analysis,
  size: fixedSize,
  takeEarlyKeys,
  initialPath,
  content,
  stage,
  clipboard = terminalClipboard,
  mouse,
  extract,
}: BrowserProps): React.JSX.Element {
  const model = useMemo(() => createModel(analysis), [analysis]);
  const reducer = useMemo(() => createReducer(model), [model]);
  const terminal = useTerminalSize();
  const size = fixedSize ?? terminal;
  const [state, dispatch] = useReducer(reducer, size, (s: TerminalSize) =>
    initialPath === undefined ? initialState(model, s) : revealPath(model, initialState(model, s), initialPath),
  );
  const { exit } = useApp();
  // The file viewer, over the browser; Esc comes back to the browser as it was.
  const [viewing, setViewing] = useState<{ target: ViewerTarget; diff: boolean; onFollow?: () => void } | undefined>(undefined);
  const current = useRef(state);
  current.current = state;
  const openViewer = useCallback(
    (diff: boolean) => {
      const s = current.current;
      const tree = model.analysis.tree;
      if (!content) return;
      // What the focused pane points at (the prompt and the help point at nothing).
      const at = s.prompt === undefined && !s.help.open ? focusedPane(s).pointsAt?.(model, s) : undefined;
      const copy = at?.id === undefined ? undefined : copyAt(tree, at.id, at.layer);
      const show = (c: StoredCopy, withDiff: boolean): void => {
        const target = viewerTarget(tree, c, content, model.analysis.secrets);
        if (!target) return;
        const next = c.entry.type === 'symlink' ? linkTargetCopy(tree, c) : undefined;
        setViewing({ target, diff: withDiff, ...(next ? { onFollow: () => show(next, false) } : {}) });
      };
      if (copy) show(copy, diff);
    },
    [model, content],
  );
  // The viewer keys are taken here; every other key goes to the reducer. Keys read together
  // ("jv") are taken one by one, and the state they see is the reducer's own result so far (the
  // reducer is pure), so `v` opens what `j` moved to.
  // The extract prompt: the directory to write into, typed by the user (nothing is written
  // anywhere else). Keys go to it while it is open.
  const [extracting, setExtracting] = useState<{ path: string; layer: number; dir: string } | undefined>(undefined);
  const extractingRef = useRef(extracting);
  extractingRef.current = extracting;
  const extractKey = useCallback(
    (action: Action): boolean => {
      const at = extractingRef.current;
      if (!at || action.type !== 'key') return false;
      const command = action.name === undefined ? undefined : commandFor(action.name, 'prompt');
      const set = (next: typeof at | undefined) => {
        extractingRef.current = next;
        setExtracting(next);
      };
      if (command === 'filterCancel') set(undefined);
      else if (command === 'filterErase') set({ ...at, dir: at.dir.slice(0, -1) });
      else if (command === 'filterClear') set({ ...at, dir: '' });
      else if (command === 'quit') dispatch({ type: 'quit' });
      else if (command === 'filterApply') {
        if (at.dir.trim() === '') return true;
        set(undefined);
        const notify = (text: string, tone: 'info' | 'error') => dispatch({ type: 'notify', text: escapeForTerminal(text), tone });
        notify(`extracting /${at.path} into ${at.dir.trim()}…`, 'info');
        extract!(at.path, at.layer, at.dir.trim()).then(
          (text) => notify(text, 'info'),
          (e: unknown) => notify(e instanceof Error ? e.message : String(e), 'error'),
        );
      } else if (action.text !== '' && !/[\x00-\x1f\x7f]/.test(action.text)) set({ ...at, dir: at.dir + action.text });
      return true;
    },
    [extract],
  );
  const route = useCallback(
    (action: Action) => {
      if (extractKey(action)) return;
      if (action.type === 'key' && action.name === undefined && action.text.length > 1) {
        for (const ch of action.text) route({ type: 'key', name: keyName(ch, {}), text: ch });
        return;
      }
      if (action.type === 'key' && action.name !== undefined) {
        const command = commandFor(action.name, keyContext(current.current));
        if (command === 'view' || command === 'diff') {
          openViewer(command === 'diff');
          return;
        }
        if (command === 'extract') {
          const at = cursorTarget(model, current.current);
          if (!extract || !at) {
            route({ type: 'notify', text: 'nothing to extract here: select a path in Files or Hidden bytes', tone: 'error' });
            return;
          }
          extractingRef.current = { ...at, dir: '' };
          setExtracting(extractingRef.current);
          return;
        }
        if (command === 'yankPath' || command === 'yankCommand') {
          const yank = yankText(model, current.current, command === 'yankPath' ? 'path' : 'command');
          const message = yankMessage(yank, yank ? clipboard(yank.bytes) : undefined);
          route({ type: 'notify', ...message });
          return;
        }
      }
      current.current = reducer(current.current, action);
      dispatch(action);
    },
    [openViewer, reducer, model, clipboard, extract, extractKey],
  );
  const handleKey = useKeymap(route, viewing === undefined);
  // The wheel and clicks, while the browser (not the viewer) is on screen.
  useEffect(() => {
    if (!mouse || viewing !== undefined) return;
    const onMouse = (event: MouseEvent) => route({ type: 'mouse', event });
    mouse.on('mouse', onMouse);
    return () => {
      mouse.off('mouse', onMouse);
    };
  }, [mouse, viewing, route]);
  // The tree follows the filter prompt's text once typing pauses (each key only edits the text).
  useEffect(() => {
    if (state.prompt === undefined) return;
    const timer = setTimeout(() => route({ type: 'filterPreview' }), FILTER_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [state.prompt, route]);
  // The path filter's name index is built once the prompt is on screen, not on the first Enter.
  const filtering = state.prompt !== undefined && state.promptFor === undefined;
  useEffect(() => {
    if (!filtering) return;
    const timer = setTimeout(() => model.view.prepareFilter(), 0);
    return () => clearTimeout(timer);
  }, [filtering, model]);
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

  if (viewing) {
    return (
      <Viewer
        key={`${viewing.target.path}@${viewing.target.layer}`}
        target={viewing.target}
        size={state.size}
        startWithDiff={viewing.diff}
        onClose={() => setViewing(undefined)}
        onQuit={() => exit()}
        {...(viewing.onFollow ? { onFollow: viewing.onFollow } : {})}
      />
    );
  }
  const layout = layoutOf(model, state);
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
      <Header model={model} stage={stage} width={layout.size.columns} />
      {state.help.open ? (
        <HelpOverlay box={helpBox(layout)} scroll={state.help.scroll} model={model} topic={state.help.topic} />
      ) : (
        <>
          {paneIn(state, 'layers').render({ model, state, focused: state.focus === 'layers', layout })}
          <Box flexDirection="row" height={layout.main.height}>
            {paneIn(state, 'main').render({ model, state, focused: state.focus === 'main', layout })}
            {paneIn(state, 'details').render({ model, state, focused: state.focus === 'details', layout })}
          </Box>
        </>
      )}
      {extracting ? (
        <StyledLine
          line={fitLine(
            [
              { text: `extract ${escapeForTerminal(`/${extracting.path}`)} (L${extracting.layer}) into directory: `, tone: 'accent' },
              { text: escapeForTerminal(extracting.dir) },
              { text: '█', tone: 'dim' },
              { text: `  ${primaryKey('prompt', 'filterApply')} extract · ${primaryKey('prompt', 'filterCancel')} cancel`, tone: 'dim' },
            ],
            layout.size.columns,
          )}
        />
      ) : (
        <StatusBar model={model} state={state} width={layout.size.columns} />
      )}
    </Box>
  );
}
