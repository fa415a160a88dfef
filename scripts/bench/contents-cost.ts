// What reading package databases and scanning for secrets costs: every layer of a generated image
// walked in this thread with the content digests alone (what a cold analysis does without them)
// and with the digests plus the contents observer (package databases, secrets), alternately; the
// best of N runs of each (CPU time of the process, and wall time), the time spent inside the
// contents observer's own calls, and the attribution afterwards (packages and secrets placed in the
// merged tree).
// node dist/scripts/bench/contents-cost.js IMAGE_DIR [runs]   (IMAGE_DIR: an OCI layout from generate.ts)
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { walkLayer } from '../../src/core/walk.js';
import type { ContentObserverFactory } from '../../src/core/contentObservers.js';
import { digestObserver } from '../../src/core/digest.js';
import { contentsObserver } from '../../src/core/contents.js';
import { MergedTree } from '../../src/core/merge.js';
import { accountPackages } from '../../src/core/packages/attribute.js';
import { accountSecrets } from '../../src/core/secrets.js';
import type { LayerSummary } from '../../src/core/model.js';

const dir = process.argv[2]!;
const runs = Number(process.argv[3] ?? 3);
const blobsDir = join(dir, 'blobs', 'sha256');
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
  manifests: Array<{ digest: string }>;
};
const manifest = JSON.parse(readFileSync(join(blobsDir, index.manifests[0]!.digest.slice(7)), 'utf8')) as {
  layers: Array<{ digest: string }>;
};
const blobs = manifest.layers.map((l) => join(blobsDir, l.digest.slice(7)));

function timed(make: ContentObserverFactory, spent: { ms: number }): ContentObserverFactory {
  return async (changes) => {
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
    return { begin: time(o.begin.bind(o)), data: time(o.data.bind(o)), end: time(o.end.bind(o)), finish: o.finish?.bind(o) };
  };
}

async function walkAll(
  observers: readonly ContentObserverFactory[],
): Promise<{ wallMs: number; cpuMs: number; summaries: LayerSummary[] }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summaries: LayerSummary[] = [];
  for (const blob of blobs) summaries.push(await walkLayer(createReadStream(blob, { highWaterMark: 1024 * 1024 }), { observers }));
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, summaries };
}

const best = { without: { wallMs: Infinity, cpuMs: Infinity }, with: { wallMs: Infinity, cpuMs: Infinity } };
let inContentsMs = Infinity;
let summaries: LayerSummary[] = [];
for (let i = 0; i < runs; i++) {
  const spent = { ms: 0 };
  for (const [name, observers] of [
    ['without', [digestObserver]],
    ['with', [digestObserver, timed(contentsObserver, spent)]],
  ] as const) {
    const r = await walkAll(observers);
    best[name].wallMs = Math.min(best[name].wallMs, r.wallMs);
    best[name].cpuMs = Math.min(best[name].cpuMs, r.cpuMs);
    if (name === 'with') summaries = r.summaries;
    process.stderr.write(`${name}: ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU\n`);
  }
  inContentsMs = Math.min(inContentsMs, spent.ms);
  process.stderr.write(`  inside the contents observer: ${spent.ms.toFixed(0)} ms\n`);
}
const tree = new MergedTree(summaries);
let attributeMs = Infinity;
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  accountPackages(tree);
  accountSecrets(tree);
  attributeMs = Math.min(attributeMs, performance.now() - t);
}
const files = summaries.reduce((n, s) => n + s.changes.length, 0);
const secrets = summaries.reduce((n, s) => n + (s.contents?.secrets.length ?? 0), 0);
const pct = (k: 'wallMs' | 'cpuMs') => Number((((best.with[k] - best.without[k] + attributeMs) / best.with[k]) * 100).toFixed(1));
console.log(
  JSON.stringify({
    layers: blobs.length,
    entries: files,
    secretsFound: secrets,
    runs,
    best,
    inContentsObserverMs: Math.round(inContentsMs),
    attributeMs: Math.round(attributeMs),
    /** (walk with − walk without + attribution) ÷ walk with: the share of a cold analysis's work. */
    costPercent: { wall: pct('wallMs'), cpu: pct('cpuMs') },
    directPercent: Number((((inContentsMs + attributeMs) / best.with.cpuMs) * 100).toFixed(1)),
  }),
);
