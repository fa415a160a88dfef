// Differential test: `layerscope ls IMAGE --json` against the engine's own merged view
// (`docker export` of a created, never started container), for images built by the real engine
// from test/fixtures/dockerfiles/*, read as a `docker save` archive, as OCI layouts made by
// skopeo (gzip and zstd layers) and as an OCI layout tar. Plus one hand-made archive (loaded
// with `docker load`) whose layers carry an opaque whiteout whatever the storage driver is.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandAvailable, dockerAvailable, need } from '../helpers/env.js';
import {
  buildImage,
  dockerArchiveLayerNames,
  exportFileList,
  initLayerPaths,
  layerCount,
  loadImage,
  makeTemp,
  removeTemp,
  saveImage,
  skopeoToOci,
  skopeoToOciArchive,
  sortList,
  storageDriver,
  withoutPaths,
  writeDockerArchive,
  type FileListEntry,
} from '../helpers/docker.js';
import { packTar, type TarSpec } from '../helpers/tar.js';
import { runLayerscope } from '../helpers/cli.js';

// dist/test/docker/differential.test.js → repository root
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixturesDir = join(repoRoot, 'test', 'fixtures', 'dockerfiles');
const cli = join(repoRoot, 'bin', 'layerscope.js');
const BASE = 'layerscope-test/busybox:latest';

type CliType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
interface CliRow {
  path: string;
  type: CliType;
  size: number;
  layer: number;
}

let work: string | undefined;
async function workDir(): Promise<string> {
  work ??= await makeTemp('layerscope-differential-');
  return work;
}
after(async () => {
  await removeTemp(work);
});

const runCli = (args: string[]) => runLayerscope(args, { timeoutMs: 120_000 });

/** `layerscope ls INPUT --json`, every line checked against the contract. */
async function cliList(input: string, layers: number): Promise<CliRow[]> {
  assert.ok(existsSync(cli), `${cli} does not exist`);
  const r = await runCli(['ls', input, '--json']);
  assert.equal(r.code, 0, `layerscope ls ${input} --json exited ${r.code}: ${r.stderr.trim()}`);
  const rows: CliRow[] = [];
  const seen = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as CliRow;
    assert.equal(typeof row.path, 'string', line);
    assert.ok(row.path.startsWith('/'), `path must be absolute: ${line}`);
    assert.ok(['file', 'dir', 'symlink', 'hardlink', 'other'].includes(row.type), `bad type: ${line}`);
    assert.ok(Number.isSafeInteger(row.size) && row.size >= 0, `bad size: ${line}`);
    assert.ok(Number.isSafeInteger(row.layer) && row.layer >= 0 && row.layer < layers, `bad layer (image has ${layers}): ${line}`);
    if (row.type !== 'file' && row.type !== 'hardlink') assert.equal(row.size, 0, `only file contents have a size: ${line}`);
    assert.ok(!seen.has(row.path), `path listed twice: ${row.path}`);
    seen.add(row.path);
    rows.push(row);
  }
  return rows;
}

/** The CLI's rows in the oracle's terms: hard links are files (size = the linked content). */
function comparable(rows: CliRow[], init: Set<string>): FileListEntry[] {
  const list = rows
    .filter((r) => r.path !== '/')
    .map((r): FileListEntry => ({ path: r.path, type: r.type === 'hardlink' ? 'file' : r.type, size: r.size }));
  return sortList(withoutPaths(list, init));
}

/** What differs between the oracle and the CLI, path by path (empty lists when they agree). */
function differences(oracle: FileListEntry[], got: FileListEntry[]) {
  const want = new Map(oracle.map((e) => [e.path, e]));
  const have = new Map(got.map((e) => [e.path, e]));
  const fmt = (e: FileListEntry) => `${e.type} ${e.size}`;
  return {
    onlyInDockerExport: oracle.filter((e) => !have.has(e.path)).map((e) => `${e.path} (${fmt(e)})`),
    onlyInLayerscope: got.filter((e) => !want.has(e.path)).map((e) => `${e.path} (${fmt(e)})`),
    different: oracle
      .filter((e) => have.has(e.path) && fmt(have.get(e.path)!) !== fmt(e))
      .map((e) => `${e.path}: docker export ${fmt(e)}, layerscope ${fmt(have.get(e.path)!)}`),
  };
}

// --- per-fixture exact facts (layer numbers are offsets above the base image's layers) -------

type Facts = (rows: Map<string, CliRow>, base: number) => void;

