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
import type { TarSpec } from '../helpers/tar.js';

const names = ['a', 'b', 'a-c', 'B'];
const pathArb = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const specArb: fc.Arbitrary<TarSpec> = fc.oneof(
  fc.record({ name: pathArb, content: fc.integer({ min: 0, max: 6 }) }),
  pathArb.map((name) => ({ name, type: 'directory' as const })),
  fc.record({ name: pathArb, linkname: fc.constantFrom('x', '/a', 'a/b') }).map((r) => ({ ...r, type: 'symlink' as const })),
  fc.record({ name: pathArb, linkname: pathArb }).map((r) => ({ ...r, type: 'link' as const })),
  pathArb.map((p) => {
    const cut = p.lastIndexOf('/');
    return { name: cut < 0 ? `.wh.${p}` : `${p.slice(0, cut)}/.wh.${p.slice(cut + 1)}`, content: '' };
  }),
  pathArb.map((p) => ({ name: `${p}/.wh..wh..opq`, content: '' })),
);
const stackArb = fc.array(fc.array(specArb, { maxLength: 6 }), { minLength: 0, maxLength: 3 });
const settings = { numRuns: 200, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31), verbose: 1 } as const;

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
