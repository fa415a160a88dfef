// Random layer stacks for the property tests: files, directories, symlinks, hard links,
// whiteouts and opaque markers over a few names (so paths collide, replace and hide each other).
import fc from 'fast-check';
import type { TarSpec } from './tar.js';

/** A path of one to three of `names`. */
export function pathArbitrary(names: readonly string[]): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
}

/** One tar entry over `names`; files of up to `maxContent` bytes. */
export function entryArbitrary(names: readonly string[], maxContent = 50): fc.Arbitrary<TarSpec> {
  const pathArb = pathArbitrary(names);
  return fc.oneof(
    fc.record({ name: pathArb, content: fc.integer({ min: 0, max: maxContent }) }),
    pathArb.map((name) => ({ name, type: 'directory' as const })),
    fc.record({ name: pathArb, linkname: fc.constantFrom('x', '/a', 'a/b') }).map((r) => ({ ...r, type: 'symlink' as const })),
    fc.record({ name: pathArb, linkname: pathArb }).map((r) => ({ ...r, type: 'link' as const })),
    pathArb.map((p) => {
      const cut = p.lastIndexOf('/');
      return { name: cut < 0 ? `.wh.${p}` : `${p.slice(0, cut)}/.wh.${p.slice(cut + 1)}`, content: '' };
    }),
    pathArb.map((p) => ({ name: `${p}/.wh..wh..opq`, content: '' })),
  );
}

/** A stack of layers of up to `maxEntries` entries each. */
export function stackArbitrary(
  names: readonly string[],
  { minLayers = 1, maxLayers = 5, maxEntries = 8, maxContent = 50 } = {},
): fc.Arbitrary<TarSpec[][]> {
  return fc.array(fc.array(entryArbitrary(names, maxContent), { maxLength: maxEntries }), { minLength: minLayers, maxLength: maxLayers });
}

/** fast-check settings: `runs` cases, seed from FC_SEED (to replay a failure) or the clock. */
export function propertySettings(runs: number) {
  return { numRuns: runs, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31), verbose: 1 } as const;
}
