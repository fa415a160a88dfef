// Runs the core on synthetic layers: pack → walk → merge → account.
import { Readable } from 'node:stream';
import { walkLayer } from '../../src/core/walk.js';
import { MergedTree } from '../../src/core/merge.js';
import { accountBytes } from '../../src/core/hiddenBytes.js';
import type { LayerSummary } from '../../src/core/model.js';
import { packTar, type TarSpec } from './tar.js';

export async function walkBuffer(buf: Buffer): Promise<LayerSummary> {
  return walkLayer(Readable.from([buf]));
}

export async function summariseLayers(layers: TarSpec[][]): Promise<LayerSummary[]> {
  const out: LayerSummary[] = [];
  for (const specs of layers) out.push(await walkBuffer(await packTar(specs)));
  return out;
}

export async function mergeLayers(layers: TarSpec[][]) {
  const summaries = await summariseLayers(layers);
  const tree = new MergedTree(summaries);
  return { summaries, tree, account: accountBytes(tree) };
}

/** The final merged view as `path type size layer` strings, in walk order. */
export function listing(tree: MergedTree, layer?: number): string[] {
  const out: string[] = [];
  for (const { id, state } of tree.walkVisible(layer)) {
    out.push(`/${tree.pathOf(id)} ${state.entry.type} ${tree.contentSize(state.entry, state.layer)} L${state.layer}`);
  }
  return out;
}
