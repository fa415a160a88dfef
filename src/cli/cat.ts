// `layerscope cat IMAGE PATH [--layer N]`: the exact bytes of one file on stdout — the copy the
// final image shows, or the copy layer N stores (hidden copies included).
import { once } from 'node:events';
import { findCopy, parseLayerOption } from '../core/contentPath.js';
import { InputError } from '../core/errors.js';
import { type ImageOptions, type OpenedImage, withImageContent as openContent } from '../app/open.js';
import { pullPrinter } from './progress.js';

export interface CatOptions extends ImageOptions {
  layer?: string;
}

export async function runCat(image: string, path: string, options: CatOptions): Promise<number> {
  return withContent(image, options, async ({ analysis, content }) => {
    const tree = analysis.tree;
    const layer = parseLayerOption(options.layer, tree);
    const copy = findCopy(tree, path, { ...(layer !== undefined ? { layer } : {}), followLast: true });
    if (copy.entry.type === 'dir') throw new InputError(`/${copy.path} is a directory; use ls to list it, or extract to copy it out`);
    if (copy.entry.type !== 'file' && copy.entry.type !== 'hardlink') {
      throw new InputError(`/${copy.path} is a ${copy.entry.device ?? copy.entry.type} entry (layer ${copy.layer}), not a regular file`);
    }
    await writeBytes(content.stream(copy.layer, copy.index));
    return 0;
  });
}

/** Writes chunks to stdout with backpressure; stops quietly when the reader goes away. */
export async function writeBytes(chunks: AsyncIterable<Buffer>, out: NodeJS.WriteStream = process.stdout): Promise<void> {
  let gone = false;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') gone = true;
  };
  out.on('error', onError);
  try {
    for await (const chunk of chunks) {
      if (gone) return;
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    }
  } finally {
    out.off('error', onError);
  }
}

/** The image opened for its content, engine pulls shown on stderr. */
function withContent<T>(spec: string | undefined, options: ImageOptions, use: (image: OpenedImage) => Promise<T>): Promise<T> {
  return openContent(spec, options, use, { onPull: pullPrinter() });
}
