// What the bytes are, against the real engine: per-package bytes of a Debian builder stage with
// gcc equal what the image's own files say (measured inside a container from each .list, not by
// the code under test), an apk database and npm/pip packages in busybox images, and a private key
// and npm token written in one step and deleted in the next: found with their layers, the CI rule
// fails, and their bytes appear in no output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandAvailable, dockerAvailable, need } from '../helpers/env.js';
import { bytes as bytesText } from '../../src/report/format.js';
import { buildImage, layerCount, makeTemp, removeTemp, run } from '../helpers/docker.js';
import { repoRoot, runLayerscope } from '../helpers/cli.js';
import type { JsonReport } from '../../src/report/json.js';
import { Terminal } from '../helpers/terminal.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'dockerfiles');

async function report(image: string): Promise<JsonReport> {
  const r = await runLayerscope([image, '--json'], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonReport;
}

/** Bytes of each package's listed regular files, measured by the kernel inside the image
 *  (`stat` follows /bin → usr/bin; an inode counted once per package). */
async function dpkgBytesInside(image: string): Promise<Map<string, number>> {
  const script = `cd /var/lib/dpkg/info && for f in *.list; do p=\${f%.list}; while IFS= read -r x; do if [ -f "$x" ] && [ ! -L "$x" ]; then stat -c "$p %i %s" -- "$x"; fi; done < "$f"; done`;
  const { stdout } = await run('docker', ['run', '--rm', '--entrypoint', '/bin/bash', image, '-c', script]);
  const inodes = new Map<string, Map<string, number>>();
  for (const line of stdout.split('\n')) {
    const [pkg, inode, size] = line.split(' ');
    if (!pkg || !inode || size === undefined) continue;
    const name = pkg.replace(/:.*$/, '');
    if (!inodes.has(name)) inodes.set(name, new Map());
    inodes.get(name)!.set(inode, Number(size));
  }
  return new Map([...inodes].map(([name, m]) => [name, [...m.values()].reduce((a, b) => a + b, 0)]));
}

test('dpkg: every package of the gcc builder stage has the bytes its .list files hold; purged ones are removed but stored', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const dir = join(fixtures, 'packages-gcc');
  await buildImage(dir, 'layerscope-test/packages-gcc:builder', { target: 'builder' });
  await buildImage(dir, 'layerscope-test/packages-gcc:purged', { target: 'purged' });
  const layers = await layerCount('layerscope-test/packages-gcc:builder');
  const expected = await dpkgBytesInside('layerscope-test/packages-gcc:builder');
  const builder = await report('layerscope-test/packages-gcc:builder');
  const installed = builder.packages.items.filter((p) => p.removedIn === undefined);
  assert.ok(expected.size > 100, `${expected.size} packages measured`);
  // Every package with a .list, exactly; packages whose .list holds no regular file own 0 bytes.
  const got = new Map(installed.map((p) => [p.name, p.bytes]));
  for (const [name, bytes] of expected) assert.equal(got.get(name), bytes, `bytes of ${name}`);
  for (const p of installed) assert.equal(p.bytes, expected.get(p.name) ?? 0, `bytes of ${p.name}`);
  const gcc = installed.find((p) => p.name === 'gcc-12')!;
  assert.equal(gcc.manager, 'dpkg');
  assert.equal(gcc.layer, layers - 1, 'installed by the apt-get layer');
  assert.match(gcc.command, /apt-get install -y --no-install-recommends gcc libc6-dev file/);
  // The base image's own packages come from its layer.
  assert.equal(installed.find((p) => p.name === 'coreutils')!.layer, layers - 2);
  // Largest first.
  assert.deepEqual(
    installed.map((p) => p.bytes),
    [...installed.map((p) => p.bytes)].sort((a, b) => b - a),
  );
  assert.equal(builder.packages.packagedBytes + builder.packages.unpackagedBytes, builder.image.visibleBytes);

  const purged = await report('layerscope-test/packages-gcc:purged');
  const file = purged.packages.items.find((p) => p.name === 'file')!;
  assert.equal(file.removedIn, layers, 'removed by the purge layer');
  assert.equal(file.layer, layers - 1);
  assert.equal(file.bytes, expected.get('file'));
  assert.equal(purged.packages.items.find((p) => p.name === 'gcc-12')!.removedIn, undefined);
  // Text: the package named with its layer.
  const text = await runLayerscope(['layerscope-test/packages-gcc:purged', '--text'], { timeoutMs: 600_000 });
  assert.match(text.stdout, /removed in L\d+ but still stored/);
  assert.ok(text.stdout.includes(`L${layers - 1}    dpkg  gcc-12 `), text.stdout);
});

