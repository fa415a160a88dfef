// The JSON report and `ls --json`, exactly as the command-line contract in the design guide.
import type { Analysis } from '../core/analysis.js';
import { displayPath, type ImagePath } from '../core/model.js';
import type { MergedTree } from '../core/merge.js';

export interface JsonReport {
  image: { ref: string; id: string; os: string; architecture: string; storedBytes: number; visibleBytes: number; hiddenBytes: number };
  layers: Array<{
    index: number;
    diffId: string;
    command: string;
    /** The Dockerfile line that made the layer (stages built by `layerscope build`). */
    source?: { file: string; line: number; instruction: string };
    sizeBytes: number;
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
    },
    layers: image.layers.map((layer, index) => ({
      index,
      diffId: image.summaries[index]!.diffId,
      command: layer.command,
      ...(layer.source ? { source: layer.source } : {}),
      sizeBytes: image.summaries[index]!.sizeBytes,
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
