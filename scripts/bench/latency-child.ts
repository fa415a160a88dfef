// Key press → next frame on a big tree, through the real App (ink-testing-library renders
// every frame synchronously to memory, so this measures our work: state, view, layout, React).
import React from 'react';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { loadAnalysis } from '../../src/app/open.js';
import { type KeyStats, keyStats, measureKeys } from './keys.js';

// ink-testing-library's stdout has columns but no rows: Ink then asks terminal-size, which spawns
// `tput` twice per frame when no terminal is attached (a real terminal gives both, and no process
// is spawned). The size the App is given, stated here, keeps those spawns out of the figures.
process.env.COLUMNS ??= '120';
process.env.LINES ??= '40';

const image = process.argv[2]!;
const samples = Number(process.env.BENCH_KEY_SAMPLES ?? 40);
const app = render(React.createElement(App, { load: (hooks) => loadAnalysis(image, {}, hooks), size: { columns: 120, rows: 40 } }));
const keys = measureKeys(app);

while (!(app.lastFrame() ?? '').includes('Files after')) await new Promise((r) => setTimeout(r, 5));
// Focus the tree pane and open the first directories so there is something to move through.
await keys.frameAfter('\t');
for (let i = 0; i < 3; i++) {
  await keys.frameAfter('l');
  await keys.frameAfter('j');
}

const latency: Record<string, KeyStats> = {};
latency['move (j/k)'] = await keys.run(samples, (i) => (i % 2 === 0 ? 'j' : 'k'));
latency['expand/collapse (space)'] = await keys.run(samples, () => ' ');
// Through every layer and back, so first visits (uncached subtree sizes) are sampled too.
const layerCount = Number((app.lastFrame() ?? '').match(/Files after L(\d+)/)?.[1] ?? 1) + 1;
latency['layer change ([/])'] = await keys.run(samples, (i) => (Math.floor(i / Math.max(1, layerCount - 1)) % 2 === 0 ? '[' : ']'));
// A different filter text every time (no cached matches): /f10, /f11, … typed one key at a time
// (each keystroke's frame: the live filter's preview follows after its debounce), then Enter.
const filterText = (i: number) => `f${10 + i}`;
const typed: number[] = [];
const typedCpu: number[] = [];
const typeFilter = async (i: number) => {
  await keys.frameAfter('/');
  for (const ch of filterText(i)) {
    typed.push(await keys.frameAfter(ch));
    typedCpu.push(keys.lastCpu);
  }
};
await typeFilter(0);
latency['filter (/text Enter)'] = await keys.run(
  samples,
  () => '\r',
  async (i) => {
    await keys.frameAfter('\u001B');
    await typeFilter(i + 1);
  },
);
latency['filter keystroke (live)'] = keyStats(typed, typedCpu);
// The last filter typed above, applied: n steps through its matches (each from the one before).
await keys.frameAfter('\r');
latency['next match (n)'] = await keys.run(samples, () => 'n');
app.unmount();
process.stdout.write(`${JSON.stringify({ latency })}\n`);
process.exit(0);
