import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeLayers, parseImageConfig, renderCommand } from '../../src/sources/config.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

test('renders history commands as the Dockerfile instruction', () => {
  assert.equal(renderCommand('/bin/sh -c #(nop) ADD file:0123abc in / '), 'ADD file:0123abc in /');
  assert.equal(renderCommand('/bin/sh -c #(nop)  CMD ["bash"]'), 'CMD ["bash"]');
  assert.equal(renderCommand('/bin/sh -c #(nop) WORKDIR /app'), 'WORKDIR /app');
  assert.equal(
    renderCommand('/bin/sh -c apt-get update && apt-get install -y curl'),
    'RUN /bin/sh -c apt-get update && apt-get install -y curl',
  );
  assert.equal(renderCommand('|2 A=1 B=2 /bin/sh -c make'), 'RUN |2 A=1 B=2 /bin/sh -c make');
  assert.equal(renderCommand('RUN /bin/sh -c make # buildkit'), 'RUN /bin/sh -c make');
  assert.equal(renderCommand('COPY . /src # buildkit'), 'COPY . /src');
  assert.equal(renderCommand('cmd /S /C #(nop) COPY x y'), 'COPY x y');
  assert.equal(renderCommand('  '), '');
  assert.equal(renderCommand('ko build'), 'ko build');
});

