// Two synthetic images compared, with and without the Dockerfile that says what crossed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis } from '../../src/core/analysis.js';
import { compareAnalyses, globRegex, groupOf } from '../../src/core/compare.js';
import { compareRowsJson, compareTree } from '../../src/core/compareTree.js';
import { digestOf } from '../../src/core/digest.js';
import { parseDockerfile } from '../../src/sources/dockerfile.js';
import { analysisOf } from '../helpers/analysis.js';
import { comparisonText } from '../../src/report/stages.js';
import { groupsTitle, summaryLines } from '../../src/ui/compareBrowserModel.js';
import type { TarSpec } from '../helpers/tar.js';

const T = new Date('2024-01-01T00:00:00Z');
const T2 = new Date('2024-02-01T00:00:00Z');
const BASE: TarSpec[] = [
  { name: 'bin/sh', content: 1000, mode: 0o755, mtime: T },
  { name: 'etc/os-release', content: 100, mtime: T },
];

function builder(): Promise<Analysis> {
  return analysisOf('builder', [
    BASE,
    [
      { name: 'opt/toolchain/bin/cc', content: 5000, mode: 0o755, mtime: T },
      { name: 'opt/toolchain/bin/c++', type: 'link', linkname: 'opt/toolchain/bin/cc' },
      { name: 'root/.cache/pip/x.whl', content: 700, mtime: T },
      { name: 'src/main.c', content: 300, mtime: T },
      { name: 'src/out/app', content: 2000, mode: 0o755, mtime: T },
      { name: 'src/out/lib/a.so', content: 400, mtime: T },
      { name: 'src/out/lib/b.so', content: 600, mtime: T },
    ],
    [{ name: 'usr/lib/gcc/x86_64-linux-gnu/12/cc1', content: 3000, mtime: T }],
  ]);
}

function final(): Promise<Analysis> {
  return analysisOf('final', [
    BASE,
    [
      { name: 'usr/local/bin/app', content: 2000, mode: 0o755, mtime: T },
      { name: 'app/lib/a.so', content: 400, mtime: T },
      // Same bytes count, other mtime: what a cached COPY of an older build gives.
      { name: 'app/lib/b.so', content: 600, mtime: T2 },
      { name: 'etc/app.conf', content: 50, mtime: T },
    ],
    [{ name: 'app/lib/.wh.a.so', content: 0 }],
  ]);
}

const DOCKERFILE = `FROM base AS builder
RUN make
FROM base AS final
COPY --from=builder /src/out/app /usr/local/bin/app
COPY --from=builder /src/out/lib /app/lib
COPY --from=builder /src/out/nothing-here /app/
COPY --from=builder /src/out/*.none /nowhere/
`;

test('sizes, reduction and the shared base', async () => {
  const c = compareAnalyses(await builder(), await final(), { graph: parseDockerfile(DOCKERFILE), aStage: 0, bStage: 1 });
  assert.deepEqual(c.a, { label: 'builder', ref: 'builder', id: c.a.id, stage: 0, layers: 3, storedBytes: 13100, visibleBytes: 13100 });
  assert.deepEqual(c.b, { label: 'final', ref: 'final', id: c.b.id, stage: 1, layers: 3, storedBytes: 4150, visibleBytes: 3750 });
  assert.deepEqual(c.reduction, { bytes: 8950, ratio: 8950 / 13100 });
  assert.deepEqual(c.sharedBase, { layers: 1, bytes: 1100 });
  assert.deepEqual(c.unique, { a: { layers: 2, bytes: 12000 }, b: { layers: 2, bytes: 3050 } });
  assert.deepEqual(c.userReduction, { bytes: 8950, ratio: 8950 / 12000 });
  assert.equal(c.identity, 'xxh128');
});

const x = (n: number) => digestOf(Buffer.alloc(n, 'x'));

