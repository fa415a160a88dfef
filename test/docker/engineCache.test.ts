// The engine source against the real engine. Reopening an engine image: once every layer summary (and the config) is in the cache, the
// engine is asked only for its inspect — no `docker save`. Counted at the engine's socket through a
// forwarding proxy (test/helpers/engineProxy.ts): the real engine answers every request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerAvailable, need } from '../helpers/env.js';
import { buildImage, makeTemp, removeTemp, run, saveImage } from '../helpers/docker.js';
import { runLayerscope, childEnv } from '../helpers/cli.js';
import { startEngineProxy, type EngineProxy } from '../helpers/engineProxy.js';
import { analyseImage, type LayerProgress } from '../../src/core/analyse.js';
import { openImage } from '../../src/sources/open.js';
import { openTarFile } from '../../src/sources/tarIndex.js';
import { analyse } from '../../src/core/analysis.js';
import { CACHE_FORMAT, DEFAULT_MERGED_MIN_ENTRIES, openSummaryCache } from '../../src/sources/cache.js';
import { openConfigCache } from '../../src/sources/configCache.js';

const TAG = `layerscope-test/engine-cache:${process.pid}`;
let work: string | undefined;
let proxy: EngineProxy | undefined;
let built = false;

before(async () => {
  if (!dockerAvailable()) return;
  work = await makeTemp('layerscope-engine-cache-');
  const context = join(work, 'context');
  await run('mkdir', ['-p', context]);
  await writeFile(
    join(context, 'Dockerfile'),
    [
      'FROM layerscope-test/busybox:latest',
      'RUN mkdir -p /data && head -c 40000 /dev/zero > /data/big && echo one > /data/one.txt',
      'RUN rm /data/big && echo two > /data/two.txt',
      'ENV MODE=warm',
      'RUN echo three > /data/three.txt',
      '',
    ].join('\n'),
  );
  await buildImage(context, TAG);
  built = true;
  proxy = await startEngineProxy(work);
});

after(async () => {
  await proxy?.close();
  if (built) await run('docker', ['rmi', '-f', TAG]).catch(() => undefined);
  await removeTemp(work);
});

function envFor(cache: string): NodeJS.ProcessEnv {
  return { ...childEnv, DOCKER_HOST: `unix://${proxy!.socket}`, LAYERSCOPE_CACHE_DIR: cache, DOCKER_CONTEXT: '' };
}

/** Runs layerscope and returns the engine requests it made. */
async function counted(args: string[], cache: string) {
  const start = proxy!.requests.length;
  const result = await runLayerscope(args, { env: envFor(cache) });
  const requests = proxy!.requests.slice(start);
  const saves = requests.filter((r) => proxy!.saves().includes(r));
  return { result, requests, saves };
}

test('a warm open of an engine image makes no docker save and gives the same report as the cold open', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const cache = join(work!, 'cache-json');
  const cold = await counted([`docker://${TAG}`, '--json', join(work!, 'cold.json')], cache);
  assert.equal(cold.result.code, 0, cold.result.stderr);
  assert.equal(cold.saves.length, 1, `cold open: ${JSON.stringify(cold.requests)}`);
  const warm = await counted([`docker://${TAG}`, '--json', join(work!, 'warm.json')], cache);
  assert.equal(warm.result.code, 0, warm.result.stderr);
  assert.deepEqual(warm.saves, [], `warm open: ${JSON.stringify(warm.requests)}`);
  // The engine was asked: the ping and the image's inspect, nothing else.
  assert.deepEqual(
    warm.requests.map((r) => `${r.method} ${r.path}`),
    ['GET /_ping', `GET /images/${TAG}/json`],
  );
  const coldJson = await readFile(join(work!, 'cold.json'), 'utf8');
  const warmJson = await readFile(join(work!, 'warm.json'), 'utf8');
  assert.equal(warmJson, coldJson);
  const report = JSON.parse(warmJson) as { layers: Array<{ index: number; command: string }>; waste: { hiddenBytes: number } };
  assert.equal(report.layers.length, 5);
  assert.match(report.layers[4]!.command, /echo three/);
  assert.equal(report.waste.hiddenBytes, 40000);
});

test('file contents of a warm-opened engine image: the image is saved once, only when a file is read', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const cache = join(work!, 'cache-cat');
  const cold = await counted([`docker://${TAG}`, '--json', join(work!, 'cat-cold.json')], cache);
  assert.equal(cold.result.code, 0, cold.result.stderr);
  // The analysis alone needs no save now.
  const warm = await counted(['ls', `docker://${TAG}`, '/data', '--json'], cache);
  assert.equal(warm.result.code, 0, warm.result.stderr);
  assert.deepEqual(warm.saves, []);
  assert.deepEqual(
    warm.result.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { path: string }).path),
    ['/data', '/data/one.txt', '/data/three.txt', '/data/two.txt'],
  );
  // A hidden copy's bytes: they are only in the blobs, so the image is saved, once.
  const cat = await counted(['cat', `docker://${TAG}`, '/data/big', '--layer', '2'], cache);
  assert.equal(cat.result.code, 0, cat.result.stderr);
  assert.equal(cat.result.stdout, '\0'.repeat(40000));
  assert.equal(cat.saves.length, 1, JSON.stringify(cat.requests));
});

