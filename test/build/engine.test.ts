// The engine source against a real Docker engine (and Podman when installed): an image read
// from the engine's save stream gives the same report as the same image saved to a tar; a
// missing image is pulled through the engine, with progress; an unreachable engine is one line.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { commandAvailable, dockerAvailable, need } from '../helpers/env.js';
import { buildImage, makeTemp, removeTemp, run, saveImage } from '../helpers/docker.js';
import { repoRoot, runLayerscope, childEnv } from '../helpers/cli.js';
import { FakeRegistry } from '../helpers/registry.js';
import { buildImage as syntheticImage, ImageWorkspace } from '../helpers/image.js';
import { packTar, packTarGz } from '../helpers/tar.js';

const BASE = 'layerscope-test/busybox:latest';
const EXAMPLE = 'layerscope-example/multistage:final';

let work: string | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await removeTemp(work);
});

async function workDir(): Promise<string> {
  work ??= await makeTemp('layerscope-engine-');
  return work;
}

/** The JSON report without `image.ref` (how the image was named is the one thing that differs). */
type Report = { image: Record<string, unknown>; layers: Array<Record<string, unknown>> };

/** The report without what differs by source on purpose: `image.ref`, and the blob sizes as
 *  stored (an archive knows its layer files; the engine cannot say, and reports null). */
function reportOf(stdout: string): unknown {
  const report = JSON.parse(stdout) as Report;
  delete report.image.ref;
  delete report.image.compressedBytes;
  for (const layer of report.layers) {
    delete layer.compressedBytes;
    delete layer.mediaType;
  }
  return report;
}

/** The engine streams `docker save`, which holds no compressed blob: every blob size is null. */
async function assertEngineSaysNoBlobSizes(args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  const r = await runLayerscope([...args, '--json', '--no-cache'], env ? { env } : {});
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.image.compressedBytes, null);
  assert.deepEqual(
    report.layers.map((l) => [l.compressedBytes, l.mediaType]),
    report.layers.map(() => [null, null]),
  );
}