test('COPY --from traces each copied file: identical by content (whatever the mtime), missing', async () => {
  const c = compareAnalyses(await builder(), await final(), { graph: parseDockerfile(DOCKERFILE), aStage: 0, bStage: 1 });
  assert.deepEqual(c.copied, [
    {
      source: '/src/out/app',
      destination: '/usr/local/bin/app',
      bytes: 2000,
      digest: await x(2000),
      status: 'identical',
      layer: 1,
      how: 'copy-from',
      line: 4,
      instruction: 'COPY --from=builder /src/out/app /usr/local/bin/app',
    },
    {
      source: '/src/out/lib/a.so',
      destination: '/app/lib/a.so',
      bytes: 400,
      digest: await x(400),
      status: 'missing',
      how: 'copy-from',
      line: 5,
      instruction: 'COPY --from=builder /src/out/lib /app/lib',
    },
    {
      source: '/src/out/lib/b.so',
      destination: '/app/lib/b.so',
      bytes: 600,
      digest: await x(600),
      status: 'identical',
      differences: ['mtime'],
      layer: 1,
      how: 'copy-from',
      line: 5,
      instruction: 'COPY --from=builder /src/out/lib /app/lib',
    },
  ]);
  assert.deepEqual(c.copiedSummary, { files: 3, bytes: 3000, identical: 2 });
});

test('every visible file lands in one bucket: only in A (grouped, hard links once), only in B, in both', async () => {
  const c = compareAnalyses(await builder(), await final(), { graph: parseDockerfile(DOCKERFILE), aStage: 0, bStage: 1 });
  assert.deepEqual(c.onlyInA, {
    files: 5,
    bytes: 9000,
    groups: [
      { path: '/opt/toolchain', category: 'toolchain', files: 2, bytes: 5000 },
      { path: '/usr/lib/gcc', category: 'toolchain', files: 1, bytes: 3000 },
      { path: '/root/.cache', category: 'cache', files: 1, bytes: 700 },
      { path: '/src', category: 'sources', files: 1, bytes: 300 },
    ],
    packages: [],
    unpackagedBytes: 9000,
  });
  assert.deepEqual(c.onlyInB, {
    files: 1,
    bytes: 50,
    groups: [{ path: '/etc', category: 'other', files: 1, bytes: 50 }],
    packages: [],
    unpackagedBytes: 50,
  });
  assert.equal(c.toolchainInB, undefined);
  assert.deepEqual(c.inBoth, { files: 2, bytes: 1100, differing: 0 });
});

test('without a Dockerfile, copies are found by content digest, whatever their mtime', async () => {
  const c = compareAnalyses(await builder(), await final());
  assert.equal(c.a.label, 'builder');
  assert.deepEqual(c.copied, [
    {
      source: '/src/out/lib/b.so',
      destination: '/app/lib/b.so',
      bytes: 600,
      digest: await x(600),
      status: 'identical',
      differences: ['mtime'],
      layer: 1,
      how: 'matched',
    },
    {
      source: '/src/out/app',
      destination: '/usr/local/bin/app',
      bytes: 2000,
      digest: await x(2000),
      status: 'identical',
      layer: 1,
      how: 'matched',
    },
  ]);
  // a.so was deleted in B: it stays "only in A".
  assert.equal(c.onlyInA.files, 6);
  assert.equal(c.onlyInA.bytes, 9400);
  assert.deepEqual(
    c.onlyInB.groups.map((g) => [g.path, g.files, g.bytes]),
    [['/etc', 1, 50]],
  );
});

