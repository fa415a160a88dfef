// One cold analysis in a fresh process, so peak RSS is this analysis's alone.
// node dist/scripts/bench/analyse-child.js IMAGE [concurrency] → JSON timings on stdout
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { openImage } from '../../src/sources/open.js';
import { analyseImage } from '../../src/core/analyse.js';
import { MergedTree } from '../../src/core/merge.js';
import { accountBytes } from '../../src/core/hiddenBytes.js';
import { diveMetrics } from '../../src/core/dive.js';

const image = process.argv[2]!;
const concurrency = Number(process.argv[3] ?? availableParallelism());
const t0 = performance.now();
const source = await openImage(image);
const analysed = await analyseImage(source, { concurrency });
await source.close();
const t1 = performance.now();
const tree = new MergedTree(analysed.summaries);
const t2 = performance.now();
const account = accountBytes(tree);
const t3 = performance.now();
const dive = diveMetrics(analysed.summaries, tree);
const t4 = performance.now();
process.stdout.write(
  `${JSON.stringify({
    readMs: t1 - t0,
    mergeMs: t2 - t1,
    accountMs: t3 - t2,
    diveMs: t4 - t3,
    totalMs: t4 - t0,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    nodes: tree.nodeCount,
    storedBytes: account.storedBytes,
    hiddenBytes: account.hiddenBytes,
    efficiency: dive.efficiency,
  })}\n`,
);
