// The optimised dive metrics against the object-per-node reference, on random layer stacks
// (whiteouts of present and missing paths, opaque markers, re-adds in one layer, links).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diveMetrics } from '../../src/core/dive.js';
import { referenceDiveMetrics } from '../helpers/diveReference.js';
import { loadableLayer, summariseLayers } from '../helpers/core.js';
import type { TarSpec } from '../helpers/tar.js';

const names = ['a', 'b', '-c', 'é'];
const pathArb = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
const whiteoutOf = (p: string) => {
  const cut = p.lastIndexOf('/');
  return cut < 0 ? `.wh.${p}` : `${p.slice(0, cut)}/.wh.${p.slice(cut + 1)}`;
};
const specArb: fc.Arbitrary<TarSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: pathArb, content: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 2, arbitrary: pathArb.map((name) => ({ name, type: 'directory' as const })) },
  { weight: 1, arbitrary: fc.record({ name: pathArb, linkname: pathArb }).map((r) => ({ ...r, type: 'link' as const })) },
  { weight: 2, arbitrary: pathArb.map((p) => ({ name: whiteoutOf(p), content: '' })) },
  { weight: 1, arbitrary: pathArb.map((p) => ({ name: `${p}/.wh..wh..opq`, content: '' })) },
);

test('optimised dive metrics equal the reference implementation exactly', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(specArb, { maxLength: 10 }), { minLength: 1, maxLength: 5 }), async (layers) => {
      const summaries = await summariseLayers(layers.map(loadableLayer));
      const fast = diveMetrics(summaries);
      const reference = referenceDiveMetrics(summaries);
      assert.deepEqual(fast, reference);
    }),
    { numRuns: 1500, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
  );
});

test('layers that delete and re-add under one path, deep trees: still equal to the reference', async () => {
  const deep = fc.array(fc.constantFrom('a', 'ab', 'a-', 'b'), { minLength: 1, maxLength: 5 }).map((p) => p.join('/'));
  const spec: fc.Arbitrary<TarSpec> = fc.oneof(
    fc.record({ name: deep, content: fc.integer({ min: 1, max: 30 }) }),
    deep.map((name) => ({ name, type: 'directory' as const })),
    deep.map((p) => ({ name: whiteoutOf(p), content: '' })),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(spec, { minLength: 3, maxLength: 14 }), { minLength: 2, maxLength: 4 }), async (layers) => {
      const summaries = await summariseLayers(layers.map(loadableLayer));
      assert.deepEqual(diveMetrics(summaries), referenceDiveMetrics(summaries));
    }),
    { numRuns: 1500, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
  );
});
