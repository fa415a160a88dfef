// `npm run bench:content`: content access timings (issue "Look inside").
//   gzip  — `cat` of a file at the end of a 1 GiB gzip layer (OCI layout) against inflating the
//           layer up to that file with a bare zlib loop (target: at most 1.2×)
//   plain — the same file from an uncompressed `docker save` archive (target: at most 50 ms; the
//           first read, header scan of the layer included)
// Both measure the content read in process after the analysis (which the summary cache makes
// instant on a second run), best of BENCH_RUNS (default 3); the CLI end to end (process start,
// cached analysis, cat) is shown next to them. The images are generated once under bench/data/content.
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { constants, createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { openAnalysed } from '../../src/app/open.js';
import { findCopy } from '../../src/core/contentPath.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = join(process.env.BENCH_DATA ?? join(root, 'bench', 'data'), 'content');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const FILE_MB = 64;
const FILES = 16; // 16 × 64 MiB = 1 GiB before the target
const TARGET = 'end/target.bin';
const TARGET_BYTES = 1024 * 1024;
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Text-like bytes (words from a small vocabulary, pseudo-random order): compresses about 3×. */
function filler(size: number, seed: number): Buffer {
  const words = ['layer', 'image', 'bytes', 'hidden', 'stored', 'visible', 'config', 'manifest', 'digest', 'tar', 'gzip', 'zstd', '\n'];
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  let at = 0;
  while (at < size) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const w = words[(x >>> 0) % words.length]!;
    at += out.write(`${w} `, at, 'latin1');
  }
  return out;
}

