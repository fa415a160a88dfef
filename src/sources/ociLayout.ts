// OCI image layouts (image-spec image-layout.md), as a directory or a tar: `oci-layout`,
// `index.json`, `blobs/<alg>/<encoded>`. index.json → (nested index / manifest list)* →
// manifest → config + layers. OCI and Docker v2 schema 2 media types are both accepted, since
// skopeo, buildx and containerd write either.
import type { ImageSource } from '../core/model.js';
import { InputError } from '../core/errors.js';
import { parseImageConfig, type ParsedImageConfig } from './config.js';
import { blobPath, digestMismatch } from './digest.js';
import { parseJson, type FileSet } from './fileSet.js';
import { assembleImage, owningFiles, type ArchiveOptions, type StoredLayer } from './imageSource.js';
import { sameImageName } from './imageName.js';
import { expectArray, expectObject, expectString, isObject, optionalString, stringRecord, type JsonObject } from './json.js';
import { formatPlatform, isUnknownPlatform, noMatchingPlatform, rankPlatforms, type Platform, type PlatformRequest } from './platform.js';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
const MANIFEST_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const CONFIG_TYPES = new Set<string>([MEDIA_TYPES.ociConfig, MEDIA_TYPES.dockerConfig]);
const SCHEMA1_TYPES = new Set([
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);
const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';
/** Indexes nest (index.json → image index → manifest); deeper than this is a loop or junk. */
const MAX_INDEX_DEPTH = 8;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations: Record<string, string>;
  artifactType?: string;
}

/** Opens the image an OCI layout holds. Takes ownership of `files` (closed on error). */
export function openOciLayout(files: FileSet, opts: ArchiveOptions): Promise<ImageSource> {
  return owningFiles(files, async () => {
    const where = files.location;
    const warnings: string[] = [];
    if (!files.has('oci-layout')) warnings.push(`${where} has no oci-layout file; reading it as an OCI layout anyway`);
    const top = parseIndex(await files.readJson('index.json'), `${where}: index.json`);
    const candidates = opts.select === undefined ? top : selectByName(top, opts.select, where);
    const reader = new LayoutReader(files, opts.platform, warnings);
    const { descriptor, manifest } = await reader.resolve(candidates, 'index.json', 0);
    const config = await reader.readConfig(manifest, descriptor);
    const layers = manifestLayers(manifest, descriptor.digest, where);
    if (layers.length !== config.parsed.diffIds.length && files.has('manifest.json')) {
      throw new InputError(
        `${where}: manifest ${descriptor.digest} lists ${layers.length} layers but the image config lists ` +
          `${config.parsed.diffIds.length} diff_ids; this looks like a docker save archive whose OCI manifest is broken ` +
          `(Docker 25.0.0): open it as docker-archive://${where}`,
      );
    }
    return assembleImage({
      ref: opts.ref,
      id: config.id,
      config: config.parsed,
      layers,
      files,
      warnings,
      manifest: `manifest ${descriptor.digest}`,
      platform: opts.platform,
    });
  });
}

/** Walks descriptors down to one image manifest, reading blobs from the layout. */
class LayoutReader {
  constructor(
    private readonly files: FileSet,
    private readonly request: PlatformRequest,
    private readonly warnings: string[],
  ) {}

  async resolve(descriptors: Descriptor[], listedIn: string, depth: number): Promise<{ descriptor: Descriptor; manifest: JsonObject }> {
    const where = this.files.location;
    if (depth > MAX_INDEX_DEPTH) throw new InputError(`${where}: image indexes nest deeper than ${MAX_INDEX_DEPTH} levels`);
    const chosen = this.choose(descriptors, listedIn);
    const json = expectObject(await this.readJsonBlob(chosen, listedIn), `${where}: ${blobPath(chosen.digest, where)}`);
    const kind = manifestKind(chosen, json, where);
    if (kind === 'manifest') return { descriptor: chosen, manifest: json };
    const nested = parseIndex(json, `${where}: index ${chosen.digest}`);
    return this.resolve(nested, `index ${chosen.digest}`, depth + 1);
  }

  private choose(descriptors: Descriptor[], listedIn: string): Descriptor {
    const where = this.files.location;
    return chooseImage(descriptors, this.request, {
      where,
      listedIn,
      warnings: this.warnings,
      isPresent: (d) => this.files.has(blobPath(d.digest, where)),
      pickHint: `choose one with ${where}:NAME`,
    });
  }

