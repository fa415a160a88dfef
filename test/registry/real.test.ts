// registry:// against a real registry (Debian's docker-registry, distribution v2, on
// 127.0.0.1:5000, started by ../shared/tools/registry-up.sh; .ci/run starts it too): an image
// built by the engine and pushed with `docker push` (gzip layers, Docker v2 schema 2 manifest)
// must give exactly the report and the `ls --json` listing of the same image read from its
// `docker save` archive (uncompressed layers) — every field but `image.ref`. Also the cached
// reopen (no layer download, same output) and an unknown tag against the real server.
import { test, after, type TestContext } from 'node:test';
import { CACHE_FORMAT } from '../../src/sources/cache.js';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerAvailable, need } from '../helpers/env.js';
import { buildImage, makeTemp, removeTemp, run, saveImage } from '../helpers/docker.js';
import { childEnv } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'bin', 'layerscope.js');
const BASE = 'layerscope-test/busybox:latest';
const REGISTRY = `127.0.0.1:${process.env.REGISTRY_PORT ?? '5000'}`;
const LOCAL_TAG = 'layerscope-test/registry-fixture:latest';
const REMOTE = `${REGISTRY}/layerscope-test/registry-fixture:v1`;

let temp: string | undefined;
after(() => removeTemp(temp));

let registryUp: boolean | undefined;
/** Starts the registry once (idempotent script); false when it cannot be started here. */
function registryAvailable(): boolean {
  if (registryUp === undefined) {
    const r = spawnSync('bash', [join(root, '..', 'shared', 'tools', 'registry-up.sh')], { encoding: 'utf8', timeout: 300_000 });
    registryUp = r.status === 0;
    if (!registryUp) process.stderr.write(`registry-up.sh failed: ${r.stderr}\n`);
  }
  return registryUp;
}

let pushed: Promise<{ archive: string }> | undefined;
/** Builds the fixture from the local busybox base, pushes it, and saves it as an archive. */
function pushFixture(): Promise<{ archive: string }> {
  pushed ??= (async () => {
    temp = await makeTemp('layerscope-registry-real-');
    const ctx = join(temp, 'ctx');
    mkdirSync(join(ctx, 'app'), { recursive: true });
    writeFileSync(join(ctx, 'app', 'config.txt'), 'mode=registry\n');
    writeFileSync(join(ctx, 'app', 'big.bin'), Buffer.alloc(300_000, 7));
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        `FROM ${BASE}`,
        'COPY app /app',
        'RUN mkdir -p /var/cache/junk && head -c 50000 /app/big.bin > /var/cache/junk/blob && ln -s /app/config.txt /etc/app.conf',
        'RUN rm -rf /var/cache/junk /app/big.bin && echo done > /app/state',
        'ENV MODE=registry',
        '',
      ].join('\n'),
    );
    await buildImage(ctx, LOCAL_TAG);
    await run('docker', ['tag', LOCAL_TAG, REMOTE]);
    await run('docker', ['push', REMOTE]);
    const archive = join(temp, 'fixture.tar');
    await saveImage(LOCAL_TAG, archive);
    return { archive };
  })();
  return pushed;
}

function ready(t: TestContext): boolean {
  return need(t, 'docker', dockerAvailable()) && need(t, 'registry', registryAvailable());
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...childEnv, DOCKER_CONFIG: join(temp ?? root, 'no-docker-config'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      }),
    );
  });
}

/** The report text with `image.ref` and the blob sizes as stored removed (the registry serves
 *  gzip blobs, the archive holds plain tars), nothing else touched. */
function withoutRef(text: string): string {
  const report = JSON.parse(text);
  delete report.image.ref;
  delete report.image.compressedBytes;
  for (const layer of report.layers) {
    delete layer.compressedBytes;
    delete layer.mediaType;
  }
  return JSON.stringify(report, null, 2);
}

