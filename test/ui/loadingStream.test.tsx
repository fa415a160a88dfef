// The loading screen for an engine image (a save stream): a waiting line with the elapsed time
// until the first byte, members not yet placed shown as L?, each placed member on its own row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { analysisOf, eventually, tick } from '../helpers/ui.js';
import { App } from '../../src/ui/App.js';
import type { LoadHooks } from '../../src/app/open.js';
import type { Analysis } from '../../src/core/analysis.js';

const plain = (s: string | undefined) => (s ?? '').replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');

test('loading an engine image: waiting for the export with the elapsed time, then each member on its layer row', async () => {
  const analysis = await analysisOf();
  let hooks: LoadHooks = {};
  let release: (a: Analysis) => void = () => undefined;
  const r = render(
    <App
      size={{ columns: 120, rows: 30 }}
      load={(h) => {
        hooks = h;
        h.onOpen?.({
          ref: 'docker://myapp:latest',
          layers: [0, 1, 2].map((index) => ({ index, command: `layer ${index + 1} of 3 to stream from the docker engine` })),
          streamed: true,
        });
        return new Promise((resolve) => (release = resolve));
      }}
    />,
  );
  try {
    let frame = await eventually(
      () => plain(r.lastFrame()),
      (f) => f.includes('Waiting for the engine to export the image…'),
    );
    assert.match(frame, /reading docker:\/\/myapp:latest/);
    // The elapsed time goes on while no byte has come.
    frame = await eventually(
      () => plain(r.lastFrame()),
      (f) => Number(/export the image… (\d+\.\d) s/.exec(f)?.[1] ?? 0) >= 0.3,
    );
    assert.match(frame, / {2}L0\s+░+ {2}0 B /);

    // A legacy save's member before its layer is known: its own L? line, no row claimed.
    hooks.onProgress?.({ member: 'aa11/layer.tar', blobBytesRead: 1540, blobBytesTotal: 3080, done: false });
    frame = await eventually(
      () => plain(r.lastFrame()),
      (f) => f.includes('L?'),
    );
    assert.doesNotMatch(frame, /Waiting for the engine/);
    assert.match(frame, /› L\?\s+█+░+ {2}1\.54 kB \/ 3\.08 kB\s+which layer: known once read/);
    assert.match(frame, / {2}L0\s+░+ {2}0 B /);
    assert.match(frame, /0 of 3 layers read · 1\.54 kB · reading L\?/);

    // Read: it was the top layer.
    hooks.onProgress?.({ layer: 2, member: 'aa11/layer.tar', blobBytesRead: 3080, blobBytesTotal: 3080, done: true });
    // The base, placed from its first byte (its v1 json names no parent).
    hooks.onProgress?.({ layer: 0, member: 'bb22/layer.tar', blobBytesRead: 100, blobBytesTotal: 199_000_000, done: false });
    frame = await eventually(
      () => plain(r.lastFrame()),
      (f) => f.includes('✓ L2'),
    );
    assert.doesNotMatch(frame, /L\?/);
    assert.match(frame, /✓ L2\s+█+ {2}3\.08 kB \/ 3\.08 kB/);
    assert.match(frame, /› L0\s+█?░+ {2}100 B \/ 199 MB/);
    assert.match(frame, /1 of 3 layers read · 3\.18 kB · reading L0/);
    release(analysis);
    await eventually(
      () => plain(r.lastFrame()),
      (f) => f.includes('▶ Layers'),
    );
  } finally {
    r.unmount();
  }
});

test('a source that reads nothing first (an archive) shows no waiting line', async () => {
  const r = render(
    <App
      size={{ columns: 100, rows: 30 }}
      load={(h) => {
        h.onOpen?.({ ref: 'image.tar', layers: [{ index: 0, blobSize: 10, command: 'ADD x /' }] });
        return new Promise(() => undefined);
      }}
    />,
  );
  try {
    const frame = await eventually(
      () => plain(r.lastFrame()),
      (f) => f.includes('reading image.tar'),
    );
    await tick(250);
    assert.doesNotMatch(frame + plain(r.lastFrame()), /Waiting for the engine/);
  } finally {
    r.unmount();
  }
});
