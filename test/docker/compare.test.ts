// `layerscope compare` on two stages built by the engine (test/fixtures/compare/Dockerfile): a
// renamed copy, a copy chmod-ed afterwards, a file copied to two places, and two different files
// with equal size, mode and mtime. The per-path rows of `--json` must equal what an independent
// computation gives from the two `docker export`s, with a sha256 of every file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dockerAvailable, need } from '../helpers/env.js';
import { buildImage, exportFileDigests, initLayerPaths, run, type ExportedFile } from '../helpers/docker.js';
import { repoRoot, runLayerscope } from '../helpers/cli.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'compare');
const BASE = 'layerscope-test/busybox:latest';
const tags = { builder: `layerscope-test/compare:builder-p${process.pid}`, final: `layerscope-test/compare:final-p${process.pid}` };

interface Row {
  path: string;
  type: string;
  status: string;
  a: { size: number; digest?: string } | null;
  b: { size: number; digest?: string } | null;
  copiedFrom?: string;
  copiedTo?: string[];
}
interface Copy {
  source: string;
  destination: string;
  digest?: string;
  bytes: number;
  status: string;
  differences?: string[];
  how: string;
  line?: number;
}

let ready = false;
before(async () => {
  if (!dockerAvailable()) return;
  await buildImage(fixture, tags.builder, { target: 'builder' });
  await buildImage(fixture, tags.final, { target: 'final' });
  ready = true;
});
after(async () => {
  if (ready) await run('docker', ['rmi', '-f', tags.builder, tags.final]).catch(() => undefined);
});

