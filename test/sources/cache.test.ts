// The layer summary cache (src/sources/cache.ts): where it lives, round trips, atomic writes,
// corrupt entries, LRU eviction under the size cap, and that it never fails an analysis.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { analyseImage } from '../../src/core/analyse.js';
import type { LayerSummary } from '../../src/core/model.js';
import { LayerChanges } from '../../src/core/changes.js';
import { cacheRoot, openSummaryCache } from '../../src/sources/cache.js';
import { openImage } from '../../src/sources/open.js';
import { buildImage, hexOf, ImageWorkspace } from '../helpers/image.js';

/** Store-level tests: the origin is one that needs no proof (an engine's store). */
const ENGINE = { engine: true } as const;
import { packTar, packTarGz } from '../helpers/tar.js';

const temp = mkdtempSync(join(tmpdir(), 'layerscope-cache-test-'));
const workspace = new ImageWorkspace();
after(() => {
  rmSync(temp, { recursive: true, force: true });
  workspace.cleanup();
});

let n = 0;
const freshDir = () => join(temp, `c${++n}`);

function summary(i: number, extra = 0): LayerSummary {
  return {
    diffId: `sha256:${i.toString(16).padStart(64, '0')}`,
    compression: 'gzip',
    blobBytes: 100 + i,
    tarBytes: 2048,
    sizeBytes: 5,
    changes: LayerChanges.from([
      { op: 'entry', entry: { path: 'etc', type: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 1 } },
      { op: 'entry', entry: { path: 'etc/x', type: 'file', size: 5, mode: 0o644, uid: 1, gid: 2, mtime: 3 } },
      {
        op: 'entry',
        entry: {
          path: 'etc/\\xff',
          type: 'hardlink',
          size: 0,
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 0,
          linkTarget: 'etc/x',
          linkedContent: 1,
        },
      },
      { op: 'whiteout', path: 'tmp/old' },
      { op: 'opaque', path: 'var' },
      // Padding that gzip cannot shrink much, for entries of similar sizes in the eviction test.
      ...Array.from({ length: extra }, (_, k) => ({
        op: 'whiteout' as const,
        path: createHash('sha256').update(`${i}/${k}`).digest('hex'),
      })),
    ]),
    warnings: [{ kind: 'nameClimbsRoot', path: '/w', message: 'w' }],
  };
}

