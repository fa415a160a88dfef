// Dockerfile stages and the files that flow between them, parsed from text alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expand, parseDockerfile } from '../../src/sources/dockerfile.js';
import { copiedFromStages, findStage, resolvePath, stageClosure, stageLabel, stageTitle } from '../../src/core/stages.js';

const MULTI = `# syntax=docker/dockerfile:1
ARG BASE=layerscope-test/busybox
ARG TAG
ARG UNUSED_DEFAULT=x
FROM \${BASE}:\${TAG:-latest} AS Builder
ARG TAG
ENV OUT=/out
WORKDIR src
WORKDIR app
COPY . .
RUN make

FROM builder AS tester
WORKDIR tests
COPY --from=Builder \${OUT}/bin ./bin/

FROM scratch
COPY --from=0 /src/app/out/app /app
COPY --from=tester --chown=1:1 ["/src/app/tests/report xml", "/reports/"]
COPY --from=alpine:3.19 /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
RUN --mount=type=cache,target=/root/.cache --mount=from=builder,source=/src,target=/mnt/src \\
    --mount=type=bind,from=tester,src=lib,dst=rel true
`;

test('stages: index, name (lowercased), base with ARGs before FROM applied', () => {
  const g = parseDockerfile(MULTI);
  assert.deepEqual(
    g.stages.map((s) => ({
      index: s.index,
      name: s.name,
      base: s.base,
      from: s.from,
      fromText: s.fromText,
      line: s.line,
      workdir: s.workdir,
    })),
    [
      {
        index: 0,
        name: 'builder',
        base: { kind: 'image', ref: 'layerscope-test/busybox:latest' },
        from: 'layerscope-test/busybox:latest',
        fromText: '${BASE}:${TAG:-latest}',
        line: 5,
        workdir: '/src/app',
      },
      {
        index: 1,
        name: 'tester',
        base: { kind: 'stage', index: 0 },
        from: 'builder',
        fromText: 'builder',
        line: 13,
        workdir: '/src/app/tests',
      },
      { index: 2, name: undefined, base: { kind: 'scratch' }, from: 'scratch', fromText: 'scratch', line: 17, workdir: '/' },
    ],
  );
  assert.deepEqual(g.args, [
    { name: 'BASE', default: 'layerscope-test/busybox', value: 'layerscope-test/busybox', line: 2 },
    { name: 'TAG', line: 3 },
    { name: 'UNUSED_DEFAULT', default: 'x', value: 'x', line: 4 },
  ]);
  assert.deepEqual(g.stages.map(stageLabel), ['builder', 'tester', '2']);
  assert.deepEqual(g.stages.map(stageTitle), ['builder', 'tester', 'stage 2']);
  assert.equal(g.stages[0]!.instructions, 6);
  assert.equal(g.stages[2]!.endLine, 22);
});

test('--build-arg overrides the defaults used in FROM lines', () => {
  const g = parseDockerfile(MULTI, { buildArgs: { TAG: '1.36', BASE: 'registry.example/bb', NOT_DECLARED: '1', HTTP_PROXY: 'http://p' } });
  assert.deepEqual(g.stages[0]!.base, { kind: 'image', ref: 'registry.example/bb:1.36' });
  assert.deepEqual(
    g.args.map((a) => [a.name, a.value]),
    [
      ['BASE', 'registry.example/bb'],
      ['TAG', '1.36'],
      ['UNUSED_DEFAULT', 'x'],
    ],
  );
  // Proxy variables are predefined; anything else no ARG declares is reported.
  assert.deepEqual(g.unusedBuildArgs, ['NOT_DECLARED']);
});

test('COPY --from and RUN --mount=from edges: named, numeric and external sources, WORKDIR-relative destinations', () => {
  const g = parseDockerfile(MULTI);
  assert.deepEqual(
    g.edges.map((e) => ({
      kind: e.kind,
      stage: e.stage,
      from: e.from,
      sources: e.sources,
      destination: e.destination,
      intoDirectory: e.intoDirectory,
      line: e.line,
    })),
    [
      // ENV OUT expands in the source; `./bin/` is relative to WORKDIR /src/app/tests (inherited /src/app + tests).
      {
        kind: 'copy',
        stage: 1,
        from: { kind: 'stage', index: 0 },
        sources: ['/out/bin'],
        destination: '/src/app/tests/bin',
        intoDirectory: true,
        line: 15,
      },
      {
        kind: 'copy',
        stage: 2,
        from: { kind: 'stage', index: 0 },
        sources: ['/src/app/out/app'],
        destination: '/app',
        intoDirectory: false,
        line: 18,
      },
      // JSON form keeps the space in a name; several sources or a trailing slash: a directory.
      {
        kind: 'copy',
        stage: 2,
        from: { kind: 'stage', index: 1 },
        sources: ['/src/app/tests/report xml'],
        destination: '/reports',
        intoDirectory: true,
        line: 19,
      },
      {
        kind: 'copy',
        stage: 2,
        from: { kind: 'image', ref: 'alpine:3.19' },
        sources: ['/etc/ssl/certs/ca-certificates.crt'],
        destination: '/etc/ssl/certs',
        intoDirectory: true,
        line: 20,
      },
      // A cache mount without from is not an edge; a bind mount from a stage is.
      {
        kind: 'mount',
        stage: 2,
        from: { kind: 'stage', index: 0 },
        sources: ['/src'],
        destination: '/mnt/src',
        intoDirectory: true,
        line: 21,
      },
      { kind: 'mount', stage: 2, from: { kind: 'stage', index: 1 }, sources: ['/lib'], destination: '/rel', intoDirectory: true, line: 21 },
    ],
  );
  assert.equal(g.edges[2]!.instruction, 'COPY --from=tester --chown=1:1 ["/src/app/tests/report xml", "/reports/"]');
});