// The two misattributions of size+mode+mtime identity, without a Dockerfile.
test('a binary chmod-ed after the copy is a copy (not "left behind" plus "only in B"); equal size, mode and mtime with other bytes is not', async () => {
  const a = await analysisOf('builder', [
    BASE,
    [
      { name: 'build/app', content: 'the real binary', mode: 0o644, mtime: T },
      { name: 'usr/share/doc/libssl3/changelog.gz', content: 'AAAAAAAA', mode: 0o644, mtime: T },
    ],
  ]);
  const b = await analysisOf('final', [
    BASE,
    [{ name: 'usr/local/bin/app', content: 'the real binary', mode: 0o644, mtime: T }],
    // RUN chmod 755: the whole file is stored again, with another mode.
    [{ name: 'usr/local/bin/app', content: 'the real binary', mode: 0o755, mtime: T }],
    [{ name: 'usr/share/doc/openssl/changelog.gz', content: 'BBBBBBBB', mode: 0o644, mtime: T }],
  ]);
  const c = compareAnalyses(a, b);
  assert.deepEqual(
    c.copied.map((f) => [f.source, f.destination, f.status, f.differences, f.layer]),
    [['/build/app', '/usr/local/bin/app', 'identical', ['mode'], 2]],
  );
  assert.deepEqual(
    c.onlyInA.groups.map((g) => [g.path, g.files, g.bytes]),
    [['/usr/share/doc', 1, 8]],
  );
  assert.deepEqual(
    c.onlyInB.groups.map((g) => [g.path, g.files, g.bytes]),
    [['/usr/share/doc', 1, 8]],
  );
  const rows = compareRowsJson(compareTree(a, b, c));
  assert.deepEqual(
    rows.filter((r) => r.type === 'file').map((r) => [r.path, r.status, r.copiedFrom ?? r.copiedTo?.join(',') ?? '']),
    [
      ['/bin/sh', 'identical', ''],
      ['/build/app', 'copied', '/usr/local/bin/app'],
      ['/etc/os-release', 'identical', ''],
      ['/usr/local/bin/app', 'copied', '/build/app'],
      ['/usr/share/doc/libssl3/changelog.gz', 'onlyA', ''],
      ['/usr/share/doc/openssl/changelog.gz', 'onlyB', ''],
    ],
  );
  const dirs = Object.fromEntries(rows.filter((r) => r.type === 'dir').map((r) => [r.path, [r.status, r.sumA, r.sumB]]));
  assert.deepEqual(dirs['/usr'], ['changed', 8, 23]);
  assert.deepEqual(dirs['/usr/share/doc/libssl3'], ['onlyA', 8, 0]);
  assert.deepEqual(dirs['/bin'], ['identical', 1000, 1000]);
});

test('a wildcard source, a file into an existing directory, and a stage index', async () => {
  const a = await analysisOf('gen', [
    [
      { name: 'opt/gen/one.txt', content: 12, mtime: T },
      { name: 'opt/gen/two.log', content: 5, mtime: T },
      { name: 'opt/gen/three.txt', content: 3, mtime: T },
    ],
  ]);
  const b = await analysisOf('app', [
    [
      { name: 'app/', type: 'directory' },
      { name: 'opt/one.txt', content: 12, mtime: T },
      { name: 'opt/three.txt', content: 3, mtime: T },
      { name: 'app/three.txt', content: 3, mtime: T },
    ],
  ]);
  const graph = parseDockerfile('FROM x\nFROM y\nWORKDIR /app\nCOPY --from=0 /opt/gen/*.txt /opt/\nCOPY --from=0 /opt/gen/three.txt .\n');
  const c = compareAnalyses(a, b, { graph, aStage: 0, bStage: 1 });
  assert.equal(c.a.label, 'stage 0');
  assert.deepEqual(
    c.copied.map((f) => [f.source, f.destination, f.status]),
    [
      ['/opt/gen/one.txt', '/opt/one.txt', 'identical'],
      ['/opt/gen/three.txt', '/opt/three.txt', 'identical'],
      ['/opt/gen/three.txt', '/app/three.txt', 'identical'],
    ],
  );
  assert.deepEqual(
    c.onlyInA.groups.map((g) => [g.path, g.files, g.bytes]),
    [['/opt/gen', 1, 5]],
  );
});

test('grouping and glob helpers', () => {
  assert.equal(groupOf('usr/lib/gcc/x/cc1'), 'usr/lib/gcc');
  assert.equal(groupOf('var/lib/apt/lists/x'), 'var/lib/apt');
  assert.equal(groupOf('root/.cache/pip/x'), 'root/.cache');
  assert.equal(groupOf('src/main.c'), 'src');
  assert.equal(groupOf('app'), '');
  assert.equal(globRegex('opt/*.txt').test('opt/a.txt'), true);
  assert.equal(globRegex('opt/*.txt').test('opt/a/b.txt'), false);
  assert.equal(globRegex('f?[0-9].[!c]').test('fa1.h'), true);
  assert.equal(globRegex('f?[0-9].[!c]').test('fa1.c'), false);
});

const dpkgStatus = (names: string[]) =>
  names.map((n) => `Package: ${n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n`).join('\n');
const DPKG_BASE: TarSpec[] = [
  { name: 'bin/sh', content: 100, mtime: T },
  { name: 'var/lib/dpkg/status', content: dpkgStatus(['dash']), mtime: T },
  { name: 'var/lib/dpkg/info/dash.list', content: '/.\n/bin\n/bin/sh\n', mtime: T },
];