test('cache root: LAYERSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/layerscope, else ~/.cache/layerscope', () => {
  assert.equal(cacheRoot({ LAYERSCOPE_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' }), '/a');
  assert.equal(cacheRoot({ XDG_CACHE_HOME: '/b' }), join('/b', 'layerscope'));
  assert.ok(cacheRoot({ XDG_CACHE_HOME: 'relative' }).endsWith(join('.cache', 'layerscope')));
  assert.ok(cacheRoot({}).endsWith(join('.cache', 'layerscope')));
  assert.equal(openSummaryCache({ dir: '/c' }).dir, join('/c', 'v5'));
});

test('put then get: the same summary back, stored as v5/<hex>.json.gz with no temp file left', async () => {
  const root = freshDir();
  const cache = openSummaryCache({ dir: root });
  const s = summary(1);
  assert.equal(await cache.get(s.diffId, ENGINE), undefined);
  await cache.put(s, ENGINE);
  assert.deepEqual(readdirSync(join(root, 'v5')), [`${hexOf(s.diffId)}.json.gz`]);
  assert.deepEqual(await cache.get(s.diffId, ENGINE), s);
  // Another process (a new cache object) reads it too.
  assert.deepEqual(await openSummaryCache({ dir: root }).get(s.diffId, ENGINE), s);
  // Not a sha256 diffID: never stored, never found.
  await cache.put({ ...s, diffId: 'sha512:abc' }, ENGINE);
  assert.equal(await cache.get('sha512:abc', ENGINE), undefined);
  assert.equal(readdirSync(join(root, 'v5')).length, 1);
});

test('corrupt entries (bad gzip, bad JSON, wrong shape, another diffID) are misses and are removed', async () => {
  const root = freshDir();
  const dir = join(root, 'v5');
  mkdirSync(dir, { recursive: true });
  const cache = openSummaryCache({ dir: root });
  const bad: Array<[number, Buffer]> = [
    [1, Buffer.from('not gzip at all')],
    [2, gzipSync(Buffer.from('{"truncated":'))],
    [3, gzipSync(Buffer.from(JSON.stringify({ ...summary(3), changes: 'nope' })))],
    [4, gzipSync(Buffer.from(JSON.stringify(summary(5))))],
    [6, gzipSync(Buffer.from(JSON.stringify(summary(6)))).subarray(0, 30)],
  ];
  for (const [i, bytes] of bad) writeFileSync(join(dir, `${hexOf(summary(i).diffId)}.json.gz`), bytes);
  for (const [i] of bad) assert.equal(await cache.get(summary(i).diffId, ENGINE), undefined, `entry ${i}`);
  assert.deepEqual(readdirSync(dir), []);
});

test('size cap: least recently used entries go first; a read counts as a use', async () => {
  const root = freshDir();
  const dir = join(root, 'v5');
  const file = (i: number) => join(dir, `${hexOf(summary(i).diffId)}.json.gz`);
  const sizeOf = (i: number) => statSync(file(i)).size;
  const roomy = openSummaryCache({ dir: root });
  for (let i = 1; i <= 4; i++) await roomy.put(summary(i, 100), ENGINE);
  const [a1, a2, a3, a4] = [sizeOf(1), sizeOf(2), sizeOf(3), sizeOf(4)];
  rmSync(file(4));
  const past = (seconds: number) => new Date(Date.now() - seconds * 1000);
  utimesSync(file(1), past(30), past(30));
  utimesSync(file(2), past(20), past(20));
  utimesSync(file(3), past(10), past(10));
  // A cap that the four entries pass, and whose 90% target keeps exactly two of them.
  const target = a1 + a4 + Math.floor(a3 / 2);
  const maxBytes = Math.ceil(target / 0.9);
  assert.ok(a1 + a2 + a3 + a4 > maxBytes);
  const capped = openSummaryCache({ dir: root, maxBytes });
  assert.ok(await capped.get(summary(1).diffId, ENGINE)); // 1 is now the most recently used
  await capped.put(summary(4, 100), ENGINE);
  // 2 (least recently used) goes, then 3; 1 (just read) and 4 (just written) stay.
  assert.deepEqual(readdirSync(dir).sort(), [file(1), file(4)].map((f) => f.slice(dir.length + 1)).sort());
});

test('stale temp files from a crashed writer are cleaned up; fresh ones are left alone', async () => {
  const root = freshDir();
  const dir = join(root, 'v5');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.tmp-1-old'), 'x');
  writeFileSync(join(dir, '.tmp-2-new'), 'x');
  const old = new Date(Date.now() - 2 * 3600_000);
  utimesSync(join(dir, '.tmp-1-old'), old, old);
  await openSummaryCache({ dir: root }).put(summary(1), ENGINE);
  assert.deepEqual(readdirSync(dir).sort(), ['.tmp-2-new', `${hexOf(summary(1).diffId)}.json.gz`].sort());
});

test('a cache path that is a file: puts are skipped, gets miss', async () => {
  const root = freshDir();
  writeFileSync(root, 'I am a file');
  const cache = openSummaryCache({ dir: root });
  await cache.put(summary(1), ENGINE);
  assert.equal(await cache.get(summary(1).diffId, ENGINE), undefined);
});

test('with analyseImage: the second analysis opens no layer, and gives the same summaries', async () => {
  const img = buildImage({
    layers: [await packTarGz([{ name: 'a', content: 'alpha' }]), await packTar([{ name: 'b', content: 1000 }, { name: '.wh.a' }])],
  });
  const path = workspace.ociLayoutDir([img], 'cached');
  const cache = openSummaryCache({ dir: freshDir() });
  const open = async () => {
    const source = await openImage(path);
    // A layer being read reports progress before it is done (the walker reads a layout's blob
    // file itself, so openLayer is not what shows a read); a cache hit reports only done.
    const opened = new Set<number>();
    try {
      const image = await analyseImage(source, { cache, onProgress: (p) => void (p.done || opened.add(p.layer ?? -1)) });
      return { image, opened: [...opened] };
    } finally {
      await source.close();
    }
  };
  const first = await open();
  assert.deepEqual(first.opened.sort(), [0, 1]);
  const second = await open();
  assert.deepEqual(second.opened, []);
  assert.deepEqual(second.image.summaries, first.image.summaries);
});
