// Hostile and broken images, generated here, run through the real binary. Each one gives either
// a correct analysis with the exact warning, or exactly one line on stderr and exit code 2: no
// stack trace, no hang, nothing escaping to the terminal. (Property-based mutation of valid
// archives is in fuzz.test.ts; Ctrl-C at every stage in test/e2e/interrupt.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import React from 'react';
import { render } from 'ink-testing-library';
import { cliPath, repoRoot, runLayerscope, childEnv } from '../helpers/cli.js';
import { packTar, rawHeader, TAR_END, zstdRawFrame, type TarSpec } from '../helpers/tar.js';
import {
  buildImage,
  hexOf,
  ImageWorkspace,
  legacyDockerArchiveFiles,
  ociLayoutFiles,
  type ArchiveFiles,
  type ImageSpec,
  type SyntheticImage,
} from '../helpers/image.js';
import { eventually } from '../helpers/ui.js';
import { FakeRegistry } from '../helpers/registry.js';
import { CACHE_FORMAT } from '../../src/sources/cache.js';
import { openImage } from '../../src/sources/open.js';
import { analyseImage } from '../../src/core/analyse.js';
import { analyse, type Analysis } from '../../src/core/analysis.js';
import { App } from '../../src/ui/App.js';
import { parseDockerfile } from '../../src/sources/dockerfile.js';
import { assembleBuild } from '../../src/core/buildResult.js';
import { buildTextReport } from '../../src/report/stages.js';
import { plainBuildProgress } from '../../src/app/buildProgress.js';

