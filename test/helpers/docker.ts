// Real-engine helpers for the docker test suite: build, save, export (the ground truth for the
// merged view), and skopeo conversion to OCI layouts. Tar streams are read with tar-stream,
// never extracted to disk. Every temp file lives under os.tmpdir() and is removed by its owner.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { packTar } from './tar.js';

export type ExportType = 'file' | 'dir' | 'symlink' | 'other';

export interface FileListEntry {
  /** Absolute path in the image: `/x/y`. The root itself is never listed. */
  path: string;
  type: ExportType;
  /** Regular files (hard links resolved): bytes of content; 0 for everything else. */
  size: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; rejects with its stderr when it exits non-zero. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}: ${stderr.trim() || stdout.trim()}`));
    });
  });
}

/** A fresh directory under os.tmpdir(); remove it with removeTemp. */
export function makeTemp(prefix = 'layerscope-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeTemp(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** `docker build -q` with the classic builder (what `docker build` is on this engine, made
 *  explicit so a newer client does not switch builders under the tests). Returns the image ID. */
export async function buildImage(dir: string, tag: string, opts: { target?: string; file?: string } = {}): Promise<string> {
  const args = ['build', '-q', '--force-rm', '-t', tag];
  if (opts.target) args.push('--target', opts.target);
  if (opts.file) args.push('-f', opts.file);
  args.push(dir);
  const { stdout } = await run('docker', args, { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  const id = stdout.trim().split('\n').pop() ?? '';
  if (!/^sha256:[0-9a-f]{64}$/.test(id)) throw new Error(`docker build ${dir}: unexpected output ${JSON.stringify(stdout)}`);
  return id;
}

export async function saveImage(tag: string, outTar: string): Promise<void> {
  await run('docker', ['save', '-o', outTar, tag]);
}

/** Number of layers (rootfs.diff_ids) of an engine image. */
export async function layerCount(tag: string): Promise<number> {
  const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{len .RootFS.Layers}}', tag]);
  return Number(stdout.trim());
}

function normalise(name: string): string {
  let p = name;
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return `/${p}`;
}

/** Reads a tar stream (docker export) into a sorted file list. Hard-link entries become `file`
 *  with the size of the entry they link to. The root is left out. */
export function listTar(stream: NodeJS.ReadableStream): Promise<FileListEntry[]> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    const byPath = new Map<string, FileListEntry>();
    const pendingLinks: Array<{ path: string; target: string }> = [];
    extract.on('entry', (header, body, next) => {
      const path = normalise(header.name);
      let entry: FileListEntry | undefined;
      switch (header.type) {
        case 'file':
        case 'contiguous-file':
          entry = { path, type: 'file', size: header.size ?? 0 };
          break;
        case 'directory':
          entry = { path, type: 'dir', size: 0 };
          break;
        case 'symlink':
          entry = { path, type: 'symlink', size: 0 };
          break;
        case 'link': {
          const target = normalise(header.linkname ?? '');
          const t = byPath.get(target);
          if (t) entry = { path, type: 'file', size: t.size };
          else pendingLinks.push({ path, target });
          break;
        }
        default:
          entry = { path, type: 'other', size: 0 };
      }
      if (entry && path !== '/') byPath.set(path, entry);
      body.on('end', () => next());
      body.resume();
    });
    extract.on('finish', () => {
      for (const l of pendingLinks) {
        const t = byPath.get(l.target);
        if (!t) return reject(new Error(`hard link ${l.path} -> ${l.target}: target not in the archive`));
        byPath.set(l.path, { path: l.path, type: 'file', size: t.size });
      }
      resolve(sortList([...byPath.values()]));
    });
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
}

export function sortList<T extends { path: string }>(list: T[]): T[] {
  return list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `docker create` (never started) + `docker export`, parsed in memory. Includes the paths the
 *  engine's container init layer adds; see initLayerPaths / exportFileList. */
export async function exportRawFileList(image: string): Promise<FileListEntry[]> {
  const { stdout } = await run('docker', ['create', image, '/bin/true']);
  const id = stdout.trim();
  try {
    const child = spawn('docker', ['export', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const exited = new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`docker export ${id} exited with ${code}: ${Buffer.concat(err).toString().trim()}`)),
      );
    });
    const [list] = await Promise.all([listTar(child.stdout), exited]);
    return list;
  } finally {
    await run('docker', ['rm', '-f', id]).catch(() => undefined);
  }
}

let initPaths: Promise<Set<string>> | undefined;

/** The paths `docker export` shows for any container although no image layer has them
 *  (/.dockerenv, /etc/hosts, /dev/…, /proc, /sys…), found by exporting a container of a
 *  FROM scratch image holding a single file: everything but that file. Computed once. */
export function initLayerPaths(): Promise<Set<string>> {
  initPaths ??= (async () => {
    const dir = await makeTemp('layerscope-initprobe-');
    // One tag per process: test files run in parallel and each removes its own probe tag.
    const tag = `layerscope-test/init-probe:p${process.pid}`;
    try {
      await writeFile(join(dir, 'probe.txt'), 'probe\n');
      await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY probe.txt /layerscope-probe.txt\n');
      await buildImage(dir, tag);
      const list = await exportRawFileList(tag);
      if (!list.some((e) => e.path === '/layerscope-probe.txt' && e.type === 'file' && e.size === 6)) {
        throw new Error('init-layer probe: the probe file is missing from docker export');
      }
      return new Set(list.map((e) => e.path).filter((p) => p !== '/layerscope-probe.txt'));
    } finally {
      await run('docker', ['rmi', '-f', tag]).catch(() => undefined);
      await removeTemp(dir);
    }
  })();
  return initPaths;
}

/** Drops the container init layer's paths (exactly those paths, not their subtrees). */
export function withoutPaths<T extends { path: string }>(list: T[], drop: Set<string>): T[] {
  return list.filter((e) => !drop.has(e.path));
}

/** The merged filesystem of `image` as the engine sees it, without the container init layer's
 *  paths: sorted `{path, type, size}` rows. */
export async function exportFileList(image: string): Promise<FileListEntry[]> {
  const [raw, init] = await Promise.all([exportRawFileList(image), initLayerPaths()]);
  return withoutPaths(raw, init);
}

export type Compression = 'gzip' | 'zstd';

const MAGIC: Record<Compression, Buffer> = {
  gzip: Buffer.from([0x1f, 0x8b]),
  zstd: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
};

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface OciLayoutInfo {
  dir: string;
  manifestDigest: string;
  layers: Array<{ digest: string; mediaType: string; size: number }>;
}

/** `skopeo copy docker-archive:ARCHIVE oci:OUTDIR[:REFNAME]` with layers compressed as asked.
 *  Checks that every layer blob really starts with that compression's magic bytes. */
export async function skopeoToOci(archive: string, outDir: string, compress: Compression, refName?: string): Promise<OciLayoutInfo> {
  const dest = refName ? `oci:${outDir}:${refName}` : `oci:${outDir}`;
  await run('skopeo', [
    '--insecure-policy',
    'copy',
    '-q',
    '--dest-compress',
    '--dest-compress-format',
    compress,
    `docker-archive:${archive}`,
    dest,
  ]);
  const index = JSON.parse(await readFile(join(outDir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  if (index.manifests.length !== 1) throw new Error(`${outDir}: expected one manifest, found ${index.manifests.length}`);
  const manifestDigest = index.manifests[0]!.digest;
  const blob = (digest: string) => join(outDir, 'blobs', ...digest.split(':'));
  const manifest = JSON.parse(await readFile(blob(manifestDigest), 'utf8')) as {
    layers: Array<{ digest: string; mediaType: string; size: number }>;
  };
  for (const layer of manifest.layers) {
    const head = await readHead(blob(layer.digest), 4);
    if (!head.subarray(0, MAGIC[compress].length).equals(MAGIC[compress])) {
      throw new Error(`${outDir}: layer ${layer.digest} (${layer.mediaType}) is not ${compress}: starts with ${head.toString('hex')}`);
    }
    if (!layer.mediaType.endsWith(`+${compress}`)) {
      throw new Error(`${outDir}: layer ${layer.digest} has media type ${layer.mediaType}, expected …+${compress}`);
    }
  }
  return { dir: outDir, manifestDigest, layers: manifest.layers };
}

/** `skopeo copy docker-archive:ARCHIVE oci-archive:OUT` (an OCI layout as one tar), gzip layers. */
export async function skopeoToOciArchive(archive: string, outTar: string): Promise<void> {
  await run('skopeo', [
    '--insecure-policy',
    'copy',
    '-q',
    '--dest-compress',
    '--dest-compress-format',
    'gzip',
    `docker-archive:${archive}`,
    `oci-archive:${outTar}`,
  ]);
}

/** The storage driver the engine reports (`overlay2`, `vfs`, …). */
export async function storageDriver(): Promise<string> {
  return (await run('docker', ['info', '--format', '{{.Driver}}'])).stdout.trim();
}

/** Entry names (as written, e.g. `data/.wh.gone`) of every layer of a `docker save` archive,
 *  in the manifest's layer order. Read by streaming the outer and inner tars. */
export async function dockerArchiveLayerNames(archive: string): Promise<string[][]> {
  const byFile = new Map<string, string[]>();
  let manifest: Array<{ Layers: string[] }> | undefined;
  await new Promise<void>((resolve, reject) => {
    const outer = tar.extract();
    outer.on('entry', (header, body, next) => {
      const name = header.name.replace(/^\.\//, '');
      if (name === 'manifest.json') {
        const chunks: Buffer[] = [];
        body.on('data', (c: unknown) => chunks.push(c as Buffer));
        body.on('end', () => {
          manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ Layers: string[] }>;
          next();
        });
      } else if (header.type === 'file' && (name.endsWith('layer.tar') || name.startsWith('blobs/'))) {
        const names: string[] = [];
        const inner = tar.extract();
        inner.on('entry', (h, b, n) => {
          names.push(h.name);
          b.on('end', () => n());
          b.resume();
        });
        inner.on('finish', () => {
          byFile.set(name, names);
          next();
        });
        // Not every blob is a tar (configs in OCI-style saves): ignore what does not parse.
        inner.on('error', () => {
          body.resume();
          next();
        });
        body.pipe(inner);
      } else {
        body.on('end', () => next());
        body.resume();
      }
    });
    outer.on('finish', () => resolve());
    outer.on('error', reject);
    createReadStream(archive).on('error', reject).pipe(outer);
  });
  if (!manifest?.[0]) throw new Error(`${archive}: no manifest.json`);
  return manifest[0].Layers.map((l) => {
    const names = byFile.get(l);
    if (!names) throw new Error(`${archive}: layer ${l} not found`);
    return names;
  });
}

export interface ArchiveLayerSpec {
  /** The uncompressed layer tar. */
  tar: Buffer;
  createdBy: string;
}

/** Writes a `docker save`-style archive (legacy layout: `<hex>/layer.tar`, `<config>.json`,
 *  manifest.json, repositories) for hand-made layers, so tests can feed the engine (`docker
 *  load`) layers a Dockerfile cannot produce on every storage driver. */
export async function writeDockerArchive(outTar: string, tag: string, layers: ArchiveLayerSpec[]): Promise<void> {
  const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  const diffIds = layers.map((l) => `sha256:${sha(l.tar)}`);
  const created = '2024-01-01T00:00:00Z';
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created,
    config: { Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map((l) => ({ created, created_by: l.createdBy })),
  });
  const configName = `${sha(config)}.json`;
  const layerDirs = layers.map((l) => sha(l.tar));
  const [repo, tagName] = tag.split(/:(?=[^:/]+$)/) as [string, string];
  await writeFile(
    outTar,
    await packTar([
      ...layerDirs.flatMap((d, i) => [
        { name: `${d}/`, type: 'directory' as const },
        { name: `${d}/VERSION`, content: '1.0' },
        { name: `${d}/layer.tar`, content: layers[i]!.tar },
      ]),
      { name: configName, content: config },
      {
        name: 'manifest.json',
        content: JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: layerDirs.map((d) => `${d}/layer.tar`) }]),
      },
      { name: 'repositories', content: JSON.stringify({ [repo]: { [tagName]: layerDirs[layerDirs.length - 1] } }) },
    ]),
  );
}

export async function loadImage(archive: string): Promise<void> {
  await run('docker', ['load', '-q', '-i', archive]);
}

/** A regular file of `docker export` with the sha256 of its bytes (a hard link: its target's). */
export interface ExportedFile {
  path: string;
  size: number;
  mode: number;
  mtime: number;
  sha256: string;
}

/** The regular files (and hard links) of `image`'s merged view as the engine exports it, each
 *  with the sha256 of its content: an oracle for content identity independent of the walk. */
export async function exportFileDigests(image: string): Promise<Map<string, ExportedFile>> {
  const { stdout } = await run('docker', ['create', image, '/bin/true']);
  const id = stdout.trim();
  try {
    const child = spawn('docker', ['export', id], { stdio: ['ignore', 'pipe', 'ignore'] });
    const files = new Map<string, ExportedFile>();
    const links: Array<{ path: string; target: string; mode: number; mtime: number }> = [];
    await new Promise<void>((resolve, reject) => {
      const extract = tar.extract();
      extract.on('entry', (header, body, next) => {
        const path = normalise(header.name);
        const mode = (header.mode ?? 0) & 0o7777;
        const mtime = Math.floor((header.mtime?.getTime() ?? 0) / 1000);
        if (header.type === 'file' || header.type === 'contiguous-file') {
          const hash = createHash('sha256');
          body.on('data', (c: unknown) => hash.update(c as Buffer));
          body.on('end', () => {
            files.set(path, { path, size: header.size ?? 0, mode, mtime, sha256: hash.digest('hex') });
            next();
          });
          return;
        }
        if (header.type === 'link') links.push({ path, target: normalise(header.linkname ?? ''), mode, mtime });
        body.on('end', () => next());
        body.resume();
      });
      extract.on('finish', () => resolve());
      extract.on('error', reject);
      child.on('error', reject);
      child.stdout.pipe(extract);
    });
    for (const l of links) {
      const t = files.get(l.target);
      if (t) files.set(l.path, { ...t, path: l.path, mode: l.mode, mtime: l.mtime });
    }
    return files;
  } finally {
    await run('docker', ['rm', '-f', id]).catch(() => undefined);
  }
}
