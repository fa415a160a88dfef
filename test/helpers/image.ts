// Builds synthetic container images for tests, in every daemonless format the sources read:
// a legacy `docker save` tar, a Docker 25+ `docker save` tar, an OCI layout (directory or tar)
// and a multi-platform OCI index. Digests and diffIDs are real sha256 sums, so what a source
// reports can be compared with exact expected values.
//
//   const ws = new ImageWorkspace();
//   const img = buildImage({ layers: [await packTar([...]), await packTarGz([...])] });
//   const path = await ws.legacyDockerArchive([img]);
//   ... openImage(path) ...; ws.cleanup();
//
// The *Files functions return the archive's contents as a map, so a test can break one thing
// (drop a blob, corrupt a manifest) before writing it with ws.writeTar / ws.writeDir.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { packTar, type TarSpec } from './tar.js';

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface HistoryStep {
  createdBy: string;
  emptyLayer?: boolean;
  created?: string;
  comment?: string;
}

export interface ImageSpec {
  /** Layer blobs as stored, base first: a plain tar, gzip or zstd (told apart by magic bytes). */
  layers: Buffer[];
  /** Default: one `COPY layerN / # buildkit` step per layer. */
  history?: HistoryStep[];
  os?: string;
  architecture?: string;
  variant?: string;
  /** The config's `config` object (Env, Cmd, Entrypoint, WorkingDir, User, Labels). */
  runConfig?: Record<string, unknown>;
  /** Image names (`repo:tag`): docker save RepoTags, OCI ref names. Default `test/image:latest`. */
  tags?: string[];
  /** Media types written in manifests. Default 'oci'. */
  mediaTypes?: 'oci' | 'docker';
  /** Edits the config JSON last (tests that need a broken or unusual config). */
  patchConfig?: (config: Record<string, unknown>) => void;
}

export interface SyntheticLayer {
  /** Bytes as stored in OCI layouts (possibly compressed). */
  blob: Buffer;
  /** The uncompressed tar: what docker save stores. */
  tar: Buffer;
  /** sha256 of `blob`. */
  digest: string;
  /** sha256 of `tar`. */
  diffId: string;
  mediaType: string;
}

export interface SyntheticImage {
  tags: string[];
  platform: { os: string; architecture: string; variant?: string };
  config: Record<string, unknown>;
  configBytes: Buffer;
  /** The image ID. */
  configDigest: string;
  layers: SyntheticLayer[];
  diffIds: string[];
  /** Blob digests as stored in OCI layouts. */
  layerDigests: string[];
  /** The image manifest (OCI or Docker v2 schema 2) for layouts and indexes. */
  manifestBytes: Buffer;
  manifestDigest: string;
  mediaTypes: 'oci' | 'docker';
}

export function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

export function uncompressed(blob: Buffer): Buffer {
  if (blob[0] === 0x1f && blob[1] === 0x8b) return gunzipSync(blob);
  if (blob.readUInt32LE(0) === 0xfd2fb528) return zstdDecompressSync(blob);
  return blob;
}

function layerMediaType(blob: Buffer, types: 'oci' | 'docker'): string {
  const gzip = blob[0] === 0x1f && blob[1] === 0x8b;
  const zstd = blob.length >= 4 && blob.readUInt32LE(0) === 0xfd2fb528;
  if (zstd) return MT.ociLayerZstd; // Docker's media types have no zstd; engines use OCI's
  if (types === 'docker') return gzip ? MT.dockerLayerGzip : MT.dockerLayer;
  return gzip ? MT.ociLayerGzip : MT.ociLayer;
}

const CREATED = '2024-01-02T03:04:05Z';

export function buildImage(spec: ImageSpec): SyntheticImage {
  const mediaTypes = spec.mediaTypes ?? 'oci';
  const layers = spec.layers.map((blob): SyntheticLayer => {
    // A deliberately broken blob (truncated gzip or zstd) cannot be unpacked: it stands for its
    // own "tar" then, so tests can still write it into every archive format.
    let tar: Buffer;
    try {
      tar = uncompressed(blob);
    } catch {
      tar = blob;
    }
    return { blob, tar, digest: sha256(blob), diffId: sha256(tar), mediaType: layerMediaType(blob, mediaTypes) };
  });
  const history: HistoryStep[] = spec.history ?? layers.map((_, i) => ({ createdBy: `COPY layer${i} / # buildkit` }));
  const platform = {
    os: spec.os ?? 'linux',
    architecture: spec.architecture ?? 'amd64',
    ...(spec.variant ? { variant: spec.variant } : {}),
  };
  const config: Record<string, unknown> = {
    ...platform,
    created: CREATED,
    config: spec.runConfig ?? { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: history.map((h) => ({
      created: h.created ?? CREATED,
      created_by: h.createdBy,
      ...(h.comment !== undefined ? { comment: h.comment } : {}),
      ...(h.emptyLayer ? { empty_layer: true } : {}),
    })),
  };
  spec.patchConfig?.(config);
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256(configBytes);
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: mediaTypes === 'oci' ? MT.ociManifest : MT.dockerManifest,
      config: { mediaType: mediaTypes === 'oci' ? MT.ociConfig : MT.dockerConfig, digest: configDigest, size: configBytes.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
    }),
  );
  return {
    tags: spec.tags ?? ['test/image:latest'],
    platform,
    config,
    configBytes,
    configDigest,
    layers,
    diffIds: layers.map((l) => l.diffId),
    layerDigests: layers.map((l) => l.digest),
    manifestBytes,
    manifestDigest: sha256(manifestBytes),
    mediaTypes,
  };
}

