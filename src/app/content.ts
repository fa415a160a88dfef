// Opening an image for its content (cat, extract, export, diff): analysed like every command,
// but the source stays open while the bytes are read, and is closed (temp files removed) after.
import type { Analysis } from '../core/analysis.js';
import type { ImageContent } from '../sources/content.js';
import { loadAnalysis, type ImageOptions, type OpenContent } from './open.js';
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
  let open: OpenContent | undefined;
  try {
    const analysis = await loadAnalysis(spec, options, hooks.onPull ? { onPull: hooks.onPull } : {}, (o) => {
      open = o;
    });
    printWarnings(analysis.warnings);
    return await use({ analysis, content: open!.content });
  } finally {
    await open?.close();
  }
}
