import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { packTar, packTarGz, zstdRawFrame } from '../helpers/tar.js';
import {
  buildImage,
  docker25ArchiveFiles,
  hexOf,
  ImageWorkspace,
  MT,
  multiPlatformOciFiles,
  ociLayoutFiles,
  sha256,
  type ArchiveFiles,
  type SyntheticImage,
} from '../helpers/image.js';
import { openImage, type OpenOptions } from '../../src/sources/open.js';
import { hostPlatform, formatPlatform } from '../../src/sources/platform.js';
import type { ImageSource } from '../../src/core/model.js';

async function withSource(spec: string, fn: (s: ImageSource) => Promise<void>, opts: OpenOptions = {}): Promise<void> {
  const source = await openImage(spec, opts);
  try {
    await fn(source);
  } finally {
    await source.close();
  }
}

async function withWorkspace(fn: (ws: ImageWorkspace) => Promise<void>): Promise<void> {
  const ws = new ImageWorkspace();
  try {
    await fn(ws);
  } finally {
    ws.cleanup();
  }
}

async function mixedLayers(): Promise<Buffer[]> {
  return [
    await packTarGz([{ name: 'etc/os-release', content: 'ID=test\n' }]),
    zstdRawFrame(await packTar([{ name: 'usr/bin/tool', content: 'T'.repeat(3000) }])),
    await packTar([{ name: 'app/main.js', content: 'console.log(1)' }]),
  ];
}

function platformImage(architecture: string, variant?: string, marker = architecture): Promise<SyntheticImage> {
  return packTar([{ name: `arch-${marker}`, content: marker }]).then((layer) =>
    buildImage({ layers: [layer], architecture, ...(variant ? { variant } : {}), history: [{ createdBy: `RUN build for ${marker}` }] }),
  );
}

test('OCI layout directory and tar: layers in manifest order with media types, digests and raw blob bytes', () =>
  withWorkspace(async (ws) => {
    const blobs = await mixedLayers();
    const img = buildImage({ layers: blobs, runConfig: { Env: ['A=1'], Entrypoint: ['/init'], WorkingDir: '/app' } });
    for (const path of [ws.ociLayoutDir([img]), await ws.ociLayoutTar([img])]) {
      await withSource(path, async (source) => {
        assert.equal(source.id, img.configDigest);
        assert.deepEqual(source.layers, [
          {
            index: 0,
            diffId: img.diffIds[0],
            command: 'COPY layer0 /',
            blobDigest: sha256(blobs[0]!),
            blobSize: blobs[0]!.length,
            compressedBytes: blobs[0]!.length,
            mediaType: MT.ociLayerGzip,
            created: '2024-01-02T03:04:05Z',
          },
          {
            index: 1,
            diffId: img.diffIds[1],
            command: 'COPY layer1 /',
            blobDigest: sha256(blobs[1]!),
            blobSize: blobs[1]!.length,
            compressedBytes: blobs[1]!.length,
            mediaType: MT.ociLayerZstd,
            created: '2024-01-02T03:04:05Z',
          },
          {
            index: 2,
            diffId: img.diffIds[2],
            command: 'COPY layer2 /',
            blobDigest: sha256(blobs[2]!),
            blobSize: blobs[2]!.length,
            compressedBytes: blobs[2]!.length,
            mediaType: MT.ociLayer,
            created: '2024-01-02T03:04:05Z',
          },
        ]);
        assert.deepEqual(source.config.env, ['A=1']);
        assert.deepEqual(source.config.entrypoint, ['/init']);
        assert.equal(source.config.workingDir, '/app');
        assert.deepEqual(source.warnings, []);
        for (let i = 0; i < blobs.length; i++) assert.ok((await buffer(await source.openLayer(i))).equals(blobs[i]!));
        await assert.rejects(source.openLayer(3), RangeError);
      });
    }
  }));

