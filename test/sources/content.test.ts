import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packTar, packTarGz } from '../helpers/tar.js';
import { buildImage, ImageWorkspace, type SyntheticImage } from '../helpers/image.js';
import { FakeRegistry } from '../helpers/registry.js';
import { cliPath, repoRoot } from '../helpers/cli.js';
import { openImage } from '../../src/sources/open.js';
import { analyseImage } from '../../src/core/analyse.js';
import { analyse } from '../../src/core/analysis.js';
import { ImageContent } from '../../src/sources/content.js';
import { findCopy } from '../../src/core/contentPath.js';

const BIG = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff));
const LONG = `opt/${'deep/'.repeat(30)}long-name.txt`;

async function fixtureImage(): Promise<SyntheticImage> {
  return buildImage({
    layers: [
      await packTar([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/a.txt', content: 'alpha\n' },
        { name: 'etc/hl', type: 'link', linkname: 'etc/a.txt' },
        { name: 'etc/link', type: 'symlink', linkname: 'a.txt' },
        { name: 'big.bin', content: BIG },
        { name: LONG, content: 'long\n' },
      ]),
      await packTarGz([
        { name: 'tmp/', type: 'directory' },
        { name: 'tmp/secret', content: 'secret v1\n' },
        { name: 'etc/a.txt', content: 'alpha2\n' },
        { name: 'tail.bin', content: BIG.subarray(0, 100_000) },
      ]),
      await packTarGz([{ name: 'tmp/.wh.secret' }]),
    ],
  });
}

async function withContent<T>(path: string, use: (c: ImageContent, a: ReturnType<typeof analyse>) => Promise<T>): Promise<T> {
  const source = await openImage(path);
  try {
    const analysis = analyse(await analyseImage(source));
    const content = new ImageContent(source, analysis.image.summaries);
    try {
      return await use(content, analysis);
    } finally {
      await content.close();
    }
  } finally {
    await source.close();
  }
}

async function all(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of chunks) out.push(c);
  return Buffer.concat(out);
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function cli(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

test('content of visible and hidden copies from every archive format', async () => {
  const ws = new ImageWorkspace();
  try {
    const image = await fixtureImage();
    const paths = {
      legacy: await ws.legacyDockerArchive([image]),
      docker25: await ws.docker25Archive([image]),
      ociDir: ws.ociLayoutDir([image]),
      ociTar: await ws.ociLayoutTar([image]),
    };
    for (const [format, path] of Object.entries(paths)) {
      await withContent(path, async (content, analysis) => {
        const tree = analysis.tree;
        const read = async (p: string, layer?: number) => {
          const copy = findCopy(tree, p, { ...(layer !== undefined ? { layer } : {}), followLast: true });
          return (await all(content.stream(copy.layer, copy.index))).toString('latin1');
        };
        assert.equal(await read('/etc/a.txt'), 'alpha2\n', format);
        assert.equal(await read('/etc/a.txt', 0), 'alpha\n', format);
        assert.equal(await read('/etc/hl'), 'alpha\n', `${format}: a hard link shares the layer-0 bytes`);
        assert.equal(await read('/etc/link'), 'alpha2\n', `${format}: a symlink is followed in the final view`);
        assert.equal(await read('/tmp/secret', 1), 'secret v1\n', `${format}: the deleted copy`);
        assert.equal(await read(`/${LONG}`), 'long\n', format);
        const big = findCopy(tree, '/big.bin');
        assert.equal(sha(await all(content.stream(big.layer, big.index))), sha(BIG), format);
        // Pages, forwards and back (a compressed layer restarts its pass to go back).
        for (const p of ['/big.bin', '/tail.bin']) {
          const copy = findCopy(tree, p);
          const expected = p === '/big.bin' ? BIG : BIG.subarray(0, 100_000);
          const c = await content.open(copy.layer, copy.index);
          assert.equal(c.size, expected.length);
          assert.deepEqual(await c.read(70_000, 4096), expected.subarray(70_000, 74_096), `${format} ${p} forward`);
          assert.deepEqual(await c.read(10, 20), expected.subarray(10, 30), `${format} ${p} back`);
          assert.deepEqual(await c.read(expected.length - 5, 100), expected.subarray(expected.length - 5), `${format} ${p} end`);
          await c.close();
        }
      });
    }
  } finally {
    ws.cleanup();
  }
});

test('a registry blob is downloaded once per run and its temp copy removed', async () => {
  const registry = await FakeRegistry.start();
  try {
    const image = await fixtureImage();
    registry.addImage('app', 'v1', image);
    await withContent(`registry://${registry.host}/app:v1`, async (content, analysis) => {
      const before = registry.requests.filter((r) => r.path.includes('/blobs/')).length;
      for (let i = 0; i < 3; i++) {
        const copy = findCopy(analysis.tree, '/tmp/secret', { layer: 1 });
        assert.equal((await all(content.stream(copy.layer, copy.index))).toString(), 'secret v1\n');
        const a = findCopy(analysis.tree, '/etc/a.txt');
        assert.equal((await all(content.stream(a.layer, a.index))).toString(), 'alpha2\n');
      }
      const blobGets = registry.requests.filter((r) => r.path.includes('/blobs/')).length - before;
      assert.equal(blobGets, 1, 'layer 1 blob fetched once for six reads');
    });
  } finally {
    await registry.stop();
  }
  // The CLI removes its temp directory on exit.
  const leftBefore = readdirSync(tmpdir()).filter((n) => n.startsWith('layerscope-content-')).length;
  const registry2 = await FakeRegistry.start();
  try {
    registry2.addImage('app', 'v1', await fixtureImage());
    const r = await cli(['cat', `registry://${registry2.host}/app:v1`, '/tmp/secret', '--layer', '1', '--no-cache']);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.toString(), 'secret v1\n');
  } finally {
    await registry2.stop();
  }
  assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('layerscope-content-')).length, leftBefore);
});

