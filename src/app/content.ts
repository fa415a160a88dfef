// Opening an image for its content (cat, extract, export, diff): analysed like every command,
// but the source stays open while the bytes are read, and is closed (temp files removed) after.
import { analyseImage } from '../core/analyse.js';
import { analyse, type Analysis } from '../core/analysis.js';
import { openSummaryCache } from '../sources/cache.js';
import { ImageContent } from '../sources/content.js';
import { withEngineHooks } from '../sources/engineHooks.js';
import { openImage } from '../sources/open.js';
import { BUNDLED_EXAMPLE, limitsOf, type ImageOptions } from './open.js';
import { printWarnings } from './write.js';
import type { PullProgress } from '../sources/engineHooks.js';

export interface OpenedImage {
  analysis: Analysis;
  content: ImageContent;
}

export async function withImageContent<T>(
  spec: string | undefined,
  options: ImageOptions,
  use: (image: OpenedImage) => Promise<T>,
  hooks: { onPull?: (progress: PullProgress) => void } = {},
): Promise<T> {
  const limits = limitsOf(options);
  const source = await withEngineHooks(hooks.onPull ? { onPull: hooks.onPull } : {}, () =>
    openImage(spec ?? BUNDLED_EXAMPLE, { platform: options.platform, source: options.source, insecureRegistry: options.insecureRegistry }),
  );
  let content: ImageContent | undefined;
  try {
    const image = await analyseImage(source, { ...(options.cache === false ? {} : { cache: openSummaryCache() }), limits });
    const analysis = analyse(image);
    printWarnings(analysis.warnings);
    content = new ImageContent(source, image.summaries);
    return await use({ analysis, content });
  } finally {
    await content?.close();
    await source.close();
  }
}