test('apk, npm and pip databases in a busybox image: files, bytes, layers, dev dependencies, a removed package', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const ctx = await makeTemp();
  try {
    const put = async (path: string, content: string | number) => {
      await mkdir(join(ctx, path, '..'), { recursive: true });
      await writeFile(join(ctx, path), typeof content === 'number' ? 'x'.repeat(content) : content);
    };
    await put(
      'installed',
      'C:Q1abc=\nP:hello\nV:1.2-r0\nA:x86_64\nF:usr/bin\nR:hello\nR:world\nF:usr/share/hello\nR:README\n\nP:tool\nV:2.0-r1\nA:x86_64\nF:usr/bin\nR:tool\n\n',
    );
    await put('files/usr/bin/hello', 100);
    await put('files/usr/bin/world', 250);
    await put('files/usr/share/hello/README', 30);
    await put('files/usr/bin/tool', 4000);
    await put('app/package.json', JSON.stringify({ name: 'app', dependencies: { 'left-pad': '1' }, devDependencies: { typescript: '5' } }));
    await put('app/node_modules/left-pad/package.json', '{"name":"left-pad","version":"1.3.0"}');
    await put('app/node_modules/left-pad/index.js', 500);
    await put('app/node_modules/typescript/package.json', '{"name":"typescript","version":"5.9.3"}');
    await put('app/node_modules/typescript/lib/tsc.js', 9000);
    await put('app/node_modules/typescript/node_modules/nested/package.json', '{"name":"nested","version":"0.1.0"}');
    await put('app/node_modules/typescript/node_modules/nested/x.js', 70);
    await put('app/server.js', 1234);
    const site = 'usr/lib/python3/site-packages';
    await put(`${site}/requests/__init__.py`, 600);
    await put(`${site}/requests/api.py`, 800);
    await put(`${site}/requests-2.31.0.dist-info/METADATA`, 40);
    await put(
      `${site}/requests-2.31.0.dist-info/RECORD`,
      'requests/__init__.py,sha256=x,600\nrequests/api.py,sha256=y,800\nrequests-2.31.0.dist-info/METADATA,,\nrequests-2.31.0.dist-info/RECORD,,\n',
    );
    await writeFile(
      join(ctx, 'Dockerfile'),
      [
        'FROM layerscope-test/busybox:latest',
        'COPY installed /lib/apk/db/installed',
        'COPY files/ /',
        'COPY app/ /app/',
        `COPY ${site}/ /${site}/`,
        "RUN sed -i '/^P:tool$/,/^$/d' /lib/apk/db/installed && rm /usr/bin/tool",
        '',
      ].join('\n'),
    );
    await buildImage(ctx, 'layerscope-test/packages-misc:latest');
    const base = (await layerCount('layerscope-test/packages-misc:latest')) - 5;
    const r = await report('layerscope-test/packages-misc:latest');
    const rows = r.packages.items.map((p) => [
      p.manager,
      p.name,
      p.version,
      p.bytes,
      p.files,
      p.layer,
      p.removedIn ?? null,
      p.dev ?? false,
    ]);
    const installedLen = (s: string) => Buffer.byteLength(s);
    const recordSize = installedLen(
      'requests/__init__.py,sha256=x,600\nrequests/api.py,sha256=y,800\nrequests-2.31.0.dist-info/METADATA,,\nrequests-2.31.0.dist-info/RECORD,,\n',
    );
    assert.deepEqual(rows, [
      ['npm', 'typescript', '5.9.3', 9000 + installedLen('{"name":"typescript","version":"5.9.3"}'), 2, base + 2, null, true],
      ['pip', 'requests', '2.31.0', 600 + 800 + 40 + recordSize, 4, base + 3, null, false],
      ['npm', 'left-pad', '1.3.0', 500 + installedLen('{"name":"left-pad","version":"1.3.0"}'), 2, base + 2, null, false],
      ['apk', 'hello', '1.2-r0', 380, 3, base, null, false],
      ['npm', 'nested', '0.1.0', 70 + installedLen('{"name":"nested","version":"0.1.0"}'), 2, base + 2, null, false],
      ['apk', 'tool', '2.0-r1', 4000, 1, base, base + 4, false],
    ]);
    // The app's own files are unpackaged: /app/package.json and /app/server.js among them.
    assert.ok(r.packages.unpackagedBytes >= 1234);
    assert.deepEqual(r.secrets, [], 'no false positive');
  } finally {
    await removeTemp(ctx);
  }
});

