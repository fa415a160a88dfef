// Runs the core on synthetic layers: pack → walk → merge → account.
import { Readable } from 'node:stream';
import { walkLayer } from '../../src/core/walk.js';
import { MergedTree } from '../../src/core/merge.js';
import { accountBytes } from '../../src/core/hiddenBytes.js';
import type { LayerSummary } from '../../src/core/model.js';
import { packTar, type TarSpec } from './tar.js';
import { normaliseName } from '../../src/core/paths.js';

export async function walkBuffer(buf: Buffer): Promise<LayerSummary> {
  return walkLayer(Readable.from([buf]));
}

/** Drops from a random layer the entries the engine's applier would refuse the layer for, so a
 *  property can run on layers the engine accepts: hard links that do not name an earlier file
 *  (or link) of the layer, entries below a symlink made earlier in the layer, and entries below a
 *  file, hard link or device standing in the layer ("not a directory"). */
export function loadableLayer(specs: TarSpec[]): TarSpec[] {
  const clean = (n: string) => (normaliseName(n).ok ? (normaliseName(n) as { path: string }).path : n);
  const files = new Set<string>();
  const links: string[] = [];
  const nonDirs = new Set<string>();
  const out: TarSpec[] = [];
  for (const spec of specs) {
    const name = clean(spec.name);
    if (name === '') continue; // the root: the walker records nothing for it
    if (links.some((l) => name.startsWith(`${l}/`))) continue;
    if ([...nonDirs].some((f) => name.startsWith(`${f}/`))) continue;
    const type = spec.type ?? 'file';
    if (type === 'link' && !files.has(clean(spec.linkname ?? ''))) continue;
    if (type === 'symlink') links.push(name);
    if (type !== 'directory') for (const f of [...files]) if (f.startsWith(`${name}/`)) files.delete(f);
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (!base.startsWith('.wh.')) {
      if (type === 'file' || type === 'link') files.add(name);
      else files.delete(name);
      if (type === 'directory' || type === 'symlink') nonDirs.delete(name);
      else nonDirs.add(name);
    }
    out.push(spec);
  }
  return out;
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