function row(rows: Map<string, CliRow>, path: string, expected: { type: CliType; size: number; layer?: number }): void {
  const r = rows.get(path);
  assert.ok(r, `${path} should be listed`);
  const got = expected.layer === undefined ? { type: r.type, size: r.size } : { type: r.type, size: r.size, layer: r.layer };
  assert.deepEqual(got, expected, `${path}`);
}
function absent(rows: Map<string, CliRow>, path: string): void {
  const hits = [...rows.keys()].filter((p) => p === path || p.startsWith(`${path}/`));
  assert.deepEqual(hits, [], `${path} and everything below it should be gone`);
}
function children(rows: Map<string, CliRow>, dir: string, expected: string[]): void {
  const below = [...rows.keys()].filter((p) => p.startsWith(`${dir}/`)).sort();
  assert.deepEqual(below, expected.map((p) => `${dir}/${p}`).sort(), `contents of ${dir}`);
}

const facts: Record<string, Facts> = {
  deletes(rows, b) {
    absent(rows, '/data/gone');
    absent(rows, '/data/partial/x.bin');
    absent(rows, '/bin/vi');
    row(rows, '/bin/sh', { type: 'symlink', size: 0, layer: b - 1 });
    row(rows, '/data/partial/y.bin', { type: 'file', size: 6000, layer: b });
    row(rows, '/data/keep/k.bin', { type: 'file', size: 1000, layer: b });
    row(rows, '/data/same-run.txt', { type: 'file', size: 292, layer: b + 1 }); // seq 1 100
    row(rows, '/data/recreated.txt', { type: 'file', size: 1892, layer: b + 2 }); // seq 1 500
    children(rows, '/data', ['keep', 'keep/k.bin', 'partial', 'partial/y.bin', 'recreated.txt', 'same-run.txt']);
  },
  overwrites(rows, b) {
    row(rows, '/app/grow.bin', { type: 'file', size: 3893, layer: b + 6 }); // seq 1 1000
    row(rows, '/app/shrink.bin', { type: 'file', size: 500, layer: b + 1 });
    row(rows, '/app/config', { type: 'file', size: 12, layer: b + 1 });
    row(rows, '/app/mode.bin', { type: 'file', size: 4000, layer: b + 2 });
    row(rows, '/app/owner.bin', { type: 'file', size: 3000, layer: b + 3 });
    row(rows, '/app/touched.bin', { type: 'file', size: 2000, layer: b + 4 });
    row(rows, '/app/dir2file', { type: 'file', size: 1234, layer: b + 5 });
    absent(rows, '/app/dir2file/inner');
    row(rows, '/app/file2dir', { type: 'dir', size: 0, layer: b + 5 });
    children(rows, '/app/file2dir', ['inside.txt']);
    row(rows, '/app/file2dir/inside.txt', { type: 'file', size: 141, layer: b + 5 }); // seq 1 50
  },
  opaque(rows, b) {
    children(rows, '/d', ['newsub', 'newsub/new.txt', 'same-name.txt']);
    row(rows, '/d/same-name.txt', { type: 'file', size: 14, layer: b + 1 });
    row(rows, '/d/newsub/new.txt', { type: 'file', size: 51, layer: b + 1 });
    children(rows, '/keep', ['a.txt', 'sub', 'sub/fresh.txt']);
    row(rows, '/keep/a.txt', { type: 'file', size: 5, layer: b });
    children(rows, '/d2', ['both.txt', 'fromcontext.txt', 'lower.txt', 'nested', 'nested/lower.txt', 'nested/n.txt']);
    row(rows, '/d2/lower.txt', { type: 'file', size: 9, layer: b });
    row(rows, '/d2/both.txt', { type: 'file', size: 17, layer: b + 2 });
    row(rows, '/d2/nested/lower.txt', { type: 'file', size: 21, layer: b });
    row(rows, '/d2/nested/n.txt', { type: 'file', size: 692, layer: b + 2 });
  },
  links(rows, b) {
    absent(rows, '/l/a-victim');
    // In layer b the tar stores a-victim as the file and z-survivor as a link to it; a-victim is
    // whited out in b+1, the bytes stay reachable through z-survivor.
    row(rows, '/l/z-survivor', { type: 'hardlink', size: 777, layer: b });
    row(rows, '/l/hard1', { type: 'file', size: 12345, layer: b });
    row(rows, '/l/sub/hard2', { type: 'hardlink', size: 12345, layer: b });
    row(rows, '/l/later-link', { type: 'file', size: 12345, layer: b + 2 });
    row(rows, '/l/orig', { type: 'hardlink', size: 12345, layer: b + 2 });
    for (const p of ['/l/abs-link', '/l/rel-link', '/l/sub/dangling', '/dirlink', '/l/bindir']) {
      row(rows, p, { type: 'symlink', size: 0, layer: b });
    }
    absent(rows, '/dirlink/dangling'); // a symlink to a directory is not followed
    row(rows, '/l/fifo', { type: 'other', size: 0, layer: b });
  },
  handcrafted(rows) {
    children(rows, '/a', ['new', 'new/n.txt', 'same.txt', 'sub', 'sub/y.txt']);
    row(rows, '/a/same.txt', { type: 'file', size: 7, layer: 1 });
    row(rows, '/a/sub', { type: 'dir', size: 0, layer: 2 });
    row(rows, '/a/sub/y.txt', { type: 'file', size: 3, layer: 2 });
    row(rows, '/b', { type: 'dir', size: 0, layer: 2 });
    children(rows, '/b', []);
    row(rows, '/c/new.txt', { type: 'file', size: 9, layer: 1 });
    children(rows, '/c', ['new.txt']);
    absent(rows, '/c/gone.txt');
    row(rows, '/deep', { type: 'dir', size: 0, layer: 1 });
    row(rows, '/deep/implicit/file.txt', { type: 'file', size: 11, layer: 1 });
    row(rows, LONG_PATH, { type: 'file', size: 13, layer: 1 });
    row(rows, '/l/link', { type: 'hardlink', size: 40, layer: 1 });
  },
};

