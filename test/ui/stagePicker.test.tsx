// The stage picker and the build progress view: their content and state as
// plain data, and the screens driven by keys (ink-testing-library).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { compareAnalyses } from '../../src/core/compare.js';
import { adviseImage } from '../../src/core/advice.js';
import { parseDockerfile } from '../../src/sources/dockerfile.js';
import { assembleBuild } from '../../src/core/buildResult.js';
import { pickerItems, StagePicker, type StageChoice } from '../../src/ui/StagePicker.js';
import { applyBuildEvent, BuildView, createBuildStore } from '../../src/ui/BuildView.js';
import { analysisOf } from '../helpers/analysis.js';
import { eventually, tick, plain } from '../helpers/ui.js';
import type { TarSpec } from '../helpers/tar.js';

const T = new Date('2024-01-01T00:00:00Z');
const BASE: TarSpec[] = [{ name: 'bin/sh', content: 1000, mtime: T }];
const DOCKERFILE =
  'FROM base AS builder\nRUN make\nFROM base AS final\nCOPY --from=builder /src/out/app /usr/local/bin/app\nRUN rm /tmp/x\n';

async function pair() {
  const a = await analysisOf('builder', [
    BASE,
    [
      { name: 'opt/toolchain/bin/cc', content: 5000, mtime: T },
      { name: 'root/.cache/x', content: 700, mtime: T },
      { name: 'src/out/app', content: 2000, mode: 0o755, mtime: T },
    ],
  ]);
  const b = await analysisOf(
    'final',
    [
      BASE,
      [
        { name: 'usr/local/bin/app', content: 2000, mode: 0o755, mtime: T },
        { name: 'tmp/x', content: 300 },
      ],
      [{ name: 'tmp/.wh.x' }],
    ],
    ['COPY bin', 'COPY --from=builder', 'RUN rm /tmp/x'],
  );
  const graph = parseDockerfile(DOCKERFILE);
  return { a, b, graph, comparison: compareAnalyses(a, b, { graph, aStage: 0, bStage: 1 }), advice: adviseImage(b) };
}

test('stage picker: stages with size and layer count, comparisons, quit; Enter and q choose', async () => {
  const { a, b, graph } = await pair();
  const result = assembleBuild('/ctx', 'ctx/Dockerfile', graph, 1, [
    { stage: graph.stages[0]!, tag: 'layerscope-build/ctx:builder', imageId: a.image.id, analysis: a },
    { stage: graph.stages[1]!, tag: 'layerscope-build/ctx:final', imageId: b.image.id, analysis: b },
  ]);
  assert.deepEqual(
    pickerItems(result).map((i) => [i.label.replace(/\s+/g, ' ').trim(), i.value]),
    [
      ['0 builder 8.7 kB 2 layers FROM base', { kind: 'stage', index: 0 }],
      ['1 final * 3.3 kB 3 layers FROM base', { kind: 'stage', index: 1 }],
      ['compare: builder 8.7 kB → final 3.3 kB, −62.1%', { kind: 'compare', index: 0 }],
      ['quit', { kind: 'quit' }],
    ],
  );
  const choices: StageChoice[] = [];
  const r = render(<StagePicker result={result} onChoose={(c) => choices.push(c)} />);
  await eventually(
    () => r.frames.length,
    (n) => n > 0,
  );
  assert.match(plain(r.lastFrame()), /Built 2 stages of ctx\/Dockerfile/);
  assert.match(plain(r.lastFrame()), /Advice for the final stage \(1\)/);
  r.stdin.write('j');
  await tick(50);
  r.stdin.write('j');
  await tick(50);
  r.stdin.write('\r');
  await tick(50);
  r.stdin.write('q');
  await tick(50);
  assert.deepEqual(choices, [{ kind: 'compare', index: 0 }, { kind: 'quit' }]);
  r.unmount();
});

test('build progress: stages as the build reaches them, the step and its last lines', async () => {
  let s = { title: 'Building x', stages: [], lines: [] } as Parameters<typeof applyBuildEvent>[0];
  s = applyBuildEvent(s, { type: 'stage', stage: 0, label: 'builder', tag: 'r:builder', position: 0, total: 2 });
  s = applyBuildEvent(s, { type: 'step', stage: 0, text: 'Step 1/3 : FROM base AS builder' });
  for (let i = 0; i < 8; i++) s = applyBuildEvent(s, { type: 'output', stage: 0, text: `line ${i}` });
  assert.deepEqual(s.lines, ['line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
  s = applyBuildEvent(s, { type: 'stage', stage: 1, label: 'final', tag: 'r:final', position: 1, total: 2 });
  assert.deepEqual(
    s.stages.map((x) => [x.label, x.status]),
    [
      ['builder', 'built'],
      ['final', 'building'],
    ],
  );
  assert.deepEqual(s.lines, []);
  const store = createBuildStore('Building ctx/Dockerfile');
  const r = render(<BuildView store={store} width={80} />);
  store.event({ type: 'stage', stage: 0, label: 'builder', tag: 'r:builder', position: 0, total: 1 });
  store.event({ type: 'step', stage: 0, text: 'Step 2/2 : RUN make' });
  store.event({ type: 'output', stage: 0, text: 'cc -o app main.c' });
  await tick(80);
  const frame = plain(r.lastFrame());
  assert.match(frame, /Building ctx\/Dockerfile/);
  assert.match(frame, /▸ builder\n/);
  store.event({ type: 'built', stage: 0, tag: 'r:builder', imageId: `sha256:${'ab'.repeat(32)}` });
  await tick(80);
  assert.match(plain(r.lastFrame()), /✓ builder {2}r:builder \(abababababab\)/);
  assert.match(frame, /Step 2\/2 : RUN make/);
  assert.match(frame, /│ cc -o app main\.c/);
  r.unmount();
});

test('stage picker: one stage of one layer is singular', async () => {
  const one = await analysisOf('one', [BASE], ['COPY bin']);
  const graph = parseDockerfile('FROM base AS one\n');
  const result = assembleBuild('/ctx', 'ctx/Dockerfile', graph, 0, [
    { stage: graph.stages[0]!, tag: 'layerscope-build/ctx:one', imageId: one.image.id, analysis: one },
  ]);
  assert.equal(pickerItems(result)[0]!.label.replace(/\s+/g, ' ').trim(), '0 one * 1 kB 1 layer FROM base');
  const r = render(<StagePicker result={result} onChoose={() => {}} />);
  await eventually(
    () => r.frames.length,
    (n) => n > 0,
  );
  assert.match(plain(r.lastFrame()), /Built 1 stage of ctx\/Dockerfile/);
  r.unmount();
});
