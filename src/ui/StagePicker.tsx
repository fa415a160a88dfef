// After `layerscope build`: every stage with its size and layer count, then the comparisons of
// the final stage with the stages it copies from. Keys from the key map's picker rows.
import type React from 'react';
import { plural } from './text.js';
import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { stageTitle } from '../core/stages.js';
import { bytes, clip, padLeft, padRight } from '../report/format.js';
import type { BuildResult } from '../core/buildResult.js';
import { reductionLine } from '../report/stages.js';
import { commandFor, hintText, keyName } from './keymap.js';
import { isListCommand, type ListState, moveList, settleList } from './list.js';
import { theme } from './theme.js';

export type StageChoice =
  | { kind: 'stage'; index: number }
  | { kind: 'compare'; index: number }
  /** Stage `index` against the final stage (`c` on a stage row). */
  | { kind: 'compareStage'; index: number }
  | { kind: 'quit' };

export interface PickerItem {
  key: string;
  label: string;
  value: StageChoice;
}

/** The picker's rows, as plain data (tests read them without rendering). */
export function pickerItems(result: BuildResult, width = 100): PickerItem[] {
  const items: PickerItem[] = result.stages.map((s) => {
    const base = s.stage.base.kind === 'stage' ? `FROM ${stageTitle(result.graph.stages[s.stage.base.index]!)}` : `FROM ${s.stage.from}`;
    const final = s.stage.index === result.finalStage ? ' *' : '';
    const label =
      `${padLeft(String(s.stage.index), 2)}  ${padRight(stageTitle(s.stage) + final, 18)} ` +
      `${padLeft(bytes(s.analysis.account.storedBytes), 9)}  ${padLeft(String(s.analysis.image.layers.length), 3)} ${s.analysis.image.layers.length === 1 ? 'layer ' : 'layers'}  ${base}`;
    return { key: `stage-${s.stage.index}`, label: clip(label, width - 4), value: { kind: 'stage', index: s.stage.index } };
  });
  result.comparisons.forEach((c, i) => {
    items.push({ key: `compare-${i}`, label: clip(`compare: ${reductionLine(c)}`, width - 4), value: { kind: 'compare', index: i } });
  });
  items.push({ key: 'quit', label: 'quit', value: { kind: 'quit' } });
  return items;
}

export interface StagePickerProps {
  result: BuildResult;
  onChoose: (choice: StageChoice) => void;
  initialIndex?: number;
  width?: number;
}

/** What `c` opens with `item` highlighted: a stage other than the final one against the final
 *  one; otherwise the highlighted comparison, or the first. */
export function compareChoice(result: BuildResult, item: StageChoice | undefined): StageChoice | undefined {
  if (item?.kind === 'stage' && item.index !== result.finalStage && result.stages.some((s) => s.stage.index === result.finalStage))
    return { kind: 'compareStage', index: item.index };
  if (item?.kind === 'compare') return item;
  return result.comparisons.length > 0 ? { kind: 'compare', index: 0 } : undefined;
}

export function StagePicker({ result, onChoose, initialIndex = 0, width = 100 }: StagePickerProps): React.JSX.Element {
  const items = pickerItems(result, width);
  // Every row fits (a build has a handful of stages): the list needs no window.
  const [list, setList] = useState<ListState>(() => settleList({ cursor: initialIndex, scroll: 0 }, items.length, items.length));
  const highlighted = items[list.cursor]?.value;
  useInput((input, key) => {
    const name = keyName(input, key);
    const command = name === undefined ? undefined : commandFor(name, 'picker');
    if (command === undefined) return;
    if (isListCommand(command)) setList((l) => moveList(l, command, items.length, items.length));
    else if (command === 'choose' && highlighted) onChoose(highlighted);
    else if (command === 'quit') onChoose({ kind: 'quit' });
    else if (command === 'compare') {
      const choice = compareChoice(result, highlighted);
      if (choice) onChoose(choice);
    }
  });
  return (
    <Box flexDirection="column">
      <Text {...theme.tones.title}>{clip(`Built ${plural(result.stages.length, 'stage')} of ${result.dockerfile}`, width)}</Text>
      <Text {...theme.tones.dim}>{clip(`${hintText('picker')} · * the stage the build is for`, width)}</Text>
      <Text> </Text>
      <Box flexDirection="column">
        {items.map((item, i) => (
          <Text key={item.key} wrap="truncate-end" {...(i === list.cursor ? theme.tones.accent : {})}>
            {i === list.cursor ? `${theme.symbols.pick} ` : '  '}
            {item.label}
          </Text>
        ))}
      </Box>
      {result.advice.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text {...theme.tones.title}>{clip(`Advice for the final stage (${result.advice.length})`, width)}</Text>
          {result.advice.slice(0, 5).map((a, i) => (
            <Text key={i} wrap="truncate-end">
              <Text {...theme.tones.hidden}>{padLeft(bytes(a.bytes), 9)}</Text>
              <Text>{clip(`  ${a.title}: ${a.paths.join(', ')}`, width - 9)}</Text>
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