const ws = new ImageWorkspace();
const cacheDir = mkdtempSync(join(tmpdir(), 'layerscope-corpus-cache-'));
after(() => {
  ws.cleanup();
  rmSync(cacheDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The real binary; the summary cache off unless asked for (then a private one). */
function cli(args: string[], opts: { cache?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Run {
  const started = Date.now();
  const r = spawnSync(process.execPath, [cliPath, ...args, ...(opts.cache ? [] : ['--no-cache'])], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 60_000,
    env: { ...childEnv, LAYERSCOPE_CACHE_DIR: cacheDir, LAYERSCOPE_DEBUG: '', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/** Exactly one line on stderr, this one; exit code 2; nothing on stdout. */
function fails(r: Run, message: string): void {
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace:\n${r.stderr}`);
  assert.equal(r.stderr, `layerscope: ${message}\n`);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
}

/** Success, with exactly these warnings on stderr (in order). */
function warns(r: Run, warnings: string[]): void {
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace:\n${r.stderr}`);
  assert.deepEqual(
    r.stderr === '' ? [] : r.stderr.trimEnd().split('\n'),
    warnings.map((w) => `layerscope: warning: ${w}`),
  );
  assert.equal(r.code, 0);
}

function numbers(r: Run): { stored: number; visible: number; hidden: number; entries: number[] } {
  const report = JSON.parse(r.stdout) as {
    image: { storedBytes: number; visibleBytes: number; hiddenBytes: number };
    layers: Array<{ entries: number }>;
  };
  return {
    stored: report.image.storedBytes,
    visible: report.image.visibleBytes,
    hidden: report.image.hiddenBytes,
    entries: report.layers.map((l) => l.entries),
  };
}

/** `ls --json` rows as `path type size L<layer>`. */
function listing(r: Run): string[] {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { path: string; type: string; size: number; layer: number })
    .map((row) => `${row.path} ${row.type} ${row.size} L${row.layer}`);
}

// L0 of most images: /etc/passwd (4 bytes) and /bin/sh (100 bytes).
const BASE_SPECS: TarSpec[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/passwd', content: 'root' },
  { name: 'bin/', type: 'directory' },
  { name: 'bin/sh', content: 100 },
];
const BASE_BYTES = 104;
const base = await packTar(BASE_SPECS);

let serial = 0;
type Format = 'legacy' | 'oci';

/** Writes the image in `format` (legacy docker save tar, or OCI layout directory). */
async function write(
  spec: ImageSpec,
  format: Format = 'legacy',
  edit?: (files: ArchiveFiles, img: SyntheticImage) => void,
): Promise<{ path: string; img: SyntheticImage }> {
  const img = buildImage(spec);
  const files = format === 'legacy' ? legacyDockerArchiveFiles([img]) : ociLayoutFiles([img]);
  edit?.(files, img);
  const name = `case${++serial}`;
  const path = format === 'legacy' ? await ws.writeTar(`${name}.tar`, files) : ws.writeDir(name, files);
  return { path, img };
}

/** A tar of raw entries (names written byte for byte), ended properly. */
function rawTar(entries: Array<{ name: string; content?: Buffer; typeflag?: string; linkname?: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const content = e.content ?? Buffer.alloc(0);
    parts.push(
      rawHeader({
        name: e.name,
        size: content.length,
        typeflag: e.typeflag ?? '0',
        magic: 'ustar',
        ...(e.linkname ? { linkname: e.linkname } : {}),
      }),
    );
    parts.push(content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  return Buffer.concat([...parts, TAR_END]);
}

/** The legacy archive's name for layer `i` (`<v1 id>/layer.tar`). */
function legacyLayerName(files: ArchiveFiles, i: number): string {
  return (JSON.parse(files.get('manifest.json')!.toString()) as Array<{ Layers: string[] }>)[0]!.Layers[i]!;
}

// --- compression and tar damage: one line, exit 2 ---------------------------------------

test('a truncated gzip layer', async () => {
  const gz = gzipSync(await packTar([{ name: 'a', content: 5000 }]));
  const { path, img } = await write({ layers: [base, gz.subarray(0, gz.length - 20)] }, 'oci');
  fails(cli([path, '--json']), `layer 1 (${img.layerDigests[1]}): corrupt or truncated gzip data (unexpected end of file)`);
});

test('a truncated zstd layer', async () => {
  const zst = zstdRawFrame(await packTar([{ name: 'a', content: 5000 }]));
  const { path, img } = await write({ layers: [base, zst.subarray(0, zst.length - 100)] }, 'oci');
  fails(cli([path, '--json']), `layer 1 (${img.layerDigests[1]}): corrupt or truncated zstd data (unexpected end of file)`);
});

test('a corrupt tar header (bad checksum) inside a layer', async () => {
  const layer = await packTar([
    { name: 'a', content: 'x' },
    { name: 'b', content: 'y' },
  ]);
  layer[1024] = layer[1024]! ^ 0x20; // the second header's name: 'b' → 'B', the checksum unchanged
  const { path, img } = await write({ layers: [base, layer] });
  fails(cli([path, '--text']), `layer 1 (${img.diffIds[1]}): not a valid tar layer (bad header checksum at offset 1024)`);
  // A field that is not a number, under a checksum that matches.
  const odd = await packTar([
    { name: 'a', content: 'x' },
    { name: 'b', content: 'y' },
  ]);
  odd.write('0009z00\0', 1024 + 100, 'latin1'); // b's mode
  odd.fill(0x20, 1024 + 148, 1024 + 156);
  let sum = 0;
  for (let i = 1024; i < 1536; i++) sum += odd[i]!;
  odd.write(`${sum.toString(8).padStart(6, '0')}\0 `, 1024 + 148, 'latin1');
  const c = await write({ layers: [base, odd] });
  fails(cli([c.path, '--text']), `layer 1 (${c.img.diffIds[1]}): not a valid tar layer (bad number field in the header at offset 1024)`);
});

test('a layer that is not a tar at all', async () => {
  const { path, img } = await write({ layers: [base, Buffer.from('this is not a tar archive\n'.repeat(40))] });
  fails(cli([path, '--text']), `layer 1 (${img.diffIds[1]}): not a valid tar layer (bad header checksum at offset 0)`);
});

test('a tar entry that declares more bytes than the layer holds', async () => {
  const layer = Buffer.concat([
    rawTar([{ name: 'small', content: Buffer.from('ok') }]).subarray(0, 1024),
    rawHeader({ name: 'big', size: 1_000_000 }),
    Buffer.alloc(2048),
  ]);
  const { path, img } = await write({ layers: [base, layer] });
  fails(
    cli([path, '--json']),
    `layer 1 (${img.diffIds[1]}): truncated layer: entry "big" at offset 1024 declares 1000000 bytes, more than the layer holds`,
  );
});

test('an archive member that declares more bytes than the file holds', async () => {
  const { path, img } = await write({ layers: [base, await packTar([{ name: 'a', content: 3000 }])] });
  const bytes = readFileSync(path);
  const files = legacyDockerArchiveFiles([img]);
  const member = legacyLayerName(files, 1);
  // Find the member's header and cut the file inside its data.
  const header = bytes.indexOf(Buffer.from(`${member}\0`, 'latin1'));
  assert.ok(header >= 0 && header % 512 === 0);
  const cut = header + 512 + 1000;
  writeFileSync(path, bytes.subarray(0, cut));
  fails(
    cli([path, '--json']),
    `${path} is truncated: member ${member} needs ${header + 512 + img.layers[1]!.tar.length} bytes but the file has ${cut}`,
  );
});

// --- names: correct analysis, warnings for what is refused --------------------------------

test('path traversal: ../../etc/passwd and a/../../b land where the engine puts them (on the root), with a warning; /abs is taken as abs', async () => {
  const layer = await packTar([
    { name: '../../etc/passwd', content: 'x' },
    { name: '/abs/file', content: 'yy' },
    { name: 'a/../../b', content: 'zzz' },
    { name: 'ok/./sub/../file', content: 'w' },
  ]);
  const { path } = await write({ layers: [base, layer] });
  const warnings = [
    'layer 1: entry "../../etc/passwd" climbs above the layer root; the engine unpacks it at /etc/passwd, and so does this',
    'layer 1: entry "a/../../b" climbs above the layer root; the engine unpacks it at /b, and so does this',
  ];
  const r = cli([path, '--json']);
  warns(r, warnings);
  // The same warnings in the JSON report, as data.
  assert.deepEqual(JSON.parse(r.stdout).warnings, [
    { layer: 1, path: '/etc/passwd', kind: 'nameClimbsRoot', message: warnings[0]!.slice('layer 1: '.length) },
    { layer: 1, path: '/b', kind: 'nameClimbsRoot', message: warnings[1]!.slice('layer 1: '.length) },
  ]);
  // The climbing /etc/passwd (1 B) replaces the base's (4 B), which becomes hidden.
  assert.deepEqual(numbers(r), { stored: BASE_BYTES + 7, visible: BASE_BYTES - 4 + 7, hidden: 4, entries: [4, 4] });
  const ls = cli(['ls', path, '--json']);
  warns({ ...ls, stdout: '' }, warnings);
  assert.deepEqual(listing(ls), [
    '/abs dir 0 L1',
    '/abs/file file 2 L1',
    '/b file 3 L1',
    '/bin dir 0 L0',
    '/bin/sh file 100 L0',
    '/etc dir 0 L0',
    '/etc/passwd file 1 L1',
    '/ok dir 0 L1',
    '/ok/file file 1 L1',
  ]);
});

test('symlink loops and links climbing above the root: listed as they are, with a warning', async () => {
  const layer = await packTar([
    { name: 'd/', type: 'directory' },
    { name: 'd/up', type: 'symlink', linkname: '../../x' },
    { name: 'l1', type: 'symlink', linkname: 'l2' },
    { name: 'l2', type: 'symlink', linkname: 'l1' },
    { name: 'self', type: 'symlink', linkname: './self' },
    { name: 'viadir', type: 'symlink', linkname: 'd/../viadir' },
    { name: 'out', type: 'symlink', linkname: '../../../etc/shadow' },
    { name: 'abs', type: 'symlink', linkname: '/etc/passwd' },
    { name: 'dangling', type: 'symlink', linkname: 'nowhere/at/all' },
  ]);
  const { path } = await write({ layers: [base, layer] });
  const warnings = [
    'symlink /d/up → ../../x climbs above the image root',
    'symlink /l1 → l2 loops (more than 40 links to follow)',
    'symlink /l2 → l1 loops (more than 40 links to follow)',
    'symlink /self → ./self loops (more than 40 links to follow)',
    'symlink /viadir → d/../viadir loops (more than 40 links to follow)',
    'symlink /out → ../../../etc/shadow climbs above the image root',
  ];
  const r = cli([path, '--json']);
  warns(r, warnings);
  // About the final filesystem, not a layer: layer null, the link's path.
  const kinds = ['symlinkClimbsRoot', 'symlinkLoop', 'symlinkLoop', 'symlinkLoop', 'symlinkLoop', 'symlinkClimbsRoot'];
  const linkPaths = ['/d/up', '/l1', '/l2', '/self', '/viadir', '/out'];
  assert.deepEqual(
    JSON.parse(r.stdout).warnings,
    warnings.map((message, i) => ({ layer: null, path: linkPaths[i], kind: kinds[i], message })),
  );
  assert.deepEqual(numbers(r), { stored: BASE_BYTES, visible: BASE_BYTES, hidden: 0, entries: [4, 9] });
  const rows = listing(cli(['ls', path, '--json']));
  assert.ok(rows.includes('/l1 symlink 0 L1') && rows.includes('/out symlink 0 L1') && rows.includes('/abs symlink 0 L1'));
});

test('hard links to a missing entry, a later entry, or outside the root: the engine refuses the layer, so do we; a good one shares its bytes', async () => {
  const cases: Array<[TarSpec[], string]> = [
    [
      [{ name: 'h1', type: 'link', linkname: 'missing' }],
      'hard link /h1 → "missing": the target is not an earlier entry of the same layer',
    ],
    [
      [
        { name: 'h2', type: 'link', linkname: 'later' },
        { name: 'later', content: 'abc' },
      ],
      'hard link /h2 → "later": the target is not an earlier entry of the same layer',
    ],
    [
      [
        { name: 'later', content: 'abc' },
        { name: 'h3', type: 'link', linkname: '../../etc/passwd' },
      ],
      'hard link /h3 → "../../etc/passwd": the target is not an earlier entry of the same layer',
    ],
    [
      [
        { name: 'd/', type: 'directory' },
        { name: 'h5', type: 'link', linkname: 'd' },
      ],
      'hard link /h5 → "d": the target is a directory',
    ],
  ];
  for (const [specs, why] of cases) {
    const { path, img } = await write({ layers: [base, await packTar(specs)] });
    fails(cli([path, '--json']), `layer 1 (${img.diffIds[1]}): the engine refuses this layer: ${why}`);
  }
  const layer = await packTar([
    { name: 'later', content: 'abc' },
    { name: 'h4', type: 'link', linkname: 'later' },
    { name: 'h6', type: 'link', linkname: '/./later' },
  ]);
  const { path } = await write({ layers: [base, layer] });
  const r = cli([path, '--json']);
  warns(r, []);
  assert.deepEqual(numbers(r), { stored: BASE_BYTES + 3, visible: BASE_BYTES + 3, hidden: 0, entries: [4, 3] });
  const rows = listing(cli(['ls', path, '--json']));
  assert.deepEqual(
    rows.filter((row) => row.startsWith('/h') || row.startsWith('/later')),
    ['/h4 hardlink 3 L1', '/h6 hardlink 3 L1', '/later file 3 L1'],
  );
});

test('whiteouts of paths that never existed: a warning each, at most 50 a layer', async () => {
  const specs: TarSpec[] = [
    { name: '.wh.never', content: '' },
    { name: 'etc/.wh.nothing', content: '' },
    { name: 'nodir/.wh.x', content: '' },
  ];
  for (let i = 0; i < 52; i++) specs.push({ name: `many/.wh.f${i}`, content: '' });
  const { path } = await write({ layers: [base, await packTar(specs)] });
  const r = cli([path, '--json']);
  const expected = [
    'layer 1: whiteout of /never, which no lower layer has',
    'layer 1: whiteout of /etc/nothing, which no lower layer has',
    'layer 1: whiteout of /nodir/x, which no lower layer has',
  ];
  for (let i = 0; i < 47; i++) expected.push(`layer 1: whiteout of /many/f${i}, which no lower layer has`);
  expected.push('layer 1: … and 5 more whiteouts of paths no lower layer has');
  warns(r, expected);
  assert.deepEqual(numbers(r), { stored: BASE_BYTES, visible: BASE_BYTES, hidden: 0, entries: [4, 55] });
});

test('whiteouts in odd forms: a bare .wh., a whiteout written as a directory, an opaque marker', async () => {
  const layer = await packTar([
    { name: '.wh.', content: '' },
    { name: 'etc/.wh.', content: '' },
    { name: '.wh.bin/', type: 'directory' },
    { name: 'etc/.wh..wh..opq', content: '' },
    { name: 'etc/new', content: 'n' },
  ]);
  const { path } = await write({ layers: [base, layer] });
  const r = cli([path, '--json']);
  warns(r, [
    'layer 1: ignored whiteout with no name: /.wh.',
    'layer 1: ignored whiteout with no name: /etc/.wh.',
    'layer 1: whiteout /.wh.bin is a directory entry, not an empty file; applied as a whiteout all the same',
  ]);
  // /bin is gone (whiteout), /etc/passwd is hidden by the opaque marker, /etc/new stays.
  assert.deepEqual(numbers(r), { stored: BASE_BYTES + 1, visible: 1, hidden: BASE_BYTES, entries: [4, 3] });
  assert.deepEqual(listing(cli(['ls', path, '--json'])), ['/etc dir 0 L0', '/etc/new file 1 L1']);
});

test('NUL bytes: a name cut at NUL in the header is the part before it; a NUL inside a PAX path refuses the layer (Go: invalid header)', async () => {
  const cut = rawTar([{ name: 'cut\0tail', content: Buffer.from('12') }]);
  const ok = await write({ layers: [base, cut] });
  const r = cli([ok.path, '--json']);
  warns(r, []);
  assert.deepEqual(numbers(r), { stored: BASE_BYTES + 2, visible: BASE_BYTES + 2, hidden: 0, entries: [4, 1] });
  assert.ok(listing(cli(['ls', ok.path, '--json'])).includes('/cut file 2 L1'));
  const layer = Buffer.concat([
    cut.subarray(0, 1024),
    await packTar([{ name: 'placeholder', content: 'abc', pax: { path: 'nul\0name' } }]),
  ]);
  const { path, img } = await write({ layers: [base, layer] });
  fails(
    cli([path, '--json']),
    `layer 1 (${img.diffIds[1]}): not a valid tar layer (invalid PAX header at offset 1024: the "path" record holds a NUL byte)`,
  );
});

// Names that carry terminal escape sequences (OSC title, clear screen, blink, C1 CSI), bytes that
// are not UTF-8, a newline: every output shows them escaped.
const HOSTILE = {
  osc: 'evil\x1b]0;pwned\x07',
  clear: 'clear\x1b[2J',
  c1: 'c1\xc2\x9b2J', // U+009B (CSI) in UTF-8
  latin1: 'caf\xe9', // not UTF-8
  newline: 'nl\nname',
};
const SHOWN = {
  osc: '/evil\\x1b]0;pwned\\x07',
  clear: '/clear\\x1b[2J',
  c1: '/c1\\x9b2J',
  latin1: '/caf\\xe9',
  newline: '/nl\\nname',
};
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

async function hostileImage(): Promise<string> {
  const layer1 = rawTar([
    { name: HOSTILE.osc, content: Buffer.from('abc') },
    { name: HOSTILE.clear, content: Buffer.from('de') },
    { name: HOSTILE.c1, content: Buffer.from('f') },
    { name: HOSTILE.latin1, content: Buffer.from('g') },
    { name: HOSTILE.newline, content: Buffer.from('h') },
    { name: 'link\x1b[5m', typeflag: '1', linkname: HOSTILE.newline },
  ]);
  const layer2 = rawTar([{ name: `.wh.${HOSTILE.osc}` }, { name: '.wh.gone\x1b]2;x\x07' }]);
  return (
    await write({
      layers: [base, layer1, layer2],
      history: [{ createdBy: 'ADD base /' }, { createdBy: 'RUN printf "\x1b[2J" > evil' }, { createdBy: 'RUN rm evil' }],
    })
  ).path;
}

test('control characters and non-UTF-8 names are escaped in the text report, ls, warnings and JSON', async () => {
  const path = await hostileImage();
  const warnings = ['layer 2: whiteout of /gone\\x1b]2;x\\x07, which no lower layer has'];
  const text = cli([path, '--text']);
  warns(text, warnings);
  assert.doesNotMatch(text.stdout, RAW_CONTROL);
  assert.match(text.stdout, /3 B\s+×1\s+L1→L2\s+\/evil\\x1b\]0;pwned\\x07$/m, 'the hidden copy, escaped');
  assert.match(text.stdout, /RUN printf "\\x1b\[2J" > evil/, 'commands too');

  const ls = cli(['ls', path]);
  warns({ ...ls, stdout: '' }, warnings);
  assert.doesNotMatch(ls.stdout, RAW_CONTROL);
  const paths = ls.stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.replace(/^\S+\s+\d+\s+L\d+\s+/, ''));
  // Byte order of the stored names: 'c1\u009b…' before 'caf\\xe9' (the escape is text).
  assert.deepEqual(paths, ['/bin', '/bin/sh', SHOWN.c1, SHOWN.latin1, SHOWN.clear, '/etc', '/etc/passwd', '/link\\x1b[5m', SHOWN.newline]);

  // JSON escapes them itself (C1 too): parsing gives the names back exactly.
  const json = cli(['ls', path, '--json']);
  assert.doesNotMatch(json.stdout, RAW_CONTROL);
  assert.match(json.stdout, /"\/c1\\u009b2J"/);
  assert.deepEqual(
    listing(json).map((row) => row.split(' ')[0]),
    ['/bin', '/bin/sh', '/c1\u009b2J', '/caf\udce9', '/clear\x1b[2J', '/etc', '/etc/passwd', '/link\x1b[5m', '/nl\nname'],
  );
  const report = cli([path, '--json']);
  assert.doesNotMatch(report.stdout, RAW_CONTROL);
  assert.deepEqual(
    (JSON.parse(report.stdout) as { waste: { entries: Array<{ path: string }> } }).waste.entries.map((e) => e.path),
    ['/evil\x1b]0;pwned\x07'],
  );
});

async function analysisOf(path: string): Promise<Analysis> {
  const source = await openImage(path);
  try {
    return analyse(await analyseImage(source));
  } finally {
    await source.close();
  }
}

test('control characters in names are escaped in the browser', async () => {
  const analysis = await analysisOf(await hostileImage());
  const r = render(React.createElement(App, { load: async () => analysis, size: { columns: 120, rows: 40 } }));
  try {
    const frame = await eventually(
      () => r.lastFrame() ?? '',
      (f) => f.includes('Files after'),
    );
    // Ink's own styling is SGR (ESC [ … m) only: anything else came from a name.
    const unstyled = frame.replace(/\x1b\[[0-9;]*m/g, '');
    assert.doesNotMatch(unstyled, RAW_CONTROL);
    for (const shown of [SHOWN.c1, SHOWN.clear, SHOWN.latin1, SHOWN.newline])
      assert.ok(unstyled.includes(shown.slice(1)), `${shown} on screen`);
    // The hidden-bytes pane lists the removed file.
    r.stdin.write('w');
    const waste = await eventually(
      () => (r.lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, ''),
      (f) => f.includes('Hidden bytes'),
    );
    assert.doesNotMatch(waste, RAW_CONTROL);
    assert.ok(waste.includes('evil\\x1b]0;pwned\\x07'));
  } finally {
    r.unmount();
  }
});

test('control characters in names are escaped in compare and build output', async () => {
  const hostile = await hostileImage();
  const plain = (await write({ layers: [base] })).path;
  // compare lists what only A has by directory: put a hostile name where it is listed.
  const builder = (await write({ layers: [base, rawTar([{ name: `opt/${HOSTILE.clear}/f`, content: Buffer.from('x') }])] })).path;
  const r = cli(['compare', builder, plain, '--text']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, RAW_CONTROL);
  assert.match(r.stdout, /1 B\s+1 file\s+other\s+\/opt\/clear\\x1b\[2J$/m);
  const warned = cli(['compare', hostile, plain, '--text']);
  assert.equal(warned.code, 0, warned.stderr);
  assert.doesNotMatch(warned.stdout + warned.stderr, RAW_CONTROL);
  assert.match(warned.stderr, /whiteout of \/gone\\x1b\]2;x\\x07/);

  // The build's text report and progress lines, on the same analyses (no engine needed).
  const graph = parseDockerfile('FROM scratch AS build\nCOPY . /\nFROM scratch\nCOPY --from=build / /\n', { file: 'Dockerfile' });
  const [a, b] = [await analysisOf(hostile), await analysisOf(plain)];
  const result = assembleBuild('ctx\x1b[2J', 'Dockerfile\x07', graph, 1, [
    { stage: graph.stages[0]!, tag: 'layerscope-build/x:build', imageId: a.image.id, analysis: a },
    { stage: graph.stages[1]!, tag: 'layerscope-build/x:1', imageId: b.image.id, analysis: b },
  ]);
  const report = buildTextReport(result);
  assert.doesNotMatch(report, RAW_CONTROL);
  assert.match(report, /Dockerfile\\x07/);
  let progress = '';
  const view = plainBuildProgress((t) => (progress += t));
  view.event({ type: 'step', stage: 0, text: 'Step 2/4 : RUN printf "\x1b]0;x\x07"' });
  view.event({ type: 'output', stage: 0, text: 'col1\tcol2 \x1b[2J' });
  // Its output was printed as it came: not again.
  await view.fail('Step 2/4 : RUN x', ['out \x9b31m']);
  assert.doesNotMatch(progress.replace(/\t/g, ''), RAW_CONTROL);
  assert.equal(progress, '  Step 2/4 : RUN printf "\\x1b]0;x\\x07"\n    col1\tcol2 \\x1b[2J\n');
  // A view that showed nothing (a screen that closed) prints the last lines, escaped.
  let after = '';
  await plainBuildProgress((t) => (after += t)).fail('Step 2/4 : RUN x', ['out \x9b31m']);
  assert.equal(after, "layerscope: the failing step's last output:\n  | out \\x9b31m\n");
});

// --- shape: deep and wide -------------------------------------------------------------------

test('a path 20000 directories deep: analysed and listed, no recursion limit', async () => {
  const deep = Array.from({ length: 20_000 }, () => 'd').join('/');
  const { path } = await write({
    layers: [base, await packTar([{ name: `${deep}/f`, content: 'x' }]), await packTar([{ name: '.wh.d', content: '' }])],
  });
  const r = cli([path, '--json']);
  warns(r, []);
  assert.deepEqual(numbers(r), { stored: BASE_BYTES + 1, visible: BASE_BYTES, hidden: 1, entries: [4, 1, 1] });
  const before = cli(['ls', path, '/d', '--json']);
  assert.equal(before.code, 2, 'gone after the whiteout');
  const text = cli([path, '--text']);
  assert.match(text.stdout, /1 B\s+×1\s+L1→L2\s+\/d\/d\/d/);
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
});

test('a directory of 200,000 entries', async () => {
  const headers: Buffer[] = [rawHeader({ name: 'big/', typeflag: '5', magic: 'ustar' })];
  for (let i = 0; i < 200_000; i++) headers.push(rawHeader({ name: `big/f${i}`, magic: 'ustar' }));
  headers.push(TAR_END);
  const { path } = await write({ layers: [base, gzipSync(Buffer.concat(headers))] }, 'oci');
  const r = cli([path, '--json']);
  warns(r, []);
  assert.deepEqual(numbers(r), { stored: BASE_BYTES, visible: BASE_BYTES, hidden: 0, entries: [4, 200_001] });
  const ls = cli(['ls', path, '/big', '--json']);
  assert.equal(ls.stdout.trimEnd().split('\n').length, 200_001);
  assert.ok(r.ms < 30_000, `took ${r.ms} ms`);
});

// --- metadata: manifests, indexes, configs ------------------------------------------------

function jsonReason(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('valid JSON');
}

const twoLayers = async (): Promise<ImageSpec> => ({ layers: [base, await packTar([{ name: 'a', content: 'hello' }])] });

test('manifest.json that is not JSON, not a list, or names a config or layer that is not there', async () => {
  let c = await write(await twoLayers(), 'legacy', (f) => f.set('manifest.json', Buffer.from('{not json')));
  fails(cli([c.path, '--json']), `${c.path}: manifest.json is not valid JSON (${jsonReason('{not json')})`);
  c = await write(await twoLayers(), 'legacy', (f) => f.set('manifest.json', Buffer.from('{}')));
  fails(cli([c.path, '--json']), `${c.path}: manifest.json: expected a JSON array, found an object`);
  c = await write(await twoLayers(), 'legacy', (f) => f.set('manifest.json', Buffer.from('[{"Config": 5, "Layers": []}]')));
  fails(cli([c.path, '--json']), `${c.path}: manifest.json[0].Config: expected a string, found a number`);
  let missing = '';
  c = await write(await twoLayers(), 'legacy', (f) => {
    missing = legacyLayerName(f, 1);
    f.delete(missing);
  });
  fails(cli([c.path, '--json']), `${c.path}: missing blob ${missing} (layer 1 of 2 in manifest.json)`);
  c = await write(await twoLayers(), 'legacy', (f, img) => f.delete(`${hexOf(img.configDigest)}.json`));
  fails(cli([c.path, '--json']), `${c.path}: missing image config ${hexOf(c.img.configDigest)}.json (named in manifest.json)`);
  // A layer name that climbs out of the archive is never looked up outside it.
  c = await write(await twoLayers(), 'legacy', (f) => {
    const m = JSON.parse(f.get('manifest.json')!.toString()) as Array<{ Layers: string[] }>;
    m[0]!.Layers[0] = '../../../etc/passwd';
    f.set('manifest.json', Buffer.from(JSON.stringify(m)));
  });
  fails(cli([c.path, '--json']), `${c.path}: missing blob ../../../etc/passwd (layer 0 of 2 in manifest.json)`);
});

test('index.json that is not JSON or names a manifest or layer blob that is not there', async () => {
  let c = await write(await twoLayers(), 'oci', (f) => f.set('index.json', Buffer.from('[')));
  fails(cli([c.path, '--json']), `${c.path}: index.json is not valid JSON (${jsonReason('[')})`);
  const ghost = `sha256:${'a'.repeat(64)}`;
  c = await write(await twoLayers(), 'oci', (f) =>
    f.set(
      'index.json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: ghost, size: 3 }],
        }),
      ),
    ),
  );
  fails(cli([c.path, '--json']), `${c.path}: missing blob blobs/sha256/${'a'.repeat(64)} (manifest listed in index.json)`);
  c = await write(await twoLayers(), 'oci', (f) =>
    f.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: '../../etc/passwd', size: 3 }] }))),
  );
  fails(cli([c.path, '--json']), `${c.path}: index.json: manifests[0]: invalid digest "../../etc/passwd"`);
  c = await write(await twoLayers(), 'oci', (f, img) => f.delete(`blobs/sha256/${hexOf(img.layerDigests[1]!)}`));
  fails(
    cli([c.path, '--json']),
    `${c.path}: missing blob blobs/sha256/${hexOf(c.img.layerDigests[1]!)} (layer 1 of 2 in manifest ${c.img.manifestDigest})`,
  );
});