async function jsonReport(t: TestContext, args: string[], env?: NodeJS.ProcessEnv): Promise<unknown> {
  const r = await runLayerscope([...args, '--json', '--no-cache'], env ? { env } : {});
  assert.equal(r.code, 0, `layerscope ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  t.diagnostic(`${args.join(' ')}: ${r.stdout.length} bytes of JSON`);
  return reportOf(r.stdout);
}

/** An image to read: the bundled example's final stage, built if this engine does not have it. */
async function exampleImage(): Promise<string> {
  const has = await run('docker', ['image', 'inspect', EXAMPLE]).then(
    () => true,
    () => false,
  );
  if (!has) await buildImage(join(repoRoot, 'examples', 'multistage'), EXAMPLE, { target: 'final' });
  return EXAMPLE;
}

test('docker://REF and a bare REF give the same report as the saved archive', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const image = await exampleImage();
  const tarPath = join(await workDir(), 'final.tar');
  await saveImage(image, tarPath);
  const fromArchive = await jsonReport(t, [tarPath]);
  assert.deepEqual(await jsonReport(t, [`docker://${image}`]), fromArchive);
  await assertEngineSaysNoBlobSizes([`docker://${image}`]);
  assert.deepEqual(await jsonReport(t, [image]), fromArchive);
  assert.deepEqual(await jsonReport(t, [image, '--source', 'docker']), fromArchive);
  // ls too: the merged view, path by path.
  const ls = async (what: string) => {
    const r = await runLayerscope(['ls', what, '--json', '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  assert.equal(await ls(`docker://${image}`), await ls(tarPath));
});

test('the base image by its ID, and an image with a layer used twice', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', BASE]);
  const id = stdout.trim();
  const tarPath = join(await workDir(), 'base.tar');
  await saveImage(BASE, tarPath);
  assert.deepEqual(await jsonReport(t, [`docker://${id}`]), await jsonReport(t, [tarPath]));

  // Two identical layers (same diffID): a legacy save stores the second as a link to the first.
  const dir = await workDir();
  const ws = new ImageWorkspace();
  cleanups.push(() => ws.cleanup());
  const same = await packTar([{ name: 'same/', type: 'directory', mtime: new Date(0) }]);
  const img = syntheticImage({
    layers: [await packTar([{ name: 'a.txt', content: 'a' }]), same, await packTar([{ name: 'b.txt', content: 'bb' }]), same],
    tags: ['layerscope-test/twice:1'],
  });
  const loaded = await ws.legacyDockerArchive([img], 'twice.tar');
  await run('docker', ['load', '-q', '-i', loaded]);
  cleanups.push(() =>
    run('docker', ['rmi', '-f', 'layerscope-test/twice:1']).then(
      () => undefined,
      () => undefined,
    ),
  );
  const resaved = join(dir, 'twice-resaved.tar');
  await saveImage('layerscope-test/twice:1', resaved);
  const viaEngine = (await jsonReport(t, ['docker://layerscope-test/twice:1'])) as { layers: Array<{ diffId: string }> };
  assert.deepEqual(viaEngine, await jsonReport(t, [resaved]));
  assert.deepEqual(
    viaEngine.layers.map((l) => l.diffId),
    img.diffIds,
  );
});

test('an image the engine does not have is pulled through it, with progress on stderr', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const registry = await FakeRegistry.start();
  cleanups.push(() => registry.stop());
  const img = syntheticImage({
    layers: [await packTarGz([{ name: 'etc/pulled.txt', content: 'pulled\n' }]), await packTarGz([{ name: 'data/x.bin', content: 4321 }])],
    mediaTypes: 'docker',
  });
  const repo = `pulltest${process.pid}`;
  registry.addImage(repo, '1', img);
  const ref = `${registry.host}/${repo}:1`;
  cleanups.push(() =>
    run('docker', ['rmi', '-f', ref]).then(
      () => undefined,
      () => undefined,
    ),
  );
  await run('docker', ['rmi', '-f', ref]).catch(() => undefined);

  const r = await runLayerscope([`docker://${ref}`, '--json', '--no-cache']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.length >= 2, r.stderr);
  for (const line of lines) assert.match(line, new RegExp(`^layerscope: pull ${ref.replace(/[.]/g, '\\.')}: `));
  assert.ok(
    lines.some((l) => /Pull complete|Download complete|Downloaded newer image/.test(l)),
    r.stderr,
  );
  const report = JSON.parse(r.stdout) as {
    image: { id: string; storedBytes: number };
    layers: Array<{ diffId: string; sizeBytes: number }>;
  };
  assert.equal(report.image.id, img.configDigest);
  assert.deepEqual(
    report.layers.map((l) => [l.diffId, l.sizeBytes]),
    [
      [img.diffIds[0], 7],
      [img.diffIds[1], 4321],
    ],
  );
  // A name nothing serves: one line, exit 2, saying the pull failed.
  const missing = await runLayerscope([`docker://${registry.host}/${repo}:nope`, '--json']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  assert.match(
    missing.stderr,
    /^layerscope: the docker engine has no image 127\.0\.0\.1:\d+\/pulltest\d+:nope and could not pull it \(pull 127\.0\.0\.1:\d+\/pulltest\d+:nope: .+\)\n$/,
  );
});

test('an unreachable engine is one line naming what was tried and what to do, exit 2', async () => {
  const env = { ...childEnv, DOCKER_HOST: 'unix:///nonexistent.sock' };
  const rest =
    'at unix:///nonexistent.sock (from DOCKER_HOST): connect ENOENT /nonexistent.sock; ' +
    'start Docker (sudo systemctl start docker), set DOCKER_HOST to where it listens, or use --source podman\n';
  for (const args of [
    ['docker://busybox:latest', '--json'],
    ['ls', 'docker://x'],
    ['build', 'test/fixtures/multistage/basic'],
  ]) {
    const r = await runLayerscope(args, { env });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `layerscope: cannot reach the Docker engine ${rest}`);
  }
  // A bare name may have been meant as a path: the message says both.
  const bare = await runLayerscope(['busybox:latest', '--text'], { env });
  assert.equal(bare.code, 2);
  assert.equal(bare.stderr, `layerscope: "busybox:latest" is not a file here, and the Docker engine cannot be reached ${rest}`);
  const podman = await runLayerscope(['podman://x', '--json'], {
    env: { ...childEnv, CONTAINER_HOST: 'unix:///nonexistent-podman.sock' },
  });
  assert.equal(podman.code, 2);
  assert.equal(
    podman.stderr,
    'layerscope: cannot reach the Podman service at unix:///nonexistent-podman.sock (from CONTAINER_HOST): connect ENOENT /nonexistent-podman.sock; ' +
      'start it (podman system service --time=0 & — or systemctl --user start podman.socket), set CONTAINER_HOST, or use --source docker\n',
  );
});

test('podman://REF through the Podman service socket gives the same report as the archive', async (t) => {
  if (!need(t, 'docker', dockerAvailable()) || !need(t, 'podman', commandAvailable('podman'))) return;
  const dir = await workDir();
  const socket = join(dir, 'podman.sock');
  const service: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
  cleanups.push(() => {
    if (service.exitCode === null) service.kill('SIGTERM');
  });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(socket), 'podman system service did not create its socket');
  const image = await exampleImage();
  const tarPath = join(dir, 'for-podman.tar');
  await saveImage(image, tarPath);
  await run('podman', ['load', '-q', '-i', tarPath]);
  cleanups.push(() =>
    run('podman', ['rmi', '-f', image]).then(
      () => undefined,
      () => undefined,
    ),
  );
  const env = { ...childEnv, CONTAINER_HOST: `unix://${socket}` };
  assert.deepEqual(await jsonReport(t, [`podman://${image}`], env), await jsonReport(t, [tarPath]));
  await assertEngineSaysNoBlobSizes([`podman://${image}`], env);
  assert.deepEqual(await jsonReport(t, [image, '--source', 'podman'], env), await jsonReport(t, [tarPath]));
});
