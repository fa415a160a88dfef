// How wide the text reports are: a file or a pipe gets every line whole; a terminal its width
// (COLUMNS first), with paths shortened in the middle (their distinguishing end kept) and
// sentences (fixes, warnings) wrapped at words, never cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { reportWidth } from '../../src/app/outputs.js';
import type { AdviceItem } from '../../src/core/advice.js';
import { clipMiddle, wrap } from '../../src/report/format.js';
import { adviceText } from '../../src/report/stages.js';
import { textReport } from '../../src/report/text.js';
import { analysisOf } from '../helpers/analysis.js';
import { childEnv, repoRoot, runLayerscope } from '../helpers/cli.js';
import { commandAvailable, need } from '../helpers/env.js';
import { Terminal } from '../helpers/terminal.js';

const example = join(repoRoot, 'examples', 'multistage-final.tar');

test('reportWidth: no limit unless stdout is a terminal; on one COLUMNS wins over its size', () => {
  assert.equal(reportWidth({ isTTY: false, columns: 80 }, { COLUMNS: '40' }), Number.POSITIVE_INFINITY);
  assert.equal(reportWidth({}, {}), Number.POSITIVE_INFINITY);
  assert.equal(reportWidth({ isTTY: true, columns: 90 }, {}), 90);
  assert.equal(reportWidth({ isTTY: true, columns: 90 }, { COLUMNS: '132' }), 132);
  assert.equal(reportWidth({ isTTY: true, columns: 90 }, { COLUMNS: 'wide' }), 90);
  assert.equal(reportWidth({ isTTY: true }, {}), 80);
});

