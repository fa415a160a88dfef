// A deliberately naive merge, for checking the real one: a flat map from path to entry, applied
// layer by layer with prefix scans. Slow and obvious; only for tests.
import type { LayerSummary } from '../../src/core/model.js';

export interface RefEntry {
  type: string;
  size: number;
  layer: number;
}

export function referenceMerge(summaries: LayerSummary[]): Array<Map<string, RefEntry>> {
  const views: Array<Map<string, RefEntry>> = [];
  let state = new Map<string, RefEntry>();
  const dropBelow = (dir: string) => {
    for (const key of [...state.keys()]) if (key.startsWith(`${dir}/`)) state.delete(key);
  };
  summaries.forEach((summary, layer) => {
    state = new Map(state);
    for (const c of summary.changes) {
      if (c.op === 'whiteout' && state.has(c.path)) {
        state.delete(c.path);
        dropBelow(c.path);
      }
      if (c.op === 'opaque' && state.get(c.path)?.type === 'dir') dropBelow(c.path);
    }
    [...summary.changes].forEach((c) => {
      if (c.op !== 'entry') {
        // The engine makes the directories a whiteout or an opaque marker sits in.
        const dir = c.op === 'opaque' ? c.path : c.path.split('/').slice(0, -1).join('/');
        const parts = dir === '' ? [] : dir.split('/');
        for (let i = 1; i <= parts.length; i++) {
          const anc = parts.slice(0, i).join('/');
          if (state.get(anc)?.type !== 'dir') {
            if (state.has(anc)) dropBelow(anc);
            state.set(anc, { type: 'dir', size: 0, layer });
          }
        }
        return;
      }
      const parts = c.entry.path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const anc = parts.slice(0, i).join('/');
        if (state.get(anc)?.type !== 'dir') state.set(anc, { type: 'dir', size: 0, layer });
      }
      const existing = state.get(c.entry.path);
      if (existing?.type === 'dir' && c.entry.type !== 'dir') dropBelow(c.entry.path);
      let size = c.entry.size;
      if (c.entry.type === 'hardlink') {
        const linked = c.entry.linkedContent === undefined ? undefined : summary.changes.at(c.entry.linkedContent);
        size = linked?.op === 'entry' ? linked.entry.size : 0;
      }
      state.set(c.entry.path, { type: c.entry.type, size, layer });
    });
    views.push(state);
  });
  return views;
}
