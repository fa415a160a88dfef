// Waste advice for a final image: leftovers by kind and bytes deleted or replaced too late.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adviseImage, classifyPath } from '../../src/core/advice.js';
import { analysisOf } from '../helpers/analysis.js';

const COMMANDS = [
  'COPY file:abc in /bin/busybox',
  'RUN /bin/sh -c apt-get update && apt-get install -y gcc',
  'COPY dir:def in /app',
  'RUN /bin/sh -c pip install -r requirements.txt',
  'RUN /bin/sh -c rm /tmp/big.tar && echo x > /etc/conf',
];

async function image() {
  return analysisOf(
    'app',
    [
      [{ name: 'bin/busybox', content: 1000 }],
      [
        { name: 'var/lib/apt/lists/deb.debian.org_dists_bookworm_main_Packages', content: 5000 },
        { name: 'var/lib/apt/lists/lock', content: 0 },
        { name: 'var/lib/apt/lists/partial/', type: 'directory' },
        { name: 'var/cache/apt/archives/gcc_12.deb', content: 2000 },
        { name: 'usr/bin/gcc-12', content: 3000 },
        { name: 'usr/bin/gcc', type: 'symlink', linkname: 'gcc-12' },
        { name: 'usr/lib/gcc/x86_64-linux-gnu/12/cc1', content: 4000 },
        { name: 'usr/share/doc/gcc/copyright', content: 100 },
      ],
      [
        { name: 'app/.git/objects/ab/cdef', content: 600 },
        { name: 'app/src/main.go', content: 300 },
        { name: 'app/tests/test_main.py', content: 50 },
        { name: 'app/README.md', content: 10 },
        { name: 'app/node_modules/x/test/a.js', content: 7 },
        { name: 'usr/include/stdio.h', content: 70 },
      ],
      [
        { name: 'root/.cache/pip/http/a', content: 900 },
        { name: 'tmp/big.tar', content: 8000 },
        { name: 'etc/conf', content: 20 },
        // Two entries for one path in one tar: the first is hidden by its own layer, not "too late".
        { name: 'data/dup', content: 111 },
        { name: 'data/dup', content: 222 },
      ],
      [
        { name: 'tmp/.wh.big.tar', content: 0 },
        { name: 'etc/conf', content: 30 },
      ],
    ],
    COMMANDS,
  );
}

test('advice: what, how many bytes, which layer made it, and the fix — largest first', async () => {
  const items = adviseImage(await image());
  assert.deepEqual(
    items.map((i) => ({
      kind: i.kind,
      title: i.title,
      bytes: i.bytes,
      files: i.files,
      paths: i.paths,
      layer: i.layer,
      laterLayer: i.laterLayer,
    })),
    [
      {
        kind: 'deleted-later',
        title: 'deleted in layer 4, but still stored in layer 3',
        bytes: 8000,
        files: 1,
        paths: ['/tmp/big.tar'],
        layer: 3,
        laterLayer: 4,
      },
      {
        kind: 'toolchain',
        title: 'build toolchain (compilers, headers) left in the image',
        bytes: 7000,
        files: 2,
        paths: ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1', '/usr/bin/gcc-12'],
        layer: 1,
        laterLayer: undefined,
      },
      {
        kind: 'package-cache',
        title: 'apt package lists left in the image',
        bytes: 5000,
        files: 1,
        paths: ['/var/lib/apt/lists/deb.debian.org_dists_bookworm_main_Packages'],
        layer: 1,
        laterLayer: undefined,
      },
      {
        kind: 'package-cache',
        title: 'apt download cache left in the image',
        bytes: 2000,
        files: 1,
        paths: ['/var/cache/apt/archives/gcc_12.deb'],
        layer: 1,
        laterLayer: undefined,
      },
      {
        kind: 'cache',
        title: 'pip cache left in the image',
        bytes: 900,
        files: 1,
        paths: ['/root/.cache/pip/http/a'],
        layer: 3,
        laterLayer: undefined,
      },
      {
        kind: 'vcs',
        title: 'version-control metadata (.git) left in the image',
        bytes: 600,
        files: 1,
        paths: ['/app/.git/objects/ab/cdef'],
        layer: 2,
        laterLayer: undefined,
      },
      {
        kind: 'sources',
        title: 'source files left in the image',
        bytes: 300,
        files: 1,
        paths: ['/app/src/main.go'],
        layer: 2,
        laterLayer: undefined,
      },
      {
        kind: 'toolchain',
        title: 'build toolchain (compilers, headers) left in the image',
        bytes: 70,
        files: 1,
        paths: ['/usr/include/stdio.h'],
        layer: 2,
        laterLayer: undefined,
      },
      {
        kind: 'tests',
        title: 'tests left in the image',
        bytes: 50,
        files: 1,
        paths: ['/app/tests/test_main.py'],
        layer: 2,
        laterLayer: undefined,
      },
      {
        kind: 'overwritten-later',
        title: 'replaced in layer 4; the first version is still stored in layer 3',
        bytes: 20,
        files: 1,
        paths: ['/etc/conf'],
        layer: 3,
        laterLayer: 4,
      },
    ],
  );
  const deleted = items[0]!;
  assert.equal(deleted.command, COMMANDS[3]);
  assert.equal(deleted.laterCommand, COMMANDS[4]);
  assert.match(deleted.fix, /same RUN/);
  assert.equal(items[2]!.command, COMMANDS[1]);
  assert.match(items[2]!.fix, /rm -rf \/var\/lib\/apt\/lists\/\*/);
  assert.match(items[5]!.fix, /\.dockerignore/);
});

