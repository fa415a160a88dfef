// Layers shared by the images of one run (`layerscope A B C --json`): a summary read or walked for
// one image is handed to the next that has the same layer, so base layers are analysed once per
// run, and the disk cache (when on) is not read again for them.
import type { LayerSummary, SummaryCache } from '../core/model.js';

/** Entries held at most (all layers together): past it, the layers seen longest ago go first. */
const MAX_HELD_ENTRIES = 4_000_000;

export class SharedLayers {
  private readonly held = new Map<string, LayerSummary>();
  private entries = 0;

  /** Layers held now. */
  get size(): number {
    return this.held.size;
  }

  /** A summary cache that answers from the layers held, else from `disk` (the disk cache, or none). */
  behind(disk: SummaryCache | undefined): SummaryCache {
    return {
      get: async (diffId) => {
        const mine = this.held.get(diffId);
        if (mine) return mine;
        const found = await disk?.get(diffId);
        if (found) this.keep(found);
        return found;
      },
      put: async (summary) => {
        this.keep(summary);
        await disk?.put(summary);
      },
    };
  }

  private keep(summary: LayerSummary): void {
    if (this.held.has(summary.diffId)) return;
    this.held.set(summary.diffId, summary);
    this.entries += summary.changes.length;
    for (const [diffId, old] of this.held) {
      if (this.entries <= MAX_HELD_ENTRIES || this.held.size === 1) break;
      this.held.delete(diffId);
      this.entries -= old.changes.length;
    }
  }
}