// Whiteout and opaque entries each fixture's layer tars must hold ("offset:name").
const markers: Record<string, { whiteouts: string[]; opaque: string[] }> = {
  deletes: { whiteouts: ['1:bin/.wh.vi', '1:data/.wh.gone', '1:data/.wh.recreated.txt', '1:data/partial/.wh.x.bin'], opaque: [] },
  overwrites: { whiteouts: [], opaque: ['5:app/file2dir/.wh..wh..opq'] },
  opaque: { whiteouts: [], opaque: ['1:d/.wh..wh..opq', '1:keep/sub/.wh..wh..opq'] },
  links: { whiteouts: ['1:l/.wh.a-victim'], opaque: [] },
};

// --- the hand-made image ---------------------------------------------------------------------

const LONG_PATH = `/long/${'x'.repeat(90)}/${'y'.repeat(90)}/${'z'.repeat(90)}.txt`;

async function handcraftedLayers(): Promise<Array<{ tar: Buffer; createdBy: string }>> {
  const l0: TarSpec[] = [
    { name: 'a/', type: 'directory' },
    { name: 'a/old.txt', content: 100 },
    { name: 'a/same.txt', content: 50 },
    { name: 'a/sub/', type: 'directory' },
    { name: 'a/sub/x.bin', content: 2000 },
    { name: 'b/', type: 'directory' },
    { name: 'b/keep.txt', content: 30 },
    { name: 'c/', type: 'directory' },
    { name: 'c/gone.txt', content: 10 },
  ];
  const l1: TarSpec[] = [
    { name: 'a/', type: 'directory' },
    { name: 'a/.wh..wh..opq', content: 0 },
    { name: 'a/same.txt', content: 7 },
    { name: 'a/new/', type: 'directory' },
    { name: 'a/new/n.txt', content: 8 },
    { name: 'c/', type: 'directory' },
    { name: 'c/.wh.gone.txt', content: 0 },
    // (No duplicate entries: `docker load` refuses a layer tar with a path twice — "duplicates
    // of file paths not supported" — so the engine cannot be the oracle for that rule.)
    { name: 'c/new.txt', content: 9 },
    { name: 'deep/implicit/file.txt', content: 11 }, // parents not listed
    { name: LONG_PATH.slice(1), content: 13 }, // needs a PAX path header
    { name: 'l/', type: 'directory' },
    { name: 'l/file', content: 40 },
    { name: 'l/link', type: 'link', linkname: 'l/file' },
  ];
  const l2: TarSpec[] = [
    { name: 'a/sub/', type: 'directory' }, // re-created above the opaque a/: x.bin stays hidden
    { name: 'a/sub/y.txt', content: 3 },
    { name: 'b/', type: 'directory' },
    { name: 'b/.wh..wh..opq', content: 0 }, // empties b/
  ];
  return [
    { tar: await packTar(l0), createdBy: 'handcrafted layer 0' },
    { tar: await packTar(l1), createdBy: 'handcrafted layer 1: opaque a/, whiteout, implicit dirs, PAX path, hard link' },
    { tar: await packTar(l2), createdBy: 'handcrafted layer 2: dir re-created under an opaque dir, opaque b/' },
  ];
}

