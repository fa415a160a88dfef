// `npm run bench`: generates the synthetic images (once), then measures on the same files:
//   floor   — decompress and read every layer blob, nothing else: `gzip -dc`, and a bare zlib loop
//   cold    — a full analysis in a fresh process, no cache: time, ratio to the floor, peak RSS
//   warm    — reopen with the summary cache filled: time to the first rendered TUI frame
//   latency — key press → next frame on the million-file tree (median, p95 per action)
// Prints a table and writes bench/results.json. Scenarios: BENCH_SCENARIOS=gigabyte,million.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { constants, createGunzip, createZstdCompress, createZstdDecompress } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { generate, SCENARIOS, type GeneratedImage } from './generate.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dist = join(root, 'dist', 'scripts', 'bench');
const dataDir = process.env.BENCH_DATA ?? join(root, 'bench', 'data');

interface Row {
  scenario: string;
  files: number;
  layers: number;
  storedMB: number;
  compressedMB: number;
  gzipFloorMs: number;
  zlibFloorMs: number;
  coldMs: number;
  ratioToFloor: number;
  peakRssMB: number;
  phases: Record<string, number>;
  /** From process start (includes Node and Ink start-up) / from the start of the open. */
  warmFirstFrameMs?: number;
  warmFromOpenMs?: number;
  latency?: Record<string, { median: number; p95: number; samples: number }>;
}

function gzipFloor(blobs: string[]): number {
  const t = performance.now();
  for (const blob of blobs) {
    const r = spawnSync('sh', ['-c', `gzip -dc "${blob}" > /dev/null`]);
    if (r.status !== 0) throw new Error(`gzip -dc failed on ${blob}`);
  }
  return performance.now() - t;
}

async function zlibFloor(blobs: string[]): Promise<number> {
  const t = performance.now();
  for (const blob of blobs) {
    const gunzip = createReadStream(blob, { highWaterMark: 1024 * 1024 }).pipe(createGunzip({ chunkSize: 256 * 1024 }));
    for await (const chunk of gunzip) void chunk;
  }
  return performance.now() - t;
}

/** The same layers recompressed with zstd (level 3, as the engine's tools default to), made once. */
async function zstdCopies(blobs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const blob of blobs) {
    const target = `${blob}.zst`;
    if (!existsSync(target)) {
      const zstd = createZstdCompress({ params: { [constants.ZSTD_c_compressionLevel]: 3 } });
      await pipeline(createReadStream(blob), createGunzip(), zstd, createWriteStream(`${target}.tmp`));
      renameSync(`${target}.tmp`, target);
    }
    out.push(target);
  }
  return out;
}

/** zstd decoded by node:zlib (native since Node 22.15): the floor of a zstd layer. */
async function zstdFloor(blobs: string[]): Promise<number> {
  const t = performance.now();
  for (const blob of blobs) {
    const unzstd = createReadStream(blob, { highWaterMark: 1024 * 1024 }).pipe(createZstdDecompress({ chunkSize: 256 * 1024 }));
    for await (const chunk of unzstd) void chunk;
  }
  return performance.now() - t;
}

function child(script: string, args: string[], env: Record<string, string> = {}): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', join(dist, script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** The best of `runs` (the machine may be busy; the minimum is the least disturbed run). */
async function best<T extends number>(runs: number, measure: () => T | Promise<T>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, await measure());
  return min;
}