test('layers that do not match the config diffIDs: which layer, both digests, and a swapped order named as such', async () => {
  // OCI: blob 1 holds other content.
  const spec = await twoLayers();
  const other = await packTar([{ name: 'b', content: 'other' }]);
  let c = await write(spec, 'oci', (f, img) => f.set(`blobs/sha256/${hexOf(img.layerDigests[1]!)}`, other));
  const otherId = buildImage({ layers: [other] }).diffIds[0]!;
  fails(
    cli([c.path, '--json']),
    `layer 1 does not match the image config: its content hashes to ${otherId} but rootfs.diff_ids[1] is ${c.img.diffIds[1]}`,
  );
  // docker save: manifest.json lists the layers in the other order.
  c = await write(spec, 'legacy', (f) => {
    const m = JSON.parse(f.get('manifest.json')!.toString()) as Array<{ Layers: string[] }>;
    m[0]!.Layers.reverse();
    f.set('manifest.json', Buffer.from(JSON.stringify(m)));
  });
  fails(
    cli([c.path, '--json']),
    `layer 0 does not match the image config: its content hashes to ${c.img.diffIds[1]} but rootfs.diff_ids[0] is ${c.img.diffIds[0]}; that is rootfs.diff_ids[1]: the manifest lists the layers in another order than the config`,
  );
  // The config lists fewer diffIDs than the manifest lists layers.
  c = await write({ ...spec, patchConfig: (config) => ((config.rootfs as { diff_ids: string[] }).diff_ids.length = 1) });
  fails(cli([c.path, '--json']), `${c.path}: manifest.json: the image config lists 1 diff_ids but the manifest lists 2 layers`);
});

