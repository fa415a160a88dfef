// Properties of the caches behind the browser: for random layer stacks (files, dirs, links,
// whiteouts, opaque markers, replacements),
// - a directory's bytes at every layer from the one subtree-bytes table (TreeView.subtreeBytes)
//   equal the regular-file bytes the reference merge shows below it, and the per-layer pass;
// - a merged tree restored from its columns (the merged-tree cache) answers like the merged one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MergedTree } from '../../src/core/merge.js';
import { TreeView } from '../../src/core/view.js';
import { loadableLayer, summariseLayers } from '../helpers/core.js';
import { referenceMerge } from '../helpers/reference.js';
import { propertySettings, stackArbitrary } from '../helpers/layerArbitraries.js';

const layersArb = stackArbitrary(['a', 'b', 'c']);
const settings = propertySettings(300);

test('subtree bytes at every layer, from one table, are the file bytes the reference merge shows below each path', async () => {
  await fc.assert(
    fc.asyncProperty(layersArb, async (layers) => {
      const summaries = await summariseLayers(layers.map(loadableLayer));
      const tree = new MergedTree(summaries);
      const reference = referenceMerge(summaries);
      const view = new TreeView(tree);
      for (let layer = 0; layer < summaries.length; layer++) {
        const files = [...reference[layer]!].filter(([, e]) => e.type === 'file');
        const perLayer = new TreeView(tree).sizesAt(layer);
        for (let id = 0; id < tree.nodeCount; id++) {
          const path = tree.pathOf(id);
          const below = files.filter(([p]) => id === 0 || p === path || p.startsWith(`${path}/`)).reduce((n, [, e]) => n + e.size, 0);
          assert.equal(view.subtreeBytes(id, layer), below, `/${path} after layer ${layer}`);
          assert.equal(perLayer[id], below, `/${path} after layer ${layer} (per-layer pass)`);
        }
      }
    }),
    settings,
  );
});

test('a merged tree restored from its columns answers every question as the merged one does', async () => {
  await fc.assert(
    fc.asyncProperty(layersArb, async (layers) => {
      const summaries = await summariseLayers(layers.map(loadableLayer));
      const tree = new MergedTree(summaries);
      const columns = tree.toColumns();
      assert.ok(columns);
      const restored = MergedTree.restore(summaries, columns);
      const ask = (t: MergedTree) => {
        const out: unknown[] = [t.nodeCount, t.touchedBy, t.nodeOfChange, t.warnings];
        for (let id = 0; id < t.nodeCount; id++) {
          const path = t.pathOf(id);
          out.push(path, t.idOf(path), t.parentOf(id), t.childrenOf(id), t.historyOf(id));
          for (let layer = 0; layer < t.layerCount; layer++) out.push(t.stateAt(id, layer), t.visibleEvent(id, layer));
        }
        for (let layer = 0; layer < t.layerCount; layer++) out.push([...t.walkVisible(layer)].map((v) => v.id));
        return out;
      };
      assert.deepEqual(ask(restored), ask(tree));
    }),
    settings,
  );
});
