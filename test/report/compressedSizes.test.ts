// Compressed sizes: each layer's blob as stored (what a pull costs) next to what it unpacks to,
// threaded from the sources into the JSON and text reports. The OCI layout's blob files are the
// oracle: the sizes reported are the sizes of those files on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAnalysis } from '../../src/app/open.js';
import { jsonReport } from '../../src/report/json.js';
import { textReport } from '../../src/report/text.js';
import { buildImage, hexOf, ImageWorkspace, MT } from '../helpers/image.js';
import { packTar, packTarGz, zstdRawFrame } from '../helpers/tar.js';

async function mixedImage() {
  return buildImage({
    layers: [
      await packTarGz([{ name: 'etc/os-release', content: 'ID=test\n'.repeat(200) }]),
      zstdRawFrame(await packTar([{ name: 'usr/bin/tool', content: 'T'.repeat(3000) }])),
      await packTar([{ name: 'app/main.js', content: 'console.log(1)' }]),
    ],
  });
}

test('OCI layout: layers[].compressedBytes are the blob files on disk, with their media types; the image total is their sum', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = await mixedImage();
    const dir = ws.ociLayoutDir([img]);
    const onDisk = img.layers.map((l) => statSync(join(dir, 'blobs', 'sha256', hexOf(l.digest))).size);
    // The blobs really differ from what they unpack to (gzip and zstd), so the test can tell them apart.
    assert.notEqual(onDisk[0], img.layers[0]!.tar.length);
    assert.ok(readdirSync(join(dir, 'blobs', 'sha256')).length >= 5);
    for (const path of [dir, await ws.ociLayoutTar([img])]) {
      const report = jsonReport(await loadAnalysis(path, { cache: false }));
      assert.deepEqual(
        report.layers.map((l) => l.compressedBytes),
        onDisk,
      );
      assert.deepEqual(
        report.layers.map((l) => l.mediaType),
        [MT.ociLayerGzip, MT.ociLayerZstd, MT.ociLayer],
      );
      assert.equal(
        report.image.compressedBytes,
        onDisk.reduce((a, b) => a + b, 0),
      );
    }
  } finally {
    ws.cleanup();
  }
});

test('docker save archive: the blob as stored is the uncompressed tar; legacy archives name no media type', async () => {
  const ws = new ImageWorkspace();
  try {
    const img = await mixedImage();
    const report = jsonReport(await loadAnalysis(await ws.legacyDockerArchive([img]), { cache: false }));
    assert.deepEqual(
      report.layers.map((l) => l.compressedBytes),
      img.layers.map((l) => l.tar.length),
    );
    assert.deepEqual(
      report.layers.map((l) => l.mediaType),
      [null, null, null],
    );
  } finally {
    ws.cleanup();
  }
});

test('an unknown compressed size is null in JSON and n/a in text, and the image total is null, never a partial sum', async () => {
  const ws = new ImageWorkspace();
  try {
    const analysis = await loadAnalysis(ws.ociLayoutDir([await mixedImage()]), { cache: false });
    // As the engine source describes its layers: the size of the blobs in its store is not known.
    analysis.image.layers[1] = { ...analysis.image.layers[1]!, compressedBytes: null };
    const report = jsonReport(analysis);
    assert.equal(report.layers[1]!.compressedBytes, null);
    assert.equal(report.image.compressedBytes, null);
    const text = textReport(analysis, { width: 120 });
    assert.match(text, /^\s+1\s+3 kB\s+n\/a\s+0 B\s+0 B\s+COPY layer1/m);
    assert.match(text, /^ {2}compressed {6}n\/a {2}\(this source does not say/m);
  } finally {
    ws.cleanup();
  }
});
