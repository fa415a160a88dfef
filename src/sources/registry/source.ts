// `registry://REF`: an image pulled straight from a registry, no engine. The manifest (through
// any index, by platform as the other sources pick) and the config are fetched when the image is
// opened; each layer blob only when the analyser reads it, streamed and checked against its
// digest as it arrives. Layers whose summaries are cached are never downloaded.
import { Readable } from 'node:stream';
import type { ImageSource } from '../../core/model.js';
import { InputError } from '../../core/errors.js';
import { describeLayers, parseImageConfig } from '../config.js';
import { parseJson } from '../fileSet.js';
import { expectObject } from '../json.js';
import { chooseImage, manifestConfig, manifestKind, manifestLayers, MEDIA_TYPES, parseIndex, type Descriptor } from '../ociLayout.js';
import type { RemoteOptions } from '../open.js';
import { platformMismatch } from '../platform.js';
import { dockerCredentials, type CredentialLookup } from './auth.js';
import { MAX_CONFIG_BYTES, RegistryClient, type RetryPolicy, type Timeouts } from './client.js';
import { manifestReference, parseReference } from './reference.js';

export interface RegistryOptions extends RemoteOptions {
  /** Allow plain HTTP to this registry even though it is not on a loopback address. */
  insecure?: boolean;
  /** Where credentials come from; default: the docker CLI's config and credential helpers. */
  credentials?: CredentialLookup;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<Timeouts>;
}

/** Indexes nest (index → index → manifest); deeper than this is a loop or junk. */
const MAX_INDEX_DEPTH = 8;

const KNOWN_MANIFEST_TYPES = new Set<string>([
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

/** Opens `target` (`ghcr.io/org/app:1.2`, `nginx`, `localhost:5000/app@sha256:…`) in its registry. */
export async function openRegistry(target: string, opts: RegistryOptions): Promise<ImageSource> {
  const ref = parseReference(target);
  const where = ref.name;
  const warnings: string[] = [];
  const client = new RegistryClient(ref, {
    credentials: opts.credentials ?? dockerCredentials(warnings),
    ...(opts.insecure ? { insecure: true } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
  });
  try {
    let reply = await client.manifest(manifestReference(ref));
    let descriptor: Descriptor = {
      mediaType: KNOWN_MANIFEST_TYPES.has(reply.mediaType) ? reply.mediaType : '',
      digest: reply.digest,
      size: reply.bytes.length,
      annotations: {},
    };
    for (let depth = 0; ; depth++) {
      const json = expectObject(
        parseJson(reply.bytes.toString('utf8'), `${where}: manifest ${descriptor.digest}`),
        `${where}: manifest ${descriptor.digest}`,
      );
      if (manifestKind(descriptor, json, where) === 'manifest') {
        return await assemble(json, descriptor);
      }
      if (depth >= MAX_INDEX_DEPTH) throw new InputError(`${where}: image indexes nest deeper than ${MAX_INDEX_DEPTH} levels`);
      const listedIn = `index ${descriptor.digest}`;
      const chosen = chooseImage(parseIndex(json, `${where}: ${listedIn}`), opts.platform, {
        where,
        listedIn,
        warnings,
        pickHint: `choose another with --platform, or name one by digest (${ref.registry}/${ref.repository}@sha256:…)`,
      });
      reply = await client.manifest(chosen.digest);
      descriptor = { ...chosen, mediaType: chosen.mediaType || (KNOWN_MANIFEST_TYPES.has(reply.mediaType) ? reply.mediaType : '') };
    }
  } catch (e) {
    client.close();
    throw e;
  }

  async function assemble(manifest: Record<string, unknown>, descriptor: Descriptor): Promise<ImageSource> {
    const configDesc = manifestConfig(manifest, descriptor.digest, where);
    const what = `${where}: config ${configDesc.digest}`;
    // A config is named by its digest, which the cache checks its bytes against on read: a warm
    // open asks the registry for the manifest only.
    const cached = await opts.configs?.getConfig(configDesc.digest);
    const configBytes = cached ? Buffer.from(cached) : await client.blob(configDesc, MAX_CONFIG_BYTES);
    if (!cached) await opts.configs?.putConfig(configDesc.digest, configBytes);
    const config = parseImageConfig(parseJson(configBytes.toString('utf8'), what), what);
    const stored = manifestLayers(manifest, descriptor.digest, where);
    const described = describeLayers(config, stored, `${where}: manifest ${descriptor.digest}`);
    const mismatch = platformMismatch(opts.platform, config.info, where);
    warnings.push(...config.warnings, ...described.warnings, ...(mismatch ? [mismatch] : []));
    return {
      ref: opts.ref,
      id: configDesc.digest,
      config: config.info,
      layers: described.layers,
      // The same array: a credential helper's complaint during a later blob request still shows.
      warnings,
      async openLayer(index: number) {
        const layer = stored[index];
        if (!Number.isInteger(index) || layer === undefined) {
          throw new RangeError(`layer index ${index} out of range (the image has ${stored.length} layers)`);
        }
        const blob: Descriptor = { mediaType: layer.mediaType ?? '', digest: layer.blobDigest!, size: layer.blobSize!, annotations: {} };
        return Readable.from(client.blobChunks(blob), { objectMode: false });
      },
      async close() {
        client.close();
      },
    };
  }
}
