// Ctrl-C and faults at every stage, in a real terminal: tmux (on a private -L socket, never the
// default server) runs a shell, the shell runs the real binary. Whatever happens — Ctrl-C while
// an image loads, while browsing, while a registry blob downloads, while a Dockerfile builds; a
// registry or an engine dropping the connection mid-stream — the shell must work normally
// afterwards (a command runs and prints, canonical mode and echo are on, the cursor is shown,
// the main screen is back), the exit status must say what happened, and the run must leave no
// temp file behind (each run gets its own TMPDIR and cache directory, checked afterwards).
import { test, after, before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../helpers/cli.js';
import { commandAvailable, dockerAvailable, need } from '../helpers/env.js';
import { FakeRegistry } from '../helpers/registry.js';
import { buildImage, ImageWorkspace, legacyDockerArchiveFiles, MT } from '../helpers/image.js';
import { packTar, rawHeader, TAR_END } from '../helpers/tar.js';
import { Terminal as SharedTerminal } from '../helpers/terminal.js';

const hasTmux = commandAvailable('tmux');
const EXAMPLE = 'examples/multistage-final.tar';
/** The browser is up (the loading screen says "q quits", not this). */
const READY = /\? help {2}q quit/;
const ws = new ImageWorkspace();
const work = mkdtempSync(join(tmpdir(), 'layerscope-interrupt-'));
after(() => {
  ws.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** The shared terminal, its shell giving the binary a TMPDIR and a cache of its own, checked
 *  for leftovers afterwards. */
class Terminal extends SharedTerminal {
  /** What the binary gets as TMPDIR and as its cache: both must be empty of temp files after. */
  readonly tmp: string;
  readonly cache: string;

  constructor(columns = 110, rows = 32, env: Record<string, string> = {}) {
    const tmp = mkdtempSync(join(work, 'tmp-'));
    const cache = mkdtempSync(join(work, 'cache-'));
    // Wrapped rows joined: a long message over several rows comes back as the one line it is.
    super(columns, rows, { env: { TMPDIR: tmp, LAYERSCOPE_CACHE_DIR: cache, ...env }, joinWrapped: true });
    this.tmp = tmp;
    this.cache = cache;
  }

  override waitFor(what: RegExp | ((screen: string) => boolean), timeoutMs = 30_000): Promise<string> {
    return super.waitFor(what, timeoutMs);
  }

  /** The shell works again, the terminal is as it was, and the run left no temp file. */
  async assertRestored(): Promise<void> {
    const [alternate, cursor] = this.tmux('display-message', '-p', '-t', 'main', '#{alternate_on} #{cursor_flag}').trim().split(' ');
    assert.equal(alternate, '0', 'the alternate screen was left');
    assert.equal(cursor, '1', 'the cursor is shown');
    this.run(
      'clear; echo ok-$((40+2)); stty -a | tr " " "\\n" | grep -x -e icanon -e -icanon -e echo -e -echo | sort | tr "\\n" " "; echo; echo end-$((2+2))',
    );
    const screen = await this.waitFor(/^end-4$/m);
    assert.match(screen, /^ok-42$/m, 'a command runs and prints');
    assert.match(screen, /^echo icanon\s*$/m, 'canonical mode and echo are on');
    assert.deepEqual(readdirSync(this.tmp), [], 'no temp file in TMPDIR');
    const leftovers = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? leftovers(join(dir, e.name)) : /^\.tmp-|\.tmp-/.test(e.name) ? [e.name] : [],
      );
    assert.deepEqual(leftovers(this.cache), [], 'no partial cache entry');
  }
}

function gate(t: TestContext): boolean {
  if (!need(t, 'tmux', hasTmux)) return false;
  assert.ok(spawnSync('test', ['-f', join(repoRoot, 'dist/src/main.js')]).status === 0, 'build first (npm run build)');
  return true;
}

/** An OCI layout whose layers take a while to read: each is one 384 MiB file of zeros, stored
 *  as gzip members of 16 MiB each (a few hundred KB on disk, quick to make). Same layer ten times:
 *  read with --no-cache, every copy is unpacked and hashed (seconds, on two cores). */
function slowLayout(): string {
  const chunk = 16 * 1024 * 1024;
  const chunks = 24;
  const header = rawHeader({ name: 'zeros.bin', size: chunk * chunks });
  const zeros = gzipSync(Buffer.alloc(chunk), { level: 1 });
  const blob = Buffer.concat([gzipSync(header), ...Array.from({ length: chunks }, () => zeros), gzipSync(TAR_END)]);
  const tarHash = createHash('sha256').update(header);
  const block = Buffer.alloc(chunk);
  for (let i = 0; i < chunks; i++) tarHash.update(block);
  const diffId = `sha256:${tarHash.update(TAR_END).digest('hex')}`;
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  const layers = 10;
  const config = Buffer.from(
    JSON.stringify({
      os: 'linux',
      architecture: 'amd64',
      rootfs: { type: 'layers', diff_ids: Array(layers).fill(diffId) },
      history: Array.from({ length: layers }, (_, i) => ({ created_by: `RUN step ${i}` })),
    }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: configDigest, size: config.length },
      layers: Array(layers).fill({ mediaType: MT.ociLayerGzip, digest, size: blob.length }),
    }),
  );
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  const dir = join(work, 'slow');
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const [d, bytes] of [
    [digest, blob],
    [configDigest, config],
    [manifestDigest, manifest],
  ] as const)
    writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), bytes);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MT.ociManifest, digest: manifestDigest, size: manifest.length }] }),
  );
  return dir;
}

