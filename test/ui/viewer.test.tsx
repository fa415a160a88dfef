// The file viewer on real bytes: the bundled example read through the real content reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { fileURLToPath } from 'node:url';
import { eventually, plain, keyPresser } from '../helpers/ui.js';
import { buildImage, ImageWorkspace } from '../helpers/image.js';
import { packTar } from '../helpers/tar.js';
import { Browser } from '../../src/ui/Browser.js';
import { Viewer } from '../../src/ui/Viewer.js';
import { viewerTarget } from '../../src/ui/viewerTarget.js';
import { findCopy } from '../../src/core/contentPath.js';
import { openAnalysed, type OpenContent } from '../../src/app/open.js';
import type { Analysis } from '../../src/core/analysis.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/multistage-final.tar', import.meta.url));
const ESC = '\u001B';

async function opened(path = EXAMPLE): Promise<{ analysis: Analysis; open: OpenContent }> {
  const open = await openAnalysed(path, { cache: false });
  return { analysis: open.analysis, open };
}

function driver(r: ReturnType<typeof render>) {
  return keyPresser(r, 20);
}

test('from Hidden bytes, v opens the deleted /tmp/assets.tar as its member list; x hex; Esc back where it was', async () => {
  const { analysis, open } = await opened();
  try {
    const r = render(<Browser analysis={analysis} content={open.content} size={{ columns: 100, rows: 30 }} />);
    const press = driver(r);
    await eventually(
      () => r.frames.length,
      (n) => n > 0,
    );
    let frame = await press('w');
    assert.match(frame, /▶ Hidden bytes/);
    await press('v');
    frame = plain(await eventually(r.lastFrame, (f) => /assets\.csv/.test(plain(f))));
    const lines = frame.split('\n');
    assert.equal(lines[0], '/tmp/assets.tar  layer 4 (hidden copy)  81920 bytes, tar archive');
    assert.equal(lines[1], '-        80000  assets.csv');
    await press('x');
    frame = plain(await eventually(r.lastFrame, (f) => /^00000000/m.test(plain(f))));
    assert.equal(frame.split('\n')[1], '00000000  61 73 73 65 74 73 2e 63  73 76 00 00 00 00 00 00  |assets.csv......|');
    frame = await press(ESC);
    assert.match(frame, /▶ Hidden bytes/, 'back in the hidden-bytes pane');
    assert.match(frame, /›\s+81\.9 kB/, 'with its cursor where it was');
    r.unmount();
  } finally {
    await open.close();
  }
});

test('text with line numbers, search, diff with the previous stored copy; symlinks show their target and follow', async () => {
  const { analysis, open } = await opened();
  try {
    const tree = analysis.tree;
    const conf = viewerTarget(tree, findCopy(tree, '/etc/app/app.conf'), open.content)!;
    assert.equal(conf.previous?.layer, 2);
    let quit = 0;
    const r = render(<Viewer target={conf} size={{ columns: 80, rows: 12 }} onClose={() => undefined} onQuit={() => quit++} />);
    const press = driver(r);
    let frame = plain(await eventually(r.lastFrame, (f) => /workers=2/.test(plain(f))));
    assert.deepEqual(frame.split('\n').slice(0, 4), [
      '/etc/app/app.conf  layer 6 (visible copy)  49 bytes, text',
      '1 │ # layerscope example service',
      '2 │ port=8080',
      '3 │ workers=2',
    ]);
    await press('/', 'w', 'o', 'r', 'k');
    frame = plain(r.lastFrame());
    assert.equal(frame.trimEnd().split('\n').at(-1), '/work▏');
    frame = await press('\u0015');
    assert.equal(frame.trimEnd().split('\n').at(-1), '/▏', 'Ctrl-U clears the search text');
    frame = await press('w', 'o', 'r', 'k');
    assert.equal(frame.trimEnd().split('\n').at(-1), '/work▏');
    frame = await press('\r');
    assert.equal(frame.split('\n')[3], '3 ▶ workers=2', 'the match is marked');
    frame = await press('d');
    frame = plain(await eventually(r.lastFrame, (f) => /\+workers=2/.test(plain(f))));
    assert.deepEqual(frame.split('\n').slice(0, 9), [
      '/etc/app/app.conf  layer 6 (visible copy)  49 bytes, text  — diff',
      '--- /etc/app/app.conf (layer 2)',
      '+++ /etc/app/app.conf (layer 6)',
      '@@ -1,2 +1,3 @@',
      '+# layerscope example service',
      ' port=8080',
      '-workers=1',
      '+workers=2',
      '',
    ]);
    await press('q');
    assert.equal(quit, 1);
    r.unmount();

    // A symlink: its target, and f follows it (the browser opens what it leads to).
    const sh = viewerTarget(tree, findCopy(tree, '/bin/sh'), open.content)!;
    let followed = 0;
    const s = render(
      <Viewer target={sh} size={{ columns: 80, rows: 8 }} onClose={() => undefined} onQuit={() => undefined} onFollow={() => followed++} />,
    );
    frame = plain(await eventually(s.lastFrame, (f) => /symlink →/.test(plain(f))));
    assert.deepEqual(frame.split('\n').slice(0, 3), ['/bin/sh  layer 1 (visible copy)  symlink', 'symlink → /bin/busybox', 'f: follow it']);
    await driver(s)('f');
    assert.equal(followed, 1);
    s.unmount();
    const busybox = viewerTarget(tree, findCopy(tree, '/bin/sh', { followLast: true }), open.content)!;
    const b = render(<Viewer target={busybox} size={{ columns: 90, rows: 8 }} onClose={() => undefined} onQuit={() => undefined} />);
    frame = plain(await eventually(b.lastFrame, (f) => /^00000000/m.test(plain(f))));
    assert.equal(frame.split('\n')[0], '/bin/busybox  layer 0 (visible copy)  1982256 bytes, ELF 64-bit executable');
    assert.equal(frame.split('\n')[1], '00000000  7f 45 4c 46 02 01 01 03  00 00 00 00 00 00 00 00  |.ELF............|');
    b.unmount();
  } finally {
    await open.close();
  }
});

test('image content never reaches the terminal raw: control and bidi characters are escaped', async () => {
  const ws = new ImageWorkspace();
  try {
    const evil = 'title\u001B[2J\u001B]0;pwned\u0007 end\nrtl \u202Egnp.exe\n';
    const archive = await ws.docker25Archive([buildImage({ layers: [await packTar([{ name: 'evil.txt', content: evil }])] })]);
    const { analysis, open } = await opened(archive);
    try {
      const target = viewerTarget(analysis.tree, findCopy(analysis.tree, '/evil.txt'), open.content)!;
      const r = render(<Viewer target={target} size={{ columns: 80, rows: 8 }} onClose={() => undefined} onQuit={() => undefined} />);
      const frame = await eventually(r.lastFrame, (f) => /rtl/.test(plain(f)));
      const rows = plain(frame).split('\n');
      assert.equal(rows[1], '1 │ title\\x1b[2J\\x1b]0;pwned\\x07 end');
      assert.equal(rows[2], '2 │ rtl \\u{202e}gnp.exe');
      assert.ok(!(frame ?? '').includes('\u001B[2J') && !(frame ?? '').includes('\u202E'));
      r.unmount();
    } finally {
      await open.close();
    }
  } finally {
    ws.cleanup();
  }
});
