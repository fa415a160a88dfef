// Warnings as data: the image's, each layer's (walk), the merge's and the final filesystem's
// (symlinks) in one list, in that order, each with its layer and path; the text form is the
// line stderr and the text report print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse } from '../../src/core/analysis.js';
import { warningText } from '../../src/core/warnings.js';
import { jsonWarnings } from '../../src/report/json.js';
import { summariseLayers } from '../helpers/core.js';

test('analysis.warnings: image, walk, merge and symlink warnings with layer, path and kind; their text and JSON', async () => {
  const summaries = await summariseLayers([
    [{ name: 'etc/', type: 'directory' }],
    [
      { name: '../etc/x', content: 'x' },
      { name: '.wh.nothing', content: '' },
      { name: 'up', type: 'symlink', linkname: '../../y' },
    ],
  ]);
  const analysis = analyse({
    ref: 'warnings',
    id: `sha256:${'0'.repeat(64)}`,
    config: { os: 'linux', architecture: 'amd64', history: [] },
    layers: summaries.map((s, index) => ({ index, diffId: s.diffId, command: `layer ${index}` })),
    summaries,
    warnings: ['m: the image config has no "os"'],
  });
  assert.deepEqual(analysis.warnings, [
    { kind: 'image', message: 'm: the image config has no "os"' },
    {
      layer: 1,
      kind: 'nameClimbsRoot',
      path: '/etc/x',
      message: 'entry "../etc/x" climbs above the layer root; the engine unpacks it at /etc/x, and so does this',
    },
    { layer: 1, kind: 'whiteoutOfNothing', path: '/nothing', message: 'whiteout of /nothing, which no lower layer has' },
    { kind: 'symlinkClimbsRoot', path: '/up', message: 'symlink /up → ../../y climbs above the image root' },
  ]);
  assert.deepEqual(analysis.warnings.map(warningText), [
    'm: the image config has no "os"',
    'layer 1: entry "../etc/x" climbs above the layer root; the engine unpacks it at /etc/x, and so does this',
    'layer 1: whiteout of /nothing, which no lower layer has',
    'symlink /up → ../../y climbs above the image root',
  ]);
  assert.deepEqual(jsonWarnings(analysis.warnings)[0], {
    layer: null,
    path: null,
    kind: 'image',
    message: 'm: the image config has no "os"',
  });
  assert.deepEqual(jsonWarnings(analysis.warnings)[2], {
    layer: 1,
    path: '/nothing',
    kind: 'whiteoutOfNothing',
    message: 'whiteout of /nothing, which no lower layer has',
  });
});
