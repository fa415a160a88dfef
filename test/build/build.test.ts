// `layerscope build` against the real engine, on the multi-stage fixtures in
// test/fixtures/multistage/ and the bundled example: the stage list is the Dockerfile's, every
// built stage's merged view is what `docker export` shows, sizes agree with the engine's own
// numbers (docker history / image inspect) by an exact relation, copied files are traced to
// their source stage, a failing step is shown and exits 2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerAvailable, need } from '../helpers/env.js';
import { exportFileList, run, sortList, withoutPaths, initLayerPaths, type FileListEntry } from '../helpers/docker.js';
import { repoRoot, runLayerscope } from '../helpers/cli.js';
import { loadAnalysis } from '../../src/app/open.js';
import type { Analysis } from '../../src/core/analysis.js';
import { parseDockerfile } from '../../src/sources/dockerfile.js';
import { stageLabel } from '../../src/core/stages.js';
import type { BuildJson } from '../../src/report/stages.js';
import { bytes } from '../../src/report/format.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'multistage');
const BASIC = join(fixtures, 'basic');
const REPO = 'layerscope-build/basic';

let basic: BuildJson | undefined;
let basicError: string | undefined;
const analyses = new Map<string, Analysis>();

before(async () => {
  if (!dockerAvailable()) return;
  // --no-cache: one fresh build, so every stage's tag is the image the later stages copied from
  // and copied files keep their mtimes (a cached COPY from an older build would not).
  const r = await runLayerscope(['build', BASIC, '--build-arg', 'GREETING=bonjour', '--json', '--no-cache']);
  if (r.code !== 0) {
    basicError = `layerscope build exited ${r.code}: ${r.stderr}`;
    return;
  }
  basic = JSON.parse(r.stdout) as BuildJson;
  for (const s of basic.stages) analyses.set(s.label, await loadAnalysis(`docker://${s.tag}`, { cache: false }));
});

after(async () => {
  for (const tag of ['builder', '1', 'final']) await run('docker', ['rmi', `${REPO}:${tag}`]).catch(() => undefined);
});

function built(): BuildJson {
  assert.ok(basic, basicError ?? 'the build did not run');
  return basic;
}

test('the stages built are the Dockerfile stages, tagged layerscope-build/<dir>:<name or index>', (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const json = built();
  const graph = parseDockerfile(readFileSync(join(BASIC, 'Dockerfile'), 'utf8'), { buildArgs: { GREETING: 'bonjour' } });
  assert.deepEqual(
    json.stages.map((s) => ({ index: s.index, name: s.name, label: s.label, tag: s.tag, base: s.base, copiesFrom: s.copiesFrom })),
    graph.stages.map((s) => ({
      index: s.index,
      name: s.name ?? null,
      label: stageLabel(s),
      tag: `${REPO}:${stageLabel(s)}`,
      base: s.base,
      copiesFrom: [
        ...new Set(
          graph.edges.filter((e) => e.stage === s.index && e.from.kind === 'stage').map((e) => (e.from as { index: number }).index),
        ),
      ].sort(),
    })),
  );
  assert.deepEqual(
    json.stages.map((s) => s.label),
    ['builder', '1', 'final'],
  );
  assert.equal(json.finalStage, 2);
  assert.deepEqual(json.edges, graph.edges);
  for (const s of json.stages) assert.match(s.imageId, /^sha256:[0-9a-f]{64}$/);
});

test("each built stage's merged view equals docker export of it", async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const init = await initLayerPaths();
  for (const s of built().stages) {
    const r = await runLayerscope(['ls', `docker://${s.tag}`, '--json', '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    const ours = sortList(
      withoutPaths(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { path: string; type: string; size: number })
          .map(
            (row): FileListEntry => ({
              path: row.path,
              type: row.type === 'hardlink' ? 'file' : (row.type as FileListEntry['type']),
              size: row.size,
            }),
          ),
        init,
      ),
    );
    assert.deepEqual(ours, await exportFileList(s.tag), `stage ${s.label}`);
  }
});