test('history with fewer or more steps than layers: a warning, commands paired in order, numbers right', async () => {
  const spec = await twoLayers();
  let c = await write({ ...spec, history: [{ createdBy: 'ADD base /' }] });
  let r = cli([c.path, '--json']);
  warns(r, [
    `${c.path}: manifest.json: history has 1 steps that made layers but the image has 2 layers; commands are paired in order for the first 1`,
  ]);
  let report = JSON.parse(r.stdout) as { layers: Array<{ command: string }> };
  assert.deepEqual(
    report.layers.map((l) => l.command),
    ['ADD base /', ''],
  );
  assert.deepEqual(numbers(r), { stored: BASE_BYTES + 5, visible: BASE_BYTES + 5, hidden: 0, entries: [4, 1] });
  c = await write({
    ...spec,
    history: [
      { createdBy: 'ADD base /' },
      { createdBy: 'ENV A=1', emptyLayer: true },
      { createdBy: 'COPY a /' },
      { createdBy: 'RUN extra' },
    ],
  });
  r = cli([c.path, '--json']);
  warns(r, [
    `${c.path}: manifest.json: history has 3 steps that made layers but the image has 2 layers; commands are paired in order for the first 2`,
  ]);
  report = JSON.parse(r.stdout) as { layers: Array<{ command: string }> };
  assert.deepEqual(
    report.layers.map((l) => l.command),
    ['ADD base /', 'COPY a /'],
  );
});

