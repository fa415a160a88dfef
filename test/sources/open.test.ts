import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar, zstdRawFrame } from '../helpers/tar.js';
import { ImageWorkspace, writeImageFixtures, type ImageFixtures } from '../helpers/image.js';
import { openImage, parseImageSpec } from '../../src/sources/open.js';

const fds = () => readdirSync('/proc/self/fd').length;

async function fixtures(): Promise<ImageFixtures> {
  return writeImageFixtures({
    layers: [await packTar([{ name: 'a', content: 'a' }]), await packTar([{ name: 'b', content: 'bb' }])],
    history: [{ createdBy: 'ADD a /' }, { createdBy: 'ENV X=1', emptyLayer: true }, { createdBy: 'ADD b /' }],
  });
}

test('every daemonless format opens from a plain path and from its SOURCE:// form', async () => {
  const fx = await fixtures();
  try {
    const specs = [
      fx.legacyTar,
      fx.docker25Tar,
      fx.ociDir,
      fx.ociTar,
      `docker-archive://${fx.legacyTar}`,
      `docker-archive://${fx.docker25Tar}`,
      `oci://${fx.ociDir}`,
      `oci://${fx.ociTar}`,
      `OCI://${fx.ociTar}`,
    ];
    for (const spec of specs) {
      const source = await openImage(spec);
      try {
        assert.equal(source.ref, spec);
        assert.equal(source.id, fx.image.configDigest, spec);
        assert.deepEqual(
          source.layers.map((l) => l.diffId),
          fx.image.diffIds,
          spec,
        );
        assert.deepEqual(
          source.layers.map((l) => l.command),
          ['ADD a /', 'ADD b /'],
          spec,
        );
        assert.deepEqual(source.warnings, [], spec);
      } finally {
        await source.close();
      }
    }
  } finally {
    fx.cleanup();
  }
});

test('a relative path opens too', async () => {
  const fx = await fixtures();
  try {
    const rel = relative(process.cwd(), fx.legacyTar);
    const source = await openImage(rel);
    assert.equal(source.id, fx.image.configDigest);
    await source.close();
  } finally {
    fx.cleanup();
  }
});

test('--source does what a SOURCE:// prefix does, and must agree with one', async () => {
  const fx = await fixtures();
  try {
    const source = await openImage(fx.ociTar, { source: 'oci' });
    assert.equal(source.id, fx.image.configDigest);
    await source.close();
    await assert.rejects(openImage(`oci://${fx.ociTar}`, { source: 'docker-archive' }), {
      name: 'InputError',
      message: `oci://${fx.ociTar} names the oci source but --source says docker-archive`,
    });
    await assert.rejects(openImage(fx.ociTar, { source: 'tarball' }), {
      name: 'InputError',
      message: 'unknown source "tarball" in --source tarball; use one of docker, podman, docker-archive, oci, registry',
    });
    await assert.rejects(openImage(`oci://${fx.legacyTar}`), {
      name: 'InputError',
      message: `${fx.legacyTar} is not an OCI layout (no index.json); it is a docker save archive: open it as docker-archive://${fx.legacyTar}`,
    });
  } finally {
    fx.cleanup();
  }
});

test('spec parsing', () => {
  assert.deepEqual(parseImageSpec('img.tar'), { kind: undefined, target: 'img.tar' });
  assert.deepEqual(parseImageSpec('docker-archive:///abs/img.tar'), { kind: 'docker-archive', target: '/abs/img.tar' });
  assert.deepEqual(parseImageSpec('registry://ghcr.io/a/b:1'), { kind: 'registry', target: 'ghcr.io/a/b:1' });
  assert.deepEqual(parseImageSpec('myapp:latest', 'podman'), { kind: 'podman', target: 'myapp:latest' });
  assert.throws(() => parseImageSpec('http://example.com/x.tar'), {
    name: 'InputError',
    message: 'unknown source "http" in http://example.com/x.tar; use one of docker, podman, docker-archive, oci, registry',
  });
  assert.throws(() => parseImageSpec('oci://'), { name: 'InputError', message: 'oci://: nothing after oci://' });
  assert.throws(() => parseImageSpec(''), { name: 'InputError', message: 'no image given' });
});