// --- the test ----------------------------------------------------------------------------------

interface Prepared {
  archive: string;
  layers: number;
  base: number;
  oracle: FileListEntry[];
}

async function prepare(name: string): Promise<Prepared> {
  const dir = await workDir();
  const tag = `layerscope-test/fixture-${name}:latest`;
  const archive = join(dir, `${name}.docker.tar`);
  let base: number;
  if (name === 'handcrafted') {
    await writeDockerArchive(archive, tag, await handcraftedLayers());
    await loadImage(archive);
    base = 0;
  } else {
    await buildImage(join(fixturesDir, name), tag);
    await saveImage(tag, archive);
    base = await layerCount(BASE);
  }
  return { archive, layers: await layerCount(tag), base, oracle: await exportFileList(tag) };
}

const formats: Array<{ name: string; make: (p: Prepared, fixture: string) => Promise<string> }> = [
  { name: 'docker-archive', make: async (p) => p.archive },
  {
    name: 'oci-gzip',
    make: async (p, f) => {
      const out = join(await workDir(), `${f}.oci-gzip`);
      await skopeoToOci(p.archive, out, 'gzip');
      return out;
    },
  },
  {
    name: 'oci-zstd',
    make: async (p, f) => {
      const out = join(await workDir(), `${f}.oci-zstd`);
      await skopeoToOci(p.archive, out, 'zstd', 'latest');
      return out;
    },
  },
  {
    name: 'oci-archive',
    make: async (p, f) => {
      const out = join(await workDir(), `${f}.oci.tar`);
      await skopeoToOciArchive(p.archive, out);
      return out;
    },
  },
];

function gates(t: TestContext): boolean {
  return need(t, 'docker', dockerAvailable()) && need(t, 'skopeo', commandAvailable('skopeo'));
}

for (const fixture of ['deletes', 'overwrites', 'opaque', 'links', 'handcrafted']) {
  test(`differential: ${fixture}: layerscope ls = docker export`, async (t) => {
    if (!gates(t)) return;
    const p = await prepare(fixture);
    const init = await initLayerPaths();
    // The oracle itself must show the fixture's point, or the comparison proves little.
    assert.ok(p.oracle.length > 0);

    if (fixture in markers) {
      await t.test('layer tars hold the intended whiteouts', async (t) => {
        const names = await dockerArchiveLayerNames(p.archive);
        assert.equal(names.length, p.layers);
        const found = { whiteouts: [] as string[], opaque: [] as string[] };
        names.forEach((layer, i) => {
          for (const n of layer) {
            const base = n.split('/').pop() ?? '';
            if (base === '.wh..wh..opq') found.opaque.push(`${i - p.base}:${n}`);
            else if (base.startsWith('.wh.')) found.whiteouts.push(`${i - p.base}:${n}`);
          }
        });
        const want = markers[fixture]!;
        assert.deepEqual(found.whiteouts.sort(), want.whiteouts);
        const driver = await storageDriver();
        if (driver === 'overlay2') {
          assert.deepEqual(found.opaque.sort(), want.opaque);
        } else {
          // Other drivers diff by walking both trees and write one .wh. per removed child
          // instead of an opaque marker; the "handcrafted" image covers opaque markers there.
          t.diagnostic(
            `storage driver ${driver}: opaque markers found ${JSON.stringify(found.opaque)} (overlay2 writes ${JSON.stringify(want.opaque)})`,
          );
        }
      });
    }

    for (const format of formats) {
      await t.test(format.name, async () => {
        const input = await format.make(p, fixture);
        const rows = await cliList(input, p.layers);
        const got = comparable(rows, init);
        console.log(`differential ${fixture} ${format.name}: ${p.oracle.length} paths compared`);
        assert.deepEqual(differences(p.oracle, got), { onlyInDockerExport: [], onlyInLayerscope: [], different: [] });
        assert.deepEqual(got, p.oracle);
        facts[fixture]!(new Map(rows.map((r) => [r.path, r])), p.base);
      });
    }
  });
}