test('an OCI descriptor that declares a layer larger than its blob: a warning, the layer read as it is', async () => {
  const spec = await twoLayers();
  const img = buildImage(spec);
  const manifest = JSON.parse(img.manifestBytes.toString()) as { layers: Array<{ size: number }> };
  manifest.layers[1]!.size += 1000;
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(bytes).digest('hex')}`;
  const c = await write(spec, 'oci', (f) => {
    f.set(`blobs/sha256/${hexOf(digest)}`, bytes);
    f.set(
      'index.json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: bytes.length }],
        }),
      ),
    );
  });
  const r = cli([c.path, '--json']);
  const blob = `blobs/sha256/${hexOf(img.layerDigests[1]!)}`;
  warns(r, [
    `${c.path}: layer 1 blob ${blob} is ${img.layers[1]!.blob.length} bytes but manifest ${digest} says ${img.layers[1]!.blob.length + 1000}`,
  ]);
  assert.deepEqual(numbers(r), { stored: BASE_BYTES + 5, visible: BASE_BYTES + 5, hidden: 0, entries: [4, 1] });
});

test('a registry manifest that declares a layer larger than the blob it serves: one line at once, no retries', async () => {
  const reg = await FakeRegistry.start();
  try {
    const img = buildImage(await twoLayers());
    reg.addImage('short/app', undefined, img);
    const manifest = JSON.parse(img.manifestBytes.toString()) as { layers: Array<{ size: number }> };
    manifest.layers[1]!.size += 1000;
    reg.addManifest('short/app', '1', Buffer.from(JSON.stringify(manifest)), 'application/vnd.oci.image.manifest.v1+json');
    // Asynchronously: the registry answers from this process.
    const r = { ...(await runLayerscope([`registry://${reg.host}/short/app:1`, '--json', '--no-cache'], { timeoutMs: 60_000 })), ms: 0 };
    const size = img.layers[1]!.blob.length;
    fails(
      r,
      `layer 1 (${img.layerDigests[1]}): ${reg.host}/short/app:1: blob ${img.layerDigests[1]} is ${size} bytes, fewer than the ${size + 1000} the manifest lists`,
    );
    assert.equal(reg.requestsTo(`/blobs/${img.layerDigests[1]}`).length, 1, 'asked once');
  } finally {
    await reg.stop();
  }
});

