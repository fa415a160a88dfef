// registry:// against a registry written for the test (test/helpers/registry.ts): the token and
// Basic auth flows with credentials from a temp DOCKER_CONFIG (config.json and a credential
// helper), the one-line errors, retries, digest checks on the fly, resumed downloads, and the
// summary cache. The real binary runs in a child process; every request it makes is logged by
// the server, so the assertions say exactly what went over the wire.
import { test, before, after } from 'node:test';
import { CACHE_FORMAT } from '../../src/sources/cache.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseImage } from '../../src/core/analyse.js';
import { InputError } from '../../src/core/errors.js';
import { requestPlatform } from '../../src/sources/platform.js';
import { openRegistry } from '../../src/sources/registry/source.js';
import { buildImage, hexOf, ImageWorkspace, type SyntheticImage } from '../helpers/image.js';
import { FakeRegistry, type AuthMode } from '../helpers/registry.js';
import { packTar, packTarGz } from '../helpers/tar.js';
import { childEnv } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'bin', 'layerscope.js');
const temp = mkdtempSync(join(tmpdir(), 'layerscope-registry-'));
const workspace = new ImageWorkspace();
after(() => {
  rmSync(temp, { recursive: true, force: true });
  workspace.cleanup();
});

let image: SyntheticImage;
/** The report of the same image read from an OCI layout: what every registry pull must match. */
let expected: Record<string, unknown>;

before(async () => {
  image = buildImage({
    layers: [
      await packTarGz([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/app.conf', content: 'a=1\n' },
        { name: 'bin/tool', content: 40_000 },
      ]),
      await packTar([
        { name: 'etc/app.conf', content: 'a=2\n' },
        { name: 'data/blob.bin', content: 120_000 },
      ]),
      await packTarGz([{ name: 'data/.wh.blob.bin' }, { name: 'etc/extra', content: 'x' }]),
    ],
  });
  const layout = workspace.ociLayoutDir([image]);
  const r = await cli([layout, '--json', '--no-cache'], {});
  assert.equal(r.code, 0, r.stderr);
  expected = withoutRef(JSON.parse(r.stdout));
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let counter = 0;
/** A fresh directory under the suite's temp dir. */
function fresh(name: string): string {
  const dir = join(temp, `${name}-${++counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs the binary without blocking this process (the registry lives here). */
function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...childEnv, HOME: temp, DOCKER_CONFIG: join(temp, 'no-docker-config'), LAYERSCOPE_CACHE_DIR: fresh('cache'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

function withoutRef(report: { image: Record<string, unknown> }): Record<string, unknown> {
  const { ref: _ref, ...image } = report.image;
  return { ...report, image };
}

function assertOneLineError(r: CliResult, message: string | RegExp): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.endsWith('\n'), true);
  const lines = r.stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  if (typeof message === 'string') assert.equal(lines[0], `layerscope: ${message}`);
  else assert.match(lines[0]!, message);
}

/** A registry serving `image` as test/app:1. */
async function withRegistry(auth: AuthMode, body: (reg: FakeRegistry) => Promise<void>): Promise<void> {
  const reg = await FakeRegistry.start({ auth });
  reg.addImage('test/app', '1', image);
  try {
    await body(reg);
  } finally {
    await reg.stop();
  }
}

function dockerConfig(config: unknown): string {
  const dir = fresh('docker-config');
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const _layerPaths = () => image.layerDigests.map((d) => `/blobs/${d}`);
const blobPath = (digest: string) => `/v2/test/app/blobs/${digest}`;

test('anonymous token flow: 401 challenge, one token for the repository scope, then Bearer on every request', async () => {
  await withRegistry({ scheme: 'bearer' }, async (reg) => {
    const r = await cli([`registry://${reg.host}/test/app:1`, '--json'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout);
    assert.equal(report.image.ref, `registry://${reg.host}/test/app:1`);
    assert.deepEqual(withoutRef(report), expected);
    const [ping, token, manifest, config, ...layers] = reg.requests;
    assert.deepEqual(ping, { method: 'GET', path: '/v2/', query: {} });
    assert.deepEqual(token, { method: 'GET', path: '/token', query: { service: 'fake-registry', scope: 'repository:test/app:pull' } });
    assert.deepEqual(manifest, { method: 'GET', path: '/v2/test/app/manifests/1', query: {}, authorization: 'Bearer token-1' });
    assert.deepEqual(config, { method: 'GET', path: blobPath(image.configDigest), query: {}, authorization: 'Bearer token-1' });
    assert.deepEqual(layers.map((l) => l.path).sort(), image.layerDigests.map(blobPath).sort());
    assert.equal(
      layers.every((l) => l.authorization === 'Bearer token-1'),
      true,
    );
  });
});

