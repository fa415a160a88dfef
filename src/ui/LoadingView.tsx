// While the image is read: one row per layer (bytes read of the stored size, with a bar), the
// layers being read marked, and the totals.
import type React from 'react';
import { Box, Text } from 'ink';
import { bytes, percent, shortCommand } from '../report/format.js';
import type { LoadState, LayerLoad, PullLine, UnplacedLoad } from './hooks/useLoader.js';
import { StyledLine } from './StyledLine.js';
import { theme } from './theme.js';
import { primaryKey } from './keymap.js';
import { bar, cell, plural, type Line } from './text.js';
import type { TerminalSize } from './layout.js';

export interface LoadingViewProps {
  state: LoadState;
  size: TerminalSize;
}

export function loadingLine(layer: LayerLoad, width: number): Line {
  const barWidth = width >= 100 ? 24 : width >= 70 ? 16 : 8;
  const fraction = layer.done ? 1 : layer.total ? layer.read / layer.total : 0;
  const amount = layer.total !== undefined ? `${bytes(layer.read)} / ${bytes(layer.total)}` : bytes(layer.read);
  const mark = layer.done ? '✓' : layer.started ? theme.symbols.cursor : ' ';
  const fixed = 2 + 5 + barWidth + 2 + 22 + 1;
  return [
    { text: `${mark} `, tone: layer.done ? 'added' : 'accent' },
    { text: cell(`L${layer.index}`, 5), tone: 'label' },
    { text: `${bar(fraction, barWidth, theme.symbols.barFull, theme.symbols.barEmpty)}  `, tone: layer.done ? 'added' : 'accent' },
    { text: `${cell(amount, 22)} `, tone: layer.started && !layer.done ? 'plain' : 'dim' },
    { text: cell(shortCommand(layer.command), Math.max(0, width - fixed)), tone: 'dim' },
  ];
}

/** A save-stream member being read before the stream says which layer it is. */
export function unplacedLine(member: UnplacedLoad, width: number): Line {
  return loadingLine(
    {
      index: -1,
      command: 'which layer: known once read',
      read: member.read,
      ...(member.total !== undefined ? { total: member.total } : {}),
      started: true,
      done: false,
    },
    width,
  ).map((part, i) => (i === 1 ? { ...part, text: cell('L?', 5) } : part));
}

/** Seconds with one decimal: `2.4 s`. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function pullLine(line: PullLine, width: number): Line {
  const barWidth = width >= 70 ? 16 : 8;
  const known = line.total !== undefined && line.total > 0;
  return [
    { text: cell(line.id ?? '', 14), tone: 'label' },
    {
      text:
        (known ? bar((line.current ?? 0) / line.total!, barWidth, theme.symbols.barFull, theme.symbols.barEmpty) : ' '.repeat(barWidth)) +
        '  ',
      tone: 'accent',
    },
    {
      text: cell(
        line.status + (known ? ` ${bytes(line.current ?? 0)} / ${bytes(line.total!)}` : ''),
        Math.max(0, width - 14 - barWidth - 2),
      ),
    },
  ];
}

export function LoadingView({ state, size }: LoadingViewProps): React.JSX.Element {
  const width = Math.max(20, size.columns - 2);
  if (state.phase === 'opening') {
    const pull = state.pull;
    const lines = pull ? pull.lines.slice(-Math.max(1, size.rows - 5)) : [];
    return (
      <Box flexDirection="column" paddingX={1}>
        <Text {...theme.tones.title}>layerscope</Text>
        <Text wrap="truncate-end">
          {pull ? `Pulling ${cell(pull.ref, Math.max(10, width - 10)).trimEnd()} through the engine…` : 'Opening the image…'}
        </Text>
        {lines.map((line, i) => (
          <StyledLine key={line.id ?? `s${i}`} line={pullLine(line, width)} />
        ))}
      </Box>
    );
  }
  if (state.phase !== 'reading') return <Box />;
  const { layers } = state;
  const unplaced = state.unplaced ?? [];
  const done = layers.filter((l) => l.done).length;
  const read = layers.reduce((n, l) => n + l.read, 0) + unplaced.reduce((n, u) => n + u.read, 0);
  const totalKnown = layers.every((l) => l.total !== undefined);
  const total = layers.reduce((n, l) => n + (l.total ?? 0), 0);
  const current = layers.filter((l) => l.started && !l.done);
  // Only the rows that fit; keep the layers being read in view.
  const room = Math.max(1, size.rows - 7 - unplaced.length - (state.waitingMs !== undefined ? 1 : 0));
  const first = Math.max(0, Math.min(layers.length - room, (current[0]?.index ?? layers.findIndex((l) => !l.done)) - 1));
  const shown = layers.slice(Math.max(0, first), Math.max(0, first) + room);
  const all = done === layers.length;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text wrap="truncate-end">
        <Text {...theme.tones.title}>layerscope</Text>
        <Text> reading {cell(state.ref, Math.max(10, width - 20)).trimEnd()}</Text>
      </Text>
      <Text> </Text>
      {state.waitingMs !== undefined ? (
        <Text {...theme.tones.accent} wrap="truncate-end">
          {`Waiting for the engine to export the image… ${seconds(state.waitingMs)}`}
        </Text>
      ) : null}
      {shown.map((layer) => (
        <StyledLine key={layer.index} line={loadingLine(layer, width)} />
      ))}
      {unplaced.map((member) => (
        <StyledLine key={`m:${member.member}`} line={unplacedLine(member, width)} />
      ))}
      <Text> </Text>
      <Text wrap="truncate-end">
        {`${done} of ${plural(layers.length, 'layer')} read · ${bytes(read)}${totalKnown ? ` of ${bytes(total)} (${percent(total > 0 ? read / total : 1, 0)})` : ''}`}
        {current.length + unplaced.length > 0
          ? ` · reading ${[...current.map((l) => `L${l.index}`), ...unplaced.map(() => 'L?')].join(', ')}`
          : ''}
      </Text>
      <Text {...theme.tones.dim}>{all ? 'Merging layers…' : `${primaryKey('browser', 'quit')} quits`}</Text>
    </Box>
  );
}
