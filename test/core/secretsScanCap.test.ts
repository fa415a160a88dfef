// The secret scan's content cap (`--secrets-max-bytes`, default 1 MiB): a file above it is checked
// by name only, one at or below it by content; a summary cached under one cap is read again under
// another (its findings would mean something else), and a bad value is one line, exit 2.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { walkLayer } from '../../src/core/walk.js';
import { packTar } from '../helpers/tar.js';
import { writeImageFixtures } from '../helpers/image.js';
import { runLayerscope, childEnv } from '../helpers/cli.js';

const TOKEN = 'ghp_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8';
/** 2 MiB of text with the token on line 20,001: above the default cap. */
const BIG = `${'# filler line of forty-nine characters, no secret\n'.repeat(20_000)}TOKEN=${TOKEN}\n`.padEnd(2 * 1024 * 1024, '#');
const SMALL = `TOKEN=${TOKEN}\n`;

const dir = mkdtempSync(join(tmpdir(), 'layerscope-scancap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('walkLayer: the default cap scans 1 MiB; secretsMaxBytes raises it; 0 is names only', async () => {
  const layer = await packTar([
    { name: 'app/big.txt', content: BIG },
    { name: 'app/small.txt', content: SMALL },
  ]);
  const paths = async (secretsMaxBytes?: number) => {
    const s = await walkLayer(Readable.from([layer]), secretsMaxBytes === undefined ? {} : { limits: { secretsMaxBytes } });
    return { cap: s.contents!.scanMaxBytes, hits: s.contents!.secrets.map((h) => `${h.path}:${h.line}:${h.rule}`) };
  };
  assert.equal(Buffer.byteLength(BIG), 2_097_152);
  assert.deepEqual(await paths(), { cap: 1_048_576, hits: ['app/small.txt:1:github-token'] });
  assert.deepEqual(await paths(4 * 1024 * 1024), {
    cap: 4_194_304,
    hits: ['app/big.txt:20001:github-token', 'app/small.txt:1:github-token'],
  });
  assert.deepEqual(await paths(0), { cap: 0, hits: [] });
});

test('--secrets-max-bytes through the binary, with the cache on: each cap gives its own findings', async () => {
  const fx = await writeImageFixtures({ layers: [await packTar([{ name: 'app/big.txt', content: BIG }])] });
  after(() => fx.cleanup());
  const env = { ...childEnv, LAYERSCOPE_CACHE_DIR: join(dir, 'cache') };
  const secrets = async (...flags: string[]) => {
    const r = await runLayerscope([fx.legacyTar, '--json', ...flags], { env });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { secrets: Array<{ path: string; line?: number; rule: string }> }).secrets.map(
      (s) => `${s.path}:${s.line}:${s.rule}`,
    );
  };
  assert.deepEqual(await secrets(), []);
  // The layer is in the cache now, read under the default cap: a larger cap reads it again.
  assert.deepEqual(await secrets('--secrets-max-bytes', '2MiB'), ['/app/big.txt:20001:github-token']);
  assert.deepEqual(await secrets(), []);
  assert.deepEqual(await secrets('--secrets-max-bytes', '2097151'), []);
  // LAYERSCOPE_SECRETS_MAX_BYTES (as the config file's secretsMaxBytes) sets the cap; the flag wins over it.
  const withEnv = async (value: string, ...flags: string[]) => {
    const r = await runLayerscope([fx.legacyTar, '--json', ...flags], { env: { ...env, LAYERSCOPE_SECRETS_MAX_BYTES: value } });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { secrets: Array<{ path: string; line?: number }> }).secrets.map((s) => `${s.path}:${s.line}`);
  };
  assert.deepEqual(await withEnv('2MiB'), ['/app/big.txt:20001']);
  assert.deepEqual(await withEnv('2MiB', '--secrets-max-bytes', '1MiB'), []);
  const bad = await runLayerscope([fx.legacyTar, '--json', '--secrets-max-bytes', 'lots'], { env });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'layerscope: --secrets-max-bytes lots: expected a size such as 1MiB or 16MB (0: names only)\n');
});