async function measureScenario(name: string, image: GeneratedImage): Promise<Row> {
  const blobs = image.blobs;
  const runs = Number(process.env.BENCH_RUNS ?? 2);
  process.stderr.write(`[${name}] floor…\n`);
  const gzipFloorMs = await best(runs, () => gzipFloor(blobs));
  const zlibFloorMs = await best(runs, () => zlibFloor(blobs));
  process.stderr.write(`[${name}] cold analysis…\n`);
  const colds = Array.from({ length: runs }, () => child('analyse-child.js', [image.dir, String(cpus().length)]));
  const cold = colds.reduce((a, b) => ((a.totalMs as number) <= (b.totalMs as number) ? a : b));
  const floor = Math.min(gzipFloorMs, zlibFloorMs);
  const row: Row = {
    scenario: name,
    files: image.fileCount,
    layers: blobs.length,
    storedMB: image.storedBytes / 1e6,
    compressedMB: image.compressedBytes / 1e6,
    gzipFloorMs,
    zlibFloorMs,
    coldMs: cold.totalMs as number,
    ratioToFloor: (cold.totalMs as number) / floor,
    peakRssMB: Math.max(...colds.map((c) => c.maxRssMB as number)),
    phases: {
      readMs: cold.readMs as number,
      mergeMs: cold.mergeMs as number,
      accountMs: cold.accountMs as number,
      diveMs: cold.diveMs as number,
    },
  };
  const cacheDir = mkdtempSync(join(tmpdir(), 'layerscope-bench-cache-'));
  try {
    process.stderr.write(`[${name}] warm open…\n`);
    child('warm-child.js', [image.dir, 'fill'], { LAYERSCOPE_CACHE_DIR: cacheDir });
    const warms = Array.from({ length: runs + 1 }, () => child('warm-child.js', [image.dir, 'open'], { LAYERSCOPE_CACHE_DIR: cacheDir }));
    row.warmFirstFrameMs = Math.min(...warms.map((w) => w.firstFrameMs as number));
    row.warmFromOpenMs = Math.min(...warms.map((w) => w.sinceLoadStartMs as number));
    if (name === 'million' || process.env.BENCH_LATENCY_ALL) {
      process.stderr.write(`[${name}] key latency…\n`);
      const lat = child('latency-child.js', [image.dir], { LAYERSCOPE_CACHE_DIR: cacheDir });
      row.latency = lat.latency as Row['latency'];
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return row;
}

function table(rows: Row[]): string {
  const f = (n: number | undefined, d = 0) => (n === undefined ? '—' : n.toFixed(d));
  const lines = [
    '| scenario | files | layers | stored | gzip -dc floor | zlib floor | cold analysis | ratio to floor | peak RSS | warm: open → first frame | warm: process start → first frame |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.files.toLocaleString('en')} | ${r.layers} | ${f(r.storedMB)} MB | ${f(r.gzipFloorMs)} ms | ${f(r.zlibFloorMs)} ms | ${f(r.coldMs)} ms | ${f(r.ratioToFloor, 2)}× | ${f(r.peakRssMB)} MB | ${f(r.warmFromOpenMs)} ms | ${f(r.warmFirstFrameMs)} ms |`,
    );
  }
  const withLatency = rows.filter((r) => r.latency);
  if (withLatency.length > 0) {
    lines.push('', '| scenario | key | median | p95 | samples |', '| --- | --- | ---: | ---: | ---: |');
    for (const r of withLatency) {
      for (const [key, l] of Object.entries(r.latency!))
        lines.push(`| ${r.scenario} | ${key} | ${f(l.median, 1)} ms | ${f(l.p95, 1)} ms | ${l.samples} |`);
    }
  }
  return lines.join('\n');
}

const names = (process.env.BENCH_SCENARIOS ?? 'gigabyte,million').split(',').filter(Boolean);
const rows: Row[] = [];
for (const name of names) {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  mkdirSync(dataDir, { recursive: true });
  process.stderr.write(`[${name}] generating (cached in ${dataDir})…\n`);
  const image = await generate(scenario, dataDir);
  rows.push(await measureScenario(name, image));
}
let out = table(rows);
const first = rows[0];
if (first && process.env.BENCH_ZSTD !== '0') {
  process.stderr.write(`[${first.scenario}] zstd floor…\n`);
  const image = await generate(SCENARIOS[first.scenario]!, dataDir);
  const zstdMs = await best(Number(process.env.BENCH_RUNS ?? 2), async () => zstdFloor(await zstdCopies(image.blobs)));
  const mbps = (ms: number) => (first.storedMB / (ms / 1000)).toFixed(0);
  out += `\n\n| decoder (${first.scenario}, ${first.storedMB.toFixed(0)} MB unpacked) | time | throughput |\n| --- | ---: | ---: |`;
  out += `\n| gzip (node:zlib) | ${first.zlibFloorMs.toFixed(0)} ms | ${mbps(first.zlibFloorMs)} MB/s |`;
  out += `\n| zstd (node:zlib, native) | ${zstdMs.toFixed(0)} ms | ${mbps(zstdMs)} MB/s |`;
  (first as Row & { zstdFloorMs?: number }).zstdFloorMs = zstdMs;
}
process.stderr.write('start-up → first frame, with and without the compile cache…\n');
const startup = child('startup.js', ['9']);
out += `\n\nprocess start → first frame (bundled example, real binary on a pty, median of 9): ${Number(startup.withCompileCacheMs).toFixed(0)} ms with the compile cache, ${Number(startup.withoutCompileCacheMs).toFixed(0)} ms without`;
console.log(out);
mkdirSync(join(root, 'bench'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results.json'),
  JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, node: process.version, rows, startup }, null, 2),
);
console.log(`\nwrote bench/results.json (${cpus().length} cores, node ${process.version})`);
