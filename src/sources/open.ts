// From what the user typed to an ImageSource. `SOURCE://REF` (or `--source`) names the source;
// anything else is a path if it exists (a docker-save tar, an OCI layout as a directory or tar,
// optionally `PATH:NAME` to pick one image of several) and an engine reference otherwise.
import { statSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { ConfigStore, ImageSource } from '../core/model.js';
import { InputError } from '../core/errors.js';
import { openDockerArchive } from './dockerArchive.js';
import { fileOpenError, openDirectory, type FileSet } from './fileSet.js';
import { owningFiles, type ArchiveOptions } from './imageSource.js';
import { openOciLayout } from './ociLayout.js';
import { requestPlatform, type PlatformRequest } from './platform.js';
import { openRegistry } from './registry/source.js';
import { isTarHeader, openTarFile } from './tarIndex.js';

export const SOURCE_KINDS = ['docker', 'podman', 'docker-archive', 'oci', 'registry'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export type RemoteKind = 'docker' | 'podman' | 'registry';

export interface OpenOptions {
  /** `os/arch[/variant]`; default: the host's platform. */
  platform?: string;
  /** Same as a `SOURCE://` prefix. */
  source?: string;
  /** `--insecure-registry`: plain HTTP allowed to the registry (always allowed to loopback hosts). */
  insecureRegistry?: boolean;
  /** `--context NAME`: the Docker context an engine reference is reached through. */
  context?: string;
  /** Image configs already read, by image ID (the summary cache's neighbour): a registry image's
   *  config is taken from here rather than downloaded again. */
  configs?: ConfigStore;
}

export interface ImageSpec {
  /** Undefined: no source named; a path if one exists, else an engine reference. */
  kind: SourceKind | undefined;
  target: string;
}

export async function openImage(spec: string, opts: OpenOptions = {}): Promise<ImageSource> {
  const { kind, target } = parseImageSpec(spec, opts.source);
  const platform = requestPlatform(opts.platform);
  if (kind === 'docker' || kind === 'podman' || kind === 'registry') {
    return openRemote(kind, target, {
      ref: spec,
      platform,
      ...(opts.insecureRegistry ? { insecure: true } : {}),
      ...(opts.context ? { context: opts.context } : {}),
      ...(opts.configs ? { configs: opts.configs } : {}),
    });
  }
  const located = locate(target);
  if (located) return openLocal(located.path, located.stats, kind ?? 'auto', { ref: spec, platform, select: located.select });
  if (kind !== undefined || looksLikePath(target)) throw new InputError(`no such file: ${target}`);
  return openRemote('docker', target, { ref: spec, platform, bare: true, ...(opts.context ? { context: opts.context } : {}) });
}

export function parseImageSpec(spec: string, source?: string): ImageSpec {
  const named = source === undefined ? undefined : sourceKind(source, `--source ${source}`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(spec);
  if (!scheme) {
    if (spec === '') throw new InputError('no image given');
    return { kind: named, target: spec };
  }
  const kind = sourceKind(scheme[1]!.toLowerCase(), spec);
  const target = scheme[2]!;
  if (target === '') throw new InputError(`${spec}: nothing after ${kind}://`);
  if (named !== undefined && named !== kind) {
    throw new InputError(`${spec} names the ${kind} source but --source says ${named}`);
  }
  return { kind, target };
}

function sourceKind(name: string, what: string): SourceKind {
  if ((SOURCE_KINDS as readonly string[]).includes(name)) return name as SourceKind;
  throw new InputError(`unknown source "${name}" in ${what}; use one of ${SOURCE_KINDS.join(', ')}`);
}

export interface RemoteOptions {
  ref: string;
  platform: PlatformRequest;
  /** The user typed a plain name that is not a file here (it may have meant a path). */
  bare?: boolean;
  /** `--insecure-registry`. */
  insecure?: boolean;
  /** `--context NAME` (Docker engine references). */
  context?: string;
  /** See OpenOptions.configs. */
  configs?: ConfigStore;
}

/** `docker://`, `podman://`, `registry://` and bare references (`myapp:latest`) come here. */
export async function openRemote(kind: RemoteKind, ref: string, opts: RemoteOptions): Promise<ImageSource> {
  switch (kind) {
    case 'registry':
      return openRegistry(ref, opts);
    case 'docker':
    case 'podman':
      return (await import('./engine.js')).openEngine(kind, ref, opts); // ENGINE-SOURCE (loaded on demand: dockerode only when an engine is used)
  }
}

function _notAvailableYet(kind: RemoteKind, ref: string, opts: RemoteOptions): never {
  const prefix = opts.bare ? `"${ref}" is not a file here, and ` : `${kind}://${ref}: `;
  const hint =
    kind === 'registry'
      ? `copy it first (skopeo copy docker://${ref} oci:image) and open the layout`
      : `save it first (${kind} save -o image.tar ${ref}) and open the tar`;
  throw new InputError(`${prefix}engine/registry sources are not available yet; ${hint}`);
}

interface Located {
  path: string;
  stats: Stats;
  /** From `PATH:NAME`. */
  select?: string;
}

/** The path, or for `PATH:NAME` the leftmost existing prefix and the name after it. */
function locate(target: string): Located | undefined {
  const whole = statOrUndefined(target);
  if (whole) return { path: target, stats: whole };
  for (let i = target.indexOf(':'); i > 0; i = target.indexOf(':', i + 1)) {
    const stats = statOrUndefined(target.slice(0, i));
    const select = target.slice(i + 1);
    if (stats && select !== '') return { path: target.slice(0, i), stats, select };
  }
  return undefined;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Docker's reference grammar (distribution/reference), loosely: what could name an engine image. */
const REFERENCE =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)?$/;

function looksLikePath(target: string): boolean {
  return (
    /^(?:\.{1,2}\/|\/|~|[A-Za-z]:[\\/])/.test(target) ||
    target.includes('\\') ||
    target.endsWith('/') ||
    /\.(?:tar|tgz|tar\.gz|tar\.zst|oci)$/i.test(target) ||
    !REFERENCE.test(target)
  );
}

type LocalKind = 'docker-archive' | 'oci' | 'auto';

async function openLocal(path: string, stats: Stats, kind: LocalKind, opts: ArchiveOptions): Promise<ImageSource> {
  const files = stats.isDirectory() ? openDirectory(path) : await openArchiveFile(path);
  return owningFiles(files, () => dispatch(files, kind, opts));
}

/** Which format the files are, from the marker files each one has. */
function dispatch(files: FileSet, kind: LocalKind, opts: ArchiveOptions): Promise<ImageSource> {
  const path = files.location;
  const hasManifest = files.has('manifest.json');
  const hasIndex = files.has('index.json');
  if (kind === 'oci') {
    if (hasIndex) return openOciLayout(files, opts);
    const hint = hasManifest ? `; it is a docker save archive: open it as docker-archive://${path}` : '';
    throw new InputError(`${path} is not an OCI layout (no index.json)${hint}`);
  }
  // A docker-save archive is read through manifest.json even when it also has index.json (Docker 25+).
  if (hasManifest) return openDockerArchive(files, opts);
  if (hasIndex) return openOciLayout(files, opts);
  throw new InputError(`${path} is not a container image archive (no manifest.json or index.json)`);
}

/** Opens a file that should be a tar, with a useful message when it is something else. */
async function openArchiveFile(path: string): Promise<FileSet> {
  const head = await readHead(path);
  if (head.length === 0) throw new InputError(`${path} is not a container image archive (the file is empty)`);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw new InputError(`${path} is gzip-compressed; decompress it first (gunzip -k ${path}) and open the .tar`);
  }
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    throw new InputError(`${path} is zstd-compressed; decompress it first (zstd -d ${path}) and open the .tar`);
  }
  if (!isTarHeader(head)) throw new InputError(`${path} is not a container image archive (not a tar file)`);
  return openTarFile(path);
}

async function readHead(path: string): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw fileOpenError(path, e);
  }
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buf, 0, 512, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
