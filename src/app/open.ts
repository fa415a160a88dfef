// Opening and analysing an image, the one way every command and the TUI do it: openAnalysed()
// keeps the source open for the file contents (the caller closes it), loadAnalysis() wants only
// the analysis, withImageContent() scopes an open image to a callback (cat, extract, export, diff).
import { ImageContent } from '../sources/content.js';
import { fileURLToPath } from 'node:url';
import { analyseImage, type LayerProgress } from '../core/analyse.js';
import { analyse, type Analysis } from '../core/analysis.js';
import { currentConfig } from '../config/current.js';
import { InputError } from '../core/errors.js';
import type { WalkLimits } from '../core/walk.js';
import { parseByteSize } from '../report/ci.js';
import { cacheRoot, openSummaryCache } from '../sources/cache.js';
import { openConfigCache } from '../sources/configCache.js';
import type { ConfigStore, SummaryCache } from '../core/model.js';
import { openImage } from '../sources/open.js';
import { withEngineHooks, type PullProgress } from '../sources/engineHooks.js';
import { printWarnings } from './write.js';

/** The image `layerscope` opens when given none: a real multi-stage build, shipped in the package. */
export const BUNDLED_EXAMPLE = fileURLToPath(new URL('../../../examples/multistage-final.tar', import.meta.url));

export interface ImageOptions {
  platform?: string;
  source?: string;
  /** `--insecure-registry`: plain HTTP to the registry named in IMAGE. */
  insecureRegistry?: boolean;
  /** `--context NAME`: the Docker context to reach the engine through. */
  context?: string;
  /** false with `--no-cache`: no layer summary is read from or written to the cache. */
  cache?: boolean;
  /** `--max-files N`: most entries one layer may have. */
  maxFiles?: string;
  /** `--max-bytes SIZE`: most bytes one layer may unpack to. */
  maxBytes?: string;
  /** `--secrets-max-bytes SIZE`: largest file whose content is scanned for secrets. */
  secretsMaxBytes?: string;
}

/** `--max-files`, `--max-bytes` and `--secrets-max-bytes` as walk limits (the scan cap: the
 *  configuration's secretsMaxBytes — flag, LAYERSCOPE_SECRETS_MAX_BYTES or file; else the defaults). */
export function limitsOf(options: Pick<ImageOptions, 'maxFiles' | 'maxBytes' | 'secretsMaxBytes'>): Partial<WalkLimits> {
  const limits: Partial<WalkLimits> = {};
  if (options.maxFiles !== undefined) {
    const n = Number(options.maxFiles);
    if (!/^\d+$/.test(options.maxFiles.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InputError(`--max-files ${options.maxFiles}: expected a whole number of entries, such as 5000000`);
    }
    limits.maxEntries = n;
  }
  if (options.maxBytes !== undefined) {
    let n: number;
    try {
      n = parseByteSize(options.maxBytes);
    } catch {
      n = NaN;
    }
    if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`--max-bytes ${options.maxBytes}: expected a size such as 500GB or 2TiB`);
    limits.maxTarBytes = n;
  }
  // The configuration has read the flag already (it wins there over the file and the variable);
  // the option is parsed here only when no configuration was loaded (in-process callers).
  const configured = currentConfig()?.defaults.secretsMaxBytes;
  if (configured && configured.source !== 'default') {
    limits.secretsMaxBytes = configured.value;
  } else if (options.secretsMaxBytes !== undefined) {
    let n: number;
    try {
      n = parseByteSize(options.secretsMaxBytes);
    } catch {
      n = NaN;
    }
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new InputError(`--secrets-max-bytes ${options.secretsMaxBytes}: expected a size such as 1MiB or 16MB (0: names only)`);
    }
    limits.secretsMaxBytes = n;
  }
  return limits;
}