  async readConfig(manifest: JsonObject, descriptor: Descriptor): Promise<{ id: string; parsed: ParsedImageConfig }> {
    const where = this.files.location;
    const configDesc = manifestConfig(manifest, descriptor.digest, where);
    const bytes = await this.readBlob(configDesc, `manifest ${descriptor.digest}`);
    const what = `${where}: config ${configDesc.digest}`;
    return { id: configDesc.digest, parsed: parseImageConfig(parseJson(bytes.toString('utf8'), what), what) };
  }

  private async readJsonBlob(descriptor: Descriptor, listedIn: string): Promise<unknown> {
    const bytes = await this.readBlob(descriptor, listedIn);
    return parseJson(bytes.toString('utf8'), `${this.files.location}: ${blobPath(descriptor.digest, this.files.location)}`);
  }

  /** Reads a small blob, checking it against its descriptor (a mismatch is reported, not fatal). */
  private async readBlob(descriptor: Descriptor, listedIn: string): Promise<Buffer> {
    const where = this.files.location;
    const name = blobPath(descriptor.digest, where);
    if (!this.files.has(name)) {
      const platform = descriptor.platform ? ` for ${formatPlatform(descriptor.platform)}` : '';
      throw new InputError(`${where}: missing blob ${name} (${kindName(descriptor)}${platform} listed in ${listedIn})`);
    }
    const bytes = await this.files.readBytes(name);
    const actual = digestMismatch(descriptor.digest, bytes);
    if (actual) this.warnings.push(`${where}: blob ${name} hashes to ${actual}, not to its name`);
    else if (bytes.length !== descriptor.size) {
      this.warnings.push(`${where}: blob ${name} is ${bytes.length} bytes but ${listedIn} says ${descriptor.size}`);
    }
    return bytes;
  }
}

export function parseIndex(raw: unknown, what: string): Descriptor[] {
  const json = expectObject(raw, what);
  if (SCHEMA1_TYPES.has(String(json.mediaType)) || json.schemaVersion === 1) throw schema1(what);
  // Docker 25.0.0 wrote `"manifests": null` for images saved by digest (moby#47210).
  if (json.manifests === null || json.manifests === undefined) throw new InputError(`${what} lists no images`);
  return expectArray(json.manifests, `${what}: manifests`).map((d, i) => parseDescriptor(d, `${what}: manifests[${i}]`));
}

export function parseDescriptor(raw: unknown, what: string): Descriptor {
  const json = expectObject(raw, what);
  const digest = expectString(json.digest, `${what}.digest`);
  blobPath(digest, what); // validates the digest's syntax before it ever becomes a path
  const size = json.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new InputError(`${what}.size: expected a byte count, found ${JSON.stringify(size)}`);
  }
  const platform = parsePlatformField(json.platform);
  const artifactType = optionalString(json.artifactType);
  return {
    mediaType: optionalString(json.mediaType) ?? '',
    digest,
    size,
    annotations: stringRecord(json.annotations) ?? {},
    ...(platform ? { platform } : {}),
    ...(artifactType ? { artifactType } : {}),
  };
}

export interface ChooseOptions {
  /** Names the image's location in messages (a path, a registry reference). */
  where: string;
  /** What listed the descriptors, for messages (`index.json`, `index sha256:…`). */
  listedIn: string;
  /** Where to say which image was picked when there was a choice. */
  warnings: string[];
  /** Prefer candidates whose blob is at hand (a partial copy keeps the full index). */
  isPresent?: (d: Descriptor) => boolean;
  /** How the user picks another image, e.g. `choose one with PATH:NAME`. */
  pickHint: string;
}

/** One image of an index: by platform when the list says platforms, else the first image. */
export function chooseImage(descriptors: Descriptor[], request: PlatformRequest, opts: ChooseOptions): Descriptor {
  const { where, listedIn, warnings, pickHint } = opts;
  const images = descriptors.filter((d) => !isAttestation(d));
  if (images.length === 0) throw new InputError(`${where}: ${listedIn} lists no images`);
  const withPlatform = images.filter((d) => d.platform !== undefined);
  if (withPlatform.length === 0) {
    const [first, ...others] = images as [Descriptor, ...Descriptor[]];
    if (others.length > 0) {
      warnings.push(
        `${where} holds ${images.length} images; analysing the first (${describe(first)}); ` +
          `others: ${others.map(describe).join(', ')}; ${pickHint}`,
      );
    }
    return first;
  }
  const ranked = rankPlatforms(request.platform, withPlatform, (d) => d.platform);
  if (ranked.length === 0)
    throw noMatchingPlatform(
      request,
      withPlatform.map((d) => d.platform!),
      where,
    );
  const isPresent = opts.isPresent;
  const chosen = (isPresent && ranked.find(isPresent)) || ranked[0]!;
  // Docker 25 `docker save a b` lists two images of one platform side by side in index.json.
  const twins = ranked.filter((d) => d.digest !== chosen.digest && formatPlatform(d.platform!) === formatPlatform(chosen.platform!));
  if (twins.length > 0) {
    warnings.push(
      `${where} holds ${twins.length + 1} images for ${formatPlatform(chosen.platform!)}; analysing ${describe(chosen)}; ` +
        `others: ${twins.map(describe).join(', ')}; ${pickHint}`,
    );
  }
  return chosen;
}

