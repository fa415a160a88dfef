// The JSON report and `ls --json`, exactly as the command-line contract in the design guide.
import type { Analysis } from '../core/analysis.js';
import { displayPath, type ImagePath, type LayerInfo } from '../core/model.js';
import type { MergedTree } from '../core/merge.js';

export interface JsonReport {
  image: {
    ref: string;
    id: string;
    os: string;
    architecture: string;
    storedBytes: number;
    visibleBytes: number;
    hiddenBytes: number;
    /** Sum of the layer blobs as stored and shipped (what a pull costs); null when any is unknown. */
    compressedBytes: number | null;
  };
  layers: Array<{
    index: number;
    diffId: string;
    command: string;
    /** The Dockerfile line that made the layer (stages built by `layerscope build`). */
    source?: { file: string; line: number; instruction: string };
    sizeBytes: number;
    /** The layer blob as stored and shipped; null when the source cannot say (an engine). */
    compressedBytes: number | null;
    /** The blob's media type from the manifest; null when the source names none. */
    mediaType: string | null;
    entries: number;
  }>;
  waste: {
    hiddenBytes: number;
    efficiency: number;
    wastedBytes: number;
    userWastedPercent: number;
    entries: Array<{ path: string; bytes: number; count: number; layers: number[] }>;
  };
}

/** JSON.stringify, with the C1 control characters (U+0080–U+009F, which JSON leaves as they
 *  are) escaped too: a report or listing printed on a terminal can carry no escape sequence. */
export function jsonText(value: unknown, indent?: number): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What the image's layer blobs weigh together as stored and shipped; null when the size of
 *  any of them is unknown (never a partial sum). */
export function imageCompressedBytes(layers: readonly LayerInfo[]): number | null {
  let total = 0;
  for (const layer of layers) {
    if (layer.compressedBytes === undefined || layer.compressedBytes === null) return null;
    total += layer.compressedBytes;
  }
  return total;
}

export function jsonReport(analysis: Analysis): JsonReport {
  const { image, account, dive } = analysis;
  return {
    image: {
      ref: image.ref,
      id: image.id,
      os: image.config.os,
      architecture: image.config.architecture,
      storedBytes: account.storedBytes,
      visibleBytes: account.visibleBytes,
      hiddenBytes: account.hiddenBytes,
      compressedBytes: imageCompressedBytes(image.layers),
    },
    layers: image.layers.map((layer, index) => ({
      index,
      diffId: image.summaries[index]!.diffId,
      command: layer.command,
      ...(layer.source ? { source: layer.source } : {}),
      sizeBytes: image.summaries[index]!.sizeBytes,
      compressedBytes: layer.compressedBytes ?? null,
      mediaType: layer.mediaType || null,
      // Tar records the layer changes the filesystem with: entries, whiteouts, opaque markers.
      entries: image.summaries[index]!.changes.length,
    })),
    waste: {
      hiddenBytes: account.hiddenBytes,
      efficiency: dive.efficiency,
      wastedBytes: dive.wastedBytes,
      userWastedPercent: dive.userWastedPercent,
      entries: account.entries.map((e) => ({ path: displayPath(e.path), bytes: e.bytes, count: e.count, layers: e.layers })),
    },
  };
}

export interface LsRow {
  path: string;
  type: string;
  size: number;
  layer: number;
}

/** Every path of the merged view under `under` (default: everything), in path order. */
export function* lsRows(tree: MergedTree, under: ImagePath = ''): Generator<LsRow> {
  const from = tree.idOf(under);
  if (from === undefined) return;
  for (const { id, state } of tree.walkVisible(tree.layerCount - 1, from)) {
    yield {
      path: displayPath(tree.pathOf(id)),
      type: state.entry.type,
      size: tree.contentSize(state.entry, state.layer),
      layer: state.layer,
    };
  }
}
