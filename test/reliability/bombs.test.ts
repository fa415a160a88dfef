// Decompression bombs are bounded in memory: each runs through the real CLI in a child process
// with a small heap (--max-old-space-size=160), which must end with the clear one-line error
// (under --max-bytes) or a clean analysis, and whose peak resident set (VmHWM, worker threads
// included) must stay under 300 MiB. The bombs: 1 GiB of zeros in a layer of ~1 MB, gzip (as
// concatenated members) and zstd (as concatenated frames).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { repoRoot, childEnv } from '../helpers/cli.js';
import { rawHeader, TAR_END } from '../helpers/tar.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const CEILING_KIB = 300 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'layerscope-bombs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An OCI layout of one layer: a tar holding one file of `size` zero bytes, compressed as
 *  repeated 1 MiB members/frames. Its diffID is hashed without ever holding the tar. */
function bomb(codec: 'gzip' | 'zstd', size: number): string {
  const compress = (b: Buffer) => (codec === 'gzip' ? gzipSync(b, { level: 9 }) : zstdCompressSync(b));
  const header = rawHeader({ name: 'zeros.bin', size, magic: 'ustar' });
  const zeros = Buffer.alloc(MIB);
  const member = compress(zeros);
  const parts = [compress(header), ...Array.from({ length: size / MIB }, () => member), compress(TAR_END)];
  const blob = Buffer.concat(parts);
  const diff = createHash('sha256').update(header);
  for (let i = 0; i < size / MIB; i++) diff.update(zeros);
  diff.update(TAR_END);
  const diffId = `sha256:${diff.digest('hex')}`;
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created_by: 'bomb' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: `application/vnd.oci.image.layer.v1.tar+${codec}`, digest: sha(blob), size: blob.length }],
    }),
  );
  const root = join(dir, `${codec}-${size}`);
  mkdirSync(join(root, 'blobs', 'sha256'), { recursive: true });
  for (const b of [blob, config, manifest]) writeFileSync(join(root, 'blobs', 'sha256', sha(b).slice(7)), b);
  writeFileSync(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(root, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length }],
    }),
  );
  return root;
}

function runBounded(args: string[]): { code: number | null; stdout: string; stderr: string; peakKiB: number } {
  const hwm = join(dir, `hwm-${Date.now()}-${Math.random()}`);
  const child = join(repoRoot, 'dist', 'test', 'reliability', 'bombChild.js');
  const r = spawnSync(process.execPath, ['--max-old-space-size=160', child, ...args, '--no-cache'], {
    encoding: 'utf8',
    maxBuffer: 64 * MIB,
    timeout: 300_000,
    env: { ...childEnv, LAYERSCOPE_HWM_FILE: hwm, LAYERSCOPE_DEBUG: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, peakKiB: Number(readFileSync(hwm, 'utf8')) };
}

for (const codec of ['gzip', 'zstd'] as const) {
  test(`a ${codec} bomb (1 GiB of zeros): --max-bytes stops it with one line, in bounded memory`, () => {
    const path = bomb(codec, GIB);
    const r = runBounded([path, '--json', '--max-bytes', '100MB']);
    assert.equal(r.stderr, 'layerscope: layer 0 unpacks to more than 100 MB; raise --max-bytes to analyse it\n');
    assert.equal(r.code, 2);
    assert.ok(r.peakKiB > 0 && r.peakKiB < CEILING_KIB, `peak RSS ${r.peakKiB} KiB`);
    console.log(`${codec} bomb under --max-bytes: peak RSS ${Math.round(r.peakKiB / 1024)} MiB`);
  });

  test(`a ${codec} bomb (1 GiB of zeros) without limits: analysed, streamed in bounded memory`, () => {
    const path = bomb(codec, GIB);
    const r = runBounded([path, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { image: { storedBytes: number; visibleBytes: number } };
    assert.equal(report.image.storedBytes, GIB);
    assert.equal(report.image.visibleBytes, GIB);
    assert.ok(r.peakKiB > 0 && r.peakKiB < CEILING_KIB, `peak RSS ${r.peakKiB} KiB`);
    console.log(`${codec} bomb analysed: peak RSS ${Math.round(r.peakKiB / 1024)} MiB`);
  });
}
