// The path filter's name index (core/nameIndex.ts) against the plain scan it replaces: for random
// layer stacks with names in mixed case and beyond ASCII (İ lower-cases to two characters, the
// Kelvin sign K to an ASCII k, which the filter's case folding does not match), every filter text
// finds exactly the paths that testing each stored path with the filter's own test finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MergedTree } from '../../src/core/merge.js';
import { parseFilter, TreeView, type ViewOptions } from '../../src/core/view.js';
import { NameIndex } from '../../src/core/nameIndex.js';
import { loadableLayer, summariseLayers } from '../helpers/core.js';
import { propertySettings, stackArbitrary } from '../helpers/layerArbitraries.js';

const names = ['a', 'B', 'ab', 'Ab', 'İx', '\u212a', 'ké', 'f10', 'xf1', 'f1.dat'];
const layersArb = stackArbitrary(names, { maxLayers: 4, maxContent: 20 });
const texts = ['a', 'b', 'B', 'ab', 'Ab', 'i', 'x', 'k', 'K', 'é', 'f1', 'f10', '.dat', 'a/b', 'İ'];
const settings = propertySettings(200);

test('the name index finds exactly the paths a scan of every stored path finds, for every filter text', async () => {
  await fc.assert(
    fc.asyncProperty(layersArb, async (layers) => {
      const tree = new MergedTree(await summariseLayers(layers.map(loadableLayer)));
      const view = new TreeView(tree);
      for (const text of texts) {
        const filter = parseFilter(text);
        assert.ok(filter.ok && filter.filter);
        const scanned: number[] = [];
        for (let id = 1; id < tree.nodeCount; id++) if (filter.filter.testPath(tree.pathOf(id))) scanned.push(id);
        assert.deepEqual(view.matchingIds(filter.filter), scanned, `filter ${text}`);
      }
    }),
    settings,
  );
});

test('the name index takes plain text without a slash; case is ignored only for ASCII text', () => {
  assert.equal(NameIndex.handles('f10', true), true);
  assert.equal(NameIndex.handles('F10', false), true);
  assert.equal(NameIndex.handles('a/b', true), false);
  assert.equal(NameIndex.handles('é', true), false);
  assert.equal(NameIndex.handles('é', false), true);
  assert.equal(NameIndex.handles('', true), false);
});

test('a filter on Enter counts its matches without listing them: the count is the ordered list’s length', async () => {
  const tree = new MergedTree(
    await summariseLayers(
      [
        [
          { name: 'usr/lib/f10.dat', content: 10 },
          { name: 'usr/lib/f2.dat', content: 5 },
          { name: 'f10/x', content: 1 },
          { name: 'opt/F10', content: 3 },
        ],
        [
          { name: 'usr/lib/.wh.f10.dat', content: '' },
          { name: 'srv/f100', content: 7 },
        ],
      ].map(loadableLayer),
    ),
  );
  const view = new TreeView(tree);
  const filter = parseFilter('f10');
  assert.ok(filter.ok && filter.filter);
  const all = { added: true, modified: true, removed: true, unchanged: true };
  for (const [layer, show, expected] of [
    [0, all, ['/f10', '/f10/x', '/opt/F10', '/usr/lib/f10.dat']],
    [1, all, ['/f10', '/f10/x', '/opt/F10', '/srv/f100', '/usr/lib/f10.dat']],
    // Only what layer 1 added: /srv/f100; removed: /usr/lib/f10.dat (shown as removed).
    [1, { added: true, modified: false, removed: false, unchanged: false }, ['/srv/f100']],
  ] as Array<[number, ViewOptions['show'], string[]]>) {
    const options: ViewOptions = { layer, changesOnly: false, show, sort: 'name', filter: filter.filter };
    const ordered: string[] = view.matchesInOrder(options).map((id) => `/${tree.pathOf(id)}`);
    assert.deepEqual(ordered, expected, `layer ${layer}`);
    assert.equal(new TreeView(tree).matchCount(options), expected.length, `count at layer ${layer}`);
    assert.equal(view.matchCount(options), expected.length);
  }
});

test('stepping from match to match (n / N) walks the matches in display order and wraps at both ends', async () => {
  const shows: Array<ViewOptions['show']> = [
    { added: true, modified: true, removed: true, unchanged: true },
    { added: true, modified: false, removed: true, unchanged: false },
  ];
  await fc.assert(
    fc.asyncProperty(layersArb, fc.constantFrom('a', 'b', 'f1', 'x', 'k'), fc.constantFrom('name', 'size'), async (layers, text, sort) => {
      const tree = new MergedTree(await summariseLayers(layers.map(loadableLayer)));
      const view = new TreeView(tree);
      const parsed = parseFilter(text);
      assert.ok(parsed.ok && parsed.filter);
      for (let layer = 0; layer < tree.layerCount; layer++) {
        for (const show of shows) {
          const options: ViewOptions = { layer, changesOnly: false, show, sort: sort as 'name' | 'size', filter: parsed.filter };
          const ordered = view.matchesInOrder(options);
          assert.equal(view.matchCount(options), ordered.length);
          if (ordered.length === 0) continue;
          assert.equal(view.firstMatch(options), ordered[0]);
          const forward: number[] = [];
          const backward: number[] = [];
          for (let k = 0, at = ordered[0]!; k < ordered.length; k++, at = view.matchBeside(at, 1, options)!) forward.push(at);
          for (let k = 0, at = ordered[0]!; k < ordered.length; k++, at = view.matchBeside(at, -1, options)!) backward.push(at);
          assert.deepEqual(forward, ordered, `n at layer ${layer}`);
          assert.deepEqual(backward, [ordered[0]!, ...ordered.slice(1).reverse()], `N at layer ${layer}`);
          assert.equal(view.matchBeside(ordered[ordered.length - 1]!, 1, options), ordered[0], 'n after the last is the first');
        }
      }
    }),
    settings,
  );
});