// --- resource limits ----------------------------------------------------------------------

test('--max-files and --max-bytes stop a layer past them with one line; bad values are usage errors', async () => {
  const specs: TarSpec[] = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, content: 1000 }));
  const { path } = await write({ layers: [base, await packTar(specs)] });
  fails(cli([path, '--json', '--max-files', '10']), 'layer 1 has more than 10 entries; raise --max-files to analyse it');
  fails(cli(['ls', path, '--max-files', '10']), 'layer 1 has more than 10 entries; raise --max-files to analyse it');
  fails(cli([path, '--json', '--max-bytes', '10KiB']), 'layer 1 unpacks to more than 10 KiB; raise --max-bytes to analyse it');
  fails(cli([path, '--json', '--max-bytes', '15kB']), 'layer 1 unpacks to more than 15 kB; raise --max-bytes to analyse it');
  fails(cli(['compare', path, path, '--text', '--max-files', '10']), 'layer 1 has more than 10 entries; raise --max-files to analyse it');
  // Enough room: the same image analyses.
  assert.deepEqual(numbers(cli([path, '--json', '--max-files', '20', '--max-bytes', '1MB'])), {
    stored: BASE_BYTES + 20_000,
    visible: BASE_BYTES + 20_000,
    hidden: 0,
    entries: [4, 20],
  });
  fails(cli([path, '--json', '--max-files', 'many']), '--max-files many: expected a whole number of entries, such as 5000000');
  fails(cli([path, '--json', '--max-bytes', 'lots']), '--max-bytes lots: expected a size such as 500GB or 2TiB');
  fails(cli([path, '--json', '--max-bytes', '0']), '--max-bytes 0: expected a size such as 500GB or 2TiB');
});