export interface LoadHooks {
  /** Called once the image's metadata is known, before any layer is read. */
  /** `streamed`: the layers come in one stream the source has to produce first (an engine's save). */
  onOpen?: (info: { ref: string; layers: Array<{ index: number; blobSize?: number; command: string }>; streamed?: boolean }) => void;
  onProgress?: (progress: LayerProgress) => void;
  /** Progress of a pull, when an engine source has to pull the image first. */
  onPull?: (progress: PullProgress) => void;
  /** Summaries shared with the other images of this run (see sharedLayers.ts); it stands in front
   *  of the disk cache, which it is given when the cache is on. */
  shared?: (disk: SummaryCache | undefined) => SummaryCache;
}

function cachesOf(options: ImageOptions, hooks: LoadHooks): { cache?: SummaryCache; configs?: ConfigStore } {
  const disk = options.cache === false ? undefined : openSummaryCache();
  const cache = hooks.shared ? hooks.shared(disk) : disk;
  return {
    ...(cache ? { cache } : {}),
    ...(options.cache === false ? {} : { configs: openConfigCache(cacheRoot()) }),
  };
}

/** What a caller that reads file contents keeps after the analysis: the source stays open. */
export interface OpenContent {
  content: ImageContent;
  /** Closes the content reader and the source (temp files go at exit in any case). */
  close(): Promise<void>;
}

/** An image opened and analysed, its source still open for the file contents. */
export interface OpenedImage extends OpenContent {
  analysis: Analysis;
}

/** Opens and analyses an image and keeps its source open: the caller owes close(). */
export function openAnalysed(spec: string | undefined, options: ImageOptions, hooks: LoadHooks = {}): Promise<OpenedImage> {
  return open(spec, options, hooks, true) as Promise<OpenedImage>;
}

/** Opens and analyses an image, and closes it: the analysis only. */
export async function loadAnalysis(spec: string | undefined, options: ImageOptions, hooks: LoadHooks = {}): Promise<Analysis> {
  return (await open(spec, options, hooks, false)).analysis;
}

/** Runs `use` on the opened image (its warnings printed first) and closes it after, whatever happens. */
export async function withImageContent<T>(
  spec: string | undefined,
  options: ImageOptions,
  use: (image: OpenedImage) => Promise<T>,
  hooks: { onPull?: (progress: PullProgress) => void } = {},
): Promise<T> {
  const opened = await openAnalysed(spec, options, hooks.onPull ? { onPull: hooks.onPull } : {});
  try {
    printWarnings(opened.analysis.warnings);
    return await use(opened);
  } finally {
    await opened.close();
  }
}

async function open(
  spec: string | undefined,
  options: ImageOptions,
  hooks: LoadHooks,
  keepOpen: boolean,
): Promise<{ analysis: Analysis } | OpenedImage> {
  const limits = limitsOf(options);
  const caches = cachesOf(options, hooks);
  const source = await withEngineHooks(hooks.onPull ? { onPull: hooks.onPull } : {}, () =>
    openImage(spec ?? BUNDLED_EXAMPLE, {
      platform: options.platform,
      source: options.source,
      insecureRegistry: options.insecureRegistry,
      ...(options.context ? { context: options.context } : {}),
      ...(caches.configs ? { configs: caches.configs } : {}),
    }),
  );
  let kept = false;
  try {
    hooks.onOpen?.({
      ref: source.ref,
      layers: source.layers.map((l) => ({ index: l.index, blobSize: l.blobSize, command: l.command })),
      ...(source.readAll ? { streamed: true } : {}),
    });
    const image = await analyseImage(source, {
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
      ...caches,
      limits,
    });
    const analysis = analyse(image);
    // A big image's merged tree is stored for the next open (small ones merge in milliseconds).
    if (!image.merged && caches.cache?.putMerged) {
      const columns = analysis.tree.toColumns();
      if (columns) await caches.cache.putMerged(image.summaries, columns);
    }
    if (!keepOpen) return { analysis };
    const content = new ImageContent(source, image.summaries);
    kept = true;
    return {
      analysis,
      content,
      async close() {
        await content.close();
        await source.close();
      },
    };
  } finally {
    if (!kept) await source.close();
  }
}