async function generate(): Promise<{ tarPath: string; gzPath: string; oci: string; archive: string; target: Buffer }> {
  mkdirSync(dir, { recursive: true });
  const tarPath = join(dir, 'layer.tar');
  const gzPath = join(dir, 'layer.tar.gz');
  const target = filler(TARGET_BYTES, 99);
  if (!existsSync(tarPath)) {
    log('content bench: writing a 1 GiB layer…');
    const pack = tar.pack();
    const done = pipeline(pack, createWriteStream(`${tarPath}.tmp`));
    const chunk = filler(FILE_MB * 1024 * 1024, 7);
    for (let i = 0; i < FILES; i++) {
      await new Promise<void>((resolve, reject) =>
        pack.entry({ name: `data/part-${i}.txt`, size: chunk.length }, chunk, (e) => (e ? reject(e) : resolve())),
      );
    }
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: TARGET, size: target.length }, target, (e) => (e ? reject(e) : resolve())),
    );
    pack.finalize();
    await done;
    renameSync(`${tarPath}.tmp`, tarPath);
  }
  if (!existsSync(gzPath)) {
    log('content bench: gzip…');
    await pipeline(createReadStream(tarPath), createGzip({ level: constants.Z_BEST_SPEED }), createWriteStream(`${gzPath}.tmp`));
    renameSync(`${gzPath}.tmp`, gzPath);
  }
  const digest = async (p: string) => {
    const h = createHash('sha256');
    for await (const c of createReadStream(p)) h.update(c as Buffer);
    return h.digest('hex');
  };
  const oci = join(dir, 'oci');
  const archive = join(dir, 'archive.tar');
  if (!existsSync(join(oci, 'index.json')) || !existsSync(archive)) {
    log('content bench: layouts…');
    const diffId = await digest(tarPath);
    const gzDigest = await digest(gzPath);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
        history: [{ created_by: 'bench: 1 GiB layer' }],
      }),
    );
    const configDigest = createHash('sha256').update(config).digest('hex');
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configDigest}`, size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${gzDigest}`, size: statSync(gzPath).size }],
      }),
    );
    const manifestDigest = createHash('sha256').update(manifest).digest('hex');
    const blobs = join(oci, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(blobs, configDigest), config);
    writeFileSync(join(blobs, manifestDigest), manifest);
    if (!existsSync(join(blobs, gzDigest))) await pipeline(createReadStream(gzPath), createWriteStream(join(blobs, gzDigest)));
    writeFileSync(
      join(oci, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifestDigest}`, size: manifest.length }],
      }),
    );
    // A legacy docker save archive with the layer uncompressed.
    const pack = tar.pack();
    const done = pipeline(pack, createWriteStream(`${archive}.tmp`));
    const add = (name: string, body: Buffer) =>
      new Promise<void>((resolve, reject) => pack.entry({ name, size: body.length }, body, (e) => (e ? reject(e) : resolve())));
    await add(`${configDigest}.json`, config);
    await add(
      'manifest.json',
      Buffer.from(
        JSON.stringify([{ Config: `${configDigest}.json`, RepoTags: ['bench/content:latest'], Layers: [`${diffId}/layer.tar`] }]),
      ),
    );
    const size = statSync(tarPath).size;
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: `${diffId}/layer.tar`, size }, (e) => (e ? reject(e) : resolve()));
      pipeline(createReadStream(tarPath), entry).catch(reject);
    });
    pack.finalize();
    await done;
    renameSync(`${archive}.tmp`, archive);
  }
  return { tarPath, gzPath, oci, archive, target };
}

/** Bytes of the uncompressed tar up to the end of the target's data. */
function targetEnd(tarPath: string): number {
  // The target is the last member: its data ends before the padding and the two end blocks.
  const size = statSync(tarPath).size;
  const pad = (512 - (TARGET_BYTES % 512)) % 512;
  let end = size;
  // tar-stream pads the archive to a 512 multiple with two zero blocks at the end.
  const tail = Buffer.alloc(4096);
  const fd = openSync(tarPath, 'r');
  readSync(fd, tail, 0, tail.length, size - tail.length);
  closeSync(fd);
  let zeros = 0;
  for (let i = tail.length - 1; i >= 0 && tail[i] === 0; i--) zeros++;
  end = size - Math.floor(zeros / 512) * 512 - pad;
  return end;
}

/** CPU time of the whole process (every thread: zlib runs on the thread pool), in ms. */
function cpuMs(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

let lastCpu = 0;

async function inflateUpTo(gzPath: string, end: number): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const input = createReadStream(gzPath, { highWaterMark: 256 * 1024 });
  input.pipe(gunzip);
  let n = 0;
  for await (const chunk of gunzip) {
    n += (chunk as Buffer).length;
    if (n >= end) break;
  }
  input.destroy();
  gunzip.destroy();
  lastCpu = cpuMs(c0);
  return performance.now() - t0;
}

async function catTime(spec: string, expected: Buffer, times_ = runs): Promise<{ first: number; best: number }> {
  const times: number[] = [];
  for (let r = 0; r < times_; r++) {
    const open = await openAnalysed(spec, {});
    const { analysis } = open;
    try {
      const copy = findCopy(analysis.tree, `/${TARGET}`);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const chunks: Buffer[] = [];
      for await (const c of open.content.stream(copy.layer, copy.index)) chunks.push(c);
      times.push(performance.now() - t0);
      lastCpu = cpuMs(c0);
      if (!Buffer.concat(chunks).equals(expected)) throw new Error(`${spec}: cat gave other bytes`);
    } finally {
      await open.close();
    }
  }
  return { first: times[0]!, best: Math.min(...times) };
}

function cliTime(spec: string): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [join(root, 'bin', 'layerscope.js'), 'cat', spec, `/${TARGET}`], { maxBuffer: 8 * 1024 * 1024 });
    if (p.status !== 0) throw new Error(`layerscope cat ${spec}: ${p.stderr}`);
    times.push(performance.now() - t0);
  }
  return Math.min(...times);
}

const { tarPath, gzPath, oci, archive, target } = await generate();
const end = targetEnd(tarPath);
// The machine is shared: the inflate and the cat are measured in pairs, one right after the
// other, and the ratio is the median of the pairs' ratios.
const pairs: Array<{ floor: number; cat: number; floorCpu: number; catCpu: number }> = [];
await catTime(oci, target); // fills the summary cache (the analysis is not what is measured)
for (let r = 0; r < runs; r++) {
  const floorMs = await inflateUpTo(gzPath, end);
  const floorCpu = lastCpu;
  const catMs = (await catTime(oci, target, 1)).best;
  pairs.push({ floor: floorMs, cat: catMs, floorCpu, catCpu: lastCpu });
}
const ratios = pairs.map((p) => p.cat / p.floor).sort((x, y) => x - y);
const cpuRatios = pairs.map((p) => p.catCpu / p.floorCpu).sort((x, y) => x - y);
const cpuRatio = cpuRatios[Math.floor(cpuRatios.length / 2)]!;
const ratio = ratios[Math.floor(ratios.length / 2)]!;
const floor = Math.min(...pairs.map((p) => p.floor));
const gz = { best: Math.min(...pairs.map((p) => p.cat)) };
const plain = await catTime(archive, target);
// Warm the summary cache for the CLI rows (the first analysis above wrote it).
const cliGz = cliTime(oci);
const cliPlain = cliTime(archive);
const rows = [
  [
    'layer',
    `1 GiB tar (${(statSync(tarPath).size / 2 ** 20).toFixed(0)} MiB), gzip ${(statSync(gzPath).size / 2 ** 20).toFixed(0)} MiB; target ${TARGET} (1 MiB) at its end`,
  ],
  ['inflate up to the file (zlib loop)', `${floor.toFixed(0)} ms`],
  [
    'cat, gzip layer (OCI layout)',
    `best ${gz.best.toFixed(0)} ms; wall-time ratio (median of ${runs} pairs) ${ratio.toFixed(2)}× [${ratios.map((x) => x.toFixed(2)).join(' ')}]; CPU-time ratio ${cpuRatio.toFixed(2)}× [${cpuRatios.map((x) => x.toFixed(2)).join(' ')}]  [target ≤ 1.2×: ${cpuRatio <= 1.2 ? 'PASS' : 'MISS'} (CPU), ${ratio <= 1.2 ? 'PASS' : 'MISS'} (wall)]`,
  ],
  [
    'cat, uncompressed docker save',
    `first read ${plain.first.toFixed(1)} ms, best ${plain.best.toFixed(1)} ms  [target ≤ 50 ms: ${plain.first <= 50 ? 'PASS' : 'MISS'}]`,
  ],
  ['CLI end to end (cached analysis), gzip', `${cliGz.toFixed(0)} ms`],
  ['CLI end to end (cached analysis), uncompressed', `${cliPlain.toFixed(0)} ms`],
];
for (const [k, v] of rows) process.stdout.write(`${k!.padEnd(48)} ${v}\n`);
mkdirSync(join(root, 'bench'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'content-results.json'),
  `${JSON.stringify({ pairs, cpuRatio, floorMs: floor, catGzipMs: gz.best, ratio, catPlainFirstMs: plain.first, catPlainBestMs: plain.best, cliGzipMs: cliGz, cliPlainMs: cliPlain, runs }, null, 2)}\n`,
);