test('a cached summary past the limits is refused like a fresh read', async () => {
  const specs: TarSpec[] = Array.from({ length: 20 }, (_, i) => ({ name: `g${i}`, content: 10 }));
  const { path } = await write({ layers: [base, await packTar(specs)] });
  assert.equal(cli([path, '--json'], { cache: true }).code, 0);
  fails(cli([path, '--json', '--max-files', '10'], { cache: true }), 'layer 1 has more than 10 entries; raise --max-files to analyse it');
});

test('a 50 MB PAX path is refused before it is held; a 100 KB name is ignored with a warning', async () => {
  const pax = Buffer.concat([
    rawHeader({ name: 'PaxHeaders/huge', typeflag: 'x', size: 50 * 1024 * 1024, magic: 'ustar' }),
    Buffer.alloc(50 * 1024 * 1024, 'a'),
    TAR_END,
  ]);
  const { path, img } = await write({ layers: [base, gzipSync(pax)] }, 'oci');
  fails(
    cli([path, '--json']),
    `layer 1 (${img.layerDigests[1]}): not a valid tar layer (a 52428800-byte PAX header at offset 0; the limit is 1048576 bytes)`,
  );
  const long = 'n'.repeat(100 * 1024);
  const c = await write({
    layers: [
      base,
      await packTar([
        { name: 'x', content: 'abc', pax: { path: long } },
        { name: 'kept', content: 'k' },
      ]),
    ],
  });
  const r = cli([c.path, '--json']);
  warns(r, [`layer 1: ignored entry "${'n'.repeat(200)}…": its name is longer than 65536 bytes`]);
  assert.deepEqual(numbers(r), { stored: BASE_BYTES + 4, visible: BASE_BYTES + 1, hidden: 3, entries: [4, 1] });
});

