// BuildKit's status stream as the engine relays it: each `{"id":"moby.buildkit.trace","aux":
// "<base64>"}` build message is one control-API StatusResponse (vertexes, their statuses and
// their logs), decoded with protobufjs from BuildKit's published control.proto. A Trace folds
// the messages into steps: each vertex (one Dockerfile instruction, or an internal step) with
// CACHED / running / done / failed, its duration and its log lines.
import { protoType, timestampMs, type ProtoTimestamp } from './proto.js';

export interface StatusVertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  started?: number;
  completed?: number;
  error?: string;
}

export interface StatusLog {
  vertex: string;
  /** 1 stdout, 2 stderr. */
  stream: number;
  msg: Buffer;
  timestamp?: number;
}

export interface StatusMessage {
  vertexes: StatusVertex[];
  logs: StatusLog[];
  statuses: Array<{ id: string; vertex: string; current: number; total: number; completed?: number }>;
}

interface RawVertex {
  digest?: string;
  inputs?: string[];
  name?: string;
  cached?: boolean;
  started?: ProtoTimestamp;
  completed?: ProtoTimestamp;
  error?: string;
}

interface RawStatusResponse {
  vertexes?: RawVertex[];
  statuses?: Array<{ ID?: string; vertex?: string; current?: unknown; total?: unknown; completed?: ProtoTimestamp }>;
  logs?: Array<{ vertex?: string; stream?: unknown; msg?: Uint8Array; timestamp?: ProtoTimestamp }>;
}

const num = (v: unknown): number =>
  typeof v === 'number'
    ? v
    : typeof v === 'string'
      ? Number(v)
      : v && typeof v === 'object' && 'toNumber' in v
        ? (v as { toNumber(): number }).toNumber()
        : 0;

/** One `moby.buildkit.trace` aux payload (base64 of a StatusResponse) as plain data. */
export function decodeStatus(aux: string | Uint8Array): StatusMessage {
  const type = protoType('moby.buildkit.v1.StatusResponse');
  const bytes = typeof aux === 'string' ? Buffer.from(aux, 'base64') : aux;
  const raw = type.decode(bytes) as unknown as RawStatusResponse;
  return {
    vertexes: (raw.vertexes ?? []).map((v) => {
      const started = timestampMs(v.started);
      const completed = timestampMs(v.completed);
      return {
        digest: v.digest ?? '',
        inputs: v.inputs ?? [],
        name: v.name ?? '',
        cached: v.cached === true,
        ...(started !== undefined ? { started } : {}),
        ...(completed !== undefined ? { completed } : {}),
        ...(v.error ? { error: v.error } : {}),
      };
    }),
    logs: (raw.logs ?? []).map((l) => {
      const timestamp = timestampMs(l.timestamp);
      return {
        vertex: l.vertex ?? '',
        stream: num(l.stream),
        msg: Buffer.from(l.msg ?? new Uint8Array()),
        ...(timestamp !== undefined ? { timestamp } : {}),
      };
    }),
    statuses: (raw.statuses ?? []).map((s) => {
      const completed = timestampMs(s.completed);
      return {
        id: s.ID ?? '',
        vertex: s.vertex ?? '',
        current: num(s.current),
        total: num(s.total),
        ...(completed !== undefined ? { completed } : {}),
      };
    }),
  };
}

export type StepStatus = 'running' | 'cached' | 'done' | 'failed';

export interface TraceStep {
  digest: string;
  /** The vertex name as BuildKit gives it: `[builder 2/5] RUN make`, `[internal] load …`. */
  name: string;
  status: StepStatus;
  /** Milliseconds from start to completion (or to now, while running). */
  durationMs?: number;
  started?: number;
  error?: string;
  /** Complete output lines so far, oldest first (at most TRACE_LOG_LINES kept). */
  lines: string[];
}

/** How many output lines each step keeps. */
export const TRACE_LOG_LINES = 200;

/** `[stage 2/5] RUN make` → stage name and step numbers (stage '' when the file has one stage). */
export function parseVertexName(name: string): { stage: string; step: number; of: number; instruction: string } | undefined {
  const m = /^\[(?:(\S+) )?(\d+)\/(\d+)\] (.*)$/s.exec(name);
  if (!m) return undefined;
  return { stage: m[1] ?? '', step: Number(m[2]), of: Number(m[3]), instruction: m[4]! };
}

export type TraceChange = { type: 'step'; step: TraceStep; first: boolean } | { type: 'output'; step: TraceStep; text: string };

/** Folds status messages into steps, in the order BuildKit first named them. */
export class Trace {
  readonly steps = new Map<string, TraceStep>();
  private readonly partial = new Map<string, string>();

  /** Applies one message; returns what changed, for a progress view. */
  apply(message: StatusMessage): TraceChange[] {
    const changes: TraceChange[] = [];
    for (const v of message.vertexes) {
      const known = this.steps.get(v.digest);
      const status: StepStatus = v.error ? 'failed' : v.cached ? 'cached' : v.completed !== undefined ? 'done' : 'running';
      const step: TraceStep = known ?? { digest: v.digest, name: v.name, status, lines: [] };
      const before = known ? `${known.status}/${known.durationMs}` : '';
      step.name = v.name || step.name;
      step.status = status;
      if (v.started !== undefined) step.started = v.started;
      if (v.started !== undefined && v.completed !== undefined) step.durationMs = Math.max(0, v.completed - v.started);
      if (v.error) step.error = v.error;
      if (!known) this.steps.set(v.digest, step);
      // BuildKit repeats a vertex with each change; report a step only when it started (a
      // vertex first announced without `started` is only planned) or its state changed.
      if (v.started === undefined && !known) continue;
      if (!known || before !== `${step.status}/${step.durationMs}` || !this.announced.has(v.digest)) {
        const first = !this.announced.has(v.digest);
        this.announced.add(v.digest);
        changes.push({ type: 'step', step, first });
      }
    }
    for (const log of message.logs) {
      const step = this.steps.get(log.vertex);
      if (!step) continue;
      const text = (this.partial.get(log.vertex) ?? '') + log.msg.toString('utf8');
      const parts = text.split(/\r?\n/);
      this.partial.set(log.vertex, parts.pop()!);
      for (const line of parts) {
        step.lines.push(line);
        if (step.lines.length > TRACE_LOG_LINES) step.lines.shift();
        changes.push({ type: 'output', step, text: line });
      }
    }
    return changes;
  }

  private readonly announced = new Set<string>();

  /** Ends every step's unfinished last line (call when the stream ended). */
  flush(): TraceChange[] {
    const changes: TraceChange[] = [];
    for (const [vertex, rest] of this.partial) {
      const step = this.steps.get(vertex);
      if (!step || rest === '') continue;
      step.lines.push(rest);
      changes.push({ type: 'output', step, text: rest });
    }
    this.partial.clear();
    return changes;
  }

  /** The step that failed, if any: the last one with an error. */
  failed(): TraceStep | undefined {
    let out: TraceStep | undefined;
    for (const s of this.steps.values()) if (s.status === 'failed') out = s;
    return out;
  }
}
