// The engine source's streaming read of a `docker save` stream (no engine needed): layers are
// walked as they stream past, in the archive's member order, and put in layer order by
// manifest.json at the end. Checked against the archive source reading the same bytes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseImage } from '../../src/core/analyse.js';
import type { StreamProgress } from '../../src/core/model.js';
import { openImage } from '../../src/sources/open.js';
import { readCachedImage, readSaveArchive, type EngineImageInfo } from '../../src/sources/engine.js';
import { openSummaryCache } from '../../src/sources/cache.js';
import { openConfigCache } from '../../src/sources/configCache.js';
import { requestPlatform } from '../../src/sources/platform.js';
import { buildImage, ImageWorkspace, legacyDockerArchiveFiles, type SyntheticImage } from '../helpers/image.js';

/** Store-level tests: the origin is one that needs no proof (an engine's store). */
const ENGINE = { engine: true } as const;
import { packTar, packTarGz } from '../helpers/tar.js';

const ws = new ImageWorkspace();
after(() => ws.cleanup());

async function sample(): Promise<SyntheticImage> {
  const same = await packTar([{ name: 'same/', type: 'directory' }]);
  return buildImage({
    layers: [
      await packTar([
        { name: 'bin/', type: 'directory' },
        { name: 'bin/sh', content: 1000, mode: 0o755 },
      ]),
      same,
      await packTar([{ name: 'app/a.txt', content: 'hello' }, { name: 'bin/.wh.sh' }]),
      same, // the same layer twice: a legacy save stores it once and links the second name
    ],
    history: [
      { createdBy: 'COPY sh /bin/sh' },
      { createdBy: 'RUN mkdir /same' },
      { createdBy: 'ENV X=1', emptyLayer: true },
      { createdBy: 'RUN echo hello' },
      { createdBy: 'RUN mkdir -p /same' },
    ],
    tags: ['stream/test:1'],
  });
}

function infoOf(img: SyntheticImage): EngineImageInfo {
  return { id: img.configDigest, diffIds: img.diffIds, platform: { os: 'linux', architecture: 'amd64' }, repoTags: img.tags, size: 0 };
}

async function viaArchive(path: string) {
  const source = await openImage(path);
  try {
    return await analyseImage(source);
  } finally {
    await source.close();
  }
}

for (const format of ['legacy', 'docker25'] as const) {
  test(`${format} save stream: the same image as the archive source, layers in manifest order`, async () => {
    const img = await sample();
    const path =
      format === 'legacy'
        ? await ws.legacyDockerArchive([img], 'legacy-stream.tar')
        : await ws.docker25Archive([img], {}, 'docker25-stream.tar');
    const progress: StreamProgress[] = [];
    const streamed = await readSaveArchive(createReadStream(path), infoOf(img), {
      where: 'docker://stream/test:1',
      address: 'unix:///test.sock',
      platform: requestPlatform('linux/amd64'),
      onProgress: (p) => progress.push(p),
    });
    const archive = await viaArchive(path);
    assert.equal(streamed.id, img.configDigest);
    assert.deepEqual(streamed.summaries, archive.summaries);
    assert.deepEqual(streamed.config, archive.config);
    assert.deepEqual(
      streamed.layers.map((l) => [l.index, l.diffId, l.command]),
      archive.layers.map((l) => [l.index, l.diffId, l.command]),
    );
    assert.deepEqual(
      streamed.summaries.map((s) => s.diffId),
      img.diffIds,
    );
    assert.deepEqual(
      streamed.layers.map((l) => l.command),
      ['COPY sh /bin/sh', 'RUN mkdir /same', 'RUN echo hello', 'RUN mkdir -p /same'],
    );
    assert.deepEqual(streamed.warnings, []);
    // Progress: one member per layer that streamed past (a linked duplicate is not read twice),
    // each labelled with its index in the image.
    assertPlacedProgress(progress, img, 3);
  });
}

/** Every progress event that names a layer names the right one (the layer whose tar is the
 *  member's size), every member is placed by its last event, and no two members share a layer. */
function assertPlacedProgress(progress: StreamProgress[], img: SyntheticImage, members: number): Map<string, number> {
  const done = progress.filter((p) => p.done);
  assert.equal(done.length, members);
  const placed = new Map<string, number>();
  for (const p of done) {
    assert.ok(p.layer !== undefined, `${p.member} is placed once read`);
    assert.equal(p.blobBytesRead, p.blobBytesTotal);
    assert.equal(p.blobBytesTotal, img.layers[p.layer]!.tar.length, `${p.member} is layer ${p.layer}`);
    placed.set(p.member, p.layer);
  }
  assert.equal(new Set(placed.values()).size, members);
  for (const p of progress) if (p.layer !== undefined) assert.equal(p.layer, placed.get(p.member), `${p.member} labelled L${p.layer}`);
  return placed;
}

