// `layerscope extract IMAGE PATH... -o DIR [--layer N] [--force]`: files and directories out of
// the image, under DIR by their full image path (src/app/extract.ts writes them, never outside DIR).
import { parseLayerOption } from '../core/contentPath.js';
import { InputError } from '../core/errors.js';
import { escapeForTerminal } from '../core/paths.js';
import { pullPrinter } from './progress.js';
import { type ImageOptions, type OpenedImage, withImageContent as openContent } from '../app/open.js';
import { printWarnings } from '../app/write.js';
import { extractInto } from '../app/extract.js';

export interface ExtractOptions extends ImageOptions {
  output?: string;
  layer?: string;
  force?: boolean;
}

export async function runExtract(image: string, paths: string[], options: ExtractOptions): Promise<number> {
  const root = options.output;
  if (!root) throw new InputError('extract needs -o DIR, the directory to write into');
  return withContent(image, options, async ({ analysis, content }) => {
    const tree = analysis.tree;
    const layer = parseLayerOption(options.layer, tree) ?? tree.layerCount - 1;
    const { written, warnings } = await extractInto(analysis, content, paths, {
      layer,
      explicitLayer: options.layer !== undefined,
      root,
      force: options.force === true,
    });
    printWarnings(warnings);
    process.stderr.write(`layerscope: extracted ${written} entries into ${escapeForTerminal(root)}\n`);
    return 0;
  });
}

function withContent<T>(spec: string | undefined, options: ImageOptions, use: (image: OpenedImage) => Promise<T>): Promise<T> {
  return openContent(spec, options, use, { onPull: pullPrinter() });
}