/** The config descriptor of an image manifest; refuses artifacts that are not container images. */
export function manifestConfig(manifest: JsonObject, manifestDigest: string, where: string): Descriptor {
  const configDesc = parseDescriptor(manifest.config, `${where}: manifest ${manifestDigest}: config`);
  if (configDesc.mediaType !== '' && !CONFIG_TYPES.has(configDesc.mediaType)) {
    throw new InputError(
      `${where}: manifest ${manifestDigest} is not a container image (its config media type is ${configDesc.mediaType})`,
    );
  }
  return configDesc;
}

function parsePlatformField(raw: unknown): Platform | undefined {
  if (!isObject(raw)) return undefined;
  const os = optionalString(raw.os);
  const architecture = optionalString(raw.architecture);
  if (!os || !architecture) return undefined;
  const variant = optionalString(raw.variant);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export function manifestLayers(manifest: JsonObject, digest: string, where: string): StoredLayer[] {
  const what = `${where}: manifest ${digest}`;
  return expectArray(manifest.layers, `${what}: layers`).map((raw, i) => {
    const d = parseDescriptor(raw, `${what}: layers[${i}]`);
    return {
      name: blobPath(d.digest, what),
      blobDigest: d.digest,
      blobSize: d.size,
      ...(d.mediaType ? { mediaType: d.mediaType } : {}),
    };
  });
}

/** Index or manifest: by the descriptor's media type, else the blob's own, else its shape. */
export function manifestKind(descriptor: Descriptor, json: JsonObject, where: string): 'index' | 'manifest' {
  const declared = descriptor.mediaType || optionalString(json.mediaType) || '';
  if (INDEX_TYPES.has(declared)) return 'index';
  if (MANIFEST_TYPES.has(declared)) return 'manifest';
  const what = `${where}: ${blobPath(descriptor.digest, where)}`;
  if (SCHEMA1_TYPES.has(declared) || json.schemaVersion === 1) throw schema1(what);
  if (declared === '') {
    if (Array.isArray(json.manifests)) return 'index';
    if (isObject(json.config) && Array.isArray(json.layers)) return 'manifest';
  }
  throw new InputError(`${what} is not an image manifest or index (media type ${declared || 'missing'})`);
}

function schema1(what: string): InputError {
  return new InputError(`${what} is a Docker schema 1 manifest, which is not supported; convert it with skopeo copy`);
}

/** BuildKit attestations (SBOM, provenance) and OCI 1.1 artifacts sit beside images in an index. */
function isAttestation(d: Descriptor): boolean {
  return (
    isUnknownPlatform(d.platform) || d.annotations['vnd.docker.reference.type'] === 'attestation-manifest' || d.artifactType !== undefined
  );
}

/** `PATH:NAME` for a layout: the OCI ref name (often just a tag) or containerd's full image name. */
function selectByName(descriptors: Descriptor[], select: string, where: string): Descriptor[] {
  const byIndex = /^@(\d+)$/.exec(select);
  if (byIndex) {
    const d = descriptors[Number(byIndex[1])];
    if (d) return [d];
  } else {
    const found = descriptors.filter((d) =>
      [d.annotations[REF_NAME], d.annotations[CONTAINERD_NAME]].some((n) => n !== undefined && sameImageName(n, select)),
    );
    if (found.length > 0) return found;
  }
  const names = descriptors.map(describe).join(', ') || 'nothing';
  throw new InputError(`${where} has no image ${byIndex ? 'number ' : 'named '}${select} (index.json lists: ${names})`);
}

function describe(d: Descriptor): string {
  return d.annotations[CONTAINERD_NAME] ?? d.annotations[REF_NAME] ?? d.digest;
}

function kindName(d: Descriptor): string {
  if (INDEX_TYPES.has(d.mediaType)) return 'image index';
  if (MANIFEST_TYPES.has(d.mediaType)) return 'manifest';
  if (CONFIG_TYPES.has(d.mediaType)) return 'image config';
  return 'blob';
}