test('--text to a pipe: nothing is cut, whatever COLUMNS says (the layer commands are whole)', async () => {
  const r = await runLayerscope([example, '--text'], { env: { ...childEnv, COLUMNS: '40' } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(
    lines.includes(
      "    4     162 kB      166 kB    81.9 kB        0 B  RUN yes 'id,lat,lon,name' | head -c 80000 > /tmp/assets.csv && tar -cf /tmp/assets.tar -C /tmp assets.csv && rm /tmp/assets.csv && tar -xf /tmp/assets.tar -C /srv/app/data",
    ),
    r.stdout,
  );
  assert.ok(
    lines.includes(
      '    0    1.98 MB     1.98 MB        0 B        0 B  COPY file:73e2b2d48642b21b357384b0cb81c1869cc5e0c48a00f61553756196058304b9 in /bin/busybox',
    ),
    r.stdout,
  );
  assert.ok(!r.stdout.includes('…'), r.stdout);
});

test('clipMiddle keeps the start and the distinguishing end; wrap breaks at words only', () => {
  const path = '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4';
  assert.equal(clipMiddle(path, 40), '/var/lib/apt/…_binary-amd64_Packages.lz4');
  assert.equal(clipMiddle(path, 40).length, 40);
  assert.equal(clipMiddle(path, 200), path);
  assert.equal(clipMiddle('/a\x1bb', 10), '/a\\x1bb');
  assert.deepEqual(wrap('use `COPY --chmod=0755` instead of a RUN chmod in a later layer', 24, 2), [
    'use `COPY --chmod=0755`',
    '  instead of a RUN chmod',
    '  in a later layer',
  ]);
  assert.deepEqual(wrap('x'.repeat(30), 12), ['x'.repeat(12), 'x'.repeat(12), 'x'.repeat(6)]);
});

test('on an 80-column terminal: three hidden apt lists keep their different ends', async () => {
  const names = ['Packages.lz4', 'Sources.lz4', 'Translation-en.lz4'].map(
    (tail) => `var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_${tail}`,
  );
  const analysis = await analysisOf(
    'lists',
    [
      names.map((name, i) => ({ name, content: 1000 * (i + 1) })),
      names.map((name) => ({ name: name.replace(/[^/]+$/, (base) => `.wh.${base}`) })),
    ],
    ['RUN apt-get update', 'RUN rm -rf /var/lib/apt/lists/*'],
  );
  const lines = textReport(analysis, { width: 80 }).split('\n');
  const at = lines.indexOf('Hidden bytes (stored in a layer, unreachable in the final image): 3 paths');
  assert.deepEqual(lines.slice(at + 2, at + 5), [
    '       3 kB    ×1  L0→L1       /var/lib/apt/…ain_binary-amd64_Translation-en.lz4',
    '       2 kB    ×1  L0→L1       /var/lib/apt/…kworm_main_binary-amd64_Sources.lz4',
    '       1 kB    ×1  L0→L1       /var/lib/apt/…worm_main_binary-amd64_Packages.lz4',
  ]);
  for (const line of lines) assert.ok(line.length <= 80, line);
});

test('advice on a terminal: titles and fixes wrap at words, commands are clipped; own layers, then the base image', () => {
  const item = (over: Partial<AdviceItem>): AdviceItem => ({
    kind: 'package-cache',
    title: 'apt package lists left in the image',
    inBase: false,
    bytes: 1000,
    files: 3,
    paths: ['/var/lib/apt/lists/a', '/var/lib/apt/lists/b'],
    layer: 3,
    command: 'RUN apt-get update && apt-get install -y curl ca-certificates gnupg && echo done',
    fix: 'remove them in the RUN that installs: `apt-get update && apt-get install -y … && rm -rf /var/lib/apt/lists/*`',
    ...over,
  });
  const items = [
    item({ bytes: 250_000 }),
    item({ bytes: 5_000_000, inBase: true, layer: 0, title: 'documentation (from the base image)', files: 1, paths: ['/usr/share/doc/x'] }),
    item({
      bytes: 900_000,
      kind: 'cache',
      title: 'pip cache left in the image',
      files: 1,
      paths: ['/root/.cache/pip/x'],
      fix: 'install with `pip install --no-cache-dir …`',
    }),
  ];
  assert.deepEqual(adviceText(items, 60), [
    '  your layers: 1.15 MB',
    '     900 kB  pip cache left in the image: /root/.cache/pip/x',
    '             by layer 3: RUN apt-get update && apt-get inst…',
    '             fix: install with `pip install --no-cache-dir',
    '                  …`',
    '     250 kB  apt package lists left in the image:',
    '               /var/lib/apt/lists/a, /var/lib/apt/lists/b, …',
    '               (3 files)',
    '             by layer 3: RUN apt-get update && apt-get inst…',
    '             fix: remove them in the RUN that installs:',
    '                  `apt-get update && apt-get install -y … &&',
    '                  rm -rf /var/lib/apt/lists/*`',
    '  base image (its layers come with FROM): 5 MB',
    '       5 MB  documentation (from the base image):',
    '               /usr/share/doc/x',
    '             by layer 0: RUN apt-get update && apt-get inst…',
    '             fix: remove them in the RUN that installs:',
    '                  `apt-get update && apt-get install -y … &&',
    '                  rm -rf /var/lib/apt/lists/*`',
  ]);
});

test('--text on a terminal (tmux): its width, COLUMNS first; long commands are clipped there, not in a pipe', async (t) => {
  if (!need(t, 'tmux', commandAvailable('tmux'))) return;
  const term = new Terminal(80, 50);
  try {
    // The report's own lines: from `Image` to the exit status the shell prints after it.
    const report = (screen: string, marker: string) => {
      const lines = screen.split('\n');
      return lines.slice(
        lines.findIndex((l) => l.startsWith('Image ')),
        lines.findIndex((l) => l.startsWith(marker)),
      );
    };
    term.run(`node bin/layerscope.js ${example} --text; echo "wide=$?"`);
    const wide = report(await term.waitFor(/^wide=0/m, 30_000), 'wide=');
    assert.ok(wide.length > 20, wide.join('\n'));
    assert.ok(wide.includes("    4     162 kB      166 kB    81.9 kB        0 B  RUN yes 'id,lat,lon,name' |…"), wide.join('\n'));
    for (const line of wide) assert.ok(line.length <= 80, line);
    term.run('clear');
    term.run(`COLUMNS=64 node bin/layerscope.js ${example} --text; echo "narrow=$?"`);
    const narrow = report(await term.waitFor(/^narrow=0/m, 30_000), 'narrow=');
    assert.ok(narrow.length > 20, narrow.join('\n'));
    assert.ok(narrow.includes('    5        0 B     2.05 kB        0 B    81.9 kB  RUN rm /tmp…'), narrow.join('\n'));
    for (const line of narrow) assert.ok(line.length <= 64, line);
  } finally {
    term.close();
  }
});
