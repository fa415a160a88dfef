// Layers shared by the images of one run (`layerscope A B C --json`): a summary read or walked for
// one image is handed to the next that has the same layer, so base layers are analysed once per
// run, and the disk cache (when on) is not read again for them. As in the disk cache, a summary
// is handed only to a layer of the same origin (the same file range, the same blob digest, or an
// engine's store), never on the diffID a config claims alone (see sources/cache.ts).
import type { LayerOrigin, LayerSummary, SummaryCache } from '../core/model.js';

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
      get: async (diffId, origin) => {
        const key = keyOf(diffId, origin);
        const mine = key === undefined ? undefined : this.held.get(key);
        if (mine) return mine;
        const found = await disk?.get(diffId, origin);
        if (found) this.keep(found, origin);
        return found;
      },
      put: async (summary, origin) => {
        this.keep(summary, origin);
        await disk?.put(summary, origin);
      },
    };
  }

  private keep(summary: LayerSummary, origin: LayerOrigin): void {
    const key = keyOf(summary.diffId, origin);
    if (key === undefined || this.held.has(key)) return;
    this.held.set(key, summary);
    this.entries += summary.changes.length;
    for (const [diffId, old] of this.held) {
      if (this.entries <= MAX_HELD_ENTRIES || this.held.size === 1) break;
      this.held.delete(diffId);
      this.entries -= old.changes.length;
    }
  }
}

/** The diffID and where the bytes were: what a hit must match. */
function keyOf(diffId: string, origin: LayerOrigin): string | undefined {
  if (origin.engine) return `${diffId}\0engine`;
  if (origin.file) return `${diffId}\0file\0${origin.file.path}\0${origin.file.offset}\0${origin.file.size}`;
  if (origin.blobDigest) return `${diffId}\0blob\0${origin.blobDigest}`;
  // Nothing to prove the bytes by: never shared.
  return undefined;
}
