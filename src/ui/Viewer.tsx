// The file viewer: one stored copy of a file (hidden copies included) as text with line numbers,
// a hex dump, or for a tar its member list; `d` diffs it with the path's previous stored copy.
// Bytes are read in pages as the view needs them (viewerModel.ts), so a 2 GB file opens at
// once. Keys come from the key map's `viewer` context (and `prompt` while searching).
import type React from 'react';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { ContentKind } from '../core/contentKind.js';
import type { LayerEntry } from '../core/model.js';
import { commandFor, hintText, keyName, primaryKey } from './keymap.js';
import type { TerminalSize } from './layout.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { theme } from './theme.js';
import {
  diffRows,
  displayRow,
  findRow,
  HEX_WIDTH,
  hexRow,
  initialViewerState,
  sniff,
  tarListing,
  TextLines,
  viewerReducer,
  type PagedBytes,
  type ViewerMode,
} from './viewerModel.js';
import { escapeForTerminal } from '../core/paths.js';
import { maskSecretLine } from '../core/secrets.js';

/** The copy to show. */
export interface ViewerTarget {
  /** Normalised image path (no leading slash). */
  path: string;
  /** Layer that stores this copy. */
  layer: number;
  entry: LayerEntry;
  /** True when the final image no longer shows this copy. */
  hidden: boolean;
  /** The bytes (regular files and hard links). */
  open?: () => Promise<PagedBytes>;
  /** The path's previous stored copy, for `d` (in a comparison: the other image's copy). */
  previous?: { layer: number; open: () => Promise<PagedBytes>; label?: string; path?: string };
  /** Where this copy is, when "layer N" is not enough (a side of a comparison: "final L3"). */
  label?: string;
  /** The secret scanner's rules this copy matched: it opens masked until the user asks. */
  secrets?: string[];
}

export interface ViewerProps {
  target: ViewerTarget;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  size?: TerminalSize;
  onClose: () => void;
  onQuit: () => void;
  /** `f` on a symlink: open what it points at (undefined: it points at nothing in the image). */
  onFollow?: () => void;
  /** Open straight into the diff with the previous stored copy (`d` in the browser). */
  startWithDiff?: boolean;
}

