// Warm open, in a fresh process: `fill` analyses the image once to fill the summary cache
// (LAYERSCOPE_CACHE_DIR); `open` renders the real App and reports the time from process start
// to the first frame of the main screen (layers and tree drawn).
// It starts the way the binary does: Node's compile cache under the cache dir (bin/layerscope.js),
// then Ink loaded by src/ui/loadInk.ts before the modules that import it.
import module from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

if (process.env.LAYERSCOPE_CACHE_DIR) module.enableCompileCache?.(join(process.env.LAYERSCOPE_CACHE_DIR, 'compile'));
const { loadAnalysis } = await import('../../src/app/open.js');

// ink-testing-library's stdout has columns but no rows: Ink then asks terminal-size, which spawns
// `tput` twice per frame when no terminal is attached (a real terminal gives both, and no process
// is spawned). The size the App is given, stated here, keeps those spawns out of the figures.
process.env.COLUMNS ??= '120';
process.env.LINES ??= '40';

const image = process.argv[2]!;
const mode = process.argv[3] ?? 'open';

if (mode === 'fill') {
  await loadAnalysis(image, {});
  process.stdout.write(`${JSON.stringify({ filled: true })}\n`);
} else if (mode === 'reopen') {
  // The analysis alone: open, every summary from the cache, merge, byte account.
  const t = performance.now();
  await loadAnalysis(image, {});
  process.stdout.write(`${JSON.stringify({ loadMs: performance.now() - t })}\n`);
  process.exit(0);
} else {
  await (await import('../../src/ui/loadInk.js')).loadInk();
  const { default: React } = await import('react');
  const { render } = await import('ink-testing-library');
  const { App } = await import('../../src/ui/App.js');
  const loadStart = performance.now();
  const app = render(React.createElement(App, { load: (hooks) => loadAnalysis(image, {}, hooks), size: { columns: 120, rows: 40 } }));
  for (;;) {
    const frame = app.lastFrame() ?? '';
    if (frame.includes('Files after')) break;
    await new Promise((r) => setTimeout(r, 1));
  }
  const firstFrameMs = performance.now();
  app.unmount();
  process.stdout.write(`${JSON.stringify({ firstFrameMs, sinceLoadStartMs: firstFrameMs - loadStart })}\n`);
  process.exit(0);
}