test('cat: exact bytes, and one-line errors with exit 2 for bad input', async () => {
  const ws = new ImageWorkspace();
  try {
    const path = await ws.docker25Archive([await fixtureImage()]);
    const big = await cli(['cat', path, '/big.bin', '--no-cache']);
    assert.equal(big.code, 0);
    assert.equal(sha(big.stdout), sha(BIG));
    const hidden = await cli(['cat', path, 'tmp/secret', '--layer', '1', '--no-cache']);
    assert.equal(hidden.stdout.toString(), 'secret v1\n');
    const cases: Array<[string[], string]> = [
      [['/etc/a.tx'], 'layerscope: no such path in the image: /etc/a.tx; closest: /etc/a.txt\n'],
      [['/etc'], 'layerscope: /etc is a directory; use ls to list it, or extract to copy it out\n'],
      [['/etc/a.txt', '--layer', '3'], 'layerscope: --layer 3 is out of range: the image has 3 layers (0–2)\n'],
      [['/etc/a.txt', '--layer', 'x'], 'layerscope: --layer x: expected a layer index (0–2)\n'],
      [['/etc/a.txt', '--layer', '2'], 'layerscope: layer 2 stores no copy of /etc/a.txt; layers 0, 1 do\n'],
      [
        ['/tmp/secret'],
        'layerscope: /tmp/secret is not in the final image (deleted or replaced); its hidden copy is in layer 1: add --layer 1\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = await cli(['cat', path, ...args, '--no-cache']);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr, stderr);
      assert.equal(r.stdout.length, 0);
    }
    // A layer cut in the middle of a file: one line, exit 2.
    const legacy = await ws.legacyDockerArchive([await fixtureImage()], 'cut.tar');
    const size = statSync(legacy).size;
    truncateSync(legacy, size - 200_000);
    const cut = await cli(['cat', legacy, '/big.bin', '--no-cache']);
    assert.equal(cut.code, 2);
    assert.match(cut.stderr, /^layerscope: .*truncated.*\n$/);
    assert.equal(cut.stderr.split('\n').length, 2);
    assert.ok(existsSync(legacy));
    writeFileSync(join(ws.dir, 'unused'), '');
  } finally {
    ws.cleanup();
  }
});
