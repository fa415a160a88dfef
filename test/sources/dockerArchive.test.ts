import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { packTar, packTarGz, zstdRawFrame } from '../helpers/tar.js';
import {
  buildImage,
  docker25ArchiveFiles,
  hexOf,
  ImageWorkspace,
  legacyDockerArchiveFiles,
  sha256,
  type SyntheticImage,
} from '../helpers/image.js';
import { openImage } from '../../src/sources/open.js';
import type { ImageSource } from '../../src/core/model.js';

async function layers(): Promise<Buffer[]> {
  return [
    await packTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/os-release', content: 'ID=test\n' },
    ]),
    await packTar([
      { name: 'app/', type: 'directory' },
      { name: 'app/a.txt', content: 'A'.repeat(700) },
    ]),
    await packTar([{ name: 'app/b.txt', content: 'B'.repeat(30) }]),
  ];
}

const HISTORY = [
  { createdBy: '/bin/sh -c #(nop) ADD file:base in / ' },
  { createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', emptyLayer: true },
  { createdBy: '/bin/sh -c mkdir /app && echo A > /app/a.txt' },
  { createdBy: 'COPY b.txt /app/ # buildkit' },
  { createdBy: 'ENTRYPOINT ["/init"]', emptyLayer: true },
];

async function withSource(path: string, fn: (s: ImageSource) => Promise<void>, opts = {}): Promise<void> {
  const source = await openImage(path, opts);
  try {
    await fn(source);
  } finally {
    await source.close();
  }
}

async function assertLayerBytes(source: ImageSource, expected: Buffer[]): Promise<void> {
  for (let i = 0; i < expected.length; i++) {
    assert.ok((await buffer(await source.openLayer(i))).equals(expected[i]!), `layer ${i} bytes`);
  }
}

function assertImage(source: ImageSource, img: SyntheticImage): void {
  assert.equal(source.id, img.configDigest);
  assert.deepEqual(
    source.layers.map((l) => l.diffId),
    img.diffIds,
  );
  assert.deepEqual(
    source.layers.map((l) => l.index),
    [0, 1, 2],
  );
  assert.deepEqual(
    source.layers.map((l) => l.command),
    ['ADD file:base in /', 'RUN /bin/sh -c mkdir /app && echo A > /app/a.txt', 'COPY b.txt /app/'],
  );
  assert.equal(source.config.os, 'linux');
  assert.equal(source.config.architecture, 'amd64');
  assert.equal(source.config.history.length, 5);
}

test('legacy docker save: manifest.json order, diffIDs, commands, image ID, raw layer bytes', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = buildImage({ layers: await layers(), history: HISTORY });
    const path = await ws.legacyDockerArchive([img]);
    await withSource(path, async (source) => {
      assertImage(source, img);
      assert.equal(source.ref, path);
      assert.deepEqual(source.warnings, []);
      assert.deepEqual(
        source.layers.map((l) => l.blobSize),
        img.layers.map((l) => l.tar.length),
      );
      assert.deepEqual(
        source.layers.map((l) => l.blobDigest),
        [undefined, undefined, undefined],
      );
      await assertLayerBytes(
        source,
        img.layers.map((l) => l.tar),
      );
    });
  } finally {
    ws.cleanup();
  }
});

test('legacy docker save: a repeated layer stored as a symlink to the first layer.tar is followed', async () => {
  const ws = new ImageWorkspace();
  try {
    const same = await packTar([{ name: 'same.txt', content: 'same' }]);
    const other = await packTar([{ name: 'other.txt', content: 'other' }]);
    const img = buildImage({ layers: [same, other, same] });
    const files = legacyDockerArchiveFiles([img]);
    const symlinks = [...files.values()].filter((v) => !Buffer.isBuffer(v));
    assert.equal(symlinks.length, 1, 'the fixture links the third layer to the first');
    const path = await ws.writeTar('dup.tar', files);
    await withSource(path, async (source) => {
      assert.deepEqual(
        source.layers.map((l) => l.diffId),
        [sha256(same), sha256(other), sha256(same)],
      );
      assert.deepEqual(
        source.layers.map((l) => l.command),
        ['COPY layer0 /', 'COPY layer1 /', 'COPY layer2 /'],
      );
      await assertLayerBytes(source, [same, other, same]);
    });
  } finally {
    ws.cleanup();
  }
});

