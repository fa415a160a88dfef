// Live build progress on a terminal: each stage as the build reaches it, the current step, and
// the last lines of its output. Fed by build events through a tiny store (the build runs
// outside React); the frame is throttled by Ink's maxFps.
import type React from 'react';
import { useSyncExternalStore } from 'react';
import { Box, Text } from 'ink';
import type { BuildEvent } from '../sources/engineBuild.js';
import { clip } from '../report/format.js';
import { theme } from './theme.js';

export const BUILD_VIEW_LINES = 6;

export interface BuildViewState {
  title: string;
  stages: Array<{ index: number; label: string; tag: string; status: 'building' | 'built'; imageId?: string }>;
  step?: string;
  lines: string[];
}

export interface BuildStore {
  get(): BuildViewState;
  event(event: BuildEvent): void;
  subscribe(listener: () => void): () => void;
}

/** The reducer of build events into what the view shows (pure). */
export function applyBuildEvent(state: BuildViewState, event: BuildEvent): BuildViewState {
  switch (event.type) {
    case 'stage': {
      const stages = state.stages.map((s) => (s.status === 'building' ? { ...s, status: 'built' as const } : s));
      return {
        ...state,
        stages: [...stages, { index: event.stage, label: event.label, tag: event.tag, status: 'building' }],
        step: undefined,
        lines: [],
      };
    }
    case 'step':
      return { ...state, step: event.text, lines: [] };
    case 'output':
      return { ...state, lines: [...state.lines, event.text].slice(-BUILD_VIEW_LINES) };
    case 'built':
      return {
        ...state,
        stages: state.stages.map((s) => (s.index === event.stage ? { ...s, status: 'built', imageId: event.imageId } : s)),
      };
  }
}

export function createBuildStore(title: string): BuildStore {
  let state: BuildViewState = { title, stages: [], lines: [] };
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    event(event) {
      state = applyBuildEvent(state, event);
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function BuildView({ store, width = 100 }: { store: BuildStore; width?: number }): React.JSX.Element {
  const state = useSyncExternalStore(store.subscribe, store.get);
  return (
    <Box flexDirection="column">
      <Text {...theme.tones.title}>{clip(state.title, width)}</Text>
      {state.stages.map((s) => (
        <Text key={s.index} wrap="truncate-end">
          <Text {...(s.status === 'built' ? theme.tones.added : theme.tones.accent)}>{s.status === 'built' ? ' ✓ ' : ' ▸ '}</Text>
          <Text>
            {clip(
              `${s.label}  ${s.imageId ? `${s.tag} (${s.imageId.replace(/^sha256:/, '').slice(0, 12)})` : s.tag ? '' : '(built on the way to the target)'}`,
              width - 3,
            )}
          </Text>
        </Text>
      ))}
      {state.step ? <Text {...theme.tones.label}>{clip(`   ${state.step}`, width)}</Text> : null}
      {state.lines.map((l, i) => (
        <Text key={i} {...theme.tones.dim}>
          {clip(`   │ ${l}`, width)}
        </Text>
      ))}
    </Box>
  );
}
