// `layerscope build` with BuildKit against the real engine, on test/fixtures/dockerfiles/buildkit:
// a cache mount (its contents in no layer), a bind mount from another stage, a tmpfs mount,
// COPY --chmod and --chown, a
// secret (its value in no layer and in no output), a build arg; each stage's merged view equals
// docker export; every layer of every stage names its Dockerfile line. Plus the BuildKit status
// decoder on recorded engine messages, frontend refusals, flags, and the classic fallback flag.
import { after, before, test } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandAvailable, dockerAvailable, need } from '../helpers/env.js';
import {
  exportFileList,
  initLayerPaths,
  makeTemp,
  removeTemp,
  run,
  sortList,
  withoutPaths,
  type FileListEntry,
} from '../helpers/docker.js';
import { repoRoot, runLayerscope, childEnv } from '../helpers/cli.js';
import type { BuildJson } from '../../src/report/stages.js';
import { decodeStatus, parseVertexName, Trace } from '../../src/sources/buildkit/trace.js';
import { dockerfileInstructions, layerSources, parseDockerfile } from '../../src/sources/dockerfile.js';
import { readSecrets } from '../../src/app/buildFlags.js';

const FIXTURE = join(repoRoot, 'test', 'fixtures', 'dockerfiles', 'buildkit');
const DOCKERFILE = join(FIXTURE, 'Dockerfile');
const TRACES = join(repoRoot, 'test', 'fixtures', 'dockerfiles', 'buildkit-trace');
const REPO = 'layerscope-build/buildkit';
const EXTRA_TAG = 'layerscope-test/buildkit-extra:v1';
// Made up for this run; must never reach a layer, a file or an output line.
const SECRET = `token-${process.pid}-${Date.now()}-do-not-ship`;
// What the cache mount's file holds: computed by the RUN, so not in its command text.
const CACHE_CONTENT = 'cache-mount-6007';

let work: string | undefined;
let json: BuildJson | undefined;
let buildError: string | undefined;
let output = '';

before(async () => {
  if (!dockerAvailable()) return;
  work = await makeTemp('layerscope-buildkit-');
  const secretFile = join(work, 'token.txt');
  await writeFile(secretFile, SECRET);
  const r = await runLayerscope([
    'build',
    '-t',
    EXTRA_TAG,
    '--build-arg',
    'FLAVOUR=spicy',
    '--secret',
    `id=token,src=${secretFile}`,
    '--no-cache',
    FIXTURE,
    '--json',
  ]);
  output = r.stdout + r.stderr;
  if (r.code !== 0) buildError = `layerscope build exited ${r.code}: ${r.stderr}`;
  else json = JSON.parse(r.stdout) as BuildJson;
});

after(async () => {
  for (const tag of [`${REPO}:deps`, `${REPO}:final`, EXTRA_TAG]) await run('docker', ['rmi', tag]).catch(() => undefined);
  await removeTemp(work);
});

function built(): BuildJson {
  assert.ok(json, buildError ?? 'the build did not run');
  return json;
}

async function fileText(image: string, path: string): Promise<string> {
  return (await run('docker', ['run', '--rm', image, 'cat', path])).stdout;
}

/** Every byte of the image as `docker save` writes it: each layer tar, the config, the manifest. */
async function savedBytes(image: string): Promise<Buffer> {
  const file = join(work!, `${image.replace(/[/:]/g, '_')}.tar`);
  await run('docker', ['save', '-o', file, image]);
  return readFileSync(file);
}

test('BuildKit built both stages and said so; -t tagged the target stage', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const b = built();
  assert.deepEqual(
    b.stages.map((s) => [s.label, s.tag]),
    [
      ['deps', `${REPO}:deps`],
      ['final', `${REPO}:final`],
    ],
  );
  assert.ok(output.includes('layerscope: building with BuildKit\n'), output);
  assert.match(
    output,
    /layerscope: built 2 stages with BuildKit in \d+\.\d s \(final \d+\.\d s, deps \d+\.\d s\); tagged layerscope-test\/buildkit-extra:v1\n/,
  );
  const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', EXTRA_TAG]);
  assert.equal(stdout.trim(), b.stages[1]!.imageId);
});