/** An archive's contents: name → bytes, or a symlink (legacy docker save links duplicate layers). */
export type ArchiveFiles = Map<string, Buffer | { symlink: string }>;

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const OCI_LAYOUT = json({ imageLayoutVersion: '1.0.0' });

function tagOf(name: string): string {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(colon + 1) : 'latest';
}

function repoOf(name: string): string {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}

function addRepositories(files: ArchiveFiles, images: SyntheticImage[], topLayerId: (img: SyntheticImage) => string): void {
  const repos: Record<string, Record<string, string>> = {};
  for (const img of images) {
    for (const tag of img.tags) {
      const repo = repoOf(tag);
      repos[repo] ??= {};
      repos[repo][tagOf(tag)] = topLayerId(img);
    }
  }
  if (Object.keys(repos).length > 0) files.set('repositories', json(repos));
}

/**
 * Docker ≤ 24 `docker save`: `<v1 id>/{VERSION,json,layer.tar}` per layer (uncompressed), the
 * config as `<hex>.json`, manifest.json and repositories. A diffID seen before is stored as a
 * symlink to the first layer.tar, as Docker does.
 */
export function legacyDockerArchiveFiles(images: SyntheticImage[]): ArchiveFiles {
  const files: ArchiveFiles = new Map();
  const firstPathOfDiffId = new Map<string, string>();
  const layerIds = new Map<SyntheticImage, string[]>();
  const manifest = images.map((img) => {
    let parent = '';
    const ids: string[] = [];
    for (const layer of img.layers) {
      const id = hexOf(sha256(Buffer.from(`${parent}\n${layer.diffId}`)));
      ids.push(id);
      if (!files.has(`${id}/layer.tar`)) {
        files.set(`${id}/VERSION`, Buffer.from('1.0'));
        files.set(`${id}/json`, json({ id, ...(parent ? { parent } : {}), created: CREATED }));
        const first = firstPathOfDiffId.get(layer.diffId);
        files.set(`${id}/layer.tar`, first ? { symlink: `../${first}` } : layer.tar);
        if (!first) firstPathOfDiffId.set(layer.diffId, `${id}/layer.tar`);
      }
      parent = id;
    }
    layerIds.set(img, ids);
    files.set(`${hexOf(img.configDigest)}.json`, img.configBytes);
    return {
      Config: `${hexOf(img.configDigest)}.json`,
      RepoTags: img.tags.length ? img.tags : null,
      Layers: ids.map((id) => `${id}/layer.tar`),
    };
  });
  files.set('manifest.json', json(manifest));
  addRepositories(files, images, (img) => layerIds.get(img)!.at(-1)!);
  return files;
}

export interface Docker25Options {
  /** Store blobs as given (containerd image store) instead of uncompressed tars (graph drivers). */
  keepCompressed?: boolean;
  /** Write the OCI manifest as Docker 25.0.0 did: with no layers (moby#47065). */
  brokenOciManifest?: boolean;
  /** Leave manifest.json out (an OCI-only docker save). */
  withoutManifestJson?: boolean;
}