test('.dockerignore decided what the context sent (exceptions included), and build args reached RUN', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const builder = analyses.get('builder')!;
  const rows: string[] = [];
  for (const { id, state } of builder.tree.walkVisible()) {
    const path = builder.tree.pathOf(id);
    if (path.startsWith('build/')) rows.push(`/${path} ${state.entry.type} ${builder.tree.contentSize(state.entry, state.layer)}`);
  }
  const dockerfileSize = readFileSync(join(BASIC, 'Dockerfile')).length;
  assert.deepEqual(rows, [
    '/build/ctx dir 0',
    '/build/ctx/.dockerignore file 42',
    `/build/ctx/Dockerfile file ${dockerfileSize}`,
    '/build/ctx/app.txt file 4',
    '/build/ctx/docs dir 0',
    '/build/ctx/docs/keep.md file 21',
    '/build/out dir 0',
    '/build/out/greeting.txt file 8', // "bonjour\n": --build-arg GREETING=bonjour
    '/build/out/lib dir 0',
    '/build/out/lib/data.bin file 5000',
    '/build/out/lib/extra.bin file 3000',
  ]);
});

/** docker history sizes (bytes, oldest first) paired with the image's layers via the config's
 *  history (empty_layer steps have no layer). */
async function historySizes(tag: string, analysis: Analysis): Promise<number[]> {
  const { stdout } = await run('docker', ['history', '--human=false', '--no-trunc', '--format', '{{.Size}}', tag]);
  const rows = stdout.trim().split('\n').map(Number).reverse();
  const steps = analysis.image.config.history;
  assert.equal(rows.length, steps.length, `${tag}: docker history rows vs config history steps`);
  const sizes = rows.filter((_, i) => !steps[i]!.emptyLayer);
  assert.equal(sizes.length, analysis.image.layers.length);
  return sizes;
}

/** Bytes of symlink targets a layer's tar holds: what overlay2 counts on top of file contents. */
function symlinkBytes(analysis: Analysis, layer: number): number {
  let n = 0;
  for (const c of analysis.image.summaries[layer]!.changes) {
    if (c.op === 'entry' && c.entry.type === 'symlink') n += Buffer.byteLength(c.entry.linkTarget ?? '');
  }
  return n;
}

test('sizes: docker history SIZE of each layer = its sizeBytes + the bytes of its symlink targets (overlay2); inspect .Size is their sum', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const { stdout: driver } = await run('docker', ['info', '--format', '{{.Driver}}']);
  for (const s of built().stages) {
    const analysis = analyses.get(s.label)!;
    const history = await historySizes(s.tag, analysis);
    const expected = analysis.image.summaries.map(
      (sum, i) => sum.sizeBytes + (driver.trim() === 'overlay2' ? symlinkBytes(analysis, i) : 0),
    );
    assert.deepEqual(history, expected, `stage ${s.label}`);
    assert.deepEqual(
      s.report.layers.map((l) => l.sizeBytes),
      analysis.image.summaries.map((sum) => sum.sizeBytes),
    );
    assert.equal(
      s.report.image.storedBytes,
      analysis.image.summaries.reduce((n, sum) => n + sum.sizeBytes, 0),
    );
    const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Size}}', s.tag]);
    assert.equal(
      Number(stdout.trim()),
      history.reduce((a, b) => a + b, 0),
      `stage ${s.label}: inspect .Size`,
    );
  }
});

test('comparisons: the final stage against each stage it copies from, numbers from the stage reports', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const json = built();
  const stored = (label: string) => json.stages.find((s) => s.label === label)!.report.image.storedBytes;
  const base = await loadAnalysis('docker://layerscope-test/busybox:latest', { cache: false });
  const baseBytes = base.account.storedBytes;
  assert.deepEqual(
    json.comparisons.map((c) => [c.a.label, c.b.label]),
    [
      ['builder', 'final'],
      ['stage 1', 'final'],
    ],
  );
  for (const c of json.comparisons) {
    const a = c.a.stage === 0 ? 'builder' : '1';
    assert.equal(c.a.storedBytes, stored(a));
    assert.equal(c.b.storedBytes, stored('final'));
    assert.deepEqual(c.reduction, { bytes: stored(a) - stored('final'), ratio: (stored(a) - stored('final')) / stored(a) });
    // Every stage starts FROM the same busybox: exactly its layers are shared.
    assert.deepEqual(c.sharedBase, { layers: base.image.layers.length, bytes: baseBytes });
    assert.deepEqual(c.unique.a.bytes, stored(a) - baseBytes);
    assert.deepEqual(c.unique.b.bytes, stored('final') - baseBytes);
  }
  const [fromBuilder, fromGen] = json.comparisons as [BuildJson['comparisons'][0], BuildJson['comparisons'][0]];
  // Exact bytes of this fixture: builder's own layers hold the context (42+dockerfile+4+21),
  // greeting (8), data (5000+3000) and the pip cache (7000).
  const dockerfileSize = readFileSync(join(BASIC, 'Dockerfile')).length;
  assert.equal(fromBuilder.unique.a.bytes, 42 + dockerfileSize + 4 + 21 + 8 + 5000 + 3000 + 7000);
  assert.equal(fromBuilder.unique.b.bytes, 8000 + 8 + 1234 + 4096);
  assert.deepEqual(
    fromBuilder.onlyInA.groups.map((g) => [g.path, g.category, g.files, g.bytes]),
    [
      ['/root/.cache', 'cache', 1, 7000],
      ['/build/ctx', 'other', 4, 42 + dockerfileSize + 4 + 21],
    ],
  );
  assert.deepEqual(
    fromGen.onlyInA.groups.map((g) => [g.path, g.files, g.bytes]),
    [['/opt/gen', 1, 99]],
  );
});