test('the mounts, COPY --chmod, the secret and the build arg did what they say', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  built();
  const final = `${REPO}:final`;
  assert.equal(await fileText(final, '/from-deps.txt'), 'dep-one\n'); // bind mount from deps
  assert.equal(await fileText(final, '/token-length.txt'), `${SECRET.length}\n`); // the secret was there
  assert.equal(await fileText(final, '/flavour.txt'), 'spicy\n'); // --build-arg
  assert.equal(await fileText(final, '/tmpfs-list.txt'), 'x\n'); // the tmpfs mount held the file while RUN ran
  assert.equal((await run('docker', ['run', '--rm', final, 'stat', '-c', '%u:%g %a', '/owned.sh'])).stdout, '1234:5678 644\n'); // --chown
  assert.equal((await run('docker', ['run', '--rm', final, 'stat', '-c', '%a', '/usr/local/bin/app.sh'])).stdout, '751\n');
  const r = await runLayerscope(['ls', `docker://${final}`, '/usr/local/bin/app.sh', '--json', '--no-cache']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { path: '/usr/local/bin/app.sh', type: 'file', size: 19, layer: 2 });
});

test('neither the cache mount nor the secret is in any layer of any stage, nor in any output', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  for (const s of built().stages) {
    const bytes = await savedBytes(s.tag);
    assert.ok(bytes.length > 1_000_000, `${s.tag}: saved ${bytes.length} bytes`);
    assert.equal(bytes.indexOf(SECRET), -1, `${s.tag} holds the secret`);
    assert.equal(bytes.indexOf(CACHE_CONTENT), -1, `${s.tag} holds the cache mount's file`);
    const r = await runLayerscope(['ls', `docker://${s.tag}`, '--json', '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    const paths = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { path: string }).path);
    assert.deepEqual(
      paths.filter((p) => /^\/(cache|run\/secrets|mnt\/deps|scratch)\//.test(p)),
      [],
      s.tag,
    );
  }
  assert.equal(output.indexOf(SECRET), -1, 'the secret was printed');
});

test("each stage's merged view equals docker export", async (t) => {
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

test('every layer of every stage names the Dockerfile line that made it (base layers: none)', (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const rows = (label: string) =>
    built()
      .stages.find((s) => s.label === label)!
      .report.layers.map((l) => (l.source ? `${l.source.file}:${l.source.line} ${l.source.instruction}` : null));
  assert.deepEqual(rows('deps'), [
    null,
    null,
    `${DOCKERFILE}:6 RUN --mount=type=cache,target=/cache echo "cache-mount-$((6000+7))" > /cache/blob.txt && echo "$FLAVOUR" > /flavour.txt`,
    `${DOCKERFILE}:7 WORKDIR /deps`,
    `${DOCKERFILE}:8 RUN echo dep-one > one.txt`,
  ]);
  assert.deepEqual(rows('final'), [
    null,
    null,
    `${DOCKERFILE}:11 COPY --chmod=751 app.sh /usr/local/bin/app.sh`,
    `${DOCKERFILE}:12 RUN --mount=type=bind,from=deps,source=/deps,target=/mnt/deps cat /mnt/deps/one.txt > /from-deps.txt`,
    `${DOCKERFILE}:13 RUN --mount=type=secret,id=token cat /run/secrets/token | wc -c | tr -d ' ' > /token-length.txt`,
    `${DOCKERFILE}:14 COPY --from=deps /flavour.txt /flavour.txt`,
    `${DOCKERFILE}:15 RUN --mount=type=tmpfs,target=/scratch echo tmp > /scratch/x && ls /scratch > /tmpfs-list.txt`,
    `${DOCKERFILE}:16 COPY --chown=1234:5678 app.sh /owned.sh`,
  ]);
});

test('building a stage again (--platform this machine’s): every step CACHED, the same image', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const deps = built().stages[0]!;
  const r = await runLayerscope([
    'build',
    '--target',
    'deps',
    '--platform',
    'linux/amd64',
    '--build-arg',
    'FLAVOUR=spicy',
    FIXTURE,
    '--text',
  ]);
  assert.equal(r.code, 0, r.stderr);
  for (const step of [
    '[deps 2/4] RUN --mount=type=cache,target=/cache echo "cache-mount-$((6000+7))" > /cache/blob.txt && echo "spicy" > /flavour.txt',
    '[deps 3/4] WORKDIR /deps',
    '[deps 4/4] RUN echo dep-one > one.txt',
  ])
    assert.ok(r.stderr.includes(`  CACHED ${step}\n`), r.stderr);
  const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', deps.tag]);
  assert.equal(stdout.trim(), deps.imageId);
});

test('a stage FROM an earlier stage: its layers are the base stage’s, then its own', () => {
  const text = 'FROM base AS a\nENV X=1\nRUN one\nFROM a AS b\nARG Y\nCOPY x /x\nRUN two\n';
  const graph = parseDockerfile(text);
  const history = [
    { createdBy: 'base layer', emptyLayer: false },
    { createdBy: 'ENV X=1', emptyLayer: true },
    { createdBy: 'RUN /bin/sh -c one # buildkit', emptyLayer: false },
    { createdBy: 'ARG Y', emptyLayer: true },
    { createdBy: 'COPY x /x # buildkit', emptyLayer: false },
    { createdBy: '|1 Y= /bin/sh -c two', emptyLayer: false },
  ];
  assert.deepEqual(layerSources(dockerfileInstructions(text), graph, 1, history, 'Dockerfile'), [
    undefined,
    { file: 'Dockerfile', line: 3, instruction: 'RUN one' },
    { file: 'Dockerfile', line: 6, instruction: 'COPY x /x' },
    { file: 'Dockerfile', line: 7, instruction: 'RUN two' },
  ]);
  // The classic builder's history words: `#(nop) COPY …` and the bare command for RUN.
  const classic = history.map((h) => ({
    ...h,
    createdBy: h.createdBy.startsWith('COPY') ? '/bin/sh -c #(nop) COPY file:abc in /x ' : h.createdBy,
  }));
  assert.deepEqual(
    layerSources(dockerfileInstructions(text), graph, 1, classic, 'Dockerfile').map((s) => s?.line),
    [undefined, 3, 6, 7],
  );
  // A history that does not match the instructions (keyword mismatch) gives no source.
  const wrong = [...history.slice(0, 4), { createdBy: 'ADD x /x', emptyLayer: false }, history[5]!];
  assert.deepEqual(
    layerSources(dockerfileInstructions(text), graph, 1, wrong, 'Dockerfile').map((s) => s?.line),
    [undefined, 3, undefined, 7],
  );
});

/** Folds a recorded engine build stream (JSON lines) through the decoder. */
function replay(file: string): { trace: Trace; image?: string; error?: string } {
  const trace = new Trace();
  const out: { trace: Trace; image?: string; error?: string } = { trace };
  for (const line of readFileSync(join(TRACES, file), 'utf8').trim().split('\n')) {
    const m = JSON.parse(line) as { id?: string; aux?: unknown; error?: string };
    if (m.id === 'moby.buildkit.trace') trace.apply(decodeStatus(m.aux as string));
    else if (m.id === 'moby.image.id') out.image = (m.aux as { ID: string }).ID;
    else if (m.error) out.error = m.error;
  }
  trace.flush();
  return out;
}

test('the status decoder on a recorded build: every step, CACHED or done, durations, logs', () => {
  const { trace, image } = replay('status.jsonl');
  assert.equal(image, 'sha256:e6f623ff8b36b2b72523dcc36f0bb0049f5e25b84dd16bf9da57cf5b5a4fcc74');
  assert.deepEqual(
    [...trace.steps.values()].map((s) => [s.name, s.status, s.durationMs, s.lines]),
    [
      ['[internal] load remote build context', 'cached', 0, []],
      ['copy /context /', 'cached', 0, []],
      ['[internal] load metadata for docker.io/layerscope-test/busybox:latest', 'done', 1, []],
      ['[a 1/2] FROM docker.io/layerscope-test/busybox:latest', 'cached', 1, []],
      ['[a 2/2] RUN --mount=type=cache,target=/c echo hi > /c/x && echo made > /m', 'done', 802, []],
      ['[stage-1 2/3] COPY --from=a --chmod=755 /m /m2', 'done', 26, []],
      ['[stage-1 3/3] RUN echo two', 'done', 556, ['two']],
      ['exporting to image', 'done', 56, []],
    ],
  );
  assert.deepEqual(parseVertexName('[stage-1 2/3] COPY --from=a --chmod=755 /m /m2'), {
    stage: 'stage-1',
    step: 2,
    of: 3,
    instruction: 'COPY --from=a --chmod=755 /m /m2',
  });
  assert.deepEqual(parseVertexName('[1/3] RUN x'), { stage: '', step: 1, of: 3, instruction: 'RUN x' });
  assert.equal(parseVertexName('[internal] load metadata'), undefined);
});

test('the status decoder on a recorded failing build: the failed step, its error and every log line', () => {
  const { trace, error } = replay('failing.jsonl');
  const failed = trace.failed();
  assert.ok(failed);
  assert.equal(
    failed.name,
    '[broken 3/3] RUN echo "compiling widget" && seq 1 30 | sed \'s/^/line /\' && echo "error: widget.c:42: something broke" && exit 3',
  );
  assert.equal(failed.status, 'failed');
  assert.match(failed.error!, /exit code: 3$/);
  assert.deepEqual(failed.lines, [
    'compiling widget',
    ...Array.from({ length: 30 }, (_, i) => `line ${i + 1}`),
    'error: widget.c:42: something broke',
  ]);
  assert.match(error!, /^executor failed running \[\/bin\/sh -c echo "compiling widget"/);
});

test('--secret: id and src, env, id alone from the environment; bad specs are one line', async () => {
  const dir = await makeTemp('layerscope-secret-');
  try {
    await writeFile(join(dir, 's'), 'file-value');
    const got = readSecrets([`id=a,src=${join(dir, 's')}`, 'id=b,env=B_VAR', 'id=C_VAR'], { B_VAR: 'bee', C_VAR: 'sea' });
    assert.deepEqual(
      [...got].map(([k, v]) => [k, v.toString()]),
      [
        ['a', 'file-value'],
        ['b', 'bee'],
        ['C_VAR', 'sea'],
      ],
    );
    assert.throws(() => readSecrets(['src=/x'], {}), /^InputError: --secret src=\/x: no id=$|--secret src=\/x: no id=/);
    assert.throws(() => readSecrets([`id=x,src=${join(dir, 'missing')}`], {}), /cannot read .*missing: ENOENT/);
    assert.throws(() => readSecrets(['id=x,env=NOPE'], {}), /environment variable NOPE is not set/);
  } finally {
    await removeTemp(dir);
  }
});

test('an unknown flag is one line naming it, exit 2', async () => {
  const r = await runLayerscope(['build', '--frobnicate', FIXTURE]);
  assert.deepEqual(
    { code: r.code, stderr: r.stderr },
    { code: 2, stderr: "layerscope: unknown option '--frobnicate' (see layerscope --help)\n" },
  );
});

test('a syntax this engine refuses (COPY --link): its message with the Dockerfile line, one line, exit 2', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const dir = join(repoRoot, 'test', 'fixtures', 'dockerfiles', 'buildkit-refusal');
  const r = await runLayerscope(['build', dir, '--json']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr.trimEnd().split('\n').at(-1),
    `layerscope: ${join(dir, 'Dockerfile')}:3 COPY --link Dockerfile /x: Unknown flag: link ` +
      "(this engine's Dockerfile frontend is older than that syntax: heredocs and COPY --link need a newer BuildKit)",
  );
});

test('--builder classic refuses --secret (one line, exit 2)', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const r = await runLayerscope(['build', '--builder', 'classic', '--secret', 'id=HOME', FIXTURE]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr.trimEnd().split('\n').at(-1),
    'layerscope: --secret needs BuildKit: the classic builder cannot pass secrets (drop --builder classic)',
  );
});

test('the progress view: each step CACHED / running / done with its duration, in the order they started', async () => {
  const { applyBuildEvent, stepMark } = await import('../../src/ui/BuildView.js');
  let s = { title: 'Building x', stages: [], steps: [], lines: [] } as Parameters<typeof applyBuildEvent>[0];
  s = applyBuildEvent(s, { type: 'builder', builder: 'buildkit' });
  s = applyBuildEvent(s, { type: 'step', stage: 0, text: '[a 1/2] FROM base', key: 'v1', status: 'cached', durationMs: 0 });
  s = applyBuildEvent(s, { type: 'step', stage: 0, text: '[a 2/2] RUN make', key: 'v2', status: 'running' });
  s = applyBuildEvent(s, { type: 'output', stage: 0, text: 'cc -o app', key: 'v2' });
  s = applyBuildEvent(s, { type: 'step', stage: 0, text: '[a 2/2] RUN make', key: 'v2', status: 'done', durationMs: 1234 });
  assert.equal(s.builder, 'BuildKit');
  assert.deepEqual(
    s.steps!.map((x) => [x.text, stepMark(x.status, x.durationMs)]),
    [
      ['[a 1/2] FROM base', 'CACHED'],
      ['[a 2/2] RUN make', '1.2s'],
    ],
  );
  assert.equal(s.step, '[a 2/2] RUN make');
  assert.deepEqual(s.lines, ['cc -o app']);
});

/** Each stage's layers as Dockerfile line numbers (null: a base image layer). */
function sourceLines(b: BuildJson): Record<string, Array<number | null>> {
  return Object.fromEntries(b.stages.map((s) => [s.label, s.report.layers.map((l) => l.source?.line ?? null)]));
}

test('examples/multistage: the Dockerfile line of every layer of both stages (BuildKit)', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const r = await runLayerscope(['build', 'examples/multistage', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const b = JSON.parse(r.stdout) as BuildJson;
  assert.deepEqual(sourceLines(b), { builder: [null, null, 15, 21, 22, 23], final: [null, null, 26, 28, 30, 35, 37] });
  const layer = b.stages[1]!.report.layers[5]!;
  assert.deepEqual(layer.source, { file: 'examples/multistage/Dockerfile', line: 35, instruction: 'RUN rm /tmp/assets.tar' });
});

test('--source podman: Buildah builds every stage through the Podman API; the same Dockerfile lines', async (t) => {
  if (!need(t, 'docker', dockerAvailable()) || !need(t, 'podman', commandAvailable('podman'))) return;
  const dir = await makeTemp('layerscope-podman-build-');
  const socket = join(dir, 'podman.sock');
  const service: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(socket), 'podman system service did not create its socket');
    await run('docker', ['save', '-o', join(dir, 'base.tar'), 'layerscope-test/busybox:latest']);
    await run('podman', ['load', '-q', '-i', join(dir, 'base.tar')]);
    const env = { ...childEnv, CONTAINER_HOST: `unix://${socket}` };
    const r = await runLayerscope(['build', '--source', 'podman', 'examples/multistage', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr.split('\n')[0],
      'layerscope: building with the classic builder (Podman builds with Buildah through the classic build API)',
    );
    const b = JSON.parse(r.stdout) as BuildJson;
    // Buildah's WORKDIR makes no layer; the rest as BuildKit's.
    assert.deepEqual(sourceLines(b), { builder: [null, null, 15, 22, 23], final: [null, null, 26, 28, 30, 35, 37] });
    const ids = await run('podman', [
      'image',
      'inspect',
      '--format',
      '{{.Id}}',
      'layerscope-build/multistage:builder',
      'layerscope-build/multistage:final',
    ]);
    assert.deepEqual(
      ids.stdout
        .trim()
        .split('\n')
        .map((id) => `sha256:${id}`),
      b.stages.map((s) => s.imageId),
    );
    const secret = await runLayerscope(['build', '--source', 'podman', '--secret', 'id=HOME', 'examples/multistage'], { env });
    assert.equal(secret.code, 2);
    assert.equal(
      secret.stderr.trimEnd().split('\n').at(-1),
      'layerscope: --secret needs BuildKit: building with Podman takes no secrets here (use --source docker)',
    );
  } finally {
    await run('podman', ['rmi', '-f', 'layerscope-build/multistage:builder', 'layerscope-build/multistage:final']).catch(() => undefined);
    if (service.exitCode === null) service.kill('SIGTERM');
    await removeTemp(dir);
  }
});

test('the schema the program loads is the vendored .proto files, as protobufjs reads them', async () => {
  const { loadProtoFiles } = await import('../../src/sources/buildkit/proto.js');
  const { SCHEMA } = await import('../../src/sources/buildkit/schema.js');
  assert.deepEqual(
    JSON.parse(JSON.stringify(loadProtoFiles(join(repoRoot, 'src', 'sources', 'buildkit', 'proto')).toJSON())),
    JSON.parse(JSON.stringify(SCHEMA)),
  );
});
