// What the content digests cost: every layer of a generated image walked in this thread, with the
// walk's content observers (the xxh128 digests) and without any, alternately; the best of N runs
// of each (CPU time of this thread, and wall time).
// node dist/scripts/bench/digest-cost.js IMAGE_DIR [runs]   (IMAGE_DIR: an OCI layout from generate.ts)
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { walkLayer } from '../../src/core/walk.js';
import { CONTENT_OBSERVERS } from '../../src/core/contentObservers.js';

const dir = process.argv[2]!;
const runs = Number(process.argv[3] ?? 3);
const blobsDir = join(dir, 'blobs', 'sha256');
// Layer blobs are the large ones (config and manifest are a few hundred bytes).
const blobs = readdirSync(blobsDir)
  .map((name) => join(blobsDir, name))
  .filter((path) => createReadStream(path).readableHighWaterMark > 0)
  .filter((path) => (process.getBuiltinModule('node:fs').statSync(path).size ?? 0) > 1024 * 1024);

async function walkAll(observers: typeof CONTENT_OBSERVERS): Promise<{ wallMs: number; cpuMs: number; files: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let files = 0;
  for (const blob of blobs) {
    const s = await walkLayer(createReadStream(blob, { highWaterMark: 1024 * 1024 }), { observers });
    files += s.changes.length;
  }
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, files };
}

const best = { with: { wallMs: Infinity, cpuMs: Infinity }, without: { wallMs: Infinity, cpuMs: Infinity } };
for (let i = 0; i < runs; i++) {
  for (const [name, observers] of [
    ['without', []],
    ['with', CONTENT_OBSERVERS],
  ] as const) {
    const r = await walkAll(observers);
    best[name].wallMs = Math.min(best[name].wallMs, r.wallMs);
    best[name].cpuMs = Math.min(best[name].cpuMs, r.cpuMs);
    process.stderr.write(`${name}: ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU, ${r.files} entries\n`);
  }
}
const pct = (k: 'wallMs' | 'cpuMs') => (((best.with[k] - best.without[k]) / best.without[k]) * 100).toFixed(1);
console.log(JSON.stringify({ layers: blobs.length, runs, best, costPercent: { wall: Number(pct('wallMs')), cpu: Number(pct('cpuMs')) } }));
