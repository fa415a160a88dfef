// While `layerscope compare A B` reads its two images: each side's progress (layers read of
// all, bytes of the stored total) and the layers being read, in the whole height; the compare
// key map's quit keys leave (Ctrl-C is an interruption). Both images load at once.
import type React from 'react';
import { useEffect } from 'react';
import { Box, Text, useInput } from 'ink';
import type { Analysis } from '../core/analysis.js';
import { bytes, percent } from '../report/format.js';
import { useLoader, type LoadState, type Loader } from './hooks/useLoader.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { commandFor, keyName, primaryKey } from './keymap.js';
import type { TerminalSize } from './layout.js';
import { loadingLine } from './LoadingView.js';
import { StyledLine } from './StyledLine.js';
import { theme } from './theme.js';
import { cell, plural } from './text.js';
import { shortLabel } from './compareBrowserModel.js';

export type CompareLoadResult = { kind: 'loaded'; a: Analysis; b: Analysis } | { kind: 'quit' } | { kind: 'failed'; error: unknown };

export interface CompareLoadingProps {
  labels: { a: string; b: string };
  loadA: Loader;
  loadB: Loader;
  onDone: (result: CompareLoadResult) => void;
  size?: TerminalSize;
}

/** One side's progress in one line. */
export function sideProgress(label: string, state: LoadState): string {
  if (state.phase === 'opening') return `${label}: opening…`;
  if (state.phase === 'failed') return `${label}: ${state.message}`;
  if (state.phase === 'ready') return `${label}: read`;
  const done = state.layers.filter((l) => l.done).length;
  const read = state.layers.reduce((n, l) => n + l.read, 0);
  const known = state.layers.every((l) => l.total !== undefined);
  const total = state.layers.reduce((n, l) => n + (l.total ?? 0), 0);
  return `${label}: ${done} of ${plural(state.layers.length, 'layer')} read · ${bytes(read)}${known ? ` of ${bytes(total)} (${percent(total > 0 ? read / total : 1, 0)})` : ''}`;
}

export function CompareLoading({ labels: full, loadA, loadB, onDone, size: fixed }: CompareLoadingProps): React.JSX.Element {
  const labels = { a: shortLabel(full.a), b: shortLabel(full.b) };
  const a = useLoader(loadA);
  const b = useLoader(loadB);
  const terminal = useTerminalSize();
  const size = fixed ?? terminal;
  useInput((input, key) => {
    const name = keyName(input, key);
    if (name !== undefined && name !== 'ctrl-c' && commandFor(name, 'compare') === 'quit') onDone({ kind: 'quit' });
  });
  useEffect(() => {
    if (a.phase === 'failed') onDone({ kind: 'failed', error: a.error });
    else if (b.phase === 'failed') onDone({ kind: 'failed', error: b.error });
    else if (a.phase === 'ready' && b.phase === 'ready') onDone({ kind: 'loaded', a: a.analysis, b: b.analysis });
  }, [a, b, onDone]);
  const width = Math.max(20, size.columns - 2);
  // The layers being read (or next), of both sides, in the rows left.
  const room = Math.max(0, size.rows - 7);
  const rows: Array<{ key: string; side: string; layer: Extract<LoadState, { phase: 'reading' }>['layers'][number] }> = [];
  for (const [side, state] of [
    [labels.a, a],
    [labels.b, b],
  ] as const) {
    if (state.phase !== 'reading') continue;
    for (const l of state.layers) if (!l.done) rows.push({ key: `${side}:${l.index}`, side, layer: l });
  }
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text wrap="truncate-end">
        <Text {...theme.tones.title}>layerscope compare</Text>
        <Text> {cell(`${labels.a} ← → ${labels.b}`, Math.max(10, width - 20)).trimEnd()}</Text>
      </Text>
      <Text> </Text>
      <Text wrap="truncate-end">{sideProgress(labels.a, a)}</Text>
      <Text wrap="truncate-end">{sideProgress(labels.b, b)}</Text>
      <Text> </Text>
      {rows.slice(0, room).map((r) => (
        <StyledLine key={r.key} line={[{ text: `${cell(r.side, 12)} `, tone: 'dim' }, ...loadingLine(r.layer, width - 13)]} />
      ))}
      <Text {...theme.tones.dim}>
        {a.phase === 'ready' && b.phase === 'ready' ? 'Comparing…' : `${primaryKey('compare', 'quit')} quits · Ctrl-C interrupts`}
      </Text>
    </Box>
  );
}