/** Docker 25+ `docker save`: blobs/sha256/*, index.json, oci-layout, manifest.json, repositories. */
export function docker25ArchiveFiles(images: SyntheticImage[], opts: Docker25Options = {}): ArchiveFiles {
  const files: ArchiveFiles = new Map();
  const descriptors: unknown[] = [];
  const manifest = images.map((img) => {
    const stored = img.layers.map((l) => (opts.keepCompressed ? l.blob : l.tar));
    const layerDescs = img.layers.map((l, i) => ({
      mediaType: opts.keepCompressed ? l.mediaType : MT.ociLayer,
      digest: sha256(stored[i]!),
      size: stored[i]!.length,
    }));
    for (const blob of stored) files.set(`blobs/sha256/${hexOf(sha256(blob))}`, blob);
    files.set(`blobs/sha256/${hexOf(img.configDigest)}`, img.configBytes);
    const ociManifest = json({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: img.configDigest, size: img.configBytes.length },
      layers: opts.brokenOciManifest ? [] : layerDescs,
    });
    const manifestDigest = sha256(ociManifest);
    files.set(`blobs/sha256/${hexOf(manifestDigest)}`, ociManifest);
    for (const tag of img.tags) {
      descriptors.push({
        mediaType: MT.ociManifest,
        digest: manifestDigest,
        size: ociManifest.length,
        platform: img.platform,
        annotations: { 'io.containerd.image.name': qualifiedName(tag), 'org.opencontainers.image.ref.name': tagOf(tag) },
      });
    }
    return {
      Config: `blobs/sha256/${hexOf(img.configDigest)}`,
      RepoTags: img.tags,
      Layers: layerDescs.map((d) => `blobs/sha256/${hexOf(d.digest)}`),
    };
  });
  files.set('index.json', json({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: descriptors }));
  files.set('oci-layout', OCI_LAYOUT);
  if (!opts.withoutManifestJson) files.set('manifest.json', json(manifest));
  addRepositories(files, images, (img) => hexOf(img.diffIds.at(-1)!));
  return files;
}

/** What containerd records: `app:1` → `docker.io/library/app:1`, `reg.io/app` → `reg.io/app:latest`. */
function qualifiedName(tag: string): string {
  const withTag = `${repoOf(tag)}:${tagOf(tag)}`;
  const first = withTag.split('/')[0]!;
  if (withTag.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return withTag;
  return `docker.io/${withTag.includes('/') ? withTag : `library/${withTag}`}`;
}

function addImageBlobs(files: ArchiveFiles, img: SyntheticImage): void {
  for (const layer of img.layers) files.set(`blobs/sha256/${hexOf(layer.digest)}`, layer.blob);
  files.set(`blobs/sha256/${hexOf(img.configDigest)}`, img.configBytes);
  files.set(`blobs/sha256/${hexOf(img.manifestDigest)}`, img.manifestBytes);
}

function manifestDescriptor(img: SyntheticImage, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mediaType: img.mediaTypes === 'oci' ? MT.ociManifest : MT.dockerManifest,
    digest: img.manifestDigest,
    size: img.manifestBytes.length,
    ...extra,
  };
}

/** An OCI layout with one index.json entry per image, named by its first tag's tag part. */
export function ociLayoutFiles(images: SyntheticImage[]): ArchiveFiles {
  const files: ArchiveFiles = new Map([['oci-layout', OCI_LAYOUT]]);
  for (const img of images) addImageBlobs(files, img);
  const manifests = images.map((img) =>
    manifestDescriptor(img, img.tags[0] ? { annotations: { 'org.opencontainers.image.ref.name': tagOf(img.tags[0]) } } : {}),
  );
  files.set('index.json', json({ schemaVersion: 2, mediaType: MT.ociIndex, manifests }));
  return files;
}

export interface MultiPlatformOptions {
  /** index.json → image index → manifests (default, as skopeo/buildx write it), or index.json → manifests. */
  nested?: boolean;
  /** Add a BuildKit attestation manifest (unknown/unknown) for each image. Default true. */
  attestations?: boolean;
  /** Ref name of the (outer) entry in index.json. Default `latest`. */
  refName?: string;
  /** Docker manifest list instead of an OCI image index (for the nested index). */
  dockerList?: boolean;
}

export interface MultiPlatformLayout {
  files: ArchiveFiles;
  /** Digest of the nested image index (undefined when not nested). */
  indexDigest?: string;
}

/** A multi-platform image: each image's `platform` goes in its descriptor. */
export function multiPlatformOciFiles(images: SyntheticImage[], opts: MultiPlatformOptions = {}): MultiPlatformLayout {
  const nested = opts.nested ?? true;
  const files: ArchiveFiles = new Map([['oci-layout', OCI_LAYOUT]]);
  const platformDescs = images.map((img) => {
    addImageBlobs(files, img);
    return manifestDescriptor(img, { platform: img.platform });
  });
  const attestations = opts.attestations === false ? [] : images.map((img) => attestationDescriptor(files, img));
  const refName = { 'org.opencontainers.image.ref.name': opts.refName ?? 'latest' };
  if (!nested) {
    const manifests = [...platformDescs, ...attestations].map((d) => ({ ...d, annotations: { ...(d.annotations as object), ...refName } }));
    files.set('index.json', json({ schemaVersion: 2, mediaType: MT.ociIndex, manifests }));
    return { files };
  }
  const indexType = opts.dockerList ? MT.dockerList : MT.ociIndex;
  const index = json({ schemaVersion: 2, mediaType: indexType, manifests: [...platformDescs, ...attestations] });
  const indexDigest = sha256(index);
  files.set(`blobs/sha256/${hexOf(indexDigest)}`, index);
  files.set(
    'index.json',
    json({
      schemaVersion: 2,
      mediaType: MT.ociIndex,
      manifests: [{ mediaType: indexType, digest: indexDigest, size: index.length, annotations: refName }],
    }),
  );
  return { files, indexDigest };
}

