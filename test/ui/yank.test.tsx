// y copies the path under the cursor, Y a `layerscope cat` command for that copy; where the
// terminal cannot take it, the status line says why and shows the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { analysisOf, eventually, tick, plain } from '../helpers/ui.js';
import { Browser } from '../../src/ui/Browser.js';
import { copyToClipboard, osc52, type ClipboardResult } from '../../src/ui/clipboard.js';

async function browse(result: ClipboardResult = { copied: true }) {
  const copied: string[] = [];
  const clipboard = (bytes: Uint8Array) => {
    copied.push(Buffer.from(bytes).toString('utf8'));
    return result;
  };
  const r = render(<Browser analysis={await analysisOf()} size={{ columns: 100, rows: 30 }} clipboard={clipboard} />);
  const frame = () => plain(r.lastFrame());
  await eventually(frame, (f) => f.includes('Layers'));
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k);
      await tick(15);
    }
  };
  return { ...r, frame, press, copied };
}

test('y copies the path under the tree cursor; Y a cat command with the layer storing that copy', async () => {
  const b = await browse();
  // L1 selected; /passwd Enter puts the cursor on /etc/passwd (modified by L1).
  await b.press('k', '/', ...'passwd', '\r');
  await eventually(b.frame, (x) => /match 1 of 1/.test(x));
  await b.press('y');
  let f = await eventually(b.frame, (x) => /copied \/etc\/passwd/.test(x));
  assert.deepEqual(b.copied, ['/etc/passwd']);
  assert.match(f, /copied \/etc\/passwd/);
  await b.press('Y');
  f = await eventually(b.frame, (x) => /copied layerscope cat/.test(x));
  assert.equal(b.copied[1], 'layerscope cat sample:latest /etc/passwd --layer 1');
  // In Hidden bytes: the largest hidden copy's path and layer (/big, stored by L0).
  await b.press('w', 'Y');
  f = await eventually(b.frame, (x) => /copied layerscope cat sample:latest \/big/.test(x));
  assert.equal(b.copied[2], 'layerscope cat sample:latest /big --layer 0');
  // The layers pane points at no path.
  await b.press('\u001B', '\t', '\t', 'y');
  f = await eventually(b.frame, (x) => /nothing to copy here/.test(x));
  assert.equal(b.copied.length, 3);
  b.unmount();
});

test('no clipboard: the status line says why and shows the text to select', async () => {
  const b = await browse({ copied: false, reason: 'the output is not a terminal' });
  await b.press('\t', 'y');
  const f = await eventually(b.frame, (x) => /not copied/.test(x));
  assert.match(f, /not copied \(the output is not a terminal\): \/etc {2}/);
  b.unmount();
});

test('copyToClipboard: OSC 52 on a terminal; not on a pipe, in tmux without set-clipboard on, in screen', () => {
  const written: string[] = [];
  const term = (env: Record<string, string>, isTTY = true, tmux?: string) => ({
    isTTY,
    env,
    write: (d: string) => written.push(d),
    tmuxSetClipboard: () => tmux,
  });
  const bytes = Buffer.from('/usr/bin/env');
  assert.equal(osc52(bytes), '\u001B]52;c;L3Vzci9iaW4vZW52\u0007');
  assert.deepEqual(copyToClipboard(bytes, term({})), { copied: true });
  assert.deepEqual(written, ['\u001B]52;c;L3Vzci9iaW4vZW52\u0007']);
  assert.deepEqual(copyToClipboard(bytes, term({}, false)), { copied: false, reason: 'the output is not a terminal' });
  assert.equal(copyToClipboard(bytes, term({ TMUX: '/tmp/x,1,0' }, true, 'external')).copied, false);
  assert.match((copyToClipboard(bytes, term({ TMUX: '/tmp/x,1,0' }, true, 'external')) as { reason: string }).reason, /set-clipboard on/);
  assert.deepEqual(copyToClipboard(bytes, term({ TMUX: '/tmp/x,1,0' }, true, 'on')), { copied: true });
  assert.equal(copyToClipboard(bytes, term({ STY: '1.pts' })).copied, false);
  assert.equal(written.length, 2);
});
