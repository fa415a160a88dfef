// Opening and analysing an image: shared by every command and the TUI.
import { fileURLToPath } from 'node:url';
import { analyseImage, type LayerProgress } from '../core/analyse.js';
import { analyse, type Analysis } from '../core/analysis.js';
import { openImage } from '../sources/open.js';

/** The image `layerscope` opens when given none: a real multi-stage build, shipped in the package. */
export const BUNDLED_EXAMPLE = fileURLToPath(new URL('../../../examples/multistage-final.tar', import.meta.url));

export interface ImageOptions {
  platform?: string;
  source?: string;
}

export interface LoadHooks {
  /** Called once the image's metadata is known, before any layer is read. */
  onOpen?: (info: { ref: string; layers: Array<{ index: number; blobSize?: number; command: string }> }) => void;
  onProgress?: (progress: LayerProgress) => void;
}

export async function loadAnalysis(spec: string | undefined, options: ImageOptions, hooks: LoadHooks = {}): Promise<Analysis> {
  const source = await openImage(spec ?? BUNDLED_EXAMPLE, { platform: options.platform, source: options.source });
  try {
    hooks.onOpen?.({ ref: source.ref, layers: source.layers.map((l) => ({ index: l.index, blobSize: l.blobSize, command: l.command })) });
    const image = await analyseImage(source, hooks.onProgress ? { onProgress: hooks.onProgress } : {});
    return analyse(image);
  } finally {
    await source.close();
  }
}