test('many entries with long names in a small heap: one line saying how to give it more, not a V8 abort', async () => {
  // 600,000 entries with 95-byte names: ~70 MB of names, far past a 48 MB heap while the walk
  // still reads them (so the walk's guard is the one that stops it, not the merge's).
  const template = rawHeader({ name: 'x', magic: 'ustar' });
  const headers: Buffer[] = [];
  for (let i = 0; i < 600_000; i++) {
    const h = Buffer.from(template);
    h.fill(0, 0, 100);
    h.write(`d${i % 1000}/${'n'.repeat(80)}${i}`, 0, 'latin1');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of h) sum += byte;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    headers.push(h);
  }
  const { path } = await write({ layers: [base, gzipSync(Buffer.concat([...headers, TAR_END]), { level: 1 })] }, 'oci');
  const heap = '--max-old-space-size=48';
  const limit = spawnSync(process.execPath, [heap, '-p', 'Math.round(require("v8").getHeapStatistics().heap_size_limit / 1048576)'], {
    encoding: 'utf8',
  }).stdout.trim();
  fails(
    cli([path, '--json'], { env: { NODE_OPTIONS: heap } }),
    `layer 1 needs more memory than this process may use (a ${limit} MiB heap); run with NODE_OPTIONS=--max-old-space-size=1024 to analyse it`,
  );
});

test('the summary cache: entries written whole, no temp file left after success or error', async () => {
  const { path } = await write({ layers: [base, await packTar([{ name: 'c', content: 'cached' }])] });
  assert.equal(cli([path, '--json'], { cache: true }).code, 0);
  const gz = gzipSync(await packTar([{ name: 'a', content: 5000 }]));
  const broken = await write({ layers: [base, gz.subarray(0, gz.length - 20)] }, 'oci');
  assert.equal(cli([broken.path, '--json'], { cache: true }).code, 2);
  const names = readdirSync(join(cacheDir, CACHE_FORMAT));
  assert.ok(names.length >= 2);
  assert.deepEqual(
    names.filter((n) => !/^[0-9a-f]{64}\.json\.gz$/.test(n) && n !== 'proofs'),
    [],
    'only whole entries',
  );
  assert.deepEqual(
    readdirSync(join(cacheDir, CACHE_FORMAT, 'proofs')).filter((n) => !/^[0-9a-f]{64}$/.test(n)),
    [],
    'only whole proofs',
  );
});
