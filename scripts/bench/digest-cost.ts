// What the content digests cost: every layer of a generated image walked in this thread, with the
// digest observer (xxh128 of every file) and with no content observer at all, alternately; the best of N runs
// of each (CPU time of the process, and wall time), and the time spent inside the observers' calls
// (the digests' own cost, measured directly: on a busy machine it is the steadiest figure).
// node dist/scripts/bench/digest-cost.js IMAGE_DIR [runs]   (IMAGE_DIR: an OCI layout from generate.ts)
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { walkLayer } from '../../src/core/walk.js';
import type { ContentObserverFactory } from '../../src/core/contentObservers.js';
import { digestObserver } from '../../src/core/digest.js';

const dir = process.argv[2]!;
// \`walkAll(observers)\` takes timed() factories as well as the plain ones.
const runs = Number(process.argv[3] ?? 3);
const blobsDir = join(dir, 'blobs', 'sha256');
// Layer blobs are the large ones (config and manifest are a few hundred bytes).
const blobs = readdirSync(blobsDir)
  .map((name) => join(blobsDir, name))
  .filter((path) => statSync(path).size > 1024 * 1024);

/** The observers, each call timed into `spent.ms`. */
function timed(factories: readonly ContentObserverFactory[], spent: { ms: number }): ContentObserverFactory[] {
  return factories.map((make) => async (changes) => {
    const o = await make(changes);
    const time =
      <A extends unknown[], R>(fn: (...args: A) => R) =>
      (...args: A): R => {
        const t = performance.now();
        try {
          return fn(...args);
        } finally {
          spent.ms += performance.now() - t;
        }
      };
    return { begin: time(o.begin.bind(o)), data: time(o.data.bind(o)), end: time(o.end.bind(o)) };
  });
}

async function walkAll(observers: readonly ContentObserverFactory[]): Promise<{ wallMs: number; cpuMs: number; files: number }> {
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
let inObserversMs = Infinity;
for (let i = 0; i < runs; i++) {
  const spent = { ms: 0 };
  for (const [name, observers] of [
    ['without', []],
    ['with', timed([digestObserver], spent)],
  ] as const) {
    const r = await walkAll(observers);
    best[name].wallMs = Math.min(best[name].wallMs, r.wallMs);
    best[name].cpuMs = Math.min(best[name].cpuMs, r.cpuMs);
    process.stderr.write(`${name}: ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU, ${r.files} entries\n`);
  }
  inObserversMs = Math.min(inObserversMs, spent.ms);
  process.stderr.write(`  inside the observers: ${spent.ms.toFixed(0)} ms\n`);
}
const pct = (k: 'wallMs' | 'cpuMs') => (((best.with[k] - best.without[k]) / best.without[k]) * 100).toFixed(1);
console.log(
  JSON.stringify({
    layers: blobs.length,
    runs,
    best,
    inObserversMs,
    costPercent: { wall: Number(pct('wallMs')), cpu: Number(pct('cpuMs')) },
  }),
);
