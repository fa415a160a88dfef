// The build context: .dockerignore matching (moby/patternmatcher semantics, as `docker build`
// applies them) and the tar stream packed from it. No engine needed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { IgnoreMatcher, listContext, packContext, parseDockerignore, readIgnore } from '../../src/sources/buildContext.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function matcher(text: string): IgnoreMatcher {
  return new IgnoreMatcher(parseDockerignore(text));
}

test('parsing: comments, blank lines, exceptions, cleaning', () => {
  const patterns = parseDockerignore('# comment\n\n  /abs/./x/  \n!keep\nsub/../top\n  # not a comment\n.\n');
  assert.deepEqual(
    patterns.map((p) => [p.pattern, p.exclusion]),
    [
      ['abs/x', false],
      ['keep', true],
      ['top', false],
      ['# not a comment', false],
    ],
  );
});

test('matching: a pattern excludes a path or anything under a matched directory', () => {
  const m = matcher('secret.txt\ndocs\n*.log\n');
  assert.equal(m.excludes('secret.txt'), true);
  assert.equal(m.excludes('a/secret.txt'), false); // patterns are anchored at the root
  assert.equal(m.excludes('docs'), true);
  assert.equal(m.excludes('docs/a/b.md'), true);
  assert.equal(m.excludes('x.log'), true);
  assert.equal(m.excludes('d/x.log'), false); // * does not cross /
  assert.equal(m.excludes('docsx'), false);
});

test('matching: ** spans directories, ? and classes stay in a segment, escapes', () => {
  const m = matcher('**/*.o\nbuild/**\nfile?.txt\n[ab]c\nlit\\*\n');
  assert.equal(m.excludes('x.o'), true);
  assert.equal(m.excludes('a/b/c/x.o'), true);
  assert.equal(m.excludes('build'), false); // build/** needs something below build
  assert.equal(m.excludes('build/x'), true);
  assert.equal(m.excludes('build/x/y'), true);
  assert.equal(m.excludes('file1.txt'), true);
  assert.equal(m.excludes('file/.txt'), false);
  assert.equal(m.excludes('ac'), true);
  assert.equal(m.excludes('cc'), false);
  assert.equal(m.excludes('lit*'), true);
  assert.equal(m.excludes('litx'), false);
});

test('matching: exceptions re-include, later patterns win, and excluded dirs with exceptions are walked', () => {
  const m = matcher('docs\n!docs/keep.md\n**/*.md\n!important.md\n');
  assert.equal(m.excludes('docs/a.md'), true);
  assert.equal(m.excludes('docs/keep.md'), true); // **/*.md comes after the exception and matches it
  assert.equal(matcher('docs\n!docs/keep.md\n*.md\n').excludes('docs/keep.md'), false); // *.md: root only
  assert.equal(m.excludes('important.md'), false);
  const n = matcher('docs\n!docs/keep.md\n');
  assert.equal(n.excludes('docs/keep.md'), false);
  assert.equal(n.mayIncludeUnder('docs'), true);
  assert.equal(n.mayIncludeUnder('other'), false);
});

function tempContext(): string {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-ctx-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'docs'));
  mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
  writeFileSync(join(dir, '.dockerignore'), 'secret.txt\ndocs\n!docs/keep.md\nDockerfile\n.dockerignore\n');
  writeFileSync(join(dir, 'secret.txt'), 'no');
  writeFileSync(join(dir, 'app.txt'), 'app\n');
  writeFileSync(join(dir, 'docs', 'a.md'), 'a');
  writeFileSync(join(dir, 'docs', 'keep.md'), 'keep');
  writeFileSync(join(dir, 'src', 'deep', 'x.c'), 'int x;\n');
  symlinkSync('app.txt', join(dir, 'link'));
  const when = new Date('2024-05-06T07:08:09Z');
  for (const p of [
    'Dockerfile',
    '.dockerignore',
    'secret.txt',
    'app.txt',
    'docs/a.md',
    'docs/keep.md',
    'src/deep/x.c',
    'docs',
    'src/deep',
    'src',
  ])
    utimesSync(join(dir, p), when, when);
  return dir;
}