/** BuildKit's provenance/SBOM manifest: platform unknown/unknown, in-toto layers. */
function attestationDescriptor(files: ArchiveFiles, img: SyntheticImage): Record<string, unknown> {
  const statement = json({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ digest: img.manifestDigest }] });
  const config = json({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(statement)] } });
  const manifest = json({
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: MT.ociConfig, digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.in-toto+json', digest: sha256(statement), size: statement.length }],
  });
  for (const blob of [statement, config, manifest]) files.set(`blobs/sha256/${hexOf(sha256(blob))}`, blob);
  return {
    mediaType: MT.ociManifest,
    digest: sha256(manifest),
    size: manifest.length,
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': img.manifestDigest },
  };
}

/** A temp directory that holds written archives; `cleanup()` removes it and everything in it. */
export class ImageWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'layerscope-images-'));

  /** Writes `files` as a tar (members in name order, with their parent directories, as Docker writes). */
  async writeTar(name: string, files: ArchiveFiles): Promise<string> {
    const path = join(this.dir, name);
    writeFileSync(path, await packTar(tarSpecs(files)));
    return path;
  }

  writeDir(name: string, files: ArchiveFiles): string {
    const root = join(this.dir, name);
    mkdirSync(root, { recursive: true });
    for (const [member, content] of files) {
      const path = join(root, member);
      mkdirSync(dirname(path), { recursive: true });
      if (Buffer.isBuffer(content)) writeFileSync(path, content);
      else symlinkSync(content.symlink, path);
    }
    return root;
  }

  legacyDockerArchive(images: SyntheticImage[], name = 'legacy.tar'): Promise<string> {
    return this.writeTar(name, legacyDockerArchiveFiles(images));
  }

  docker25Archive(images: SyntheticImage[], opts: Docker25Options = {}, name = 'docker25.tar'): Promise<string> {
    return this.writeTar(name, docker25ArchiveFiles(images, opts));
  }

  ociLayoutDir(images: SyntheticImage[], name = 'oci'): string {
    return this.writeDir(name, ociLayoutFiles(images));
  }

  ociLayoutTar(images: SyntheticImage[], name = 'oci.tar'): Promise<string> {
    return this.writeTar(name, ociLayoutFiles(images));
  }

  async multiPlatformOci(
    images: SyntheticImage[],
    opts: MultiPlatformOptions & { tar?: boolean } = {},
    name = opts.tar ? 'multi.tar' : 'multi',
  ): Promise<{ path: string; indexDigest?: string }> {
    const { files, indexDigest } = multiPlatformOciFiles(images, opts);
    const path = opts.tar ? await this.writeTar(name, files) : this.writeDir(name, files);
    return { path, ...(indexDigest ? { indexDigest } : {}) };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function tarSpecs(files: ArchiveFiles): TarSpec[] {
  const dirs = new Set<string>();
  for (const name of files.keys()) {
    for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) dirs.add(name.slice(0, i + 1));
  }
  const specs: TarSpec[] = [...dirs].map((name) => ({ name, type: 'directory' }));
  for (const [name, content] of files) {
    specs.push(Buffer.isBuffer(content) ? { name, content } : { name, type: 'symlink', linkname: content.symlink });
  }
  return specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface ImageFixtures {
  image: SyntheticImage;
  legacyTar: string;
  docker25Tar: string;
  ociDir: string;
  ociTar: string;
  cleanup(): void;
}

/** One image in all four single-image formats. */
export async function writeImageFixtures(spec: ImageSpec): Promise<ImageFixtures> {
  const ws = new ImageWorkspace();
  const image = buildImage(spec);
  return {
    image,
    legacyTar: await ws.legacyDockerArchive([image]),
    docker25Tar: await ws.docker25Archive([image]),
    ociDir: ws.ociLayoutDir([image]),
    ociTar: await ws.ociLayoutTar([image]),
    cleanup: () => ws.cleanup(),
  };
}