let slow = '';
before(() => {
  if (hasTmux) slow = slowLayout();
});

test('Ctrl-C while an image loads: exit 130, the terminal restored, no temp file left', async (t) => {
  if (!gate(t)) return;
  const term = new Terminal();
  try {
    term.run(`node bin/layerscope.js ${slow} --no-cache; echo "exit=$?"`);
    await term.waitFor(/of 10 layers read/);
    term.keys('C-c');
    await term.waitFor(/exit=130$/m, 10_000);
    await term.assertRestored();
    // The same without the browser (--text): Ctrl-C is SIGINT there, and the cache is on.
    term.run(`node bin/layerscope.js ${slow} --text; echo "exit=$?"`);
    await new Promise((r) => setTimeout(r, 700));
    term.keys('C-c');
    await term.waitFor(/exit=130$/m, 10_000);
    await term.assertRestored();
  } finally {
    term.close();
  }
});

test('Ctrl-C while browsing quits like q: exit 0, the terminal restored', async (t) => {
  if (!gate(t)) return;
  const term = new Terminal();
  try {
    term.run(`node bin/layerscope.js ${EXAMPLE}; echo "exit=$?"`);
    await term.waitFor(READY);
    // Into the help overlay (a key sent the instant the browser appears may go before its key
    // handler is in place: press again until it shows).
    for (let tries = 0; !/Help · \? or Esc to close/.test(term.screen()) && tries < 20; tries++) {
      term.keys('?');
      await term.waitFor(/Help · \? or Esc to close/, 500).catch(() => undefined);
    }
    await term.waitFor(/Help · \? or Esc to close/);
    term.keys('C-c');
    await term.waitFor(/^exit=0$/m, 10_000);
    await term.assertRestored();
  } finally {
    term.close();
  }
});

test('Ctrl-C while a registry blob downloads (browser and --text): exit 130, restored, nothing left', async (t) => {
  if (!gate(t)) return;
  const reg = await FakeRegistry.start();
  const term = new Terminal();
  try {
    const img = buildImage({
      layers: [await packTar([{ name: 'a', content: 200_000 }]), gzipSync(await packTar([{ name: 'b', content: 300_000 }]))],
    });
    reg.addImage('slow/app', '1', img);
    const never = new Promise<void>(() => undefined);
    reg.fault(`/blobs/${img.layerDigests[1]}`, { holdAfter: 100, release: never }, 10);
    term.run(`node bin/layerscope.js registry://${reg.host}/slow/app:1; echo "exit=$?"`);
    await term.waitFor(/of 2 layers read/);
    await new Promise((r) => setTimeout(r, 500));
    term.keys('C-c');
    await term.waitFor(/exit=130$/m, 10_000);
    await term.assertRestored();
    term.run(`node bin/layerscope.js registry://${reg.host}/slow/app:1 --text; echo "exit=$?"`);
    await new Promise((r) => setTimeout(r, 1500));
    term.keys('C-c');
    await term.waitFor(/exit=130$/m, 10_000);
    await term.assertRestored();
  } finally {
    term.close();
    await reg.stop();
  }
});

