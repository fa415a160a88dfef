// Opening and analysing an image: shared by every command and the TUI.
import { fileURLToPath } from 'node:url';
import { analyseImage, type LayerProgress } from '../core/analyse.js';
import { analyse, type Analysis } from '../core/analysis.js';
import { openSummaryCache } from '../sources/cache.js';
import { openImage } from '../sources/open.js';
import { withEngineHooks, type PullProgress } from '../sources/engineHooks.js';

/** The image `layerscope` opens when given none: a real multi-stage build, shipped in the package. */
export const BUNDLED_EXAMPLE = fileURLToPath(new URL('../../../examples/multistage-final.tar', import.meta.url));

export interface ImageOptions {
  platform?: string;
  source?: string;
  /** `--insecure-registry`: plain HTTP to the registry named in IMAGE. */
  insecureRegistry?: boolean;
  /** false with `--no-cache`: no layer summary is read from or written to the cache. */
  cache?: boolean;
}

export interface LoadHooks {
  /** Called once the image's metadata is known, before any layer is read. */
  onOpen?: (info: { ref: string; layers: Array<{ index: number; blobSize?: number; command: string }> }) => void;
  onProgress?: (progress: LayerProgress) => void;
  /** Progress of a pull, when an engine source has to pull the image first. */
  onPull?: (progress: PullProgress) => void;
}

export async function loadAnalysis(spec: string | undefined, options: ImageOptions, hooks: LoadHooks = {}): Promise<Analysis> {
  const source = await withEngineHooks(hooks.onPull ? { onPull: hooks.onPull } : {}, () => openImage(spec ?? BUNDLED_EXAMPLE, {
    platform: options.platform,
    source: options.source,
    insecureRegistry: options.insecureRegistry,
  }));
  try {
    hooks.onOpen?.({ ref: source.ref, layers: source.layers.map((l) => ({ index: l.index, blobSize: l.blobSize, command: l.command })) });
    const image = await analyseImage(source, {
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
      ...(options.cache === false ? {} : { cache: openSummaryCache() }),
    });
    return analyse(image);
  } finally {
    await source.close();
  }
}
