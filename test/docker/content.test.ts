// Content access against the engine's own bytes: for images built by the real engine from
// test/fixtures/dockerfiles/*, every regular file that `docker export` gives has the same sha256
// through `layerscope export` (a docker save archive) and through the content reader from an
// OCI layout with gzip layers (skopeo) and from the engine itself; hidden copies are what the
// Dockerfile wrote; `cat` is byte-equal to `docker cp`.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import tar from 'tar-stream';
import { commandAvailable, dockerAvailable, need } from '../helpers/env.js';
import { buildImage, initLayerPaths, makeTemp, removeTemp, run, saveImage, skopeoToOci } from '../helpers/docker.js';
import { repoRoot, cliPath } from '../helpers/cli.js';
import { openImage } from '../../src/sources/open.js';
import { analyseImage } from '../../src/core/analyse.js';
import { analyse } from '../../src/core/analysis.js';
import { ImageContent } from '../../src/sources/content.js';

const fixturesDir = join(repoRoot, 'test', 'fixtures', 'dockerfiles');
const FIXTURES = ['hidden', 'links', 'deletes', 'overwrites'];

let work: string | undefined;
after(async () => {
  await removeTemp(work);
});

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Regular files of a tar stream (hard links resolved to their target's bytes): path → sha256. */
function fileDigests(stream: NodeJS.ReadableStream): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, string>();
    const links: Array<[string, string]> = [];
    const extract = tar.extract();
    const norm = (n: string) =>
      `/${n
        .replace(/^(\.\/)+/, '')
        .replace(/^\/+/, '')
        .replace(/\/+$/, '')}`;
    extract.on('entry', (h, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c: unknown) => chunks.push(c as Buffer));
      body.on('end', () => {
        if (h.type === 'file' || h.type === 'contiguous-file') out.set(norm(h.name), sha(Buffer.concat(chunks)));
        if (h.type === 'link') links.push([norm(h.name), norm(h.linkname ?? '')]);
        next();
      });
    });
    extract.on('finish', () => {
      for (const [p, t] of links) out.set(p, out.get(t) ?? 'missing link target');
      resolve(out);
    });
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
}

async function dockerExportDigests(tag: string): Promise<Map<string, string>> {
  const id = (await run('docker', ['create', tag, '/bin/true'])).stdout.trim();
  try {
    const child = spawn('docker', ['export', id], { stdio: ['ignore', 'pipe', 'inherit'] });
    const digests = await fileDigests(child.stdout);
    const init = await initLayerPaths();
    for (const p of init) digests.delete(p);
    return digests;
  } finally {
    await run('docker', ['rm', '-f', id]).catch(() => undefined);
  }
}

function cliBytes(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args, '--no-cache'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
  });
}

/** sha256 of every visible regular file, read through the content reader. */
async function contentDigests(spec: string): Promise<Map<string, string>> {
  const source = await openImage(spec);
  try {
    const analysis = analyse(await analyseImage(source));
    const content = new ImageContent(source, analysis.image.summaries);
    try {
      const out = new Map<string, string>();
      for (const { id, state } of analysis.tree.walkVisible()) {
        if (state.entry.type !== 'file' && state.entry.type !== 'hardlink') continue;
        const h = createHash('sha256');
        for await (const c of content.stream(state.layer, state.entryIndex)) h.update(c);
        out.set(`/${analysis.tree.pathOf(id)}`, h.digest('hex'));
      }
      return out;
    } finally {
      await content.close();
    }
  } finally {
    await source.close();
  }
}

function assertSameDigests(actual: Map<string, string>, expected: Map<string, string>, what: string): void {
  const sorted = (m: Map<string, string>) => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  assert.deepEqual(sorted(actual), sorted(expected), what);
}

for (const fixture of FIXTURES) {
  test(`content of ${fixture}: export, content reader (archive, OCI gzip, engine) equal docker export`, async (t: TestContext) => {
    if (!need(t, 'Docker', dockerAvailable())) return;
    work ??= await makeTemp('layerscope-content-');
    const tag = `layerscope-test/content-${fixture}:p${process.pid}`;
    await buildImage(join(fixturesDir, fixture), tag);
    try {
      const archive = join(work, `${fixture}.tar`);
      await saveImage(tag, archive);
      const expected = await dockerExportDigests(tag);
      assert.ok(expected.size >= 2, `${fixture}: docker export has regular files`);
      const exported = join(work, `${fixture}-export.tar`);
      const r = await cliBytes(['export', archive, '-o', exported]);
      assert.equal(r.code, 0, r.stderr);
      const { createReadStream } = await import('node:fs');
      assertSameDigests(await fileDigests(createReadStream(exported)), expected, `${fixture}: layerscope export`);
      assertSameDigests(await contentDigests(archive), expected, `${fixture}: content reader, docker save archive`);
      if (need(t, 'skopeo', commandAvailable('skopeo'))) {
        const oci = join(work, `${fixture}-oci`);
        await skopeoToOci(archive, oci, 'gzip');
        assertSameDigests(await contentDigests(oci), expected, `${fixture}: content reader, OCI layout with gzip layers`);
      }
      assertSameDigests(await contentDigests(`docker://${tag}`), expected, `${fixture}: content reader, engine`);
      // cat equals docker cp for a few files.
      const files = [...expected.keys()].filter((p) => !p.startsWith('/bin/')).slice(0, 4);
      for (const path of files) {
        const id = (await run('docker', ['create', tag, '/bin/true'])).stdout.trim();
        try {
          const dest = join(work, `cp-${fixture}-${sha(Buffer.from(path)).slice(0, 8)}`);
          await run('docker', ['cp', '-L', `${id}:${path}`, dest]);
          const cat = await cliBytes(['cat', archive, path]);
          assert.equal(cat.code, 0, cat.stderr);
          assert.equal(sha(cat.stdout), sha(await readFile(dest)), `${fixture}: cat ${path} = docker cp`);
        } finally {
          await run('docker', ['rm', '-f', id]).catch(() => undefined);
        }
      }
      if (fixture === 'hidden') {
        const key = await cliBytes(['cat', archive, '/secret/key.txt', '--layer', '2']);
        assert.equal(key.stderr, '');
        assert.equal(key.stdout.toString(), 'known secret content\nline 2\n');
        const numbers = await cliBytes(['cat', archive, '/secret/numbers.txt', '--layer', '2']);
        assert.equal(numbers.stdout.toString(), `${Array.from({ length: 5000 }, (_, i) => i + 1).join('\n')}\n`);
        const first = await cliBytes(['cat', `docker://${tag}`, '/etc/overwritten.conf', '--layer', '2']);
        assert.equal(first.stdout.toString(), 'first version\n');
        const gone = await cliBytes(['cat', archive, '/secret/key.txt']);
        assert.equal(gone.code, 2);
        assert.equal(
          gone.stderr,
          'layerscope: /secret/key.txt is not in the final image (deleted or replaced); its hidden copy is in layer 2: add --layer 2\n',
        );
      }
    } finally {
      await run('docker', ['rmi', '-f', tag]).catch(() => undefined);
    }
  });
}