test('a registry whose /v2/ is open challenges on the repository: token for the scope it names, then the request again', async () => {
  await withRegistry({ scheme: 'bearer', openPing: true }, async (reg) => {
    const r = await cli([`registry://${reg.host}/test/app:1`, '--json'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(withoutRef(JSON.parse(r.stdout)), expected);
    assert.deepEqual(reg.requests.slice(0, 5), [
      { method: 'GET', path: '/v2/', query: {} },
      { method: 'GET', path: '/v2/test/app/manifests/1', query: {} },
      { method: 'GET', path: '/token', query: { service: 'fake-registry', scope: 'repository:test/app:pull' } },
      { method: 'GET', path: '/v2/test/app/manifests/1', query: {}, authorization: 'Bearer token-1' },
      { method: 'GET', path: blobPath(image.configDigest), query: {}, authorization: 'Bearer token-1' },
    ]);
    assert.equal(reg.requests.length, 5 + image.layers.length);
  });
});

test('the same image by digest, and with --source registry', async () => {
  await withRegistry({ scheme: 'none' }, async (reg) => {
    const byDigest = await cli([`registry://${reg.host}/test/app@${image.manifestDigest}`, '--json'], {});
    assert.equal(byDigest.code, 0, byDigest.stderr);
    assert.deepEqual(withoutRef(JSON.parse(byDigest.stdout)), expected);
    assert.equal(reg.requestsTo(`/manifests/${image.manifestDigest}`).length, 1);
    const viaOption = await cli([`${reg.host}/test/app:1`, '--source', 'registry', '--json'], {});
    assert.equal(viaOption.code, 0, viaOption.stderr);
    assert.deepEqual(withoutRef(JSON.parse(viaOption.stdout)), expected);
  });
});

test('basic credentials from config.json auths go to the token service; a wrong password is one line, exit 2', async () => {
  await withRegistry({ scheme: 'bearer', users: { alice: 's3cret' } }, async (reg) => {
    const good = dockerConfig({ auths: { [reg.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } });
    const r = await cli([`registry://${reg.host}/test/app:1`, '--json'], { DOCKER_CONFIG: good });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(withoutRef(JSON.parse(r.stdout)), expected);
    const tokenRequests = reg.requestsTo('/token');
    assert.equal(tokenRequests.length, 1);
    assert.equal(tokenRequests[0]!.authorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    assert.deepEqual(tokenRequests[0]!.query, { service: 'fake-registry', scope: 'repository:test/app:pull', account: 'alice' });

    const bad = dockerConfig({ auths: { [`https://${reg.host}`]: { username: 'alice', password: 'wrong' } } });
    assertOneLineError(
      await cli([`registry://${reg.host}/test/app:1`, '--json'], { DOCKER_CONFIG: bad }),
      `authentication failed for ${reg.host} as alice (credentials from ${join(bad, 'config.json')}): run docker login ${reg.host}`,
    );
    assertOneLineError(
      await cli([`registry://${reg.host}/test/app:1`, '--json'], {}),
      `authentication required for ${reg.host}: run docker login ${reg.host}`,
    );
  });
});

test('an identity token (docker login with an identity provider) is exchanged with an OAuth2 POST to the token service', async () => {
  await withRegistry({ scheme: 'bearer', users: {}, refreshTokens: ['refresh-abc'] }, async (reg) => {
    const config = dockerConfig({ auths: { [reg.host]: { identitytoken: 'refresh-abc' } } });
    const r = await cli([`registry://${reg.host}/test/app:1`, '--json'], { DOCKER_CONFIG: config });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(withoutRef(JSON.parse(r.stdout)), expected);
    assert.deepEqual(reg.requestsTo('/token'), [
      {
        method: 'POST',
        path: '/token',
        query: {
          grant_type: 'refresh_token',
          refresh_token: 'refresh-abc',
          client_id: 'layerscope',
          service: 'fake-registry',
          scope: 'repository:test/app:pull',
        },
      },
    ]);
    const expired = dockerConfig({ auths: { [reg.host]: { identitytoken: 'revoked' } } });
    assertOneLineError(
      await cli([`registry://${reg.host}/test/app:1`, '--json'], { DOCKER_CONFIG: expired }),
      `authentication failed for ${reg.host} (credentials from ${join(expired, 'config.json')}): run docker login ${reg.host}`,
    );
  });
});

test('plain HTTP only to loopback hosts, or with --insecure-registry', async () => {
  await withRegistry({ scheme: 'none' }, async (reg) => {
    // 0.0.0.0 reaches this machine but is not a loopback name: HTTPS only, unless allowed.
    const host = reg.host.replace('127.0.0.1', '0.0.0.0');
    const refused = await cli([`registry://${host}/test/app:1`, '--json'], {});
    assertOneLineError(
      refused,
      new RegExp(
        `^layerscope: cannot reach ${host.replace(/\./g, '\\.')}: TLS handshake failed \\(.+\\); if ${host.replace(/\./g, '\\.')} serves plain HTTP, add --insecure-registry$`,
      ),
    );
    assert.deepEqual(reg.requests, []);
    const allowed = await cli([`registry://${host}/test/app:1`, '--json', '--insecure-registry'], {});
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.deepEqual(withoutRef(JSON.parse(allowed.stdout)), expected);
  });
});

test('Basic challenge: username/password from config.json on every request; wrong password → one line, exit 2', async () => {
  await withRegistry({ scheme: 'basic', users: { bob: 'pw' } }, async (reg) => {
    const good = dockerConfig({ auths: { [reg.host]: { username: 'bob', password: 'pw' } } });
    const r = await cli([`registry://${reg.host}/test/app:1`, '--json'], { DOCKER_CONFIG: good });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(withoutRef(JSON.parse(r.stdout)), expected);
    const basic = `Basic ${Buffer.from('bob:pw').toString('base64')}`;
    assert.deepEqual(
      reg.requests.map((q) => q.authorization ?? 'none'),
      ['none', ...Array(2 + image.layers.length).fill(basic)],
    );
    assert.equal(reg.requestsTo('/token').length, 0);

    const bad = dockerConfig({ auths: { [reg.host]: { auth: Buffer.from('bob:nope').toString('base64') } } });
    assertOneLineError(
      await cli([`registry://${reg.host}/test/app:1`, '--json'], { DOCKER_CONFIG: bad }),
      `authentication failed for ${reg.host} as bob (credentials from ${join(bad, 'config.json')}): run docker login ${reg.host}`,
    );
  });
});

test('a credential helper (credHelpers, then credsStore) gets the server URL on stdin and its answer is used', async () => {
  await withRegistry({ scheme: 'bearer', users: { carol: 'helper-secret' } }, async (reg) => {
    const binDir = fresh('bin');
    const seen = join(binDir, 'seen');
    const helper = join(binDir, 'docker-credential-test');
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 3\ncat > '${seen}'\necho '{"ServerURL":"x","Username":"carol","Secret":"helper-secret"}'\n`,
    );
    chmodSync(helper, 0o755);
    const PATH = `${binDir}${delimiter}${process.env.PATH ?? ''}`;
    for (const config of [{ credHelpers: { [reg.host]: 'test' } }, { credsStore: 'test', auths: { [reg.host]: {} } }]) {
      rmSync(seen, { force: true });
      const r = await cli([`registry://${reg.host}/test/app:1`, '--json'], { DOCKER_CONFIG: dockerConfig(config), PATH });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(withoutRef(JSON.parse(r.stdout)), expected);
      assert.equal(readFileSync(seen, 'utf8'), reg.host);
    }
    const tokens = reg.requestsTo('/token');
    assert.equal(tokens.length, 2);
    for (const t of tokens) assert.equal(t.authorization, `Basic ${Buffer.from('carol:helper-secret').toString('base64')}`);

    // A helper that is not installed is a warning; the registry's 401 is the error.
    const missing = await cli([`registry://${reg.host}/test/app:1`, '--json'], {
      DOCKER_CONFIG: dockerConfig({ credsStore: 'nonexistent-helper' }),
      PATH,
    });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `layerscope: authentication required for ${reg.host}: run docker login ${reg.host}\n`);
  });
});

test('unknown tag or repository: one line naming the reference, exit 2', async () => {
  await withRegistry({ scheme: 'bearer' }, async (reg) => {
    assertOneLineError(
      await cli([`registry://${reg.host}/test/app:nope`, '--json'], {}),
      `${reg.host}/test/app:nope: manifest unknown (no such tag or repository)`,
    );
    assertOneLineError(
      await cli([`registry://${reg.host}/test/other`, '--json'], {}),
      `${reg.host}/test/other:latest: manifest unknown (no such tag or repository)`,
    );
  });
});

test('connection refused: one line saying which registry cannot be reached', async () => {
  const port = await freePort();
  assertOneLineError(
    await cli([`registry://127.0.0.1:${port}/test/app:1`, '--json'], {}),
    `cannot reach 127.0.0.1:${port}: connection refused`,
  );
});

test('429 with Retry-After: 0 is retried and the pull succeeds; a registry that keeps failing gives up after 5 tries', async () => {
  await withRegistry({ scheme: 'none' }, async (reg) => {
    reg.fault('/manifests/1', { status: 429, headers: { 'retry-after': '0' } });
    reg.fault(`/blobs/${image.layerDigests[1]}`, { status: 503, headers: { 'retry-after': '0' } }, 2);
    const r = await cli([`registry://${reg.host}/test/app:1`, '--json'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(withoutRef(JSON.parse(r.stdout)), expected);
    assert.equal(reg.requestsTo('/manifests/1').length, 2);
    assert.equal(reg.requestsTo(`/blobs/${image.layerDigests[1]}`).length, 3);

    reg.requests.length = 0;
    reg.fault('/manifests/1', { status: 503, headers: { 'retry-after': '0' } }, 100);
    assertOneLineError(
      await cli([`registry://${reg.host}/test/app:1`, '--json'], {}),
      `${reg.host}/test/app:1: manifest for tag 1: the registry answered 503 Service Unavailable`,
    );
    assert.equal(reg.requestsTo('/manifests/1').length, 5);
  });
});

test('a blob whose bytes do not match its digest: one-line error, and nothing cached for that layer', async () => {
  await withRegistry({ scheme: 'none' }, async (reg) => {
    // Layer 1 is a plain tar: change one byte of file content, so the tar still reads to the end.
    const layer = image.layers[1]!;
    const tampered = Buffer.from(layer.blob);
    const at = tampered.indexOf(Buffer.from('a=2'));
    tampered[at + 2] = '9'.charCodeAt(0);
    reg.fault(`/blobs/${layer.digest}`, { body: tampered });
    const cache = fresh('cache');
    const r = await cli([`registry://${reg.host}/test/app:1`, '--json'], { LAYERSCOPE_CACHE_DIR: cache });
    assertOneLineError(
      r,
      new RegExp(
        `^layerscope: layer 1 \\(${layer.digest}\\): blob ${layer.digest} does not match its digest \\(its bytes hash to sha256:[0-9a-f]{64}\\)$`,
      ),
    );
    const cached = readdirSync(join(cache, CACHE_FORMAT)).filter((n) => !n.startsWith('.'));
    assert.equal(cached.includes(`${hexOf(layer.diffId)}.json.gz`), false);
  });
});

test('a connection cut mid-blob is resumed with a Range request from where it stopped', async () => {
  await withRegistry({ scheme: 'none' }, async (reg) => {
    const layer = image.layers[1]!;
    const half = Math.floor(layer.blob.length / 2);
    reg.fault(`/blobs/${layer.digest}`, { cutAfter: half });
    const r = await cli([`registry://${reg.host}/test/app:1`, '--json'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(withoutRef(JSON.parse(r.stdout)), expected);
    assert.deepEqual(
      reg.requestsTo(`/blobs/${layer.digest}`).map((q) => q.range ?? 'whole'),
      ['whole', `bytes=${half}-`],
    );
  });
});

test('a connection cut on every try ends in one error line after 5 tries', async () => {
  await withRegistry({ scheme: 'none' }, async (reg) => {
    const layer = image.layers[1]!;
    reg.fault(`/blobs/${layer.digest}`, { cutAfter: 10 }, 100);
    const source = await openRegistry(`${reg.host}/test/app:1`, {
      ref: 'r',
      platform: requestPlatform(undefined),
      retry: { baseDelayMs: 1 },
    });
    try {
      await assert.rejects(analyseImage(source, { concurrency: 1 }), (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(
          e.message,
          `layer 1 (${layer.digest}): ${reg.host}: download of blob ${layer.digest} failed 5 times; last: the connection was closed mid-transfer`,
        );
        return true;
      });
    } finally {
      await source.close();
    }
    assert.deepEqual(
      reg.requestsTo(`/blobs/${layer.digest}`).map((q) => q.range ?? 'whole'),
      ['whole', 'bytes=10-', 'bytes=20-', 'bytes=30-', 'bytes=40-'],
    );
  });
});

test('cache: a second open downloads no blob, config included; --no-cache downloads them again and writes nothing', async () => {
  await withRegistry({ scheme: 'bearer' }, async (reg) => {
    const cache = fresh('cache');
    const args = [`registry://${reg.host}/test/app:1`, '--json'];
    const first = await cli(args, { LAYERSCOPE_CACHE_DIR: cache });
    assert.equal(first.code, 0, first.stderr);
    // The summaries, and the proofs that these blobs' bytes have those diffIDs (one a layer).
    const entries = readdirSync(join(cache, CACHE_FORMAT)).sort();
    assert.deepEqual(entries, [...image.diffIds.map((d) => `${hexOf(d)}.json.gz`).sort(), 'proofs']);
    assert.equal(readdirSync(join(cache, CACHE_FORMAT, 'proofs')).length, image.layers.length);
    const blobRequests = () => reg.requests.filter((q) => q.path.includes('/blobs/')).map((q) => q.path);
    assert.equal(blobRequests().length, 1 + image.layers.length);

    reg.requests.length = 0;
    const second = await cli(args, { LAYERSCOPE_CACHE_DIR: cache });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    // The config too comes from the cache (by its digest): the manifest is the one thing asked for.
    assert.deepEqual(blobRequests(), []);
    assert.deepEqual(
      reg.requests.map((q) => q.path),
      ['/v2/', '/token', '/v2/test/app/manifests/1'],
    );

    reg.requests.length = 0;
    const empty = fresh('cache');
    const uncached = await cli([...args, '--no-cache'], { LAYERSCOPE_CACHE_DIR: empty });
    assert.equal(uncached.code, 0, uncached.stderr);
    assert.equal(uncached.stdout, first.stdout);
    assert.equal(blobRequests().length, 1 + image.layers.length);
    assert.deepEqual(readdirSync(empty), []);
  });
});

test('a multi-platform index: --platform picks the image; the other is never fetched', async () => {
  const arm = buildImage({ layers: [await packTarGz([{ name: 'arm', content: 'arm64' }])], architecture: 'arm64', variant: 'v8' });
  await withRegistry({ scheme: 'none' }, async (reg) => {
    const indexDigest = reg.addIndex('test/app', 'multi', [image, arm]);
    const r = await cli([`registry://${reg.host}/test/app:multi`, '--platform', 'linux/arm64', '--json'], {});
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.image.architecture, 'arm64');
    assert.equal(report.image.id, arm.configDigest);
    assert.deepEqual(
      reg.requests.map((q) => q.path),
      [
        '/v2/',
        '/v2/test/app/manifests/multi',
        `/v2/test/app/manifests/${arm.manifestDigest}`,
        blobPath(arm.configDigest),
        blobPath(arm.layerDigests[0]!),
      ],
    );
    assert.notEqual(indexDigest, arm.manifestDigest);
    assertOneLineError(
      await cli([`registry://${reg.host}/test/app:multi`, '--platform', 'linux/s390x', '--json'], {}),
      `${reg.host}/test/app:multi has no image for linux/s390x (available: linux/amd64, linux/arm64/v8); pick one with --platform`,
    );
  });
});

test('openLayer streams: the analyser gets the first bytes before the registry has sent the rest', async () => {
  const big = buildImage({ layers: [await packTar([{ name: 'big', content: 2_000_000 }])] });
  await withRegistry({ scheme: 'none' }, async (reg) => {
    reg.addImage('test/big', '1', big);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const half = 1_000_000;
    reg.fault(`/blobs/${big.layerDigests[0]}`, { holdAfter: half, release: held });
    const source = await openRegistry(`${reg.host}/test/big:1`, { ref: 'x', platform: requestPlatform(undefined) });
    try {
      assert.equal(source.layers[0]!.blobSize, big.layers[0]!.blob.length);
      const stream = await source.openLayer(0);
      let read = 0;
      const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      while (read < half) {
        const next = await iterator.next();
        assert.equal(next.done, false);
        read += next.value.length;
      }
      assert.equal(read, half); // all that was sent, and the request is still open
      release();
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) read += next.value.length;
      assert.equal(read, big.layers[0]!.blob.length);
    } finally {
      release();
      await source.close();
    }
  });
});

test('openRegistry with analyseImage: progress reports blob sizes from the manifest; a bad digest is an InputError', async () => {
  await withRegistry({ scheme: 'none' }, async (reg) => {
    const source = await openRegistry(`${reg.host}/test/app:1`, { ref: 'r', platform: requestPlatform(undefined) });
    try {
      assert.deepEqual(
        source.layers.map((l) => l.blobSize),
        image.layers.map((l) => l.blob.length),
      );
      assert.deepEqual(
        source.layers.map((l) => l.blobDigest),
        image.layerDigests,
      );
      const done: Array<[number, number, number | undefined]> = [];
      const analysed = await analyseImage(source, {
        onProgress: (p) => {
          if (p.done) done.push([p.layer ?? -1, p.blobBytesRead, p.blobBytesTotal]);
        },
      });
      assert.deepEqual(
        analysed.summaries.map((s) => s.diffId),
        image.diffIds,
      );
      assert.deepEqual(
        done.sort((a, b) => a[0] - b[0]),
        image.layers.map((l, i) => [i, l.blob.length, l.blob.length]),
      );
    } finally {
      await source.close();
    }
    const layer = image.layers[0]!;
    reg.fault(`/blobs/${layer.digest}`, { body: Buffer.concat([layer.blob, Buffer.from('extra')]) });
    const again = await openRegistry(`${reg.host}/test/app:1`, { ref: 'r', platform: requestPlatform(undefined) });
    try {
      await assert.rejects(
        analyseImage(again),
        (e: unknown) => e instanceof InputError && e.message.includes(`blob ${layer.digest} does not match its digest`),
      );
    } finally {
      await again.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
