// The bundled example archives (examples/multistage-{builder,final}.tar, made by
// scripts/make-example.sh): small enough to ship, still what examples/multistage/Dockerfile
// builds, read by `layerscope ls` exactly as the engine sees them after `docker load`, and
// their hidden bytes are the ones the Dockerfile's two mistakes leave behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerAvailable, need } from '../helpers/env.js';
import {
  buildImage,
  exportFileList,
  initLayerPaths,
  layerCount,
  loadImage,
  sortList,
  withoutPaths,
  type FileListEntry,
} from '../helpers/docker.js';
import { runLayerscope } from '../helpers/cli.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const _cli = join(repoRoot, 'bin', 'layerscope.js');
const archives = {
  builder: join(repoRoot, 'examples', 'multistage-builder.tar'),
  final: join(repoRoot, 'examples', 'multistage-final.tar'),
};

const runCli = (args: string[]) => runLayerscope(args, { timeoutMs: 120_000 });

interface Row {
  path: string;
  type: string;
  size: number;
  layer: number;
}

async function ls(archive: string): Promise<Row[]> {
  const r = await runCli(['ls', archive, '--json']);
  assert.equal(r.code, 0, `layerscope ls ${archive} --json: ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
}

test('example archives: within the 5 MB budget', () => {
  const sizes = Object.values(archives).map((a) => statSync(a).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  assert.ok(total < 5_000_000, `examples/*.tar total ${total} bytes`);
  // Each holds the busybox base (~2 MB) plus its own layers: not empty, not bloated.
  for (const s of sizes) assert.ok(s > 2_000_000 && s < 2_600_000, `archive size ${s}`);
});

test('example archives: layerscope ls = docker export after docker load; still what the Dockerfile builds', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const init = await initLayerPaths();
  for (const [stage, archive] of Object.entries(archives)) {
    await t.test(stage, async () => {
      // Loading tags layerscope-example/multistage:<stage>, as make-example.sh does.
      await loadImage(archive);
      const tag = `layerscope-example/multistage:${stage}`;
      const oracle = await exportFileList(tag);
      const rows = await ls(archive);
      const got = sortList(
        withoutPaths(
          rows
            .filter((r) => r.path !== '/')
            .map(
              (r): FileListEntry => ({
                path: r.path,
                type: (r.type === 'hardlink' ? 'file' : r.type) as FileListEntry['type'],
                size: r.size,
              }),
            ),
          init,
        ),
      );
      console.log(`differential example ${stage} docker-archive: ${oracle.length} paths compared`);
      assert.deepEqual(got, oracle);
      const layers = await layerCount(tag);
      assert.deepEqual(
        rows.filter((r) => !(Number.isInteger(r.layer) && r.layer >= 0 && r.layer < layers)),
        [],
      );

      // Rebuilt from examples/multistage now, the stage has the same paths, types and sizes:
      // the committed archive is not stale.
      const fresh = `layerscope-test/example-rebuild:${stage}`;
      await buildImage(join(repoRoot, 'examples', 'multistage'), fresh, { target: stage });
      assert.deepEqual(await exportFileList(fresh), oracle, 'examples/multistage changed: run scripts/make-example.sh');
    });
  }
});

test('example final stage: exact facts and hidden bytes', async () => {
  const rows = new Map((await ls(archives.final)).map((r) => [r.path, r]));
  // Layers: 0-1 busybox, 2 RUN mkdir+conf, 3 COPY --from=builder, 4 RUN assets, 5 RUN rm, 6 COPY app.conf.
  assert.equal(rows.has('/tmp/assets.tar'), false);
  assert.equal(rows.has('/tmp/assets.csv'), false);
  assert.deepEqual(rows.get('/usr/local/bin/app'), { path: '/usr/local/bin/app', type: 'file', size: 40821, layer: 3 });
  assert.deepEqual(rows.get('/srv/app/data/assets.csv'), { path: '/srv/app/data/assets.csv', type: 'file', size: 80000, layer: 4 });
  assert.deepEqual(rows.get('/etc/app/app.conf'), { path: '/etc/app/app.conf', type: 'file', size: 49, layer: 6 });
  assert.equal(rows.get('/tmp')?.type, 'dir');

  const r = await runCli([archives.final, '--json', '-']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    image: { storedBytes: number; visibleBytes: number; hiddenBytes: number };
    layers: Array<{ index: number; sizeBytes: number }>;
    waste: { hiddenBytes: number; entries: Array<{ path: string; bytes: number }> };
  };
  const busybox = rows.get('/bin/busybox')?.size ?? NaN; // layer 0 holds only the busybox binary
  assert.deepEqual(
    report.layers.map((l) => l.sizeBytes),
    [busybox, 0, 20, 40821, 80000 + 81920, 0, 49],
  );
  assert.equal(report.image.storedBytes, busybox + 20 + 40821 + 80000 + 81920 + 49);
  // Hidden: the tarball deleted one layer too late, and the first app.conf.
  assert.equal(report.image.hiddenBytes, 81920 + 20);
  assert.equal(report.image.visibleBytes, report.image.storedBytes - 81940);
  assert.equal(report.waste.hiddenBytes, 81940);
  const tarball = report.waste.entries.find((e) => e.path === '/tmp/assets.tar');
  assert.equal(tarball?.bytes, 81920);
});

test('example builder stage: hard-linked compiler counted once, nothing hidden', async () => {
  const rows = new Map((await ls(archives.builder)).map((r) => [r.path, r]));
  // Docker's tar writer stores c++ (first in lexical order) as the file, cc as the link.
  assert.deepEqual(rows.get('/opt/toolchain/bin/c++'), { path: '/opt/toolchain/bin/c++', type: 'file', size: 120000, layer: 2 });
  assert.deepEqual(rows.get('/opt/toolchain/bin/cc'), { path: '/opt/toolchain/bin/cc', type: 'hardlink', size: 120000, layer: 2 });
  assert.deepEqual(rows.get('/src/out/app'), { path: '/src/out/app', type: 'file', size: 40821, layer: 5 });
  const r = await runCli([archives.builder, '--json', '-']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { image: { storedBytes: number; visibleBytes: number; hiddenBytes: number } };
  assert.equal(report.image.hiddenBytes, 0);
  assert.equal(report.image.visibleBytes, report.image.storedBytes);
});