async function compareJson(...extra: string[]): Promise<{ rows: Row[]; copied: Copy[]; onlyInA: { groups: Array<{ path: string }> } }> {
  const r = await runLayerscope(['compare', tags.builder, tags.final, '--json', ...extra], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** The files' statuses from the exports alone: B's own files (not the base image's) whose bytes
 *  are some file of A are copies (source: the same path, else the same name, else the first path);
 *  the rest by path: only one side, or both with equal / other bytes. */
function expectedRows(a: Map<string, ExportedFile>, b: Map<string, ExportedFile>, baseImage: Map<string, ExportedFile>): string[] {
  const bySha = new Map<string, string[]>();
  for (const f of [...a.values()].sort((x, y) => (x.path < y.path ? -1 : 1))) {
    if (f.size > 0) bySha.set(f.sha256, [...(bySha.get(f.sha256) ?? []), f.path]);
  }
  const copiedFrom = new Map<string, string>();
  const copiedTo = new Map<string, string[]>();
  for (const f of b.values()) {
    const inBase = baseImage.get(f.path);
    if (f.size === 0 || (inBase && inBase.sha256 === f.sha256)) continue;
    const same = a.get(f.path);
    if (same && same.sha256 !== f.sha256) continue;
    const sources = bySha.get(f.sha256);
    if (!sources) continue;
    const source = same ? f.path : (sources.find((s) => base(s) === base(f.path)) ?? sources[0]!);
    copiedFrom.set(f.path, source);
    copiedTo.set(source, [...(copiedTo.get(source) ?? []), f.path]);
  }
  const out: string[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const fa = a.get(path);
    const fb = b.get(path);
    let status: string;
    if (fb && copiedFrom.has(path)) status = `copied from ${copiedFrom.get(path)}`;
    else if (!fb && copiedTo.has(path)) status = `copied to ${copiedTo.get(path)!.sort().join(',')}`;
    else if (!fb) status = 'onlyA';
    else if (!fa) status = 'onlyB';
    else status = fa.sha256 === fb.sha256 ? 'identical' : 'changed';
    out.push(`${path} ${status}`);
  }
  return out;
}

function actualRows(rows: Row[]): string[] {
  return rows
    .filter((r) => r.type === 'file' || r.type === 'hardlink' || (r.a === null && r.b === null))
    .map((r) => {
      const status =
        r.status === 'copied'
          ? r.copiedFrom !== undefined
            ? `copied from ${r.copiedFrom}`
            : `copied to ${[...(r.copiedTo ?? [])].sort().join(',')}`
          : r.status;
      return `${r.path} ${status}`;
    })
    .sort();
}

test('compare --json rows equal the two docker exports compared by sha256 per file', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const [a, b, baseImage, init] = await Promise.all([
    exportFileDigests(tags.builder),
    exportFileDigests(tags.final),
    exportFileDigests(BASE),
    initLayerPaths(),
  ]);
  // The engine adds these to every container; no layer has them.
  for (const m of [a, b, baseImage]) for (const p of init) m.delete(p);
  const { rows, copied } = await compareJson();
  assert.deepEqual(actualRows(rows), expectedRows(a, b, baseImage));
  // The cases the fixture is made of, by name.
  const byPath = new Map(rows.map((r) => [r.path, r]));
  const story = (p: string) => {
    const r = byPath.get(p)!;
    return `${r.status}${r.copiedFrom ? ` ← ${r.copiedFrom}` : ''}${r.copiedTo ? ` → ${r.copiedTo.join(',')}` : ''}`;
  };
  assert.equal(story('/usr/bin/renamed-tool'), 'copied ← /build/out/tool');
  assert.equal(story('/usr/local/bin/app'), 'copied ← /build/out/app', 'chmod-ed after the copy');
  assert.equal(story('/usr/lib/libshared.so'), 'copied ← /build/out/libshared.so');
  assert.equal(story('/opt/lib/libshared.so'), 'copied ← /build/out/libshared.so');
  assert.equal(story('/build/out/libshared.so'), 'copied → /opt/lib/libshared.so,/usr/lib/libshared.so');
  assert.equal(story('/build/doc/libssl3/changelog'), 'onlyA', 'same size, mode and mtime as /usr/share/doc/openssl/changelog');
  assert.equal(story('/usr/share/doc/openssl/changelog'), 'onlyB');
  assert.equal(story('/build/cache/objects'), 'onlyA');
  assert.equal(byPath.get('/usr/local/bin/app')!.b!.digest, byPath.get('/build/out/app')!.a!.digest);
  assert.equal(byPath.get('/usr/local/bin/app')!.b!.size, 50000);
  // Directories carry both sums.
  const build = byPath.get('/build')!;
  assert.deepEqual([build.status, (build as Row & { sumA: number }).sumA, (build as Row & { sumB: number }).sumB], ['onlyA', 160009, 0]);
  // Copies: source → destination, digest, bytes; found by content, the chmod listed.
  const app = copied.find((c) => c.destination === '/usr/local/bin/app')!;
  assert.deepEqual(
    [app.source, app.bytes, app.status, app.differences, app.how, app.digest],
    ['/build/out/app', 50000, 'identical', ['mode'], 'matched', byPath.get('/build/out/app')!.a!.digest],
  );
  assert.deepEqual(
    copied.map((c) => `${c.source} → ${c.destination} ${c.bytes}`),
    [
      '/build/out/libshared.so → /opt/lib/libshared.so 20000',
      '/build/out/tool → /usr/bin/renamed-tool 30000',
      '/build/out/libshared.so → /usr/lib/libshared.so 20000',
      '/build/out/app → /usr/local/bin/app 50000',
    ],
  );
});

test('with the Dockerfile, COPY --from lines label the same copies; the chmod-ed one is still identical', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const { copied } = await compareJson('-f', join(fixture, 'Dockerfile'), '--stages', 'builder,final');
  assert.deepEqual(
    copied.map(
      (c) => `${c.source} → ${c.destination} ${c.status} ${c.how} line ${c.line}${c.differences ? ` (${c.differences.join(',')})` : ''}`,
    ),
    [
      '/build/out/tool → /usr/bin/renamed-tool identical copy-from line 14',
      '/build/out/app → /usr/local/bin/app identical copy-from line 15 (mode)',
      '/build/out/libshared.so → /usr/lib/libshared.so identical copy-from line 17',
      '/build/out/libshared.so → /opt/lib/libshared.so identical copy-from line 18',
    ],
  );
});