test('oci:// works for a directory and a tar; Docker v2 schema 2 media types are accepted', () =>
  withWorkspace(async (ws) => {
    const img = buildImage({ layers: [await packTarGz([{ name: 'x', content: 'x' }])], mediaTypes: 'docker' });
    const dir = ws.ociLayoutDir([img]);
    const tar = await ws.ociLayoutTar([img]);
    for (const spec of [`oci://${dir}`, `oci://${tar}`]) {
      await withSource(spec, async (source) => {
        assert.equal(source.id, img.configDigest);
        assert.equal(source.layers[0]!.mediaType, MT.dockerLayerGzip);
        assert.equal(source.ref, spec);
      });
    }
    await withSource(dir, async (source) => assert.equal(source.id, img.configDigest), { source: 'oci' });
  }));

test('multi-platform index: the host platform by default, skipping attestations', () =>
  withWorkspace(async (ws) => {
    const host = hostPlatform();
    const images = [
      await platformImage('s390x'),
      await platformImage(host.architecture, host.variant, 'host'),
      await platformImage('ppc64le'),
    ];
    const { path, indexDigest } = await ws.multiPlatformOci(images);
    assert.ok(indexDigest);
    await withSource(path, async (source) => {
      assert.equal(source.id, images[1]!.configDigest);
      assert.deepEqual(
        source.layers.map((l) => l.command),
        ['RUN build for host'],
      );
      assert.deepEqual(source.warnings, []);
    });
  }));

test('multi-platform index: --platform picks, with arm variants and amd64 levels matched like containerd', () =>
  withWorkspace(async (ws) => {
    const images = [
      await platformImage('amd64', 'v3', 'amd64v3'),
      await platformImage('amd64', undefined, 'amd64'),
      await platformImage('arm64', 'v8', 'arm64'),
      await platformImage('arm', 'v6', 'armv6'),
      await platformImage('arm', 'v7', 'armv7'),
    ];
    const cases: Array<[string, string]> = [
      ['linux/amd64', 'amd64'],
      ['linux/amd64/v3', 'amd64v3'],
      ['linux/amd64/v2', 'amd64'],
      ['linux/arm64', 'arm64'],
      ['linux/arm64/v8', 'arm64'],
      ['linux/arm', 'armv7'],
      ['linux/arm/v7', 'armv7'],
      ['linux/arm/v6', 'armv6'],
    ];
    for (const layout of [
      await ws.multiPlatformOci(images, {}, 'nested'),
      await ws.multiPlatformOci(images, { nested: false }, 'flat'),
      await ws.multiPlatformOci(images, { dockerList: true, tar: true }, 'list.tar'),
    ]) {
      for (const [platform, marker] of cases) {
        await withSource(
          layout.path,
          async (source) => {
            assert.deepEqual(
              source.layers.map((l) => l.command),
              [`RUN build for ${marker}`],
              `${layout.path} ${platform}`,
            );
            assert.deepEqual(source.warnings, []);
          },
          { platform },
        );
      }
    }
  }));

test('no matching platform: InputError listing the platforms there are (attestations left out)', () =>
  withWorkspace(async (ws) => {
    const images = [await platformImage('amd64'), await platformImage('arm', 'v7')];
    const { path } = await ws.multiPlatformOci(images);
    await assert.rejects(openImage(path, { platform: 'linux/riscv64' }), {
      name: 'InputError',
      message: `${path} has no image for linux/riscv64 (available: linux/amd64, linux/arm/v7); pick one with --platform`,
    });
    await assert.rejects(openImage(path, { platform: 'linux/arm/v6' }), {
      name: 'InputError',
      message: `${path} has no image for linux/arm/v6 (available: linux/amd64, linux/arm/v7); pick one with --platform`,
    });
    if (hostPlatform().architecture !== 'amd64' && hostPlatform().architecture !== 'arm') {
      await assert.rejects(openImage(path), {
        message: `${path} has no image for ${formatPlatform(hostPlatform())} (available: linux/amd64, linux/arm/v7); this host is ${formatPlatform(hostPlatform())}; pick one with --platform`,
      });
    }
  }));

test('a partial copy of a multi-platform index: the platform whose blobs are present is used', () =>
  withWorkspace(async (ws) => {
    const a = await platformImage('amd64', undefined, 'first');
    const b = await platformImage('amd64', undefined, 'second');
    const { files } = multiPlatformOciFiles([a, b], { attestations: false });
    files.delete(`blobs/sha256/${hexOf(a.manifestDigest)}`);
    const path = ws.writeDir('partial', files);
    await withSource(path, async (source) => assert.equal(source.id, b.configDigest), { platform: 'linux/amd64' });
  }));

