// The package as users get it: `npm pack`, installed with `npm install -g` into a temp prefix,
// then the installed command run from there (not from this checkout).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, childEnv } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

test('npm pack → npm install -g into a temp prefix: --version, version and --text on the bundled example work from there', async () => {
  const work = mkdtempSync(join(tmpdir(), 'layerscope-pack-'));
  try {
    // dist/ is built already (npm test compiles first): pack it as it is.
    const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repoRoot)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = packed[0]!.files.map((f) => f.path);
    assert.ok(files.includes('bin/layerscope.js'));
    assert.ok(files.includes('dist/src/main.js'));
    assert.ok(files.includes('examples/multistage-final.tar'));
    // Sources and tests stay out; BuildKit's schemas ship compiled (schema.js, made from the
    // vendored .proto files), so the build needs no .proto file at run time.
    const outOfPlace = files.filter((f) => f.startsWith('dist/test/') || f.startsWith('src/'));
    assert.deepEqual(outOfPlace, [], 'tests and sources stay out of the package');
    assert.ok(files.includes('dist/src/sources/buildkit/schema.js'));
    const prefix = join(work, 'prefix');
    run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(work, packed[0]!.filename)], work);
    const bin = join(prefix, 'bin', 'layerscope');
    const env = { ...childEnv, LAYERSCOPE_CACHE_DIR: join(work, 'cache') };
    assert.equal(run(bin, ['--version'], work, env), `${pkg.version}\n`);
    assert.equal(run(bin, ['-V'], work, env), `${pkg.version}\n`);
    assert.equal(run(bin, ['version'], work, env), `${pkg.version}\n`);
    const text = run(bin, ['--text'], work, env);
    // The example ships inside the package: its path is the installed one.
    assert.match(text, new RegExp(`^Image ${prefix}/lib/node_modules/layerscope/examples/multistage-final\\.tar$`, 'm'));
    assert.match(text, /^ {4}81\.9 kB {4}×1 {2}L4→L5 {7}\/tmp\/assets\.tar$/m);
    assert.equal(pkg.engines.node, '>=22.15.0');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