test('a legacy save in the engine member order (by name, not by layer): each layer member is labelled with its own index', async () => {
  // Five layers of distinct sizes; Docker ≤ 24 writes `<v1 id>/…` directories in name order.
  const tars = await Promise.all([1000, 3000, 5000, 7000, 9000].map((n, i) => packTar([{ name: `l${i}.bin`, content: n }])));
  const img = buildImage({ layers: tars, tags: ['stream/order:1'] });
  const files = legacyDockerArchiveFiles([img]);
  const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const order = [...sorted.keys()].filter((k) => k.endsWith('/layer.tar'));
  const manifest = JSON.parse((files.get('manifest.json') as Buffer).toString('utf8')) as Array<{ Layers: string[] }>;
  const truth = new Map(manifest[0]!.Layers.map((name, i) => [name, i]));
  // The archive's order is not the image's: the old labels (arrival order) would be wrong.
  assert.notDeepEqual(
    order.map((n) => truth.get(n)),
    [0, 1, 2, 3, 4],
  );
  const path = await ws.writeTar('legacy-sorted.tar', sorted);
  const progress: StreamProgress[] = [];
  const streamed = await readSaveArchive(createReadStream(path), infoOf(img), {
    where: 'docker://stream/order:1',
    address: 'unix:///test.sock',
    platform: requestPlatform('linux/amd64'),
    onProgress: (p) => progress.push(p),
  });
  assert.deepEqual(
    streamed.summaries.map((s) => s.diffId),
    img.diffIds,
  );
  const placed = assertPlacedProgress(progress, img, 5);
  assert.deepEqual(placed, truth);
  // The base layer (its json names no parent) is labelled L0 from its first byte.
  const base = manifest[0]!.Layers[0]!;
  assert.equal(progress.find((p) => p.member === base)?.layer, 0);
  // A member whose parent streamed past before it is labelled from its first byte too.
  for (const [i, name] of manifest[0]!.Layers.entries()) {
    if (i === 0 || order.indexOf(manifest[0]!.Layers[i - 1]!) > order.indexOf(name)) continue;
    assert.equal(progress.find((p) => p.member === name)?.layer, i, `${name} follows its parent`);
  }
});

test('a layer that does not hash to its diffID is an error naming the layer', async () => {
  const img = await sample();
  const files = legacyDockerArchiveFiles([img]);
  const name = [...files.keys()].find(
    (k) => k.endsWith('/layer.tar') && Buffer.isBuffer(files.get(k)) && (files.get(k) as Buffer).length > 2048,
  )!;
  files.set(name, await packTar([{ name: 'bin/sh', content: 999 }]));
  const path = await ws.writeTar('bad.tar', files);
  await assert.rejects(
    readSaveArchive(createReadStream(path), infoOf(img), {
      where: 'docker://x',
      address: 'unix:///s',
      platform: requestPlatform(undefined),
    }),
    {
      name: 'InputError',
      message: /^layer 0 does not match the image config: its content hashes to sha256:[0-9a-f]{64} but rootfs\.diff_ids\[0\] is sha256:/,
    },
  );
});

test('a stream without manifest.json, or cut short, is one clear error', async () => {
  const img = await sample();
  const files = legacyDockerArchiveFiles([img]);
  files.delete('manifest.json');
  const noManifest = await ws.writeTar('nomanifest.tar', files);
  await assert.rejects(
    readSaveArchive(createReadStream(noManifest), infoOf(img), {
      where: 'docker://x',
      address: 'unix:///s',
      platform: requestPlatform(undefined),
    }),
    { name: 'InputError', message: "docker://x: the engine's image stream has no manifest.json" },
  );
  const whole = await ws.legacyDockerArchive([img], 'whole.tar');
  const cut = createReadStream(whole, { start: 0, end: 3000 });
  await assert.rejects(
    readSaveArchive(cut, infoOf(img), { where: 'docker://x', address: 'unix:///s', platform: requestPlatform(undefined) }),
    { name: 'InputError', message: /^docker:\/\/x: the image stream from unix:\/\/\/s broke off: / },
  );
});

test('a layer blob the engine did not announce (inspect without RootFS) is still found through the manifest', async () => {
  const img = buildImage({ layers: [await packTarGz([{ name: 'x', content: 10 }])] });
  const path = await ws.docker25Archive([img], {}, 'gz.tar');
  const streamed = await readSaveArchive(
    createReadStream(path),
    { ...infoOf(img), diffIds: [] },
    { where: 'docker://x', address: 'unix:///s', platform: requestPlatform(undefined) },
  );
  // docker save stores layers uncompressed; this one was kept in memory as a small member and
  // walked once manifest.json named it.
  assert.deepEqual(
    streamed.summaries.map((s) => [s.compression, s.sizeBytes, s.diffId]),
    [['none', 10, img.diffIds[0]]],
  );
});