test('several images in index.json: first with a warning, or the one PATH:NAME names', () =>
  withWorkspace(async (ws) => {
    const a = buildImage({ layers: [await packTar([{ name: 'a', content: 'a' }])], tags: ['app:v1'] });
    const b = buildImage({ layers: [await packTar([{ name: 'b', content: 'b' }])], tags: ['app:v2'] });
    const dir = ws.ociLayoutDir([a, b]);
    await withSource(dir, async (source) => {
      assert.equal(source.id, a.configDigest);
      assert.deepEqual(source.warnings, [`${dir} holds 2 images; analysing the first (v1); others: v2; choose one with ${dir}:NAME`]);
    });
    await withSource(`${dir}:v2`, async (source) => {
      assert.equal(source.id, b.configDigest);
      assert.deepEqual(source.warnings, []);
    });
    await withSource(`oci://${dir}:@1`, async (source) => assert.equal(source.id, b.configDigest));
    await assert.rejects(openImage(`${dir}:v3`), {
      name: 'InputError',
      message: `${dir} has no image named v3 (index.json lists: v1, v2)`,
    });

    // Docker 25 index.json without manifest.json: containerd's full names match familiar ones.
    const tar = await ws.writeTar('d25.tar', docker25ArchiveFiles([a, b], { withoutManifestJson: true }));
    await withSource(`${tar}:app:v2`, async (source) => assert.equal(source.id, b.configDigest));
    await withSource(`${tar}:docker.io/library/app:v1`, async (source) => assert.equal(source.id, a.configDigest));
    await withSource(
      tar,
      async (source) => {
        assert.equal(source.id, a.configDigest);
        assert.deepEqual(source.warnings, [
          `${tar} holds 2 images for linux/amd64; analysing docker.io/library/app:v1; others: docker.io/library/app:v2; choose one with ${tar}:NAME`,
        ]);
      },
      { platform: 'linux/amd64' },
    );
  }));

async function brokenLayout(ws: ImageWorkspace, name: string, edit: (files: ArchiveFiles, img: SyntheticImage) => void): Promise<string> {
  const img = buildImage({ layers: [await packTarGz([{ name: 'x', content: 'x' }]), await packTar([{ name: 'y', content: 'y' }])] });
  const files = ociLayoutFiles([img]);
  edit(files, img);
  return ws.writeDir(name, files);
}

test('missing blobs are named precisely', () =>
  withWorkspace(async (ws) => {
    let digest = '';
    const noLayer = await brokenLayout(ws, 'no-layer', (files, img) => {
      digest = img.layerDigests[1]!;
      files.delete(`blobs/sha256/${hexOf(digest)}`);
    });
    await assert.rejects(openImage(noLayer), (e: Error) => {
      assert.equal(e.name, 'InputError');
      assert.match(
        e.message,
        new RegExp(
          `^${escapeRegExp(noLayer)}: missing blob blobs/sha256/${hexOf(digest)} \\(layer 1 of 2 in manifest sha256:[0-9a-f]{64}\\)$`,
        ),
      );
      return true;
    });

    const noConfig = await brokenLayout(ws, 'no-config', (files, img) => {
      digest = img.configDigest;
      files.delete(`blobs/sha256/${hexOf(digest)}`);
    });
    await assert.rejects(openImage(noConfig), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          `^${escapeRegExp(noConfig)}: missing blob blobs/sha256/${hexOf(digest)} \\(image config listed in manifest sha256:[0-9a-f]{64}\\)$`,
        ),
      );
      return true;
    });

    const noManifest = await brokenLayout(ws, 'no-manifest', (files, img) => {
      digest = img.manifestDigest;
      files.delete(`blobs/sha256/${hexOf(digest)}`);
    });
    await assert.rejects(openImage(noManifest), {
      name: 'InputError',
      message: `${noManifest}: missing blob blobs/sha256/${hexOf(digest)} (manifest listed in index.json)`,
    });
  }));

