// Independent oracle: skopeo (containers/image) converts our synthetic archives into the other
// formats; every conversion must open to the same image (diffIDs, commands), with blob bytes
// that hash to the digests the manifests give.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { commandAvailable, need } from '../helpers/env.js';
import { packTar, packTarGz } from '../helpers/tar.js';
import { buildImage, ImageWorkspace, type SyntheticImage } from '../helpers/image.js';
import { openImage } from '../../src/sources/open.js';

function skopeo(...args: string[]): void {
  const r = spawnSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${r.stderr}`);
}

async function blobDigest(stream: NodeJS.ReadableStream): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function assertSameImage(spec: string, img: SyntheticImage, commands: string[], platform?: string): Promise<void> {
  const source = await openImage(spec, platform ? { platform } : {});
  try {
    assert.deepEqual(
      source.layers.map((l) => l.diffId),
      img.diffIds,
      spec,
    );
    assert.deepEqual(
      source.layers.map((l) => l.command),
      commands,
      spec,
    );
    assert.equal(source.config.architecture, img.platform.architecture, spec);
    for (const layer of source.layers) {
      const actual = await blobDigest(await source.openLayer(layer.index));
      // docker-archive blobs are the uncompressed tars: their digest is the diffID.
      assert.equal(actual, layer.blobDigest ?? layer.diffId, `${spec} layer ${layer.index}`);
    }
  } finally {
    await source.close();
  }
}

function ready(t: TestContext): boolean {
  return need(t, 'skopeo', commandAvailable('skopeo'));
}

test('skopeo conversions of a docker save archive open to the same image', async (t) => {
  if (!ready(t)) return;
  const ws = new ImageWorkspace();
  try {
    const img = buildImage({
      layers: [
        await packTar([
          { name: 'etc/', type: 'directory' },
          { name: 'etc/hostname', content: 'box\n' },
        ]),
        await packTarGz([{ name: 'srv/data.bin', content: 5000 }]),
      ],
      history: [{ createdBy: '/bin/sh -c #(nop) ADD file:abc in / ' }, { createdBy: '/bin/sh -c make' }],
      tags: ['oracle/app:1'],
    });
    const commands = ['ADD file:abc in /', 'RUN /bin/sh -c make'];
    const legacy = await ws.legacyDockerArchive([img]);
    await assertSameImage(legacy, img, commands);

    const gzipDir = join(ws.dir, 'oci-gzip');
    skopeo('copy', '-q', `docker-archive:${legacy}`, `oci:${gzipDir}:v1`);
    await assertSameImage(gzipDir, img, commands);
    await assertSameImage(`oci://${gzipDir}:v1`, img, commands);

    const zstdTar = join(ws.dir, 'oci-zstd.tar');
    skopeo('copy', '-q', '--dest-compress-format', 'zstd', `docker-archive:${legacy}`, `oci-archive:${zstdTar}:v1`);
    await assertSameImage(zstdTar, img, commands);

    const rewritten = join(ws.dir, 'skopeo-docker.tar');
    skopeo('copy', '-q', `oci:${gzipDir}:v1`, `docker-archive:${rewritten}:oracle/app:2`);
    await assertSameImage(`${rewritten}:oracle/app:2`, img, commands);
  } finally {
    ws.cleanup();
  }
});

test('skopeo reads our multi-platform layout and copies it; the copy selects like the original', async (t) => {
  if (!ready(t)) return;
  const ws = new ImageWorkspace();
  try {
    const make = async (architecture: string, variant?: string) =>
      buildImage({
        layers: [await packTar([{ name: `bin/${architecture}`, content: architecture }])],
        architecture,
        ...(variant ? { variant } : {}),
        history: [{ createdBy: `COPY ${architecture} /bin/ # buildkit` }],
      });
    const images = [await make('amd64'), await make('arm64', 'v8'), await make('arm', 'v7')];
    const { path } = await ws.multiPlatformOci(images, { attestations: false });
    const copy = join(ws.dir, 'copied');
    skopeo('copy', '-q', '--all', `oci:${path}:latest`, `oci:${copy}:latest`);
    for (const [platform, img] of [
      ['linux/amd64', images[0]!],
      ['linux/arm64', images[1]!],
      ['linux/arm/v7', images[2]!],
    ] as const) {
      await assertSameImage(path, img, [`COPY ${img.platform.architecture} /bin/`], platform);
      await assertSameImage(copy, img, [`COPY ${img.platform.architecture} /bin/`], platform);
    }
    // One platform only: skopeo keeps just the host's manifest (its own platform choice).
    const single = join(ws.dir, 'single');
    skopeo('copy', '-q', '--override-arch', 'arm64', `oci:${path}:latest`, `oci:${single}:latest`);
    await assertSameImage(single, images[1]!, ['COPY arm64 /bin/'], 'linux/arm64');
  } finally {
    ws.cleanup();
  }
});