test('advice: a threshold drops small groups; a clean image gets none', async () => {
  const items = adviseImage(await image(), { minBytes: 1000 });
  assert.deepEqual(
    items.map((i) => i.bytes),
    [8000, 7000, 5000, 2000],
  );
  const clean = await analysisOf('clean', [[{ name: 'bin/busybox', content: 1000 }], [{ name: 'usr/local/bin/app', content: 500 }]]);
  assert.deepEqual(adviseImage(clean), []);
});

test("advice: what the base image brought is marked and listed after the image's own", async () => {
  const items = adviseImage(await image(), { baseLayers: 2 });
  assert.deepEqual(
    items.map((i) => [i.kind, i.inBase, i.bytes, i.layer]),
    [
      ['deleted-later', false, 8000, 3],
      ['cache', false, 900, 3],
      ['vcs', false, 600, 2],
      ['sources', false, 300, 2],
      ['toolchain', false, 70, 2],
      ['tests', false, 50, 2],
      ['overwritten-later', false, 20, 3],
      ['toolchain', true, 7000, 1],
      ['package-cache', true, 5000, 1],
      ['package-cache', true, 2000, 1],
    ],
  );
  assert.equal(items[7]!.title, 'build toolchain (compilers, headers) left in the image (from the base image)');
  assert.match(items[7]!.fix, /^it comes with the base image/);
});

test('path categories', () => {
  const cases: Array<[string, string]> = [
    ['var/lib/apt/lists/x_Packages', 'package-cache'],
    ['var/lib/apt/lists/lock', 'other'],
    ['var/cache/apk/APKINDEX.tar.gz', 'package-cache'],
    ['root/.npm/_cacache/x', 'cache'],
    ['home/node/.cache/yarn/v6/x', 'cache'],
    ['root/go/pkg/mod/cache/x', 'cache'],
    ['root/.cache/whatever', 'cache'],
    ['srv/repo/.git/HEAD', 'vcs'],
    ['usr/local/go/bin/go', 'toolchain'],
    ['usr/bin/x86_64-linux-gnu-gcc-12', 'toolchain'],
    ['usr/bin/x86_64-linux-gnu-ld.bfd', 'toolchain'],
    ['usr/bin/gcov', 'other'],
    ['usr/bin/g++-12', 'toolchain'],
    ['root/.rustup/toolchains/x', 'toolchain'],
    ['src/pkg/foo_test.go', 'tests'],
    ['app/web/button.spec.tsx', 'tests'],
    ['app/lib/types.d.ts', 'other'],
    ['app/lib/x.ts', 'sources'],
    ['usr/include/stdio.h', 'toolchain'],
    ['usr/share/man/man1/ls.1.gz', 'docs'],
    ['usr/local/bin/app', 'other'],
  ];
  assert.deepEqual(
    cases.map(([p]) => [p, classifyPath(p)]),
    cases,
  );
});

test('a toolchain the dpkg database names: its packages, their bytes and the layer that installed them; its files not counted again by path', async () => {
  const status = (names: string[]) =>
    names.map((n) => `Package: ${n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n`).join('\n');
  const analysis = await analysisOf(
    'toolchain',
    [
      [
        { name: 'bin/sh', content: 100 },
        { name: 'var/lib/dpkg/status', content: status(['dash']) },
        { name: 'var/lib/dpkg/info/dash.list', content: '/.\n/bin\n/bin/sh\n' },
      ],
      [
        { name: 'usr/bin/gcc-12', content: 3000 },
        { name: 'usr/lib/gcc/x86_64-linux-gnu/12/cc1', content: 9000 },
        { name: 'usr/bin/as', content: 2000 },
        { name: 'usr/include/stdio.h', content: 70 },
        { name: 'var/lib/dpkg/status', content: status(['dash', 'gcc-12', 'cpp-12', 'binutils-x86-64-linux-gnu', 'libc6-dev']) },
        { name: 'var/lib/dpkg/info/gcc-12.list', content: '/usr/bin/gcc-12\n' },
        { name: 'var/lib/dpkg/info/cpp-12.list', content: '/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n' },
        { name: 'var/lib/dpkg/info/binutils-x86-64-linux-gnu.list', content: '/usr/bin/as\n' },
        { name: 'var/lib/dpkg/info/libc6-dev:amd64.list', content: '/usr/include/stdio.h\n' },
      ],
    ],
    ['ADD rootfs /', 'RUN /bin/sh -c apt-get install -y gcc'],
  );
  const toolchain = adviseImage(analysis).filter((a) => a.kind === 'toolchain');
  assert.deepEqual(
    toolchain.map((a) => [a.title, a.bytes, a.files, a.layer, a.packages]),
    [
      [
        'build toolchain: cpp-12, gcc-12, binutils-x86-64-linux-gnu and 1 more packages',
        14070,
        4,
        1,
        ['cpp-12', 'gcc-12', 'binutils-x86-64-linux-gnu', 'libc6-dev'],
      ],
    ],
  );
  assert.deepEqual(toolchain[0]!.paths.slice(0, 2), ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1', '/usr/bin/gcc-12']);
});