test('malformed layouts: bad JSON, bad digest, schema 1, artifacts, diff_ids mismatch, empty index', () =>
  withWorkspace(async (ws) => {
    const badIndex = await brokenLayout(ws, 'bad-index', (files) => files.set('index.json', Buffer.from('{"manifests": [')));
    await assert.rejects(openImage(badIndex), (e: Error) => {
      assert.ok(e.message.startsWith(`${badIndex}: index.json is not valid JSON (`), e.message);
      return true;
    });

    const badDigest = await brokenLayout(ws, 'bad-digest', (files) =>
      files.set(
        'index.json',
        Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MT.ociManifest, digest: 'sha256:../../etc', size: 1 }] })),
      ),
    );
    await assert.rejects(openImage(badDigest), {
      name: 'InputError',
      message: `${badDigest}: index.json: manifests[0]: invalid digest "sha256:../../etc"`,
    });

    const empty = await brokenLayout(ws, 'empty', (files) => files.set('index.json', Buffer.from('{"schemaVersion":2,"manifests":null}')));
    await assert.rejects(openImage(empty), { name: 'InputError', message: `${empty}: index.json lists no images` });

    let manifestDigest = '';
    const schema1 = await brokenLayout(ws, 'schema1', (files) => {
      const m = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x', fsLayers: [] }));
      manifestDigest = sha256(m);
      files.set(`blobs/sha256/${hexOf(manifestDigest)}`, m);
      files.set(
        'index.json',
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            manifests: [{ mediaType: 'application/vnd.docker.distribution.manifest.v1+json', digest: manifestDigest, size: m.length }],
          }),
        ),
      );
    });
    await assert.rejects(openImage(schema1), {
      name: 'InputError',
      message: `${schema1}: blobs/sha256/${hexOf(manifestDigest)} is a Docker schema 1 manifest, which is not supported; convert it with skopeo copy`,
    });

    const artifact = await brokenLayout(ws, 'artifact', (files, img) => {
      const m = JSON.parse(img.manifestBytes.toString()) as { config: { mediaType: string } };
      m.config.mediaType = 'application/vnd.cncf.helm.config.v1+json';
      const bytes = Buffer.from(JSON.stringify(m));
      manifestDigest = sha256(bytes);
      files.set(`blobs/sha256/${hexOf(manifestDigest)}`, bytes);
      files.set(
        'index.json',
        Buffer.from(
          JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MT.ociManifest, digest: manifestDigest, size: bytes.length }] }),
        ),
      );
    });
    await assert.rejects(openImage(artifact), {
      name: 'InputError',
      message: `${artifact}: manifest ${manifestDigest} is not a container image (its config media type is application/vnd.cncf.helm.config.v1+json)`,
    });

    const img = buildImage({ layers: [await packTar([{ name: 'x', content: 'x' }])] });
    const brokenDocker25 = await ws.writeTar('d25-broken.tar', docker25ArchiveFiles([img], { brokenOciManifest: true }));
    await assert.rejects(openImage(`oci://${brokenDocker25}`), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          `^${escapeRegExp(brokenDocker25)}: manifest sha256:[0-9a-f]{64} lists 0 layers but the image config lists 1 diff_ids; this looks like a docker save archive whose OCI manifest is broken \\(Docker 25\\.0\\.0\\): open it as docker-archive://${escapeRegExp(brokenDocker25)}$`,
        ),
      );
      return true;
    });
    await withSource(brokenDocker25, async (source) =>
      assert.deepEqual(
        source.layers.map((l) => l.diffId),
        img.diffIds,
      ),
    );
  }));

test('a blob whose bytes do not match its digest is read with a warning; a layout without oci-layout too', () =>
  withWorkspace(async (ws) => {
    let configName = '';
    let actual = '';
    const path = await brokenLayout(ws, 'tampered', (files, img) => {
      configName = `blobs/sha256/${hexOf(img.configDigest)}`;
      const tampered = Buffer.from(img.configBytes.toString().replace('"created":"2024', '"created":"2025'));
      actual = sha256(tampered);
      files.set(configName, tampered);
      files.delete('oci-layout');
    });
    await withSource(path, async (source) => {
      assert.deepEqual(source.warnings, [
        `${path} has no oci-layout file; reading it as an OCI layout anyway`,
        `${path}: blob ${configName} hashes to ${actual}, not to its name`,
      ]);
      assert.equal(source.config.created, '2025-01-02T03:04:05Z');
    });
  }));

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