test('Docker 25 docker save: layers in manifest.json order although blobs sort otherwise and the OCI manifest is empty', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = buildImage({ layers: await layers(), history: HISTORY });
    const sorted = [...img.diffIds].sort();
    assert.notDeepEqual(sorted, img.diffIds, 'fixture: archive member order differs from layer order');
    const path = await ws.docker25Archive([img], { brokenOciManifest: true });
    await withSource(path, async (source) => {
      assertImage(source, img);
      assert.deepEqual(
        source.layers.map((l) => l.blobDigest),
        img.diffIds,
      );
      assert.deepEqual(source.warnings, []);
      await assertLayerBytes(
        source,
        img.layers.map((l) => l.tar),
      );
    });
  } finally {
    ws.cleanup();
  }
});

test('Docker 25 with the containerd store: compressed blobs are streamed as stored', async () => {
  const ws = new ImageWorkspace();
  try {
    const gz = await packTarGz([{ name: 'g.txt', content: 'gzip' }]);
    const zst = zstdRawFrame(await packTar([{ name: 'z.txt', content: 'zstd' }]));
    const img = buildImage({ layers: [gz, zst] });
    const path = await ws.docker25Archive([img], { keepCompressed: true });
    await withSource(path, async (source) => {
      assert.deepEqual(
        source.layers.map((l) => l.blobDigest),
        [sha256(gz), sha256(zst)],
      );
      assert.deepEqual(
        source.layers.map((l) => l.diffId),
        img.diffIds,
      );
      assert.deepEqual(
        source.layers.map((l) => l.blobSize),
        [gz.length, zst.length],
      );
      await assertLayerBytes(source, [gz, zst]);
    });
  } finally {
    ws.cleanup();
  }
});

test('several images: the first by default with a warning, or the one PATH:TAG names', async () => {
  const ws = new ImageWorkspace();
  try {
    const [l0, l1] = await layers();
    const a = buildImage({ layers: [l0!], tags: ['app:1', 'app:latest'] });
    const b = buildImage({ layers: [l0!, l1!], tags: ['docker.io/library/web:2'] });
    const c = buildImage({ layers: [l1!], tags: [] });
    for (const write of [
      () => ws.legacyDockerArchive([a, b, c], 'multi-legacy.tar'),
      () => ws.docker25Archive([a, b, c], {}, 'multi-25.tar'),
    ]) {
      const path = await write();
      await withSource(path, async (source) => {
        assert.equal(source.id, a.configDigest);
        assert.deepEqual(source.warnings, [
          `${path} holds 3 images; analysing the first (app:1); others: docker.io/library/web:2, untagged ${
            path.endsWith('legacy.tar') ? `${hexOf(c.configDigest)}.json` : `blobs/sha256/${hexOf(c.configDigest)}`
          }; choose one with ${path}:NAME`,
        ]);
      });
      await withSource(`${path}:web:2`, async (source) => {
        assert.equal(source.id, b.configDigest);
        assert.equal(source.ref, `${path}:web:2`);
        assert.deepEqual(
          source.layers.map((l) => l.diffId),
          b.diffIds,
        );
        assert.deepEqual(source.warnings, []);
      });
      await withSource(`docker-archive://${path}:app`, async (source) => assert.equal(source.id, a.configDigest));
      await withSource(`${path}:@2`, async (source) => assert.equal(source.id, c.configDigest));
      await assert.rejects(openImage(`${path}:nope:1`), {
        name: 'InputError',
        message: `${path} has no image tagged nope:1 (it holds: app:1, docker.io/library/web:2, untagged ${
          path.endsWith('legacy.tar') ? `${hexOf(c.configDigest)}.json` : `blobs/sha256/${hexOf(c.configDigest)}`
        })`,
      });
    }
  } finally {
    ws.cleanup();
  }
});

test('an extracted docker save directory reads like the tar', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = buildImage({ layers: await layers(), history: HISTORY });
    const dir = ws.writeDir('extracted', legacyDockerArchiveFiles([img]));
    await withSource(dir, async (source) => {
      assertImage(source, img);
      await assertLayerBytes(
        source,
        img.layers.map((l) => l.tar),
      );
    });
  } finally {
    ws.cleanup();
  }
});

test('a docker save archive with only index.json is read as an OCI layout', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = buildImage({ layers: await layers(), history: HISTORY });
    const path = await ws.writeTar('oci-only.tar', docker25ArchiveFiles([img], { withoutManifestJson: true }));
    await withSource(`docker-archive://${path}`, async (source) => {
      assertImage(source, img);
      assert.deepEqual(
        source.layers.map((l) => l.mediaType),
        Array(3).fill('application/vnd.oci.image.layer.v1.tar'),
      );
    });
  } finally {
    ws.cleanup();
  }
});

