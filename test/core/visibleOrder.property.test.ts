// The visible order (core/visibleOrder.ts) the whole-image walks read is MergedTree.walkVisible's
// walk, column for column: for random layer stacks (files, dirs, links, whiteouts, opaque markers,
// replacements) at every layer, the same ids in the same order, each with the event that shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MergedTree } from '../../src/core/merge.js';
import { visibleOrder } from '../../src/core/visibleOrder.js';
import { loadableLayer, summariseLayers } from '../helpers/core.js';
import { propertySettings, stackArbitrary } from '../helpers/layerArbitraries.js';

const layersArb = stackArbitrary(['a', 'b', 'a-c', 'B']);
const settings = propertySettings(300);

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