test('the context listing honours .dockerignore and always keeps the Dockerfile and .dockerignore', async () => {
  const dir = tempContext();
  const ignore = await readIgnore(dir, join(dir, 'Dockerfile'));
  assert.equal(ignore.file, join(dir, '.dockerignore'));
  const entries = await listContext(dir, ignore.matcher);
  assert.deepEqual(
    entries.map((e) => `${e.type} ${e.path} ${e.size}${e.linkname ? ` -> ${e.linkname}` : ''}`),
    [
      'file .dockerignore 55',
      'file Dockerfile 22',
      'file app.txt 4',
      // docs itself is excluded (no entry) but walked for the exception
      'file docs/keep.md 4',
      'symlink link 0 -> app.txt',
      'directory src 0',
      'directory src/deep 0',
      'file src/deep/x.c 7',
    ],
  );
});

test('a Dockerfile.dockerignore next to the Dockerfile wins over the context one', async () => {
  const dir = tempContext();
  writeFileSync(join(dir, 'Dockerfile.dockerignore'), 'src\n');
  const ignore = await readIgnore(dir, join(dir, 'Dockerfile'));
  assert.equal(ignore.file, join(dir, 'Dockerfile.dockerignore'));
  const entries = await listContext(dir, ignore.matcher);
  assert.deepEqual(
    entries.map((e) => e.path).filter((p) => p.startsWith('src') || p.startsWith('docs') || p === 'secret.txt'),
    ['docs', 'docs/a.md', 'docs/keep.md', 'secret.txt'],
  );
});

async function readTar(
  stream: NodeJS.ReadableStream,
): Promise<Array<{ name: string; type: string; uid: number; gid: number; mode: number; content: string; linkname?: string }>> {
  const extract = tar.extract();
  const out: Array<{ name: string; type: string; uid: number; gid: number; mode: number; content: string; linkname?: string }> = [];
  (stream as unknown as NodeJS.ReadableStream).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const h = entry.header;
    out.push({
      name: h.name,
      type: h.type,
      uid: h.uid,
      gid: h.gid,
      mode: h.mode,
      content: Buffer.concat(chunks).toString(),
      ...(h.linkname ? { linkname: h.linkname } : {}),
    });
  }
  return out;
}

test('packing: names as the docker CLI writes them (directories end in /), owner root, the Dockerfile as it is', async () => {
  const dir = tempContext();
  const ignore = await readIgnore(dir, join(dir, 'Dockerfile'));
  const entries = await listContext(dir, ignore.matcher);
  const packed = packContext(dir, entries, { dockerfile: 'FROM scratch\nCOPY . /\n', dockerfileInContext: 'Dockerfile' });
  assert.equal(packed.dockerfileName, 'Dockerfile');
  assert.equal(packed.files, 5);
  const members = await readTar(packed.stream);
  await packed.done;
  assert.deepEqual(
    members.map((m) => `${m.type} ${m.name} ${m.uid}:${m.gid}`),
    [
      'file .dockerignore 0:0',
      'file Dockerfile 0:0',
      'file app.txt 0:0',
      'file docs/keep.md 0:0',
      'symlink link 0:0',
      'directory src/ 0:0',
      'directory src/deep/ 0:0',
      'file src/deep/x.c 0:0',
    ],
  );
  assert.equal(members.find((m) => m.name === 'src/deep/x.c')!.content, 'int x;\n');
  assert.equal(members.find((m) => m.name === 'link')!.linkname, 'app.txt');
});

test('packing: a Dockerfile from elsewhere goes in under a generated name that .dockerignore drops again', async () => {
  const dir = tempContext();
  const ignore = await readIgnore(dir, join(dir, 'Dockerfile'));
  const entries = await listContext(dir, ignore.matcher);
  const packed = packContext(dir, entries, { dockerfile: 'FROM scratch\n', contextIgnoreText: 'secret.txt\n' });
  assert.match(packed.dockerfileName, /^\.dockerfile\.[0-9a-f]{20}$/);
  const members = await readTar(packed.stream);
  assert.equal(members.find((m) => m.name === packed.dockerfileName)!.content, 'FROM scratch\n');
  assert.equal(members.find((m) => m.name === '.dockerignore')!.content, `secret.txt\n\n${packed.dockerfileName}\n`);
  assert.equal(members.filter((m) => m.name === '.dockerignore').length, 1);
  // Without a .dockerignore of its own, the context gets one that ignores itself.
  const bare = packContext(
    dir,
    entries.filter((e) => e.path !== '.dockerignore'),
    { dockerfile: 'FROM scratch\n' },
  );
  const bareMembers = await readTar(bare.stream);
  assert.equal(bareMembers.find((m) => m.name === '.dockerignore')!.content, `.dockerignore\n${bare.dockerfileName}\n`);
});