test('broken archives: missing blob, missing config, bad JSON, wrong shapes, diff_ids mismatch', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = buildImage({ layers: await layers(), history: HISTORY });
    const legacy = legacyDockerArchiveFiles([img]);
    const manifest = JSON.parse(legacy.get('manifest.json')!.toString()) as Array<{ Config: string; Layers: string[] }>;
    const secondLayer = manifest[0]!.Layers[1]!;

    const noLayer = new Map(legacy);
    noLayer.delete(secondLayer);
    const p1 = await ws.writeTar('no-layer.tar', noLayer);
    await assert.rejects(openImage(p1), {
      name: 'InputError',
      message: `${p1}: missing blob ${secondLayer} (layer 1 of 3 in manifest.json)`,
    });

    const noConfig = new Map(legacy);
    noConfig.delete(manifest[0]!.Config);
    const p2 = await ws.writeTar('no-config.tar', noConfig);
    await assert.rejects(openImage(p2), {
      name: 'InputError',
      message: `${p2}: missing image config ${manifest[0]!.Config} (named in manifest.json)`,
    });

    const badJson = new Map(legacy).set('manifest.json', Buffer.from('[{"Config": "x.json",'));
    const p3 = await ws.writeTar('bad-json.tar', badJson);
    await assert.rejects(openImage(p3), (e: Error) => {
      assert.equal(e.name, 'InputError');
      assert.ok(e.message.startsWith(`${p3}: manifest.json is not valid JSON (`), e.message);
      assert.ok(!e.message.includes('\n'));
      return true;
    });

    const badShape = new Map(legacy).set('manifest.json', Buffer.from('[{"Config": "x.json", "Layers": "a/layer.tar"}]'));
    const p4 = await ws.writeTar('bad-shape.tar', badShape);
    await assert.rejects(openImage(p4), {
      name: 'InputError',
      message: `${p4}: manifest.json[0].Layers: expected a JSON array, found a string`,
    });

    const empty = new Map(legacy).set('manifest.json', Buffer.from('[]'));
    const p5 = await ws.writeTar('empty.tar', empty);
    await assert.rejects(openImage(p5), { name: 'InputError', message: `${p5}: manifest.json lists no images` });

    const fewer = new Map(legacy).set(
      'manifest.json',
      Buffer.from(JSON.stringify([{ ...manifest[0], Layers: manifest[0]!.Layers.slice(0, 2) }])),
    );
    const p6 = await ws.writeTar('fewer.tar', fewer);
    await assert.rejects(openImage(p6), {
      name: 'InputError',
      message: `${p6}: manifest.json: the image config lists 3 diff_ids but the manifest lists 2 layers`,
    });
  } finally {
    ws.cleanup();
  }
});

test('names in an extracted archive cannot reach outside its directory', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = buildImage({ layers: (await layers()).slice(0, 1) });
    const files = legacyDockerArchiveFiles([img]);
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Array<{ Config: string; Layers: string[] }>;
    ws.writeDir('outside', new Map([['layer.tar', img.layers[0]!.tar]]));
    files.set('manifest.json', Buffer.from(JSON.stringify([{ ...manifest[0], Layers: ['../outside/layer.tar'] }])));
    const dir = ws.writeDir('escaping', files);
    await assert.rejects(openImage(dir), {
      name: 'InputError',
      message: `${dir}: missing blob ../outside/layer.tar (layer 0 of 1 in manifest.json)`,
    });
  } finally {
    ws.cleanup();
  }
});

test('a config whose bytes do not match its name is read, with a warning', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = buildImage({ layers: (await layers()).slice(0, 1) });
    const files = legacyDockerArchiveFiles([img]);
    const name = `${hexOf(img.configDigest)}.json`;
    const edited = Buffer.from(img.configBytes.toString().replace('"created":', '"comment":"edited","created":'));
    files.set(name, edited);
    const path = await ws.writeTar('edited.tar', files);
    await withSource(path, async (source) => {
      assert.equal(source.id, sha256(edited));
      assert.deepEqual(source.warnings, [`${path}: image config ${name} hashes to ${sha256(edited)}, not to the digest its name claims`]);
    });
  } finally {
    ws.cleanup();
  }
});

test('an explicit --platform that the archive does not have is a warning', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = buildImage({ layers: (await layers()).slice(0, 1), architecture: 'arm64', variant: 'v8' });
    const path = await ws.legacyDockerArchive([img]);
    await withSource(
      path,
      async (source) => {
        assert.deepEqual(source.warnings, [`${path} holds a single image for linux/arm64/v8; --platform linux/amd64 was ignored`]);
        assert.equal(source.config.variant, 'v8');
      },
      { platform: 'linux/amd64' },
    );
    await withSource(path, async (source) => assert.deepEqual(source.warnings, []), { platform: 'linux/arm64' });
  } finally {
    ws.cleanup();
  }
});