test('stage lookups: by name (any case) or index; closure and copy sources', () => {
  const g = parseDockerfile(MULTI);
  assert.equal(findStage(g, 'BUILDER')?.index, 0);
  assert.equal(findStage(g, '2')?.index, 2);
  assert.equal(findStage(g, 'nope'), undefined);
  assert.deepEqual(stageClosure(g, 2), [0, 1, 2]);
  assert.deepEqual(stageClosure(g, 1), [0, 1]);
  assert.deepEqual(stageClosure(g, 0), [0]);
  assert.deepEqual(copiedFromStages(g, 2), [0, 1]);
  assert.deepEqual(copiedFromStages(g, 0), []);
});

test('a stage name used before it is defined is an image, and FROM never takes an index', () => {
  const g = parseDockerfile('FROM later AS first\nFROM busybox AS later\nFROM 0\nCOPY --from=later /a /b\nCOPY --from=5 /a /b\n');
  assert.deepEqual(
    g.stages.map((s) => s.base),
    [
      { kind: 'image', ref: 'later' },
      { kind: 'image', ref: 'busybox' },
      { kind: 'image', ref: '0' },
    ],
  );
  assert.deepEqual(
    g.edges.map((e) => e.from),
    [
      { kind: 'stage', index: 1 },
      { kind: 'image', ref: '5' },
    ],
  );
});

test('errors name the file and line', () => {
  assert.throws(() => parseDockerfile('# nothing\nRUN true\n', { file: 'x/Dockerfile' }), {
    name: 'InputError',
    message: 'x/Dockerfile: no FROM instruction; a Dockerfile starts its first stage with FROM',
  });
  assert.throws(() => parseDockerfile('FROM a AS b\nFROM c AS B\n'), { message: 'Dockerfile:2: duplicate stage name "b"' });
  assert.throws(() => parseDockerfile('FROM a AS b\nCOPY --from=b /x /y\n'), {
    message: 'Dockerfile:2: COPY --from=b refers to its own stage',
  });
  assert.throws(() => parseDockerfile('FROM a AS\n'), { message: 'Dockerfile:1: FROM … AS needs a stage name' });
  assert.throws(() => parseDockerfile('FROM a AS 1x\n'), /invalid stage name "1x"/);
});

test('variables: $X, ${X}, defaults and alternatives, escaped dollars', () => {
  const vars = new Map([
    ['A', 'a'],
    ['EMPTY', ''],
  ]);
  assert.equal(expand('$A/${A}/x$A', vars), 'a/a/xa');
  assert.equal(expand('${MISSING:-d}|${EMPTY:-d}|${EMPTY-d}|${A:-d}', vars), 'd|d||a');
  assert.equal(expand('${A:+set}|${EMPTY:+set}|${EMPTY+set}|${MISSING+set}', vars), 'set||set|');
  assert.equal(expand('\\$A and $MISSING.', vars), '$A and .');
  assert.equal(expand('${MISSING:-${A}b}', vars), 'ab');
  assert.equal(expand('`$A \\$A', vars, '`'), '$A \\a');
});

test('escape directive and line continuations', () => {
  const g = parseDockerfile('# escape=`\nFROM busybox AS b\nWORKDIR /w\nFROM busybox\nCOPY --from=b `\n  one two `\n  dest/\n');
  assert.deepEqual(
    g.edges.map((e) => [e.sources, e.destination, e.line]),
    [[['/one', '/two'], '/dest', 5]],
  );
});

test('resolvePath normalises and resolves against a directory', () => {
  assert.equal(resolvePath('/a/b', '../c/./d/'), '/a/c/d');
  assert.equal(resolvePath('/a', '/x/../../y'), '/y');
  assert.equal(resolvePath('/', '.'), '/');
});