test('copied files are traced to their source stage, path to path, with the COPY --from line', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const [fromBuilder, fromGen] = built().comparisons as [BuildJson['comparisons'][0], BuildJson['comparisons'][0]];
  const rows = (c: typeof fromBuilder) => c.copied.map((f) => [f.source, f.destination, f.bytes, f.status, f.layer, f.line]);
  // final's layers: 0-1 busybox, 2 WORKDIR, 3 lib/, 4 greeting, 5 *.txt, 6 scratch, 7 rm
  assert.deepEqual(rows(fromBuilder), [
    ['/build/out/lib/data.bin', '/app/lib/data.bin', 5000, 'identical', 3, 21],
    ['/build/out/lib/extra.bin', '/app/lib/extra.bin', 3000, 'identical', 3, 21],
    ['/build/out/greeting.txt', '/app/greeting.txt', 8, 'identical', 4, 22],
  ]);
  assert.deepEqual(rows(fromGen), [['/opt/gen/one.txt', '/opt/one.txt', 1234, 'identical', 5, 23]]);
  assert.deepEqual(fromBuilder.copiedSummary, { files: 3, bytes: 8008, identical: 3 });
  // And each destination really is in the final stage, from the layer the trace names.
  const final = analyses.get('final')!;
  for (const f of [...fromBuilder.copied, ...fromGen.copied]) {
    const id = final.tree.idOf(f.destination.slice(1))!;
    assert.equal(final.tree.stateAt(id)?.layer, f.layer, f.destination);
  }
});

test('advice for the final stage: the file deleted one layer too late', (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  assert.deepEqual(
    built().advice.map((a) => ({
      kind: a.kind,
      bytes: a.bytes,
      paths: a.paths,
      layer: a.layer,
      laterLayer: a.laterLayer,
      command: a.command,
    })),
    [
      {
        kind: 'deleted-later',
        bytes: 4096,
        paths: ['/tmp/scratch.bin'],
        layer: 6,
        laterLayer: 7,
        command: 'Dockerfile:24 RUN mkdir -p /tmp && yes tmp | head -c 4096 > /tmp/scratch.bin',
      },
    ],
  );
});

test('a failing RUN (BuildKit): its output as it came, then one error line naming its Dockerfile line (the error once); exit 2', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const dockerfile = join(fixtures, 'failing', 'Dockerfile');
  const r = await runLayerscope(['build', join(fixtures, 'failing'), '--json']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines[0], 'layerscope: building with BuildKit');
  const run = 'RUN echo "compiling widget" && seq 1 30 | sed \'s/^/line /\' && echo "error: widget.c:42: something broke" && exit 3';
  // Every line the step printed, once, in order: line 1 … line 30, then the error.
  assert.equal(lines.filter((l) => l === '    error: widget.c:42: something broke').length, 1, r.stderr);
  const first = lines.indexOf('    line 1');
  assert.ok(first > 0, r.stderr);
  assert.deepEqual(lines.slice(first, first + 31), [
    ...Array.from({ length: 30 }, (_, i) => `    line ${i + 1}`),
    '    error: widget.c:42: something broke',
  ]);
  assert.ok(!lines.some((l) => l.startsWith('  | ')), r.stderr);
  assert.equal(lines.at(-2), `  FAILED [broken 3/3] ${run}`);
  assert.equal(
    lines.at(-1),
    `layerscope: build of stage broken failed at ${dockerfile}:7 ${run}: ` +
      `executor failed running [/bin/sh -c echo "compiling widget" && seq 1 30 | sed 's/^/line /' && echo "error: widget.c:42: something broke" && exit 3]: exit code: 3`,
  );
});

