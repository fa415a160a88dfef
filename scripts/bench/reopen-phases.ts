// Where a reopen from the cache spends its time: node dist/scripts/bench/reopen-phases.js IMAGE (LAYERSCOPE_CACHE_DIR filled)
import { performance } from 'node:perf_hooks';
import { openImage } from '../../src/sources/open.js';
import { analyseImage } from '../../src/core/analyse.js';
import { analyse } from '../../src/core/analysis.js';
import { openSummaryCache } from '../../src/sources/cache.js';

const t0 = performance.now();
const source = await openImage(process.argv[2]!);
const t1 = performance.now();
const image = await analyseImage(source, { cache: openSummaryCache() });
const t2 = performance.now();
const a = analyse(image);
const t3 = performance.now();
await source.close();
process.stdout.write(
  `${JSON.stringify({ openMs: t1 - t0, summariesMs: t2 - t1, analyseMs: t3 - t2, nodes: a.tree.nodeCount, rssMB: process.memoryUsage().rss / 1e6 })}\n`,
);
