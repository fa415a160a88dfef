// Several images in one run: layers they share are walked once, and each report is the one the
// image gets on its own.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseImage, type LayerProgress } from '../../src/core/analyse.js';
import { openImage } from '../../src/sources/open.js';
import { SharedLayers } from '../../src/app/sharedLayers.js';
import { packTar } from '../helpers/tar.js';
import { buildImage, ImageWorkspace } from '../helpers/image.js';
import { childEnv } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'bin', 'layerscope.js');
const ws = new ImageWorkspace();
after(() => ws.cleanup());

async function twoImagesSharingABase() {
  const base = await packTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', content: 300 },
    { name: 'usr/lib/libc.so', content: 50_000 },
  ]);
  const a = buildImage({ layers: [base, await packTar([{ name: 'app/a.txt', content: 1200 }])], tags: ['shared/a:1'] });
  const b = buildImage({
    layers: [base, await packTar([{ name: 'app/b.txt', content: 700 }, { name: 'usr/lib/.wh.libc.so' }])],
    tags: ['shared/b:1'],
  });
  // One layout holding both: their base is the same blob file. Two layouts: two files.
  const both = ws.ociLayoutDir([a, b], `both${++made}`);
  return { a: `${both}:@0`, b: `${both}:@1`, apartA: ws.ociLayoutDir([a], `a${made}`), apartB: ws.ociLayoutDir([b], `b${made}`) };
}
let made = 0;

async function analyse(path: string, cache?: ReturnType<SharedLayers['behind']>) {
  const progress: LayerProgress[] = [];
  const source = await openImage(path);
  try {
    const image = await analyseImage(source, { onProgress: (p) => progress.push(p), ...(cache ? { cache } : {}) });
    // A walked layer reports bytes read before it is done; a shared one is done at once.
    const walked = [...new Set(progress.filter((p) => !p.done).map((p) => p.layer))].sort();
    return { image, walked };
  } finally {
    await source.close();
  }
}

test('the second image walks only the layer it does not share with the first (same blob file), not a copy elsewhere', async () => {
  const { a, b, apartA, apartB } = await twoImagesSharingABase();
  const shared = new SharedLayers();
  const first = await analyse(a, shared.behind(undefined));
  const second = await analyse(b, shared.behind(undefined));
  assert.deepEqual(first.walked, [0, 1]);
  assert.deepEqual(second.walked, [1]);
  assert.equal(shared.size, 3);
  const alone = await analyse(b);
  assert.deepEqual(alone.walked, [0, 1]);
  assert.deepEqual(second.image.summaries, alone.image.summaries);
  // The same diffID in another file is not proven to be the same bytes: walked again.
  const apart = new SharedLayers();
  await analyse(apartA, apart.behind(undefined));
  assert.deepEqual((await analyse(apartB, apart.behind(undefined))).walked, [0, 1]);
});

test('layerscope A B --json: an array of the reports each image gets alone, in the order given; --text one summary each', async () => {
  const { a, b } = await twoImagesSharingABase();
  const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args, '--no-cache'], { encoding: 'utf8', env: childEnv });
  const both = run([a, b, '--json']);
  assert.equal(both.status, 0, both.stderr);
  const reports = JSON.parse(both.stdout) as Array<{ image: { ref: string; storedBytes: number; hiddenBytes: number } }>;
  assert.deepEqual(
    reports.map((r) => [r.image.ref, r.image.storedBytes, r.image.hiddenBytes]),
    [
      [a, 51_500, 0],
      [b, 51_000, 50_000],
    ],
  );
  assert.deepEqual(reports[1], JSON.parse(run([b, '--json']).stdout));
  assert.deepEqual(reports[0], JSON.parse(run([a, '--json']).stdout));
  const text = run([a, b, '--text']);
  assert.equal(text.status, 0, text.stderr);
  assert.equal(text.stdout.match(/^Image /gm)?.length, 2);
});
