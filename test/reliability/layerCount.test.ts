// An absurd layer count is refused at once, with one line that says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packTar } from '../helpers/tar.js';
import { buildImage, ImageWorkspace, legacyDockerArchiveFiles } from '../helpers/image.js';
import { runLayerscope } from '../helpers/cli.js';

test('an image with more layers than any engine stacks is refused with one line', async () => {
  const ws = new ImageWorkspace();
  try {
    const layer = await packTar([{ name: 'x', content: 'x' }]);
    const img = buildImage({ layers: Array.from({ length: 1001 }, () => layer) });
    const path = await ws.writeTar('many.tar', legacyDockerArchiveFiles([img]));
    const r = await runLayerscope([path, '--json', '--no-cache']);
    assert.equal(r.stderr, 'layerscope: the image has 1001 layers; Docker refuses more than 125 and layerscope reads at most 1000\n');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
  } finally {
    ws.cleanup();
  }
});
