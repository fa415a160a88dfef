// `layerscope compare A B` on the bundled example archives (no engine needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLayerscope } from '../helpers/cli.js';
import type { Comparison } from '../../src/core/compare.js';
import type { AdviceItem } from '../../src/core/advice.js';

const A = 'examples/multistage-builder.tar';
const B = 'examples/multistage-final.tar';

test('compare --json with the Dockerfile: stages named, the copy traced to its COPY --from line', async () => {
  const r = await runLayerscope(['compare', A, B, '-f', 'examples/multistage/Dockerfile', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as Comparison & { advice: AdviceItem[] };
  assert.deepEqual([c.a.label, c.b.label, c.a.stage, c.b.stage], ['builder', 'final', 0, 1]);
  assert.deepEqual([c.a.ref, c.b.ref], [A, B]);
  assert.equal(c.reduction.bytes, c.a.storedBytes - c.b.storedBytes);
  assert.deepEqual(c.sharedBase.layers, 2);
  assert.deepEqual(
    c.copied.map((f) => [f.source, f.destination, f.bytes, f.status, f.layer, f.how, f.line]),
    [['/src/out/app', '/usr/local/bin/app', 40821, 'identical', 3, 'copy-from', 28]],
  );
  assert.deepEqual(
    c.advice.map((a) => a.kind),
    ['deleted-later', 'overwritten-later'],
  );
});

test('compare without a Dockerfile: labels are the refs, the copy is matched by metadata; text by default', async () => {
  const r = await runLayerscope(['compare', A, B, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as Comparison;
  assert.deepEqual([c.a.label, c.b.label], [A, B]);
  assert.deepEqual(
    c.copied.map((f) => [f.source, f.destination, f.how]),
    [['/src/out/app', '/usr/local/bin/app', 'matched']],
  );
  const text = await runLayerscope(['compare', A, B, '-f', 'examples/multistage/Dockerfile']);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.split('\n');
  assert.match(lines[0]!, /^builder 2\.26 MB → final 2\.19 MB, −3\.5%$/);
  assert.ok(
    lines.some((l) => /^ {4}\s*40\.8 kB {2}identical L3 {3}\/src\/out\/app → \/usr\/local\/bin\/app$/.test(l)),
    text.stdout,
  );
  assert.ok(lines.includes('Advice for final'), text.stdout);
});

test('compare: bad --stages, --stages without -f (one line, exit 2)', async () => {
  const cases: Array<[string[], string]> = [
    [
      ['compare', A, B, '-f', 'examples/multistage/Dockerfile', '--stages', 'builder'],
      'layerscope: --stages builder: expected A,B (two stage names or indexes)\n',
    ],
    [
      ['compare', A, B, '-f', 'examples/multistage/Dockerfile', '--stages', 'builder,nope'],
      'layerscope: --stages builder,nope: no such stage in examples/multistage/Dockerfile (stages: builder, final)\n',
    ],
    [['compare', A, B, '--stages', '0,1'], 'layerscope: --stages needs the Dockerfile: add -f Dockerfile\n'],
    [['compare', A, '/nonexistent.tar'], 'layerscope: no such file: /nonexistent.tar\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await runLayerscope(args);
    assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 2, stderr }, args.join(' '));
  }
});