test('a registry that cuts the connection mid-blob: one line, exit 2, restored, nothing left', async (t) => {
  if (!gate(t)) return;
  const reg = await FakeRegistry.start();
  const term = new Terminal();
  try {
    const img = buildImage({ layers: [gzipSync(await packTar([{ name: 'b', content: 300_000 }]))] });
    reg.addImage('cut/app', '1', img);
    reg.fault(`/blobs/${img.layerDigests[0]}`, { cutAfter: 50 }, 100);
    term.run(`node bin/layerscope.js registry://${reg.host}/cut/app:1; echo "exit=$?"`);
    const screen = await term.waitFor(/^exit=2$/m, 60_000);
    const lines = screen.split('\n').filter((l) => l.startsWith('layerscope: '));
    assert.equal(lines.length, 1, screen);
    assert.match(
      lines[0]!,
      /layer 0 \(sha256:[0-9a-f]{64}\): 127\.0\.0\.1:\d+: download of blob sha256:[0-9a-f]{64} failed \d+ times; last: the connection was closed mid-transfer/,
    );
    await term.assertRestored();
  } finally {
    term.close();
    await reg.stop();
  }
});

/** A Docker-compatible engine on a unix socket that knows one image and drops the connection
 *  halfway through its `docker save` stream. */
async function droppingEngine(socketPath: string): Promise<{ server: Server; ref: string }> {
  const img = buildImage({ layers: [await packTar([{ name: 'big', content: 2_000_000 }])], tags: ['drop/app:1'] });
  const save = await packTar([...legacyDockerArchiveFiles([img])].map(([name, content]) => ({ name, content: content as Buffer })));
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (/\/images\/.+\/json$/.test(url)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          Id: img.configDigest,
          RepoTags: img.tags,
          Os: 'linux',
          Architecture: 'amd64',
          Size: 2_000_000,
          RootFS: { Type: 'layers', Layers: img.diffIds },
        }),
      );
    } else if (/\/images\/[^/]+\/get$/.test(url)) {
      res.writeHead(200, { 'content-type': 'application/x-tar' });
      res.write(save.subarray(0, 1_000_000), () => setTimeout(() => res.socket?.destroy(), 20));
    } else if (/\/_ping$/.test(url) || /\/version$/.test(url)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(url.endsWith('_ping') ? 'OK' : JSON.stringify({ ApiVersion: '1.41', Version: '20.10.0' }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `no such thing: ${url}` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { server, ref: 'drop/app:1' };
}

test('an engine that closes the socket mid-stream: one line, exit 2, restored, nothing left', async (t) => {
  if (!gate(t)) return;
  const socketPath = join(work, 'engine.sock');
  const { server, ref } = await droppingEngine(socketPath);
  const term = new Terminal(110, 32, { DOCKER_HOST: `unix://${socketPath}` });
  try {
    term.run(`node bin/layerscope.js docker://${ref}; echo "exit=$?"`);
    const screen = await term.waitFor(/^exit=2$/m, 60_000);
    const lines = screen.split('\n').filter((l) => l.startsWith('layerscope: '));
    assert.equal(lines.length, 1, screen);
    assert.match(
      lines[0]!,
      new RegExp(
        `^layerscope: docker://${ref}: the image stream from unix://${socketPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} broke off: `,
      ),
    );
    await term.assertRestored();
  } finally {
    term.close();
    server.close();
  }
});

test('Ctrl-C while a Dockerfile builds (live view and --text): exit 130, restored, nothing left', async (t) => {
  if (!gate(t)) return;
  if (!need(t, 'Docker', dockerAvailable())) return;
  const base = spawnSync('docker', ['image', 'inspect', 'layerscope-test/busybox:latest'], { encoding: 'utf8' });
  if (!need(t, 'the layerscope-test/busybox:latest base image (../shared/tools/base-images.sh)', base.status === 0)) return;
  const context = mkdtempSync(join(work, 'build-'));
  writeFileSync(
    join(context, 'Dockerfile'),
    `FROM layerscope-test/busybox:latest AS builder\nRUN echo started-$((6*7)) && sleep 30 && echo ${Date.now()} > /stamp\nFROM layerscope-test/busybox:latest\nCOPY --from=builder /stamp /stamp\n`,
  );
  const term = new Terminal();
  try {
    term.run(`node bin/layerscope.js build ${context} --no-cache; echo "exit=$?"`);
    await term.waitFor(/started-42/, 60_000);
    term.keys('C-c');
    await term.waitFor(/exit=130$/m, 15_000);
    await term.assertRestored();
    term.run(`node bin/layerscope.js build ${context} --no-cache --text; echo "exit=$?"`);
    await term.waitFor(/started-42/, 60_000);
    term.keys('C-c');
    await term.waitFor(/exit=130$/m, 15_000);
    await term.assertRestored();
  } finally {
    term.close();
    rmSync(context, { recursive: true, force: true });
  }
});