test('where the engine is looked for: DOCKER_HOST, else the first socket that exists; Podman likewise', async () => {
  const { engineEndpoint, unreachableMessage } = await import('../../src/sources/engine.js');
  const none = () => false;
  const docker = engineEndpoint('docker', { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' }, none);
  assert.equal(docker.address, 'unix:///var/run/docker.sock');
  assert.deepEqual(docker.options, { socketPath: '/var/run/docker.sock' });
  assert.equal(docker.tried[0], 'unix:///var/run/docker.sock');
  assert.equal(docker.tried.at(-1), 'unix:///run/user/1000/docker.sock');
  assert.equal(
    unreachableMessage(docker, 'connect ENOENT /var/run/docker.sock'),
    `cannot reach the Docker engine (tried ${docker.tried.join(', ')}): connect ENOENT /var/run/docker.sock; ` +
      'start Docker (sudo systemctl start docker), set DOCKER_HOST to where it listens, or use --source podman',
  );
  const system = engineEndpoint('docker', {}, (p) => p === '/var/run/docker.sock');
  assert.equal(system.address, 'unix:///var/run/docker.sock');
  assert.match(unreachableMessage(system, 'connect EACCES /var/run/docker.sock'), /add your user to the docker group/);
  const tcp = engineEndpoint('docker', { DOCKER_HOST: 'tcp://10.0.0.2:2376' }, none);
  assert.deepEqual([tcp.address, tcp.origin, tcp.options], ['tcp://10.0.0.2:2376', 'DOCKER_HOST', {}]);
  const podman = engineEndpoint('podman', { XDG_RUNTIME_DIR: '/run/user/1000' }, (p) => p === '/run/podman/podman.sock');
  assert.deepEqual(
    [podman.address, podman.tried],
    ['unix:///run/podman/podman.sock', ['unix:///run/user/1000/podman/podman.sock', 'unix:///run/podman/podman.sock']],
  );
  const podmanTcp = engineEndpoint('podman', { CONTAINER_HOST: 'tcp://127.0.0.1:8888' }, none);
  assert.deepEqual(podmanTcp.options, { host: '127.0.0.1', port: 8888, protocol: 'http' });
  assert.throws(() => engineEndpoint('podman', { CONTAINER_HOST: 'ssh://core@host/run/podman.sock' }, none), { name: 'InputError' });
});

test('from the caches alone (no save stream): the same image as the stream gave, or nothing when a piece is missing or forged', async () => {
  const img = await sample();
  const path = await ws.docker25Archive([img], {}, 'docker25-cached.tar');
  const where = 'docker://stream/test:1';
  const platform = requestPlatform('linux/amd64');
  const streamed = await readSaveArchive(createReadStream(path), infoOf(img), { where, address: 'unix:///test.sock', platform });
  const root = await mkdtemp(join(tmpdir(), 'layerscope-engine-cache-'));
  try {
    const caches = { summaries: openSummaryCache({ dir: root }), configs: openConfigCache(root) };
    assert.equal(await readCachedImage(infoOf(img), caches, platform, where), undefined);
    for (const s of streamed.summaries) await caches.summaries.put(s, ENGINE);
    // Summaries alone are not enough: the config (history, commands) came with the stream.
    assert.equal(await readCachedImage(infoOf(img), caches, platform, where), undefined);
    await caches.configs.putConfig(streamed.id, streamed.configBytes!);
    const cached = await readCachedImage(infoOf(img), caches, platform, where);
    assert.ok(cached);
    assert.equal(cached.id, img.configDigest);
    assert.deepEqual(cached.config, streamed.config);
    assert.deepEqual(cached.layers, streamed.layers);
    assert.deepEqual(cached.summaries, streamed.summaries);
    assert.deepEqual(cached.warnings, []);
    // The inspect's diffIDs must be the config's.
    const other = { ...infoOf(img), diffIds: [...img.diffIds].reverse() };
    assert.equal(await readCachedImage(other, caches, platform, where), undefined);
    // A config entry whose bytes do not hash to the image ID is a miss, and is removed.
    const file = join(root, 'configs', `${img.configDigest.slice(7)}.json`);
    await writeFile(file, Buffer.concat([streamed.configBytes!, Buffer.from(' ')]));
    assert.equal(await readCachedImage(infoOf(img), caches, platform, where), undefined);
    await assert.rejects(stat(file), { code: 'ENOENT' });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