test('a pushed image reads exactly as its docker save archive: the JSON report and ls --json', async (t) => {
  if (!ready(t)) return;
  const { archive } = await pushFixture();
  const cache = join(temp!, 'cache-compare');
  const fromRegistry = await cli([`registry://${REMOTE}`, '--json'], { LAYERSCOPE_CACHE_DIR: cache });
  assert.equal(fromRegistry.code, 0, fromRegistry.stderr);
  assert.equal(fromRegistry.stderr, '');
  const fromArchive = await cli([archive, '--json', '--no-cache'], {});
  assert.equal(fromArchive.code, 0, fromArchive.stderr);
  assert.equal(JSON.parse(fromRegistry.stdout).image.ref, `registry://${REMOTE}`);
  assert.equal(withoutRef(fromRegistry.stdout), withoutRef(fromArchive.stdout));
  // What a pull costs: the blob sizes and media types the registry's manifest gives.
  const manifest = (await (
    await fetch(`http://${REGISTRY}/v2/layerscope-test/registry-fixture/manifests/v1`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
    })
  ).json()) as { layers: Array<{ size: number; mediaType: string }> };
  const pulled = JSON.parse(fromRegistry.stdout) as {
    image: { compressedBytes: number };
    layers: Array<{ compressedBytes: number; mediaType: string }>;
  };
  assert.deepEqual(
    pulled.layers.map((l) => [l.compressedBytes, l.mediaType]),
    manifest.layers.map((l) => [l.size, l.mediaType]),
  );
  assert.equal(
    pulled.image.compressedBytes,
    manifest.layers.reduce((sum, l) => sum + l.size, 0),
  );
  const report = JSON.parse(fromArchive.stdout);
  assert.equal(report.layers.length, 5); // busybox's two layers + COPY + two RUNs
  assert.equal(report.image.hiddenBytes, 350_000); // big.bin and the junk blob, deleted later
  assert.deepEqual(
    report.waste.entries.map((e: { path: string; bytes: number }) => [e.path, e.bytes]),
    [
      ['/app/big.bin', 300_000],
      ['/var/cache/junk/blob', 50_000],
    ],
  );

  const lsRegistry = await cli(['ls', `registry://${REMOTE}`, '--json'], { LAYERSCOPE_CACHE_DIR: join(temp!, 'cache-ls') });
  const lsArchive = await cli(['ls', archive, '--json', '--no-cache']);
  assert.equal(lsRegistry.code, 0, lsRegistry.stderr);
  assert.equal(lsRegistry.stdout, lsArchive.stdout);
  assert.ok(lsRegistry.stdout.includes('"path":"/app/state"'));
});

test('reopening from the cache gives the same bytes and downloads no layer (real registry)', async (t) => {
  if (!ready(t)) return;
  await pushFixture();
  const cache = join(temp!, 'cache-reopen');
  const cold = await cli([`registry://${REMOTE}`, '--json'], { LAYERSCOPE_CACHE_DIR: cache });
  assert.equal(cold.code, 0, cold.stderr);
  // Five summaries and the directory of the proofs that tie them to these blobs (one a layer).
  const entries = readdirSync(join(cache, CACHE_FORMAT)).sort();
  assert.equal(entries.length, 6);
  assert.equal(entries.at(-1), 'proofs');
  assert.equal(readdirSync(join(cache, CACHE_FORMAT, 'proofs')).length, 5);
  const warm = await cli([`registry://${REMOTE}`, '--json'], { LAYERSCOPE_CACHE_DIR: cache });
  assert.equal(warm.code, 0, warm.stderr);
  assert.equal(warm.stdout, cold.stdout);
  assert.deepEqual(readdirSync(join(cache, CACHE_FORMAT)).sort(), entries);
  t.diagnostic(`cold open ${cold.ms.toFixed(0)} ms, cached reopen ${warm.ms.toFixed(0)} ms`);
});

test('an unknown tag on the real registry: one line, exit 2', async (t) => {
  if (!ready(t)) return;
  await pushFixture();
  const missing = `${REGISTRY}/layerscope-test/registry-fixture:no-such-tag`;
  const r = await cli([`registry://${missing}`, '--json']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `layerscope: ${missing}: manifest unknown (no such tag or repository)\n`);
  const repo = `${REGISTRY}/layerscope-test/no-such-repo:v1`;
  const r2 = await cli([`registry://${repo}`, '--json']);
  assert.equal(r2.stderr, `layerscope: ${repo}: manifest unknown (no such tag or repository)\n`);
});