test('compare names the packages the databases say own the bytes: gcc in /usr/bin is toolchain, not "other"', async () => {
  const builderStage = await analysisOf('builder', [
    DPKG_BASE,
    [
      { name: 'usr/bin/gcc-12', content: 3000, mtime: T },
      { name: 'usr/lib/gcc/x86_64-linux-gnu/12/cc1', content: 9000, mtime: T },
      { name: 'usr/bin/as', content: 2000, mtime: T },
      { name: 'usr/bin/curl', content: 400, mtime: T },
      { name: 'src/main.c', content: 300, mtime: T },
      { name: 'var/lib/dpkg/status', content: dpkgStatus(['dash', 'gcc-12', 'cpp-12', 'binutils-x86-64-linux-gnu', 'curl']), mtime: T },
      { name: 'var/lib/dpkg/info/gcc-12.list', content: '/usr/bin/gcc-12\n', mtime: T },
      { name: 'var/lib/dpkg/info/cpp-12.list', content: '/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n', mtime: T },
      { name: 'var/lib/dpkg/info/binutils-x86-64-linux-gnu.list', content: '/usr/bin/as\n', mtime: T },
      { name: 'var/lib/dpkg/info/curl.list', content: '/usr/bin/curl\n', mtime: T },
    ],
  ]);
  const finalStage = await analysisOf('final', [
    DPKG_BASE,
    [
      { name: 'usr/bin/as', content: 'b'.repeat(2000), mtime: T },
      { name: 'usr/local/bin/app', content: 'a'.repeat(500), mtime: T },
      { name: 'var/lib/dpkg/status', content: dpkgStatus(['dash', 'binutils-x86-64-linux-gnu']), mtime: T },
      { name: 'var/lib/dpkg/info/binutils-x86-64-linux-gnu.list', content: '/usr/bin/as\n', mtime: T2 },
    ],
  ]);
  const c = compareAnalyses(builderStage, finalStage);
  const a = c.onlyInA;
  assert.deepEqual(
    a.groups.map((g) => [g.path, g.category, g.files, g.bytes]),
    [
      ['/usr/lib/gcc', 'toolchain', 1, 9000],
      ['/usr/bin', 'toolchain', 2, 3400],
      ['/src', 'sources', 1, 300],
      ['/var/lib/dpkg', 'other', 3, 16 + 37 + 14],
    ],
  );
  assert.deepEqual(a.packages, [
    { manager: 'dpkg', name: 'cpp-12', version: '1', files: 1, bytes: 9000, toolchain: true },
    { manager: 'dpkg', name: 'gcc-12', version: '1', files: 1, bytes: 3000, toolchain: true },
    { manager: 'dpkg', name: 'curl', version: '1', files: 1, bytes: 400, toolchain: false },
  ]);
  assert.deepEqual(a.toolchain, { title: 'build toolchain: cpp-12, gcc-12', packages: ['cpp-12', 'gcc-12'], files: 2, bytes: 12_000 });
  assert.equal(a.unpackagedBytes, a.bytes - 12_400);
  // The final stage still carries binutils (its own layer, not the shared base): move it.
  assert.deepEqual(c.toolchainInB, {
    title: 'build toolchain: binutils-x86-64-linux-gnu',
    packages: ['binutils-x86-64-linux-gnu'],
    files: 1,
    bytes: 2000,
    inBase: false,
    fix: 'move to a builder stage',
  });
  assert.deepEqual(c.onlyInB.packages, []);
  // The text report and the compare browser say it in those words.
  assert.deepEqual(
    comparisonText(c).filter((l) => l.includes('toolchain:')),
    [
      '    of which build toolchain: cpp-12, gcc-12 — 12 kB (package databases)',
      '  final carries build toolchain: binutils-x86-64-linux-gnu — 2 kB — move to a builder stage',
    ],
  );
  assert.equal(
    summaryLines(c)[1]![0]!.text,
    'final carries build toolchain: binutils-x86-64-linux-gnu — 2 kB — move to a builder stage · ',
  );
  assert.equal(groupsTitle(c), 'left behind in builder: 7 files, 12.8 kB · build toolchain: cpp-12, gcc-12 12 kB');
  assert.deepEqual(c.inBoth, { files: 4, bytes: 100 + 2000 + 16 + dpkgStatus(['dash', 'binutils-x86-64-linux-gnu']).length, differing: 2 });
});