const config = {
  architecture: 'arm',
  variant: 'v7',
  os: 'linux',
  created: '2024-05-06T07:08:09Z',
  config: {
    Env: ['PATH=/bin', 'A=b'],
    Cmd: ['node', 'server.js'],
    Entrypoint: ['/init'],
    WorkingDir: '/app',
    User: '1000:1000',
    Labels: { 'org.opencontainers.image.title': 'demo', bad: 3 },
  },
  rootfs: { type: 'layers', diff_ids: [D('a'), D('b'), D('c')] },
  history: [
    { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:base in / ' },
    { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
    { created_by: 'RUN /bin/sh -c npm ci # buildkit', comment: 'buildkit.dockerfile.v0' },
    { created_by: 'ENV A=b', empty_layer: true },
    { created_by: 'COPY . /app # buildkit' },
  ],
};

test('parses platform, run settings and full history', () => {
  const parsed = parseImageConfig(config, 'x.tar: cfg');
  assert.deepEqual(parsed.info, {
    os: 'linux',
    architecture: 'arm',
    variant: 'v7',
    created: '2024-05-06T07:08:09Z',
    env: ['PATH=/bin', 'A=b'],
    cmd: ['node', 'server.js'],
    entrypoint: ['/init'],
    workingDir: '/app',
    user: '1000:1000',
    labels: { 'org.opencontainers.image.title': 'demo' },
    history: [
      { createdBy: 'ADD file:base in /', emptyLayer: false, created: '2024-01-01T00:00:00Z' },
      { createdBy: 'CMD ["sh"]', emptyLayer: true },
      { createdBy: 'RUN /bin/sh -c npm ci', emptyLayer: false, comment: 'buildkit.dockerfile.v0' },
      { createdBy: 'ENV A=b', emptyLayer: true },
      { createdBy: 'COPY . /app', emptyLayer: false },
    ],
  });
  assert.deepEqual(parsed.diffIds, [D('a'), D('b'), D('c')]);
  assert.deepEqual(parsed.warnings, []);
});

test('pairs the i-th non-empty history step with layer i', () => {
  const parsed = parseImageConfig(config, 'x.tar: cfg');
  const { layers, warnings } = describeLayers(
    parsed,
    [{ blobDigest: D('1'), blobSize: 10, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }, {}, { blobSize: 3 }],
    'x.tar: manifest.json',
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(layers, [
    {
      index: 0,
      diffId: D('a'),
      command: 'ADD file:base in /',
      blobDigest: D('1'),
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      blobSize: 10,
      compressedBytes: 10,
      created: '2024-01-01T00:00:00Z',
    },
    // No size known: the compressed size is unknown (null), not 0.
    { index: 1, diffId: D('b'), command: 'RUN /bin/sh -c npm ci', compressedBytes: null, comment: 'buildkit.dockerfile.v0' },
    { index: 2, diffId: D('c'), command: 'COPY . /app', blobSize: 3, compressedBytes: 3 },
  ]);
});

test('fewer or more history steps than layers: pairs what it can and warns with both counts', () => {
  const short = parseImageConfig({ ...config, history: config.history.slice(0, 3) }, 'cfg');
  const a = describeLayers(short, [{}, {}, {}], 'x.tar: manifest.json');
  assert.deepEqual(
    a.layers.map((l) => l.command),
    ['ADD file:base in /', 'RUN /bin/sh -c npm ci', ''],
  );
  assert.deepEqual(a.warnings, [
    'x.tar: manifest.json: history has 2 steps that made layers but the image has 3 layers; commands are paired in order for the first 2',
  ]);
  const long = parseImageConfig({ ...config, rootfs: { type: 'layers', diff_ids: [D('a'), D('b')] } }, 'cfg');
  const b = describeLayers(long, [{}, {}], 'm');
  assert.deepEqual(
    b.layers.map((l) => l.command),
    ['ADD file:base in /', 'RUN /bin/sh -c npm ci'],
  );
  assert.deepEqual(b.warnings, [
    'm: history has 3 steps that made layers but the image has 2 layers; commands are paired in order for the first 2',
  ]);
  const none = parseImageConfig({ ...config, history: undefined }, 'cfg');
  assert.deepEqual(describeLayers(none, [{}, {}, {}], 'm').warnings, [
    'm: history has 0 steps that made layers but the image has 3 layers; commands are paired in order for the first 0',
  ]);
});

test('diff_ids count must match the manifest layers', () => {
  const parsed = parseImageConfig(config, 'cfg');
  assert.throws(() => describeLayers(parsed, [{}, {}], 'x.tar: manifest.json'), {
    name: 'InputError',
    message: 'x.tar: manifest.json: the image config lists 3 diff_ids but the manifest lists 2 layers',
  });
});

test('structural problems in the config are InputErrors naming the field', () => {
  assert.throws(() => parseImageConfig([], 'x.tar: c.json'), {
    name: 'InputError',
    message: 'x.tar: c.json: expected a JSON object, found an array',
  });
  assert.throws(() => parseImageConfig({ os: 'linux', architecture: 'amd64' }, 'c'), {
    name: 'InputError',
    message: 'c: the image config has no rootfs',
  });
  assert.throws(() => parseImageConfig({ os: 'linux', architecture: 'amd64', rootfs: { diff_ids: null } }, 'c'), {
    name: 'InputError',
    message: 'c: rootfs.diff_ids: expected a JSON array, found null',
  });
  assert.throws(() => parseImageConfig({ os: 'linux', architecture: 'amd64', rootfs: { diff_ids: ['sha256:xyz'] } }, 'c'), {
    name: 'InputError',
    message: 'c: rootfs.diff_ids[0]: invalid sha256 digest sha256:xyz',
  });
  assert.throws(() => parseImageConfig({ ...config, history: [{ created_by: 'x' }, 'oops'] }, 'c'), {
    name: 'InputError',
    message: 'c: history[1]: expected a JSON object, found a string',
  });
});

test('a config without os or architecture is read with a warning', () => {
  const parsed = parseImageConfig({ rootfs: { type: 'layers', diff_ids: [] }, config: null }, 'c');
  assert.equal(parsed.info.os, 'unknown');
  assert.equal(parsed.info.architecture, 'unknown');
  assert.deepEqual(parsed.warnings, [
    'c: the image config has no "os"; shown as "unknown"',
    'c: the image config has no "architecture"; shown as "unknown"',
  ]);
  assert.deepEqual(parsed.diffIds, []);
});
