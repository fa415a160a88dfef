// Loading Ink for a screen (src/ui/loadInk.ts): in a fresh process, Ink renders a laid-out frame,
// es-toolkit's compat index and Node's HTTP client are not loaded for it, and `fetch` is Node's
// own again afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const loadInk = new URL('../../src/ui/loadInk.js', import.meta.url).href;
const root = fileURLToPath(new URL('../../../', import.meta.url));

const child = `
import module from 'node:module';
import { createElement as h } from 'react';
const loaded = [];
module.registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
const fetch = globalThis.fetch;
const { loadInk } = await import(${JSON.stringify(loadInk)});
await loadInk();
const { Box, Text } = await import('ink');
const { render } = await import('ink-testing-library');
const app = render(h(Box, { width: 12, borderStyle: 'single', justifyContent: 'flex-end' }, h(Text, null, 'ab')));
const frame = app.lastFrame();
app.unmount();
console.log(JSON.stringify({
  frame,
  compatIndex: loaded.filter((u) => u.includes('/es-toolkit/dist/compat/index')).length,
  esToolkitModules: loaded.filter((u) => u.includes('/es-toolkit/')).length,
  undici: process.moduleLoadList.some((m) => m.includes('undici')),
  fetchRestored: globalThis.fetch === fetch,
}));
`;

test('Ink loads without es-toolkit compat index nor the HTTP client, and lays out a frame', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(out.frame, ['┌──────────┐', '│        ab│', '└──────────┘'].join('\n'));
  assert.equal(out.compatIndex, 0);
  // compat's throttle and the two debounces it is built on
  assert.equal(out.esToolkitModules, 3);
  assert.equal(out.undici, false);
  assert.equal(out.fetchRestored, true);
});
