import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tar from 'tar-stream';
import { packTar, packTarGz, rawHeader, TAR_END } from '../helpers/tar.js';
import { buildImage, ImageWorkspace } from '../helpers/image.js';
import { cliPath, repoRoot } from '../helpers/cli.js';

function cli(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args, '--no-cache'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Every path under `dir` (relative), with what it is. */
function listTree(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, base)).sort()) {
    const rel = base === '' ? name : `${base}/${name}`;
    const st = lstatSync(join(dir, rel));
    if (st.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(join(dir, rel))}`);
    else if (st.isDirectory()) out.push(`${rel}/`, ...listTree(dir, rel));
    else out.push(`${rel} ${st.size} ${(st.mode & 0o777).toString(8)}`);
  }
  return out;
}

function padTo512(b: Buffer): Buffer {
  const rem = b.length % 512;
  return rem === 0 ? b : Buffer.concat([b, Buffer.alloc(512 - rem)]);
}

test('extract writes nothing outside DIR from a hostile image', async () => {
  const ws = new ImageWorkspace();
  try {
    const outside = join(ws.dir, 'outside');
    mkdirSync(outside);
    // Layer 0: a symlink pointing out of DIR (absolute), and a file written "through" it in the same tar;
    // a relative symlink climbing out; names with `..` and absolute names.
    const layer0 = Buffer.concat([
      await packTar([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/a.txt', content: 'alpha\n', mode: 0o640 },
        { name: 'abs', type: 'symlink', linkname: outside },
        { name: 'rel', type: 'symlink', linkname: '../../../../../../outside' },
        { name: '/absolute-name.txt', content: 'leading slash\n' },
        { name: 'dev-null', type: 'character-device' },
      ]).then((t) => t.subarray(0, t.length - 1024)),
      rawHeader({ name: '../climb.txt', size: 6 }),
      padTo512(Buffer.from('climb\n')),
      rawHeader({ name: 'etc/../../climb2.txt', size: 7 }),
      padTo512(Buffer.from('climb2\n')),
      TAR_END,
    ]);
    // Layer 1: a file below the relative link (the link becomes a directory in the image).
    const layer1 = await packTarGz([
      { name: 'rel/file.txt', content: 'below rel\n' },
      { name: 'abs/pwned.txt', content: 'through an absolute link\n' },
    ]);
    const image = buildImage({ layers: [layer0, layer1] });
    const archive = await ws.docker25Archive([image]);
    const parent = join(ws.dir, 'parent');
    mkdirSync(parent);
    const dir = join(parent, 'out');
    const r = await cli(['extract', archive, '/', '-o', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(outside), [], 'nothing written through the absolute symlink');
    assert.deepEqual(readdirSync(parent), ['out']);
    assert.deepEqual(readdirSync(ws.dir).sort(), ['docker25.tar', 'outside', 'parent']);
    assert.deepEqual(listTree(dir), [
      'abs/',
      'abs/pwned.txt 25 644',
      'absolute-name.txt 14 644',
      // `..` climbing above the root stops at the root, as the engine's applier does: inside DIR.
      'climb.txt 6 644',
      'climb2.txt 7 644',
      'etc/',
      'etc/a.txt 6 640',
      'rel/',
      'rel/file.txt 10 644',
    ]);
    assert.match(r.stderr, /skipped \/dev-null: a char device node/);
    // A symlink already in DIR, pointing outside: refused without --force, replaced (not followed) with it.
    rmSync(join(dir, 'etc', 'a.txt'));
    symlinkSync(join(outside, 'victim.txt'), join(dir, 'etc', 'a.txt'));
    const refused = await cli(['extract', archive, '/etc/a.txt', '-o', dir]);
    assert.equal(refused.code, 2);
    // The analysis warns about the climbing names (its wording is the walk's); the errors are ours.
    const errors = (stderr: string) =>
      stderr.replace(/^layerscope: warning: layer 0: entry "[^\n]*climbs above the layer root[^\n]*\n/gm, '');
    assert.equal(errors(refused.stderr), `layerscope: ${join(dir, 'etc/a.txt')} exists; use --force to overwrite it\n`);
    const forced = await cli(['extract', archive, '/etc/a.txt', '-o', dir, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(readdirSync(outside), []);
    assert.equal(lstatSync(join(dir, 'etc', 'a.txt')).isSymbolicLink(), false);
    assert.equal(readFileSync(join(dir, 'etc', 'a.txt'), 'utf8'), 'alpha\n');
    // A symlink directory in DIR on the way to a file: never written through.
    rmSync(join(dir, 'etc'), { recursive: true });
    symlinkSync(outside, join(dir, 'etc'));
    const through = await cli(['extract', archive, '/etc/a.txt', '-o', dir, '--force']);
    assert.equal(through.code, 2);
    assert.equal(
      errors(through.stderr),
      `layerscope: refused to write through the symlink ${join(dir, 'etc')} (symlinks are never followed)\n`,
    );
    assert.deepEqual(readdirSync(outside), []);
    // An output directory that cannot be made.
    writeFileSync(join(ws.dir, 'plain'), 'x');
    const bad = await cli(['extract', archive, '/etc', '-o', join(ws.dir, 'plain', 'sub')]);
    assert.equal(bad.code, 2);
    assert.equal(errors(bad.stderr), `layerscope: -o ${join(ws.dir, 'plain', 'sub')} is not writable (ENOTDIR)\n`);
  } finally {
    ws.cleanup();
  }
});

test('export: the merged filesystem (hard links, hidden copies gone) and one layer as stored', async () => {
  const ws = new ImageWorkspace();
  try {
    const layer0 = await packTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/a.txt', content: 'alpha\n' },
      { name: 'etc/keep', content: 'shared bytes\n' },
      { name: 'etc/hl', type: 'link', linkname: 'etc/keep' },
      { name: 'etc/hl2', type: 'link', linkname: 'etc/keep' },
      { name: 'etc/sl', type: 'symlink', linkname: 'a.txt' },
      { name: 'tmp/', type: 'directory' },
      { name: 'tmp/secret', content: 'secret\n' },
    ]);
    const layer1 = await packTarGz([{ name: 'tmp/.wh.secret' }, { name: 'etc/.wh.keep' }, { name: 'etc/a.txt', content: 'alpha2\n' }]);
    const image = buildImage({ layers: [layer0, layer1] });
    const archive = await ws.legacyDockerArchive([image]);
    const out = join(ws.dir, 'merged.tar');
    const r = await cli(['export', archive, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const entries: string[] = [];
    const extract = tar.extract();
    const done = new Promise<void>((resolve, reject) => {
      extract.on('entry', (h, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => chunks.push(c as Buffer));
        stream.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          entries.push(`${h.type} ${h.name}${h.linkname ? ` -> ${h.linkname}` : ''}${h.type === 'file' ? ` ${JSON.stringify(body)}` : ''}`);
          next();
        });
      });
      extract.on('finish', resolve);
      extract.on('error', reject);
    });
    extract.end(readFileSync(out));
    await done;
    assert.deepEqual(entries, [
      'directory etc/',
      'directory tmp/',
      'file etc/hl "shared bytes\\n"',
      'link etc/hl2 -> etc/hl',
      'symlink etc/sl -> a.txt',
      'file etc/a.txt "alpha2\\n"',
    ]);
    const layerOut = join(ws.dir, 'layer1.tar');
    assert.equal((await cli(['export', archive, '-o', layerOut, '--layer', '1'])).code, 0);
    const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    assert.equal(sha(readFileSync(layerOut)), image.diffIds[1]);
    // No temp file is left beside the output.
    assert.deepEqual(readdirSync(ws.dir).sort(), ['layer1.tar', 'legacy.tar', 'merged.tar']);
    const bad = await cli(['export', archive, '-o', join(ws.dir, 'nodir', 'x.tar')]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, `layerscope: cannot write ${join(ws.dir, 'nodir', 'x.tar')}: its directory does not exist\n`);
  } finally {
    ws.cleanup();
  }
});

test('diff: previous stored copy as a unified diff, binary as size and sha256', async () => {
  const ws = new ImageWorkspace();
  try {
    const bin1 = Buffer.from([0, 1, 2, 3]);
    const bin2 = Buffer.from([0, 1, 2, 4, 5]);
    const image = buildImage({
      layers: [
        await packTar([
          { name: 'a.conf', content: 'one\ntwo\nthree\n' },
          { name: 'b.bin', content: bin1 },
        ]),
        await packTar([{ name: 'a.conf', content: 'one\n2\nthree\n' }]),
        await packTar([
          { name: 'a.conf', content: 'one\n2\nthree\nfour\n' },
          { name: 'b.bin', content: bin2 },
        ]),
      ],
    });
    const archive = await ws.docker25Archive([image]);
    const r = await cli(['diff', archive, '/a.conf']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout.toString(),
      ['--- /a.conf (layer 1)\t', '+++ /a.conf (layer 2)\t', '@@ -1,3 +1,4 @@', ' one', ' 2', ' three', '+four', ''].join('\n'),
    );
    const r2 = await cli(['diff', archive, '/a.conf', '--from', '0', '--to', '1']);
    assert.equal(
      r2.stdout.toString(),
      ['--- /a.conf (layer 0)\t', '+++ /a.conf (layer 1)\t', '@@ -1,3 +1,3 @@', ' one', '-two', '+2', ' three', ''].join('\n'),
    );
    const b = await cli(['diff', archive, '/b.bin']);
    const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
    assert.equal(
      b.stdout.toString(),
      `binary files differ\n  /b.bin (layer 0): 4 bytes, sha256 ${sha(bin1)}\n  /b.bin (layer 2): 5 bytes, sha256 ${sha(bin2)}\n`,
    );
    const other = await ws.legacyDockerArchive([
      buildImage({ layers: [await packTar([{ name: 'a.conf', content: 'one\ntwo\nthree\n' }])] }),
    ]);
    const two = await cli(['diff', other, archive, '/a.conf']);
    assert.equal(
      two.stdout.toString(),
      [`--- ${other}:/a.conf\t`, `+++ ${archive}:/a.conf\t`, '@@ -1,3 +1,4 @@', ' one', '-two', '+2', ' three', '+four', ''].join('\n'),
    );
    const none = await cli(['diff', archive, '/nope']);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, 'layerscope: no such path in the image: /nope\n');
  } finally {
    ws.cleanup();
  }
});