test('progress of a real engine save (no cache): every layer member is labelled with its index in the image', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  // The truth: the layer tars' sizes in image order, from the engine's own save.
  const archive = join(work!, 'progress.tar');
  await saveImage(TAG, archive);
  const files = await openTarFile(archive);
  const manifest = JSON.parse((await files.readBytes('manifest.json')).toString('utf8')) as Array<{ Layers: string[] }>;
  const sizes = manifest[0]!.Layers.map((name) => files.size(name));
  await files.close();
  assert.equal(new Set(sizes).size, sizes.length, 'layer tars of distinct sizes');
  const progress: LayerProgress[] = [];
  const source = await openImage(`docker://${TAG}`);
  try {
    await analyseImage(source, { onProgress: (p) => progress.push(p) });
  } finally {
    await source.close();
  }
  const placed = progress.filter((p) => p.layer !== undefined);
  assert.ok(placed.length > sizes.length);
  for (const p of placed) assert.equal(p.blobBytesTotal, sizes[p.layer!], `L${p.layer} is ${sizes[p.layer!]} bytes`);
  assert.deepEqual([...new Set(progress.filter((p) => p.done).map((p) => p.layer))].sort(), [0, 1, 2, 3, 4]);
});

test('a big engine image reopened from the cache restores its merged tree (no save, no merge) and gives the same report', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  // Over the merged-tree cache's threshold: 60,000 empty files on top of Debian.
  const tag = `layerscope-test/engine-merged:${process.pid}`;
  const context = join(work!, 'merged-context');
  await mkdir(context, { recursive: true });
  await writeFile(
    join(context, 'Dockerfile'),
    [
      'FROM layerscope-test/debian:bookworm',
      "RUN mkdir /many && cd /many && seq -f 'f%05g' 1 60000 | xargs touch",
      'RUN rm /many/f00001 && echo two > /many/two.txt',
      '',
    ].join('\n'),
  );
  await buildImage(context, tag);
  try {
    const cache = join(work!, 'cache-merged');
    const cold = await counted([`docker://${tag}`, '--json', join(work!, 'merged-cold.json')], cache);
    assert.equal(cold.result.code, 0, cold.result.stderr);
    assert.equal(cold.saves.length, 1);
    const dir = join(cache, CACHE_FORMAT, 'merged');
    const stored = (await readdir(dir)).filter((f) => f.endsWith('.bin'));
    assert.equal(stored.length, 1, 'the cold open stores the merged tree');
    // A hit refreshes the file's mtime (least recently used goes first) in place; a miss would
    // store the tree again, a new file renamed over it (another inode).
    const file = join(dir, stored[0]!);
    await utimes(file, 0, 0);
    const { ino } = await stat(file);
    const warm = await counted([`docker://${tag}`, '--json', join(work!, 'merged-warm.json')], cache);
    assert.equal(warm.result.code, 0, warm.result.stderr);
    assert.deepEqual(warm.saves, []);
    const after = await stat(file);
    assert.ok(after.ino === ino && after.mtimeMs > 0, 'the warm open read the merged tree and did not store it again');
    const coldJson = await readFile(join(work!, 'merged-cold.json'), 'utf8');
    assert.equal(await readFile(join(work!, 'merged-warm.json'), 'utf8'), coldJson);
    // In process: the warm open's image carries the stored tree, and it is the tree of these layers.
    const source = await openImage(`docker://${tag}`);
    try {
      const image = await analyseImage(source, { cache: openSummaryCache({ dir: cache }), configs: openConfigCache(cache) });
      assert.ok(image.merged, 'the engine warm path restored the merged tree');
      const entries = image.summaries.reduce((n, s) => n + s.changes.length, 0);
      assert.ok(entries >= DEFAULT_MERGED_MIN_ENTRIES, `${entries} entries`);
      const tree = analyse(image).tree;
      const at = (path: string, layer: number) => {
        const id = tree.idOf(path);
        assert.notEqual(id, undefined, path);
        const state = tree.stateAt(id!, layer);
        return state && { layer: state.layer, size: state.entry.size };
      };
      assert.deepEqual(at('many/f00001', 1), { layer: 1, size: 0 });
      assert.equal(at('many/f00001', 2), undefined);
      assert.deepEqual(at('many/f60000', 2), { layer: 1, size: 0 });
      assert.deepEqual(at('many/two.txt', 2), { layer: 2, size: 4 });
      assert.equal(at('many/two.txt', 1), undefined);
    } finally {
      await source.close();
    }
  } finally {
    await run('docker', ['rmi', '-f', tag]).catch(() => undefined);
  }
});
