// Keys typed while the image loads are kept and handled in order once the browser is up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { analysisOf, eventually, tick, plain } from '../helpers/ui.js';
import { App } from '../../src/ui/App.js';
import type { Analysis } from '../../src/core/analysis.js';
import type { LoadHooks } from '../../src/app/open.js';
import { promptOpenAfter } from '../../src/ui/keyQueue.js';

/** An App whose load ends when `release` is called; the loading view is on screen before that. */
async function loading() {
  const analysis = await analysisOf();
  let release: (a: Analysis) => void = () => undefined;
  const r = render(
    <App
      size={{ columns: 100, rows: 30 }}
      load={(hooks: LoadHooks) => {
        hooks.onOpen?.({ ref: 'sample:latest', layers: [0, 1, 2].map((index) => ({ index, blobSize: 1000, command: `RUN ${index}` })) });
        return new Promise((resolve) => (release = resolve));
      }}
    />,
  );
  await eventually(
    () => plain(r.lastFrame()),
    (f) => f.includes('reading sample:latest'),
  );
  const type = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k);
      await tick(10);
    }
  };
  return { ...r, type, release: () => release(analysis), frame: () => plain(r.lastFrame()) };
}

test('Tab / b i n / e Enter typed while loading: applied in order after the first frame (focus, filter, jump)', async () => {
  const app = await loading();
  await app.type('\t', '/', 'b', 'i', 'n', '/', 'e', '\r');
  assert.match(app.frame(), /reading sample:latest/, 'still loading: nothing ran yet');
  app.release();
  const frame = await eventually(app.frame, (f) => /match 1 of 1/.test(f));
  assert.match(frame, /▶ Files after L2 · all · by size · filter bin\/e/);
  assert.match(frame, /match 1 of 1/);
  assert.match(frame, /║›\+ +e +7 B +L2║/, 'the cursor is on the match /usr/bin/e');
  app.unmount();
});

test('while loading, q quits at once; after a queued / it is text of the filter', async () => {
  let app = await loading();
  await app.type('/', 'q', 'u', '\u001B', 'c');
  app.release();
  const frame = await eventually(app.frame, (f) => /only what this layer changed/.test(f));
  assert.match(frame, /Files after L2 · changes only/, 'Esc closed the prompt; c ran as a command');
  assert.doesNotMatch(frame, /filter qu/);
  app.unmount();

  app = await loading();
  await app.type('j', 'q');
  app.release();
  await tick(200);
  assert.doesNotMatch(app.frame(), /▶ Layers/, 'q quit before the browser opened');
  app.unmount();
});

test('promptOpenAfter follows / , Enter and Esc, and text read at once', () => {
  assert.equal(promptOpenAfter([]), false);
  assert.equal(promptOpenAfter([['/', {}]]), true);
  assert.equal(
    promptOpenAfter([
      ['/', {}],
      ['q', {}],
    ]),
    true,
  );
  assert.equal(
    promptOpenAfter([
      ['/', {}],
      ['', { return: true }],
    ]),
    false,
  );
  assert.equal(promptOpenAfter([['/usr', {}]]), true);
  assert.equal(promptOpenAfter([['/usr\r', {}]]), false);
  assert.equal(
    promptOpenAfter([
      ['/', {}],
      ['', { escape: true }],
      ['j', {}],
    ]),
    false,
  );
});
