// The summary cache cannot be poisoned: image B's config claims the diffID of a layer of image
// A while B's blob holds other bytes. With an empty cache B is refused (diffID mismatch); once A
// is cached, B must still be refused, and A must still open from the cache (a hit per layer).
// Docker archive, OCI layout and registry sources, each with a real cache in a temp dir.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packTar } from '../helpers/tar.js';
import { buildImage, ImageWorkspace, legacyDockerArchiveFiles, ociLayoutFiles, sha256, type SyntheticImage } from '../helpers/image.js';
import { FakeRegistry } from '../helpers/registry.js';
import { openSummaryCache } from '../../src/sources/cache.js';
import { openImage } from '../../src/sources/open.js';
import { analyseImage } from '../../src/core/analyse.js';
import type { LayerOrigin, LayerSummary, SummaryCache } from '../../src/core/model.js';

const scratch = mkdtempSync(join(tmpdir(), 'layerscope-poison-'));
const ws = new ImageWorkspace();
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  ws.cleanup();
});
let serial = 0;

/** The cache, counting hits. */
function countingCache(dir: string): SummaryCache & { hits: number } {
  const inner = openSummaryCache({ dir });
  const cache = {
    hits: 0,
    async get(diffId: string, origin: LayerOrigin): Promise<LayerSummary | undefined> {
      const s = await inner.get(diffId, origin);
      if (s) cache.hits++;
      return s;
    },
    put: (summary: LayerSummary, origin: LayerOrigin) => inner.put(summary, origin),
  };
  return cache;
}

async function paths(ref: string, cache: SummaryCache): Promise<string[]> {
  const source = await openImage(ref);
  try {
    const image = await analyseImage(source, { cache });
    return image.summaries.map((s) => [...s.changes].map((c) => (c.op === 'entry' ? c.entry.path : `-${c.path}`)).join(',')).concat();
  } finally {
    await source.close();
  }
}

async function images(): Promise<{ a: SyntheticImage; b: SyntheticImage; bContent: Buffer }> {
  const base = await packTar([{ name: 'etc/os-release', content: 'base' }]);
  const secret = await packTar([{ name: 'only-in-a', content: 'from image A' }]);
  const bContent = await packTar([{ name: 'only-in-b', content: 'from image B!' }]);
  const a = buildImage({ layers: [base, secret] });
  const b = buildImage({
    layers: [base, bContent],
    tags: ['test/b:latest'],
    patchConfig: (config) => {
      (config.rootfs as { diff_ids: string[] }).diff_ids[1] = a.diffIds[1]!;
    },
  });
  return { a, b, bContent };
}

function mismatch(b: Buffer, claimed: string): RegExp {
  return new RegExp(`layer 1 does not match the image config: its content hashes to ${sha256(b)} but rootfs.diff_ids\\[1\\] is ${claimed}`);
}

for (const format of ['docker-archive', 'oci-layout'] as const) {
  test(`cache poisoning (${format}): B claiming A's diffID is refused before and after A is cached; A then opens from the cache`, async () => {
    const { a, b, bContent } = await images();
    const dir = mkdtempSync(join(scratch, 'case-'));
    const write = async (img: SyntheticImage, name: string) =>
      format === 'docker-archive'
        ? ws.writeTar(`${name}-${++serial}.tar`, legacyDockerArchiveFiles([img]))
        : ws.writeDir(`${name}-${++serial}`, ociLayoutFiles([img]));
    const [aPath, bPath] = [await write(a, 'a'), await write(b, 'b')];
    const cache = countingCache(join(dir, 'cache'));
    await assert.rejects(paths(bPath, cache), mismatch(bContent, a.diffIds[1]!));
    assert.deepEqual(await paths(aPath, cache), ['etc/os-release', 'only-in-a']);
    cache.hits = 0;
    await assert.rejects(paths(bPath, cache), mismatch(bContent, a.diffIds[1]!), 'B is still refused once A is cached');
    // B's base layer (its own file, unchanged since B's first run) is the one hit.
    assert.equal(cache.hits, 1);
    cache.hits = 0;
    assert.deepEqual(await paths(aPath, cache), ['etc/os-release', 'only-in-a']);
    assert.equal(cache.hits, 2, "A's warm open: both layers from the cache");
    // A file changed since it was read proves nothing: touched, A is read again (and found the same).
    const later = new Date(Date.now() + 5000);
    utimesSync(format === 'docker-archive' ? aPath : join(aPath, 'blobs', 'sha256', a.layerDigests[1]!.slice(7)), later, later);
    cache.hits = 0;
    assert.deepEqual(await paths(aPath, cache), ['etc/os-release', 'only-in-a']);
    assert.equal(cache.hits, format === 'docker-archive' ? 0 : 1);
  });
}

test("cache poisoning (registry): B claiming A's diffID is refused before and after A is cached; A then opens from the cache", async () => {
  const { a, b, bContent } = await images();
  const reg = await FakeRegistry.start();
  try {
    reg.addImage('poison/a', 'latest', a);
    reg.addImage('poison/b', 'latest', b);
    const cache = countingCache(mkdtempSync(join(scratch, 'reg-')));
    const [aRef, bRef] = [`registry://${reg.host}/poison/a:latest`, `registry://${reg.host}/poison/b:latest`];
    await assert.rejects(paths(bRef, cache), mismatch(bContent, a.diffIds[1]!));
    assert.deepEqual(await paths(aRef, cache), ['etc/os-release', 'only-in-a']);
    cache.hits = 0;
    await assert.rejects(paths(bRef, cache), mismatch(bContent, a.diffIds[1]!), 'B is still refused once A is cached');
    // B's base layer is the same blob digest, read and checked before: that one is a hit.
    assert.equal(cache.hits, 1);
    cache.hits = 0;
    assert.deepEqual(await paths(aRef, cache), ['etc/os-release', 'only-in-a']);
    assert.equal(cache.hits, 2, "A's warm open: both layers from the cache");
  } finally {
    await reg.stop();
  }
});