test('a failing RUN (--builder classic): its output once, then the one error line; the classic builder says so', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const r = await runLayerscope(['build', join(fixtures, 'failing'), '--json', '--builder', 'classic']);
  assert.equal(r.code, 2);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines[0], 'layerscope: building with the classic builder');
  assert.equal(lines.filter((l) => l.endsWith('error: widget.c:42: something broke')).length, 1, r.stderr);
  assert.ok(lines.includes('    line 30'), r.stderr);
  assert.ok(!lines.some((l) => l.startsWith('  | ') || l.includes('\u001b')), r.stderr);
  assert.match(
    lines.at(-1)!,
    /^layerscope: build of stage broken failed at step 5\/5 \(RUN echo "compiling widget" .* returned a non-zero code: 3$/,
  );
});

test('bad input: no Dockerfile, unknown --target, a context that is not a directory (one line, exit 2)', async () => {
  const cases: Array<[string[], string]> = [
    [['build', join(fixtures)], `layerscope: no Dockerfile at ${join(fixtures, 'Dockerfile')}; name one with -f\n`],
    [
      ['build', BASIC, '--target', 'nope'],
      `layerscope: --target nope: no such stage in ${join(BASIC, 'Dockerfile')} (stages: builder, 1, final)\n`,
    ],
    [['build', join(BASIC, 'app.txt')], `layerscope: build context ${join(BASIC, 'app.txt')} is not a directory\n`],
    [['build', BASIC, '--build-arg', '=x'], 'layerscope: --build-arg =x: expected NAME=VALUE\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await runLayerscope(args);
    assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 2, stderr }, args.join(' '));
  }
});

test('--target builds that stage and what it needs; an unnamed stage by index', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const r = await runLayerscope(['build', BASIC, '--target', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as BuildJson;
  assert.deepEqual(
    json.stages.map((s) => s.tag),
    [`${REPO}:1`],
  );
  assert.equal(json.finalStage, 1);
  assert.deepEqual(json.comparisons, []);
  const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', `${REPO}:1`]);
  assert.equal(json.stages[0]!.imageId, stdout.trim());
});

test('layerscope build examples/multistage: the stages and builder vs final, as the bundled archives say', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const r = await runLayerscope(['build', 'examples/multistage', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as BuildJson;
  assert.deepEqual(
    json.stages.map((s) => [s.label, s.tag]),
    [
      ['builder', 'layerscope-build/multistage:builder'],
      ['final', 'layerscope-build/multistage:final'],
    ],
  );
  // The bundled archives were built from this Dockerfile (classic builder): same sizes, layer
  // by layer (entry counts differ: BuildKit's layers list parent directories the classic
  // builder's leave out).
  const archived = {
    builder: await loadAnalysis(join(repoRoot, 'examples', 'multistage-builder.tar'), { cache: false }),
    final: await loadAnalysis(join(repoRoot, 'examples', 'multistage-final.tar'), { cache: false }),
  };
  for (const s of json.stages) {
    const a = archived[s.label as 'builder' | 'final'];
    assert.deepEqual(
      s.report.layers.map((l) => l.sizeBytes),
      a.image.summaries.map((sum) => sum.sizeBytes),
      s.label,
    );
    assert.equal(s.report.image.storedBytes, a.account.storedBytes);
  }
  const [c] = json.comparisons;
  assert.ok(c && json.comparisons.length === 1);
  assert.deepEqual([c.a.label, c.b.label], ['builder', 'final']);
  assert.equal(c.reduction.bytes, archived.builder.account.storedBytes - archived.final.account.storedBytes);
  assert.deepEqual(
    c.copied.map((f) => [f.source, f.destination, f.bytes, f.how]),
    [['/src/out/app', '/usr/local/bin/app', 40821, 'copy-from']],
  );
  assert.deepEqual(
    c.onlyInA.groups.map((g) => [g.path, g.category]),
    [
      ['/opt/toolchain', 'toolchain'],
      ['/root/.cache', 'cache'],
      ['/src/obj', 'sources'],
      ['/src', 'sources'],
    ],
  );
  assert.deepEqual(
    json.advice.map((a) => [a.kind, a.paths[0], a.bytes]),
    [
      ['deleted-later', '/tmp/assets.tar', 81920],
      ['overwritten-later', '/etc/app/app.conf', 20],
    ],
  );
  // The text summary (stdout not a terminal) leads with the headline.
  const text = await runLayerscope(['build', 'examples/multistage']);
  assert.equal(text.code, 0, text.stderr);
  const headline = `builder ${bytes(archived.builder.account.storedBytes)} → final ${bytes(archived.final.account.storedBytes)}, −`;
  assert.ok(text.stdout.includes(headline), text.stdout);
});