test('a private key and an npm token written in one step and deleted in the next: found in their layer, CI fails, never shown', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const image = 'layerscope-test/secrets-fixture:latest';
  await buildImage(join(fixtures, 'secrets'), image);
  const layers = await layerCount(image);
  // The secrets themselves, read from the step that wrote them (the engine's own intermediate image).
  const { stdout: ids } = await run('docker', ['history', '-q', image]);
  const writer = ids.trim().split('\n')[1]!;
  const key = (await run('docker', ['run', '--rm', writer, 'cat', '/root/.ssh/id_ed25519'])).stdout;
  const npmrc = (await run('docker', ['run', '--rm', writer, 'cat', '/root/.npmrc'])).stdout;
  const token = /_authToken=(\S+)/.exec(npmrc)![1]!;
  assert.equal(token.length, 40);
  const body = key.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  assert.ok(body.length >= 5);

  const json = await runLayerscope([image, '--json'], { timeoutMs: 300_000 });
  assert.equal(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout) as JsonReport;
  assert.deepEqual(
    r.secrets.map((s) => [s.path, s.layer, s.rule, s.preview, s.line ?? null, s.visible, s.hiddenBy ?? null, s.note]),
    [
      [
        '/root/.npmrc',
        layers - 2,
        'npm-token',
        '//registry.npmjs.org/:_authToken=********',
        1,
        false,
        { layer: layers - 1, how: 'deleted' },
        `deleted in L${layers - 1} but still stored in L${layers - 2}: anyone who pulls the image can read it`,
      ],
      [
        '/root/.ssh/id_ed25519',
        layers - 2,
        'private-key',
        '-----BEGIN OPENSSH PRIVATE KEY----- ********',
        1,
        false,
        { layer: layers - 1, how: 'deleted' },
        `deleted in L${layers - 1} but still stored in L${layers - 2}: anyone who pulls the image can read it`,
      ],
    ],
  );
  const text = await runLayerscope([image, '--text'], { timeoutMs: 300_000 });
  assert.match(text.stdout, /Leaked secrets: 2/);
  const ci = await runLayerscope([image, '--ci', '--secrets'], { timeoutMs: 300_000 });
  assert.equal(ci.code, 1, ci.stdout + ci.stderr);
  assert.match(ci.stdout, /FAIL: secrets: secrets in the image's layers \(secrets=2 > threshold=0\)/);
  const ls = await runLayerscope(['ls', image, '--json'], { timeoutMs: 300_000 });
  for (const [what, out] of Object.entries({ json, text, ci, ls })) {
    const all = out.stdout + out.stderr;
    assert.ok(!all.includes(token), `the npm token appears in ${what}`);
    for (const line of body) assert.ok(!all.includes(line), `a line of the private key appears in ${what}`);
  }
});

