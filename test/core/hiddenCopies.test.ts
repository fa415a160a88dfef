// Which layer stored each hidden copy and which layer hid it; what a layer that only deletes
// (`RUN rm`) hid below it; a chmod in a later layer reported as a re-store of the same content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adviseImage } from '../../src/core/advice.js';
import { hiddenCopiesText } from '../../src/report/format.js';
import { adviceText } from '../../src/report/stages.js';
import { hiddenLine } from '../../src/ui/HiddenBytesPane.js';
import { layerLine } from '../../src/ui/LayersPane.js';
import { createModel } from '../../src/ui/model.js';
import { analysisOf } from '../helpers/analysis.js';
import { repoRoot, runLayerscope } from '../helpers/cli.js';

const text = (line: Array<{ text: string }>) => line.map((s) => s.text).join('');

async function threeCopies() {
  // L0 writes /app/data, L1 writes a new one, L2 deletes it: L0's copy was hidden by L1, L1's by L2.
  return analysisOf(
    'copies',
    [
      [
        { name: 'app/data', content: 3000 },
        { name: 'bin/sh', content: 10 },
      ],
      [{ name: 'app/data', content: 'y'.repeat(2000) }],
      [{ name: 'app/.wh.data' }],
    ],
    ['ADD rootfs.tar /', 'RUN make data', 'RUN rm /app/data'],
  );
}

test('a path with two hidden copies: each with the layer that stored it and the layer that hid it', async () => {
  const analysis = await threeCopies();
  const entry = analysis.account.entries[0]!;
  assert.equal(entry.path, 'app/data');
  assert.deepEqual(entry.copies, [
    { layer: 0, bytes: 3000, hiddenBy: 1, how: 'overwritten' },
    { layer: 1, bytes: 2000, hiddenBy: 2, how: 'deleted' },
  ]);
  assert.equal(hiddenCopiesText(entry.copies), 'L0→L1→L2');
  // The hidden-bytes pane says the same (it said L0→L1: the largest copy only).
  const model = createModel(analysis);
  assert.equal(text(hiddenLine(model, 0, 80, false)).trimEnd(), '       5 kB   ×2 L0→L1→L2    /app/data');
  assert.equal(
    hiddenCopiesText([
      { layer: 0, bytes: 1, hiddenBy: 1 },
      { layer: 3, bytes: 1, hiddenBy: 5 },
    ]),
    'L0→L1 L3→L5',
  );
  assert.equal(
    hiddenCopiesText([
      { layer: 2, bytes: 1, hiddenBy: 2, how: 'duplicate' },
      { layer: 2, bytes: 1, hiddenBy: 4 },
    ]),
    'L2→L2→L4',
  );
});

test('a layer that only deletes shows what it hid below: hidByLayer, the layers pane and --text', async () => {
  const analysis = await threeCopies();
  assert.deepEqual(analysis.account.hiddenByLayer, [3000, 2000, 0]);
  assert.deepEqual(analysis.account.hidByLayer, [0, 3000, 2000]);
  const model = createModel(analysis);
  // It showed `-`: the layer stores no hidden bytes of its own.
  assert.equal(text(layerLine(model, 2, 100, false)).trimEnd(), '    2        0 B ░░░░░░░░░░░░        n/a     hid 2 kB  RUN rm /app/data');
  assert.equal(text(layerLine(model, 1, 100, false)).trimEnd(), '    1       2 kB ████████░░░░        n/a         2 kB  RUN make data');

  const example = join(repoRoot, 'examples', 'multistage-final.tar');
  const r = await runLayerscope([example, '--text']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes('    #       size  compressed     hidden  hid below  command'), r.stdout);
  assert.ok(lines.includes('    5        0 B     2.05 kB        0 B    81.9 kB  RUN rm /tmp/assets.tar'), r.stdout);
  assert.ok(lines.includes('    81.9 kB    ×1  L4→L5       /tmp/assets.tar'), r.stdout);
  assert.ok(lines.includes('       20 B    ×1  L2→L6       /etc/app/app.conf'), r.stdout);
});

test('chmod in a later layer: re-stored with the same content, not "replaced"; the fix is COPY --chmod', async () => {
  const analysis = await analysisOf(
    'chmod',
    [
      [{ name: 'usr/local/bin/tool', content: 250_000, mode: 0o644 }],
      [{ name: 'usr/local/bin/tool', content: 250_000, mode: 0o755 }],
      [{ name: 'etc/app.conf', content: 'a=1\n' }],
      [{ name: 'etc/app.conf', content: 'a=2\n' }],
    ],
    ['COPY tool /usr/local/bin/tool', 'RUN chmod +x /usr/local/bin/tool', 'COPY app.conf /etc/', 'RUN sed -i s/1/2/ /etc/app.conf'],
  );
  assert.deepEqual(
    analysis.account.entries.map((e) => [e.path, e.copies]),
    [
      ['usr/local/bin/tool', [{ layer: 0, bytes: 250_000, hiddenBy: 1, how: 'metadata' }]],
      ['etc/app.conf', [{ layer: 2, bytes: 4, hiddenBy: 3, how: 'overwritten' }]],
    ],
  );
  const items = adviseImage(analysis);
  assert.deepEqual(
    items.map((i) => [i.kind, i.title, i.bytes, i.layer, i.laterLayer]),
    [
      ['restored-later', 're-stored by chmod in layer 1: the same content again, the copy in layer 0 is still stored', 250_000, 0, 1],
      ['overwritten-later', 'replaced in layer 3; the first version is still stored in layer 2', 4, 2, 3],
    ],
  );
  assert.deepEqual(adviceText(items.slice(0, 1)), [
    '     250 kB  re-stored by chmod in layer 1: the same content again, the copy in layer 0 is still stored: /usr/local/bin/tool',
    '             by layer 0: COPY tool /usr/local/bin/tool',
    '             then layer 1: RUN chmod +x /usr/local/bin/tool',
    '             fix: use `COPY --chmod=…` (or chmod in the RUN that writes the file): a chmod in a later layer stores the whole file again',
  ]);
  // chown alone, and both.
  const chown = await analysisOf('chown', [
    [{ name: 'srv/a', content: 100, uid: 0 }],
    [{ name: 'srv/a', content: 100, uid: 1000, mode: 0o600 }],
  ]);
  assert.match(adviseImage(chown)[0]!.title, /^re-stored by chmod and chown in layer 1/);
});
