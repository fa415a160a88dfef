// Key press → next frame in the side-by-side compare of two big images (issue "Performance,
// second round": the compare of two 1M-file images under the same 30 ms bound as the browser),
// through the real CompareBrowser (ink-testing-library renders every frame to memory).
// node dist/scripts/bench/compare-child.js A B → JSON on stdout (summary cache filled beforehand)
import { performance } from 'node:perf_hooks';
import React from 'react';
import { render } from 'ink-testing-library';
import { CompareBrowser } from '../../src/ui/CompareBrowser.js';
import { loadAnalysis } from '../../src/app/open.js';
import { compareAnalyses } from '../../src/core/compare.js';
import { compareTree } from '../../src/core/compareTree.js';
import { type keyStats, measureKeys } from './keys.js';

// See latency-child.ts: the terminal size, stated, keeps Ink from spawning tput per frame.
process.env.COLUMNS ??= '120';
process.env.LINES ??= '40';

const [specA, specB] = process.argv.slice(2) as [string, string];
const t0 = performance.now();
const [a, b] = await Promise.all([loadAnalysis(specA, {}), loadAnalysis(specB, {})]);
const t1 = performance.now();
const comparison = compareAnalyses(a, b, { aLabel: 'A', bLabel: 'B' });
const data = { comparison, tree: compareTree(a, b, comparison), canDiff: false };
const t2 = performance.now();
const app = render(React.createElement(CompareBrowser, { data, size: { columns: 120, rows: 40 } }));
while (!(app.lastFrame() ?? '').includes('/')) await new Promise((r) => setTimeout(r, 5));
const t3 = performance.now();
const keys = measureKeys(app);
// Open the first directories so there is something to move through.
for (let i = 0; i < 3; i++) {
  await keys.frameAfter('l');
  await keys.frameAfter('j');
}
const samples = Number(process.env.BENCH_KEY_SAMPLES ?? 40);
const latency: Record<string, ReturnType<typeof keyStats>> = {};
latency['compare: move (j/k)'] = await keys.run(samples, (i) => (i % 2 === 0 ? 'j' : 'k'));
// On the first row (a top-level directory, opened above): `h` collapses it, `l` opens it again.
// Pressed on a file, `l` does nothing and no frame follows: that would time the 30 s wait, not a key.
await keys.frameAfter('g');
latency['compare: expand/collapse (l/h)'] = await keys.run(samples, (i) => (i % 2 === 0 ? 'h' : 'l'));
latency['compare: differences only (d)'] = await keys.run(samples, () => 'd');
app.unmount();
process.stdout.write(`${JSON.stringify({ loadMs: t1 - t0, compareMs: t2 - t1, firstFrameMs: t3 - t2, latency })}\n`);
process.exit(0);