export function Viewer({ target, size: fixedSize, onClose, onQuit, onFollow, startWithDiff }: ViewerProps): React.JSX.Element {
  const terminal = useTerminalSize();
  const size = fixedSize ?? terminal;
  const bodyRows = Math.max(1, size.rows - 3);
  const [state, dispatch] = useReducer(viewerReducer, initialViewerState('text', bodyRows));
  const [kind, setKind] = useState<ContentKind | undefined>(undefined);
  const [bytes, setBytes] = useState<PagedBytes | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);
  const text = useRef<TextLines | undefined>(undefined);
  const rowsOf = useRef<Partial<Record<ViewerMode, string[]>>>({});
  const [hex, setHex] = useState<{ top: number; data: Buffer } | undefined>(undefined);
  const symlink = target.entry.type === 'symlink';
  const [unmasked, setUnmasked] = useState(false);
  const masked = (target.secrets?.length ?? 0) > 0 && !unmasked;

  useEffect(() => {
    dispatch({ type: 'rows', rows: bodyRows });
  }, [bodyRows]);

  // Open the bytes, sniff the kind, pick the mode.
  useEffect(() => {
    let live = true;
    if (symlink || !target.open) return;
    (async () => {
      const b = await target.open!();
      const sniffed = await sniff(b);
      if (!live) return;
      text.current = new TextLines(b);
      setBytes(b);
      setKind(sniffed.kind);
      if (sniffed.kind.archive) {
        const listing = await tarListing(b, sniffed.kind.archive === 'tar.gz');
        if (!live) return;
        rowsOf.current.listing = listing;
        dispatch({ type: 'mode', mode: 'listing' });
        dispatch({ type: 'total', total: listing.length });
      } else {
        dispatch({ type: 'mode', mode: sniffed.kind.text ? 'text' : 'hex' });
      }
      if (startWithDiff) await openDiffRef.current();
    })().catch((e: unknown) => live && setFailure(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [target, symlink, startWithDiff]);

  // Keep what the view needs read: text lines below the window, the hex window's bytes.
  useEffect(() => {
    let live = true;
    if (!bytes) return;
    if (state.mode === 'text' && text.current) {
      const t = text.current;
      t.ensure(state.top + state.rows + 1)
        .then(() => {
          if (!live) return;
          dispatch({ type: 'total', total: t.lines.length + (t.complete ? 0 : 1) });
          refresh();
        })
        .catch((e: unknown) => live && setFailure(e instanceof Error ? e.message : String(e)));
    } else if (state.mode === 'hex') {
      dispatch({ type: 'total', total: Math.ceil(bytes.size / HEX_WIDTH) });
      bytes
        .read(state.top * HEX_WIDTH, state.rows * HEX_WIDTH)
        .then((data) => live && setHex({ top: state.top, data }))
        .catch((e: unknown) => live && setFailure(e instanceof Error ? e.message : String(e)));
    } else if (rowsOf.current[state.mode]) {
      dispatch({ type: 'total', total: rowsOf.current[state.mode]!.length });
    }
    return () => {
      live = false;
    };
  }, [bytes, state.mode, state.top, state.rows, refresh]);

  const rowsNow = (): readonly string[] => (state.mode === 'text' ? (text.current?.lines ?? []) : (rowsOf.current[state.mode] ?? []));

  const search = async (query: string, from: number, backwards: boolean) => {
    if (state.mode === 'hex') {
      dispatch({ type: 'found', query, row: undefined, message: 'search works in the text, listing and diff views (x: text)' });
      return;
    }
    let row = findRow(rowsNow(), query, from, backwards);
    const t = text.current;
    while (row === undefined && !backwards && state.mode === 'text' && t && !t.complete) {
      await t.more();
      row = findRow(t.lines, query, from, false);
    }
    if (t && state.mode === 'text') dispatch({ type: 'total', total: t.lines.length + (t.complete ? 0 : 1) });
    dispatch({ type: 'found', query, row });
  };

  const openDiff = async () => {
    if (!target.previous || !target.open) {
      dispatch({ type: 'message', text: `no earlier stored copy of /${target.path} to diff with` });
      return;
    }
    dispatch({ type: 'message', text: 'reading both copies…' });
    const rows = await diffRows(
      {
        label: `/${target.previous.path ?? target.path} (${target.previous.label ?? `layer ${target.previous.layer}`})`,
        bytes: await target.previous.open(),
      },
      { label: `/${target.path} (${target.label ?? `layer ${target.layer}`})`, bytes: await target.open() },
    );
    rowsOf.current.diff = rows;
    dispatch({ type: 'mode', mode: 'diff' });
    dispatch({ type: 'total', total: rows.length });
  };

  const openDiffRef = useRef(openDiff);
  openDiffRef.current = openDiff;

  useInput((input, key) => {
    const name = keyName(input, key);
    if (state.prompt !== undefined) {
      const command = name === undefined ? undefined : commandFor(name, 'prompt');
      if (command === 'filterApply') void search(state.prompt, (state.match ?? state.top - 1) + 1, false);
      else if (command === 'filterCancel') dispatch({ type: 'promptCancel' });
      else if (command === 'filterErase') dispatch({ type: 'promptErase' });
      else if (command === 'filterClear') dispatch({ type: 'promptClear' });
      else if (command === 'quit') onQuit();
      else if (!key.ctrl && !key.meta && input.length > 0 && name !== 'enter' && name !== 'tab')
        dispatch({ type: 'promptType', text: input });
      return;
    }
    const command = name === undefined ? undefined : commandFor(name, 'viewer');
    switch (command) {
      case 'down':
        dispatch({ type: 'scroll', delta: 1 });
        return;
      case 'up':
        dispatch({ type: 'scroll', delta: -1 });
        return;
      case 'pageDown':
        dispatch({ type: 'scroll', delta: Math.max(1, state.rows - 1) });
        return;
      case 'pageUp':
        dispatch({ type: 'scroll', delta: -Math.max(1, state.rows - 1) });
        return;
      case 'top':
        dispatch({ type: 'top' });
        return;
      case 'bottom':
        if (state.mode === 'text' && text.current && !text.current.complete) {
          const t = text.current;
          dispatch({ type: 'message', text: 'reading to the end…' });
          void t.ensure(Number.MAX_SAFE_INTEGER).then(() => {
            dispatch({ type: 'total', total: t.lines.length });
            dispatch({ type: 'bottom' });
            if (t.truncated) dispatch({ type: 'message', text: `text shown up to ${t.bytesRead} bytes; x: hex view for the rest` });
          });
        } else dispatch({ type: 'bottom' });
        return;
      case 'search':
        dispatch({ type: 'promptOpen' });
        return;
      case 'nextMatch':
        if (state.query) void search(state.query, (state.match ?? state.top - 1) + 1, false);
        return;
      case 'prevMatch':
        if (state.query) void search(state.query, state.match ?? state.top, true);
        return;
      case 'toggleMask':
        if (!target.secrets?.length) {
          dispatch({ type: 'message', text: 'no secret was found in this copy: nothing is masked' });
          return;
        }
        setUnmasked(!unmasked);
        dispatch({
          type: 'message',
          text: unmasked ? 'secret values masked' : 'showing the secret values: anyone who pulls the image can read them too',
        });
        return;
      case 'toggleHex':
        if (!bytes) return;
        dispatch({ type: 'mode', mode: state.mode === 'hex' ? (kind?.archive ? 'listing' : 'text') : 'hex' });
        return;
      case 'followLink':
        if (symlink) onFollow?.();
        return;
      case 'diff':
        void openDiff().catch((e: unknown) => dispatch({ type: 'message', text: e instanceof Error ? e.message : String(e) }));
        return;
      case 'back':
        if (state.mode === 'diff') dispatch({ type: 'mode', mode: kind?.archive ? 'listing' : kind?.text ? 'text' : 'hex' });
        else onClose();
        return;
      case 'quit':
        onQuit();
        return;
    }
  });

  const width = size.columns;
  const copy = target.hidden ? 'hidden copy' : 'visible copy';
  const what = symlink
    ? 'symlink'
    : `${target.entry.type === 'hardlink' ? 'hard link, ' : ''}${bytes ? `${bytes.size} bytes` : '…'}${kind ? `, ${kind.name}` : ''}`;
  const header = `/${escapeForTerminal(target.path)}  ${target.label ? escapeForTerminal(target.label) : `layer ${target.layer}`} (${copy})  ${what}${state.mode === 'diff' ? '  — diff' : ''}${
    masked ? `  — ${target.secrets!.join(', ')} masked (${primaryKey('viewer', 'toggleMask')}: show)` : ''
  }`;
  const body: React.JSX.Element[] = [];
  if (failure) {
    body.push(
      <Text key="e" {...theme.tones.error} wrap="truncate-end">
        {escapeForTerminal(failure)}
      </Text>,
    );
  } else if (symlink) {
    body.push(
      <Text key="l" wrap="truncate-end">
        symlink → {escapeForTerminal(target.entry.linkTarget ?? '')}
      </Text>,
      <Text key="h" {...theme.tones.dim} wrap="truncate-end">
        {onFollow ? 'f: follow it' : 'it points at nothing in the image at this layer'}
      </Text>,
    );
  } else if (!bytes) {
    body.push(
      <Text key="w" {...theme.tones.dim}>
        reading…
      </Text>,
    );
  } else if (state.mode === 'hex' && masked) {
    body.push(
      <Text key="m" {...theme.tones.dim} wrap="truncate-end">
        the hex view shows every byte: press {primaryKey('viewer', 'toggleMask')} to show the secret, or x for the masked text
      </Text>,
    );
  } else if (state.mode === 'hex') {
    const data = hex?.top === state.top ? hex.data : undefined;
    for (let r = 0; r < state.rows && data; r++) {
      const slice = data.subarray(r * HEX_WIDTH, (r + 1) * HEX_WIDTH);
      if (slice.length === 0) break;
      body.push(
        <Text key={r} wrap="truncate-end">
          {hexRow((state.top + r) * HEX_WIDTH, slice)}
        </Text>,
      );
    }
  } else {
    const rows = rowsNow();
    const numbered = state.mode === 'text';
    const digits = String(Math.max(rows.length, 1)).length;
    for (let r = 0; r < state.rows; r++) {
      const i = state.top + r;
      const row = rows[i];
      if (row === undefined) break;
      const shown = displayRow(masked && state.mode !== 'listing' ? maskSecretLine(row) : row);
      const tone =
        state.match === i
          ? theme.tones.match
          : state.mode === 'diff'
            ? row.startsWith('+')
              ? theme.tones.added
              : row.startsWith('-')
                ? theme.tones.removed
                : row.startsWith('@@')
                  ? theme.tones.accent
                  : theme.tones.plain
            : theme.tones.plain;
      body.push(
        <Text key={i} wrap="truncate-end">
          {/* The match is marked by a symbol too, so it shows without colour. */}
          {numbered ? <Text {...theme.tones.dim}>{`${String(i + 1).padStart(digits)} ${state.match === i ? '▶' : '│'} `}</Text> : null}
          {!numbered && state.match === i ? '› ' : ''}
          <Text {...tone}>{shown}</Text>
        </Text>,
      );
    }
  }
  const footer = state.prompt !== undefined ? `/${escapeForTerminal(state.prompt)}▏` : (state.message ?? hintText('viewer'));
  return (
    <Box flexDirection="column" width={width} height={size.rows}>
      <Text {...theme.tones.title} wrap="truncate-end">
        {header}
      </Text>
      <Box flexDirection="column" height={bodyRows}>
        {body}
      </Box>
      <Text {...theme.tones.dim} wrap="truncate-end">
        {footer}
      </Text>
    </Box>
  );
}
