// The side-by-side tree (core/compareTree.ts walks both merged views together) against the way it
// was built before (test/helpers/referenceCompareTree.ts: a map of every visible path per side):
// for random pairs of layer stacks sharing some base layers (files, dirs, symlinks, hard links,
// whiteouts, opaque markers, a path a file on one side and a directory on the other), the same
// rows in the same order, with the same entries, sums, statuses and copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareAnalyses } from '../../src/core/compare.js';
import { compareRowsJson, compareTree } from '../../src/core/compareTree.js';
import { analysisOf } from '../helpers/analysis.js';
import { loadableLayer } from '../helpers/core.js';
import { referenceCompareTree } from '../helpers/referenceCompareTree.js';
import { propertySettings, stackArbitrary } from '../helpers/layerArbitraries.js';

const stackArb = stackArbitrary(['a', 'b', 'a-c', 'B'], { minLayers: 0, maxLayers: 3, maxEntries: 6, maxContent: 6 });
const settings = propertySettings(200);

test('the tree of both views walked together is the one a map of every path per side gives, row for row', async () => {
  await fc.assert(
    fc.asyncProperty(stackArb, stackArb, stackArb, async (base, ownA, ownB) => {
      const a = await analysisOf('a', [...base, ...ownA, [{ name: 'keep', content: 1 }]].map(loadableLayer));
      const b = await analysisOf('b', [...base, ...ownB, [{ name: 'keep', content: 2 }]].map(loadableLayer));
      const comparison = compareAnalyses(a, b, { aLabel: 'a', bLabel: 'b' });
      const tree = compareTree(a, b, comparison);
      const reference = referenceCompareTree(a, b, comparison);
      assert.deepEqual(compareRowsJson(tree), compareRowsJson(reference));
      assert.deepEqual([...tree.byPath.keys()].sort(), [...reference.byPath.keys()].sort());
      assert.equal(tree.root.differences, reference.root.differences);
      assert.equal(tree.root.sumA, reference.root.sumA);
      assert.equal(tree.root.sumB, reference.root.sumB);
    }),
    settings,
  );
});
