// Runs the image load and reports its progress: per layer, bytes read of the stored total.
// Progress callbacks arrive for every chunk; the screen is refreshed at most every 100 ms.
import { useEffect, useRef, useState } from 'react';
import type { Analysis } from '../../core/analysis.js';
import type { LoadHooks } from '../../app/open.js';
import { oneLine } from '../../core/errors.js';

export interface LayerLoad {
  index: number;
  command: string;
  /** Stored (compressed) size, when the source knows it. */
  total?: number;
  read: number;
  started: boolean;
  done: boolean;
}

/** A layer member of a save stream being read before the stream says which layer it is. */
export interface UnplacedLoad {
  member: string;
  read: number;
  total?: number;
}

/** One line of an engine pull (per blob, or the overall status). */
export interface PullLine {
  id?: string;
  status: string;
  current?: number;
  total?: number;
}

export type LoadState =
  /** Before the layers are known; `pull` while the engine pulls a missing image. */
  | { phase: 'opening'; pull?: { ref: string; lines: PullLine[] } }
  /** `unplaced`: members of a save stream being read whose layer is not known yet; `waitingMs`:
   *  how long a streamed source (an engine's save) has been exporting with no byte arrived yet. */
  | { phase: 'reading'; ref: string; layers: LayerLoad[]; unplaced?: UnplacedLoad[]; waitingMs?: number }
  | { phase: 'ready'; analysis: Analysis }
  /** `error` as thrown (src/app/failure.ts decides how it is reported), `message` its one line. */
  | { phase: 'failed'; message: string; error: unknown };

export type Loader = (hooks: LoadHooks) => Promise<Analysis>;

export const PROGRESS_INTERVAL_MS = 100;

interface Progress {
  ref: string;
  layers: LayerLoad[];
  version: number;
  shown: number;
  /** The layers come in one stream the source produces first (an engine's save). */
  streamed: boolean;
  openedAt: number;
  /** Stream member → the layer row its progress went to. */
  rows: Map<string, number>;
  unplaced: Map<string, UnplacedLoad>;
}

export function useLoader(load: Loader): LoadState {
  const [state, setState] = useState<LoadState>({ phase: 'opening' });
  const progress = useRef<Progress | undefined>(undefined);
  const pull = useRef<{ ref: string; lines: Map<string, PullLine>; version: number; shown: number } | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const timer = setInterval(() => {
      if (!live) return;
      const p = progress.current;
      if (p) {
        const waiting = p.streamed && p.layers.every((l) => !l.started) && p.unplaced.size === 0;
        // While waiting the elapsed time changes: a frame per tick.
        if (p.version === p.shown && !waiting) return;
        p.shown = p.version;
        setState({
          phase: 'reading',
          ref: p.ref,
          layers: p.layers.map((l) => ({ ...l })),
          ...(p.unplaced.size > 0 ? { unplaced: [...p.unplaced.values()].map((u) => ({ ...u })) } : {}),
          ...(waiting ? { waitingMs: Date.now() - p.openedAt } : {}),
        });
        return;
      }
      const q = pull.current;
      if (q && q.version !== q.shown) {
        q.shown = q.version;
        setState({ phase: 'opening', pull: { ref: q.ref, lines: [...q.lines.values()].map((l) => ({ ...l })) } });
      }
    }, PROGRESS_INTERVAL_MS);
    load({
      onPull(p) {
        pull.current ??= { ref: p.ref, lines: new Map(), version: 0, shown: 0 };
        const { current, total } = p;
        pull.current.lines.set(p.id ?? '', {
          ...(p.id ? { id: p.id } : {}),
          status: p.status,
          ...(current !== undefined ? { current } : {}),
          ...(total !== undefined ? { total } : {}),
        });
        pull.current.version++;
      },
      onOpen(info) {
        progress.current = {
          ref: info.ref,
          layers: info.layers.map((l) => ({
            index: l.index,
            command: l.command,
            ...(l.blobSize !== undefined ? { total: l.blobSize } : {}),
            read: 0,
            started: false,
            done: false,
          })),
          version: 1,
          shown: 0,
          streamed: info.streamed === true,
          openedAt: Date.now(),
          rows: new Map(),
          unplaced: new Map(),
        };
      },
      onProgress(p) {
        const current = progress.current;
        if (!current) return;
        current.version++;
        const member = p.member;
        if (p.layer === undefined) {
          if (member === undefined) return;
          current.unplaced.set(member, {
            member,
            read: p.blobBytesRead,
            ...(p.blobBytesTotal !== undefined ? { total: p.blobBytesTotal } : {}),
          });
          return;
        }
        const layer = current.layers[p.layer];
        if (!layer) return;
        if (member !== undefined) {
          current.unplaced.delete(member);
          // Placed elsewhere before its walk ended: that row was not this member after all.
          const before = current.rows.get(member);
          const wrong = before !== undefined && before !== p.layer ? current.layers[before] : undefined;
          if (wrong && !wrong.done) Object.assign(wrong, { read: 0, started: false });
          current.rows.set(member, p.layer);
        }
        layer.read = p.blobBytesRead;
        if (p.blobBytesTotal !== undefined) layer.total = p.blobBytesTotal;
        layer.started = true;
        layer.done = p.done;
      },
    })
      .then(
        (analysis) => {
          if (live) setState({ phase: 'ready', analysis });
        },
        (err: unknown) => {
          if (live) setState({ phase: 'failed', message: oneLine(err), error: err });
        },
      )
      .finally(() => clearInterval(timer));
    return () => {
      live = false;
      clearInterval(timer);
    };
    // The load runs once per mount.
  }, [load]);
  return state;
}