test('missing files and things that are not image archives', async () => {
  const ws = new ImageWorkspace();
  try {
    const missing = join(ws.dir, 'nope.tar');
    await assert.rejects(openImage(missing), { name: 'InputError', message: `no such file: ${missing}` });
    await assert.rejects(openImage('./nope.tar'), { name: 'InputError', message: 'no such file: ./nope.tar' });
    await assert.rejects(openImage('Some File.tar'), { name: 'InputError', message: 'no such file: Some File.tar' });
    await assert.rejects(openImage(`docker-archive://${missing}`), { name: 'InputError', message: `no such file: ${missing}` });
    await assert.rejects(openImage(`oci://${join(ws.dir, 'nodir')}`), {
      name: 'InputError',
      message: `no such file: ${join(ws.dir, 'nodir')}`,
    });

    const plainTar = join(ws.dir, 'plain.tar');
    writeFileSync(plainTar, await packTar([{ name: 'hello.txt', content: 'hi' }]));
    await assert.rejects(openImage(plainTar), {
      name: 'InputError',
      message: `${plainTar} is not a container image archive (no manifest.json or index.json)`,
    });
    const dir = join(ws.dir, 'somedir');
    mkdirSync(dir);
    await assert.rejects(openImage(dir), {
      name: 'InputError',
      message: `${dir} is not a container image archive (no manifest.json or index.json)`,
    });

    const text = join(ws.dir, 'notes.txt');
    writeFileSync(text, 'just some text\n'.repeat(100));
    await assert.rejects(openImage(text), { name: 'InputError', message: `${text} is not a container image archive (not a tar file)` });
    const empty = join(ws.dir, 'empty.tar');
    writeFileSync(empty, '');
    await assert.rejects(openImage(empty), {
      name: 'InputError',
      message: `${empty} is not a container image archive (the file is empty)`,
    });
    const gz = join(ws.dir, 'image.tar.gz');
    writeFileSync(gz, gzipSync(await packTar([{ name: 'manifest.json', content: '[]' }])));
    await assert.rejects(openImage(gz), {
      name: 'InputError',
      message: `${gz} is gzip-compressed; decompress it first (gunzip -k ${gz}) and open the .tar`,
    });
    const zst = join(ws.dir, 'image.tar.zst');
    writeFileSync(zst, zstdRawFrame(await packTar([{ name: 'manifest.json', content: '[]' }])));
    await assert.rejects(openImage(zst), {
      name: 'InputError',
      message: `${zst} is zstd-compressed; decompress it first (zstd -d ${zst}) and open the .tar`,
    });
  } finally {
    ws.cleanup();
  }
});

test('engine sources and bare references go to the engine: an unreachable one is one clear line', async () => {
  // Each test file runs in its own process: these variables reach only this file's openImage calls.
  process.env.DOCKER_HOST = 'unix:///nonexistent-docker.sock';
  process.env.CONTAINER_HOST = 'unix:///nonexistent-podman.sock';
  const docker =
    'at unix:///nonexistent-docker.sock (from DOCKER_HOST): connect ENOENT /nonexistent-docker.sock; start Docker (sudo systemctl start docker), set DOCKER_HOST to where it listens, or use --source podman';
  await assert.rejects(openImage('myapp:latest'), {
    name: 'InputError',
    message: `"myapp:latest" is not a file here, and the Docker engine cannot be reached ${docker}`,
  });
  await assert.rejects(openImage(`ghcr.io/org/app@sha256:${'a'.repeat(64)}`), { name: 'InputError' });
  await assert.rejects(openImage('docker://nginx:1.25'), { name: 'InputError', message: `cannot reach the Docker engine ${docker}` });
  await assert.rejects(openImage('nginx', { source: 'docker' }), {
    name: 'InputError',
    message: `cannot reach the Docker engine ${docker}`,
  });
  await assert.rejects(openImage('podman://nginx'), {
    name: 'InputError',
    message:
      'cannot reach the Podman service at unix:///nonexistent-podman.sock (from CONTAINER_HOST): connect ENOENT /nonexistent-podman.sock; ' +
      'start it (podman system service --time=0 & — or systemctl --user start podman.socket), set CONTAINER_HOST, or use --source docker',
  });
  // registry:// is implemented: see test/registry. A running engine: see test/build/engine.test.ts.
  delete process.env.DOCKER_HOST;
  delete process.env.CONTAINER_HOST;
});

test('--platform syntax is checked before anything is opened', async () => {
  await assert.rejects(openImage('/nonexistent.tar', { platform: 'arm64' }), {
    name: 'InputError',
    message: 'invalid platform "arm64": expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7',
  });
});

test('no descriptor outlives close(), nor a failed open', async () => {
  const fx = await fixtures();
  const ws = new ImageWorkspace();
  try {
    const before = fds();
    for (const spec of [fx.legacyTar, fx.docker25Tar, fx.ociTar, fx.ociDir]) {
      const source = await openImage(spec);
      const stream = await source.openLayer(0);
      stream.resume();
      await source.openLayer(1); // never read: close() must still release it
      await source.close();
      await source.close();
    }
    const plainTar = join(ws.dir, 'plain.tar');
    writeFileSync(plainTar, await packTar([{ name: 'x', content: 'x' }]));
    await assert.rejects(openImage(plainTar));
    await assert.rejects(openImage(`${fx.legacyTar}:no-such-tag`));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fds(), before);
  } finally {
    fx.cleanup();
    ws.cleanup();
  }
});