test('no finding on the bundled example and the clean fixtures', async (t) => {
  const examples = ['examples/multistage-builder.tar', 'examples/multistage-final.tar'];
  for (const e of examples) assert.deepEqual((await report(join(repoRoot, e))).secrets, [], e);
  if (!need(t, 'docker', dockerAvailable())) return;
  for (const name of ['deletes', 'links', 'opaque', 'overwrites']) {
    const tag = `layerscope-test/fixture-${name}:latest`;
    await buildImage(join(fixtures, name), tag);
    assert.deepEqual((await report(tag)).secrets, [], name);
  }
  assert.deepEqual((await report('layerscope-test/packages-gcc:builder')).secrets, [], 'debian + gcc');
  assert.deepEqual((await report('layerscope-test/debian:bookworm')).secrets, [], 'debian');
});

test('the Packages pane of the gcc builder stage lists gcc-12 with its exact bytes and layer; / filters by name; Enter lists its files, Enter on one shows it', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  if (!need(t, 'tmux', commandAvailable('tmux'))) return;
  const image = 'layerscope-test/packages-gcc:builder';
  await buildImage(join(fixtures, 'packages-gcc'), image, { target: 'builder' });
  const layers = await layerCount(image);
  const expected = (await dpkgBytesInside(image)).get('gcc-12')!;
  const term = new Terminal(140, 40);
  try {
    term.run(`cd '${repoRoot}' && '${process.execPath}' bin/layerscope.js ${image}`);
    await term.waitFor(/\? help {2}q quit/, 120_000);
    term.keys('p');
    const screen = await term.waitFor(/Packages \(largest first\)/, 120_000);
    const row = screen.split('\n').find((l) => /\sgcc-12 12\./.test(l));
    assert.ok(row, screen);
    assert.match(row, new RegExp(`${bytesText(expected).replace('.', '\\.')}\\s+L${layers - 1}\\s+dpkg\\s+gcc-12 `));
    // / filters the packages by name as it is typed; Enter keeps it.
    term.keys('/');
    term.tmux('send-keys', '-t', 'main', '-l', 'cc-1');
    term.keys('Enter');
    const filtered = await term.waitFor(/\d+ packages? named \*cc-1\*/, 120_000);
    const rows = filtered.split('\n').filter((l) => /\s(?:dpkg)\s/.test(l));
    assert.ok(rows.length >= 2, filtered);
    assert.ok(
      rows.every((l) => /\sdpkg\s+\S*cc-1/.test(l)),
      filtered,
    );
    assert.match(rows[0]!, /\sgcc-12 12\./, 'the largest package that matches first');
    // Enter: gcc-12's files with their sizes, the largest first.
    term.keys('Enter');
    const files = await term.waitFor(/gcc-12 12\.[^:]*: \d+ files, /, 120_000);
    const first = files.split('\n').find((l) => /\/usr\/lib\/gcc\/x86_64-linux-gnu\/12\/lto1/.test(l));
    assert.ok(first, files);
    assert.match(first, new RegExp(`\\sL${layers - 1}\\s+/usr/lib/gcc/x86_64-linux-gnu/12/lto1`));
    // Enter on it: the tree, its cursor on that file, and its exact bytes in the status line.
    term.keys('Enter');
    const after = await term.waitFor(/lto1: \d+ bytes, of gcc-12/, 120_000);
    assert.match(
      after,
      new RegExp(
        `/usr/lib/gcc/x86_64-linux-gnu/12/lto1: \\d+ bytes, of gcc-12 12\\.[^(]*\\(${expected} bytes in \\d+ files, L${layers - 1}\\)`,
      ),
    );
    assert.ok(
      after.split('\n').some((l) => /^║›\+\s+lto1\s/.test(l)),
      after,
    );
    term.keys('q');
  } finally {
    term.close();
  }
});
