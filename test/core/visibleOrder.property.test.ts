// The visible order (core/visibleOrder.ts) the whole-image walks read is MergedTree.walkVisible's
// walk, column for column: for random layer stacks (files, dirs, links, whiteouts, opaque markers,
// replacements) at every layer, the same ids in the same order, each with the event that shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MergedTree } from '../../src/core/merge.js';
import { visibleOrder } from '../../src/core/visibleOrder.js';
import { loadableLayer, summariseLayers } from '../helpers/core.js';
import type { TarSpec } from '../helpers/tar.js';

const names = ['a', 'b', 'a-c', 'B'];
const pathArb = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const specArb: fc.Arbitrary<TarSpec> = fc.oneof(
  fc.record({ name: pathArb, content: fc.integer({ min: 0, max: 20 }) }),
  pathArb.map((name) => ({ name, type: 'directory' as const })),
  fc.record({ name: pathArb, linkname: fc.constantFrom('x', '/a', 'a/b') }).map((r) => ({ ...r, type: 'symlink' as const })),
  fc.record({ name: pathArb, linkname: pathArb }).map((r) => ({ ...r, type: 'link' as const })),
  pathArb.map((p) => {
    const cut = p.lastIndexOf('/');
    return { name: cut < 0 ? `.wh.${p}` : `${p.slice(0, cut)}/.wh.${p.slice(cut + 1)}`, content: '' };
  }),
  pathArb.map((p) => ({ name: `${p}/.wh..wh..opq`, content: '' })),
);
const layersArb = fc.array(fc.array(specArb, { maxLength: 8 }), { minLength: 1, maxLength: 5 });
const settings = { numRuns: 300, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31), verbose: 1 } as const;

test('the visible order is walkVisible’s walk at every layer: same ids, same order, the visible event of each', async () => {
  await fc.assert(
    fc.asyncProperty(layersArb, async (layers) => {
      const tree = new MergedTree(await summariseLayers(layers.map(loadableLayer)));
      for (let layer = 0; layer < tree.layerCount; layer++) {
        const walked = [...tree.walkVisible(layer)];
        const order = visibleOrder(tree, layer);
        assert.deepEqual(
          [...order.ids],
          walked.map((w) => w.id),
          `ids after layer ${layer}`,
        );
        assert.deepEqual(
          [...order.events].map((e) => [tree.eventLayer(e), tree.eventEntryIndex(e)]),
          walked.map((w) => [w.state.layer, w.state.entryIndex]),
          `events after layer ${layer}`,
        );
        assert.equal(visibleOrder(tree, layer), order, 'kept for the next walk');
      }
    }),
    settings,
  );
});
