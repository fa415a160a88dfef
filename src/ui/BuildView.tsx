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

/** How many BuildKit steps the view lists (the latest ones). */
export const BUILD_VIEW_STEPS = 8;

export interface BuildViewState {
  title: string;
  builder?: string;
  stages: Array<{ index: number; label: string; tag: string; status: 'building' | 'built'; imageId?: string }>;
  /** BuildKit steps, in the order they started: CACHED / running / done / failed. */
  steps?: Array<{ key: string; text: string; status: string; durationMs?: number }>;
  step?: string;
  lines: string[];
}

/** `CACHED`, `1.2s`, `…` for a step's state. */
export function stepMark(status: string, durationMs?: number): string {
  if (status === 'cached') return 'CACHED';
  if (status === 'failed') return 'FAILED';
  if (status === 'done') return `${((durationMs ?? 0) / 1000).toFixed(1)}s`;
  return 'running';
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
    case 'step': {
      if (event.key === undefined || event.status === undefined) return { ...state, step: event.text, lines: [] };
      const row = {
        key: event.key,
        text: event.text,
        status: event.status,
        ...(event.durationMs !== undefined ? { durationMs: event.durationMs } : {}),
      };
      const known = state.steps ?? [];
      const at = known.findIndex((s) => s.key === event.key);
      const steps = at >= 0 ? known.map((s, i) => (i === at ? row : s)) : [...known, row];
      const started = at < 0 && event.status === 'running';
      return { ...state, steps, ...(started ? { step: event.text, lines: [] } : {}) };
    }
    case 'builder':
      return {
        ...state,
        builder: event.builder === 'buildkit' ? 'BuildKit' : `classic builder${event.reason ? ` (${event.reason})` : ''}`,
      };
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
  let state: BuildViewState = { title, stages: [], steps: [], lines: [] };
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
      <Text {...theme.tones.title}>{clip(`${state.title}${state.builder ? ` with ${state.builder}` : ''}`, width)}</Text>
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
      {(state.steps ?? []).slice(-BUILD_VIEW_STEPS).map((s) => (
        <Text key={s.key} wrap="truncate-end">
          <Text {...(s.status === 'failed' ? theme.tones.error : s.status === 'running' ? theme.tones.accent : theme.tones.dim)}>
            {`   ${stepMark(s.status, s.durationMs).padStart(7)} `}
          </Text>
          <Text>{clip(s.text, Math.max(0, width - 11))}</Text>
        </Text>
      ))}
      {state.step && (state.steps ?? []).length === 0 ? <Text {...theme.tones.label}>{clip(`   ${state.step}`, width)}</Text> : null}
      {state.lines.map((l, i) => (
        <Text key={i} {...theme.tones.dim}>
          {clip(`   │ ${l}`, width)}
        </Text>
      ))}
    </Box>
  );
}
