// Key press → next frame on a big tree, through the real App (ink-testing-library renders
// every frame synchronously to memory, so this measures our work: state, view, layout, React).
import { performance } from 'node:perf_hooks';
import React from 'react';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { loadAnalysis } from '../../src/app/open.js';

// ink-testing-library's stdout has columns but no rows: Ink then asks terminal-size, which spawns
// `tput` twice per frame when no terminal is attached (a real terminal gives both, and no process
// is spawned). The size the App is given, stated here, keeps those spawns out of the figures.
process.env.COLUMNS ??= '120';
process.env.LINES ??= '40';

const image = process.argv[2]!;
const samples = Number(process.env.BENCH_KEY_SAMPLES ?? 40);
const app = render(React.createElement(App, { load: (hooks) => loadAnalysis(image, {}, hooks), size: { columns: 120, rows: 40 } }));
const tick = () => new Promise((r) => setImmediate(r));

async function frameAfter(keys: string): Promise<number> {
  const before = app.frames.length;
  const t = performance.now();
  app.stdin.write(keys);
  const deadline = t + 30_000;
  while (app.frames.length === before && performance.now() < deadline) await tick();
  return performance.now() - t;
}

while (!(app.lastFrame() ?? '').includes('Files after')) await new Promise((r) => setTimeout(r, 5));
// Focus the tree pane and open the first directories so there is something to move through.
await frameAfter('\t');
for (let i = 0; i < 3; i++) {
  await frameAfter('l');
  await frameAfter('j');
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!, samples: s.length };
};
const latency: Record<string, ReturnType<typeof stats>> = {};
const run = async (name: string, press: (i: number) => string, after?: (i: number) => Promise<void>) => {
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    xs.push(await frameAfter(press(i)));
    await after?.(i);
  }
  latency[name] = stats(xs);
};
await run('move (j/k)', (i) => (i % 2 === 0 ? 'j' : 'k'));
await run('expand/collapse (space)', () => ' ');
// Through every layer and back, so first visits (uncached subtree sizes) are sampled too.
const layerCount = Number((app.lastFrame() ?? '').match(/Files after L(\d+)/)?.[1] ?? 1) + 1;
await run('layer change ([/])', (i) => (Math.floor(i / Math.max(1, layerCount - 1)) % 2 === 0 ? '[' : ']'));
// A different filter text every time (no cached matches): /f10, /f11, … then Enter.
const filterText = (i: number) => `f${10 + i}`;
await frameAfter('/');
await frameAfter(filterText(0));
await run(
  'filter (/text Enter)',
  () => '\r',
  async (i) => {
    await frameAfter('\u001B');
    await frameAfter('/');
    await frameAfter(filterText(i + 1));
  },
);
app.unmount();
process.stdout.write(`${JSON.stringify({ latency })}\n`);
process.exit(0);
