// Images inside a Docker or Podman engine, read through the Docker-compatible API (dockerode).
//
// The image is read by streaming `GET /images/{id}/get` (what `docker save` writes) straight into
// the layer walker: no temp copy. That stream is sequential and not in layer order — a legacy
// save lists `<v1 id>/layer.tar` directories in name order with the config in between and
// manifest.json last; a Docker 25+ save lists `blobs/sha256/…` in digest order — so each layer
// tar is walked as it streams past, keyed by its member name, and the summaries are put in layer
// order by manifest.json at the end (ImageSource.readAll). The engine's inspect (RootFS.Layers,
// platform) is read first: it says whether the image is there (else it is pulled through the
// engine) and which `blobs/` members are layers.
import { existsSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request as httpRequest } from 'node:http';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { ImageCaches, ImageConfigInfo, ImageSource, LayerInfo, LayerSummary, StreamProgress, StreamedImage } from '../core/model.js';
import { InputError } from '../core/errors.js';
import { diffIdMismatch, provenMerged } from '../core/analyse.js';
import { isLayerLimit, layerMessage, walkLayer, type WalkLimits } from '../core/walk.js';
import { parseImageConfig, describeLayers } from './config.js';
import { sha256Digest } from './digest.js';
import { MAX_METADATA_BYTES, normaliseArchiveName, parseJson } from './fileSet.js';
import { parseArchiveManifest, type ArchiveManifestEntry } from './dockerArchive.js';
import { currentEngineHooks, type EngineHooks } from './engineHooks.js';
import { chooseContext, readContext, type ChosenContext, type DockerContext } from './dockerContext.js';
import { formatPlatform, platformMismatch, type Platform, type PlatformRequest } from './platform.js';

export type EngineKind = 'docker' | 'podman';
export type { EngineHooks, PullProgress } from './engineHooks.js';

/** Where an engine is reached, and how that was decided (for messages). */
export interface EngineEndpoint {
  kind: EngineKind;
  /** dockerode/docker-modem options; empty to let docker-modem read DOCKER_HOST itself (TLS, ssh). */
  options: Docker.DockerOptions;
  /** e.g. `unix:///var/run/docker.sock`, `tcp://10.0.0.2:2375`. */
  address: string;
  /** The variable the address came from, if any. */
  origin?: 'DOCKER_HOST' | 'CONTAINER_HOST';
  /** The Docker context the address came from, if any (dockerContext.ts). */
  context?: ChosenContext;
  /** Every address considered, in order, for the "not reachable" message. */
  tried: string[];
}

function socketAddress(path: string): string {
  return `unix://${path}`;
}

/**
 * Docker: the context the docker CLI would use (`--context`, else DOCKER_HOST's default context,
 * else DOCKER_CONTEXT, else config.json's currentContext; see dockerContext.ts) when it is not
 * `default`. The default context: DOCKER_HOST when set (any scheme docker-modem knows: unix, tcp, https with
 * DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, ssh); otherwise the first socket that exists of
 * /var/run/docker.sock, ~/.docker/run/docker.sock (Docker Desktop), $XDG_RUNTIME_DIR/docker.sock
 * (rootless); /var/run/docker.sock when none exists.
 * Podman: CONTAINER_HOST (unix or tcp) when set; otherwise $XDG_RUNTIME_DIR/podman/podman.sock
 * (rootless) then /run/podman/podman.sock (rootful), the first that exists.
 */
export function engineEndpoint(
  kind: EngineKind,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
  context?: string,
): EngineEndpoint {
  if (kind === 'docker') {
    const chosen = chooseContext(env, context);
    if (chosen) return contextEndpoint(readContext(chosen, env), env);
    const host = env.DOCKER_HOST;
    if (host) {
      const unix = /^unix:\/\/(.+)$/.exec(host);
      // A unix socket is passed explicitly; any other scheme goes through docker-modem's own
      // DOCKER_HOST handling (TLS certificates, ssh agent).
      const options: Docker.DockerOptions = unix ? { socketPath: unix[1]! } : {};
      return { kind, options, address: host, origin: 'DOCKER_HOST', tried: [host] };
    }
    const candidates = ['/var/run/docker.sock', join(env.HOME ?? homedir(), '.docker', 'run', 'docker.sock')];
    if (env.XDG_RUNTIME_DIR) candidates.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
    return pickSocket(kind, candidates, exists);
  }
  if (context) throw new InputError(`--context ${context} names a Docker context; the Podman service is found through CONTAINER_HOST`);
  const host = env.CONTAINER_HOST;
  if (host) {
    const found = { kind, address: host, origin: 'CONTAINER_HOST' as const, tried: [host] };
    const unix = /^unix:\/\/(.+)$/.exec(host);
    if (unix) return { ...found, options: { socketPath: unix[1]! } };
    const tcp = /^(?:tcp|http):\/\/([^/:]+)(?::(\d+))?\/?$/.exec(host);
    if (tcp) return { ...found, options: { host: tcp[1]!, port: Number(tcp[2] ?? 8080), protocol: 'http' } };
    throw new InputError(`CONTAINER_HOST=${host} is not supported here; use unix:///path/to/podman.sock or tcp://HOST:PORT`);
  }
  const candidates: string[] = [];
  if (env.XDG_RUNTIME_DIR) candidates.push(join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'));
  candidates.push('/run/podman/podman.sock');
  return pickSocket(kind, candidates, exists);
}

/** A context's docker endpoint as dockerode options: unix, tcp (TLS with the context's PEM files,
 *  as the docker CLI does; SkipTLSVerify honoured) or ssh. */
function contextEndpoint(ctx: DockerContext, env: NodeJS.ProcessEnv): EngineEndpoint {
  const found = { kind: 'docker' as const, address: ctx.host, context: { name: ctx.name, origin: ctx.origin }, tried: [ctx.host] };
  const unix = /^unix:\/\/(.+)$/.exec(ctx.host);
  if (unix) return { ...found, options: { socketPath: unix[1]! } };
  let url: URL;
  try {
    url = new URL(ctx.host);
  } catch {
    url = new URL('invalid://');
  }
  const what = `docker context "${ctx.name}" (from ${ctx.origin}): endpoint ${ctx.host}`;
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    const tls = url.protocol === 'https:' || ctx.tls.cert !== undefined || ctx.tls.ca !== undefined || ctx.skipTlsVerify;
    const material = { ...ctx.tls };
    return {
      ...found,
      options: {
        host: url.hostname,
        port: Number(url.port || (tls ? 2376 : 2375)),
        protocol: tls ? 'https' : 'http',
        ...material,
        ...(tls && ctx.skipTlsVerify ? { agent: new HttpsAgent({ rejectUnauthorized: false, ...material }) } : {}),
      } as Docker.DockerOptions,
    };
  }
  if (url.protocol === 'ssh:') {
    return {
      ...found,
      options: {
        protocol: 'ssh',
        host: url.hostname,
        port: Number(url.port || 22),
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        sshOptions: env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {},
      } as Docker.DockerOptions,
    };
  }
  throw new InputError(`${what} is not supported here (use unix://, tcp:// or ssh://)`);
}

function pickSocket(kind: EngineKind, candidates: string[], exists: (path: string) => boolean): EngineEndpoint {
  // None there: the first (the conventional place) is what the message's error is about.
  const found = candidates.find((p) => exists(p)) ?? candidates[0]!;
  return { kind, options: { socketPath: found }, address: socketAddress(found), tried: candidates.map(socketAddress) };
}

const ENGINE_NAME: Record<EngineKind, string> = { docker: 'Docker engine', podman: 'Podman service' };

/** The one-line message for an engine that does not answer: what was tried and what to do. */
export function unreachableMessage(endpoint: EngineEndpoint, reason: string, bareRef?: string): string {
  const context = endpoint.context;
  const tried =
    endpoint.tried.length > 1
      ? ` (tried ${endpoint.tried.join(', ')})`
      : ` at ${endpoint.address}${context ? ` (docker context "${context.name}", from ${context.origin})` : endpoint.origin ? ` (from ${endpoint.origin})` : ''}`;
  const fix = context
    ? `start that engine, choose another context (--context NAME, or docker context use NAME), or set DOCKER_HOST`
    : endpoint.kind === 'docker'
      ? /EACCES|permission denied/i.test(reason)
        ? 'add your user to the docker group (or run as root), set DOCKER_HOST, or use --source podman'
        : 'start Docker (sudo systemctl start docker), set DOCKER_HOST to where it listens, or use --source podman'
      : 'start it (podman system service --time=0 & — or systemctl --user start podman.socket), set CONTAINER_HOST, or use --source docker';
  // A plain name that is not a file may have been meant as a path: say both.
  const lead =
    bareRef !== undefined
      ? `"${bareRef}" is not a file here, and the ${ENGINE_NAME[endpoint.kind]} cannot be reached`
      : `cannot reach the ${ENGINE_NAME[endpoint.kind]}`;
  return `${lead}${tried}: ${reason}; ${fix}`;
}

/** dockerode, loaded when first needed: loading it (with ssh2 and its crypto) is a third of a
 *  warm open's time, and a warm open needs only a ping and an inspect. */
async function loadDockerode(): Promise<typeof Docker> {
  return (await import('dockerode')).default;
}

function newDocker(DockerClass: typeof Docker, endpoint: EngineEndpoint, bareRef?: string): Docker {
  try {
    return new DockerClass(endpoint.options);
  } catch (e) {
    throw new InputError(unreachableMessage(endpoint, errorText(e), bareRef), { cause: e });
  }
}

/** A dockerode client for a reachable engine, or an InputError saying what was tried. */
export async function connectEngine(
  kind: EngineKind,
  env: NodeJS.ProcessEnv = process.env,
  bareRef?: string,
  context?: string,
): Promise<{ docker: Docker; endpoint: EngineEndpoint }> {
  const endpoint = engineEndpoint(kind, env, existsSync, context);
  const docker = newDocker(await loadDockerode(), endpoint, bareRef);
  try {
    await withTimeout(docker.ping(), 15_000, 'no answer in 15 s');
  } catch (e) {
    throw new InputError(unreachableMessage(endpoint, errorText(e), bareRef), { cause: e });
  }
  return { docker, endpoint };
}

/**
 * The engine as openEngine uses it: ping and inspect over plain HTTP on a unix socket or an
 * unencrypted tcp endpoint without loading dockerode; dockerode for the rest (pull, save) and for
 * every call on other endpoints (TLS, ssh, a DOCKER_HOST docker-modem reads itself).
 */
interface EngineApi {
  endpoint: EngineEndpoint;
  inspect(ref: string): Promise<Docker.ImageInspectInfo>;
  docker(): Promise<Docker>;
}

async function connectEngineApi(kind: EngineKind, env: NodeJS.ProcessEnv, bareRef?: string, context?: string): Promise<EngineApi> {
  const endpoint = engineEndpoint(kind, env, existsSync, context);
  const o = endpoint.options as { socketPath?: string; host?: string; port?: number; protocol?: string };
  const plain = o.socketPath !== undefined || (o.host !== undefined && o.protocol === 'http');
  let client: Promise<Docker> | undefined;
  const docker = () => {
    client ??= loadDockerode().then((D) => newDocker(D, endpoint, bareRef));
    return client;
  };
  const call = plain
    ? (path: string) => plainGet(o, path)
    : async (path: string) => {
        const d = await docker();
        return path === '/_ping' ? d.ping() : d.getImage(path.slice('/images/'.length, -'/json'.length)).inspect();
      };
  try {
    await withTimeout(call('/_ping'), 15_000, 'no answer in 15 s');
  } catch (e) {
    throw new InputError(unreachableMessage(endpoint, errorText(e), bareRef), { cause: e });
  }
  return {
    endpoint,
    docker,
    inspect: async (ref) =>
      (await call(`/images/${ref.replace(/[^A-Za-z0-9._\-/:@]/g, encodeURIComponent)}/json`)) as Docker.ImageInspectInfo,
  };
}

/** GET over a unix socket or plain tcp; JSON back. Errors look like docker-modem's (statusCode,
 *  json.message) so errorText and statusCode read both alike. */
function plainGet(o: { socketPath?: string; host?: string; port?: number }, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const where = o.socketPath !== undefined ? { socketPath: o.socketPath } : { host: o.host, port: o.port };
    const req = httpRequest({ ...where, path, method: 'GET', headers: { Accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = text;
        try {
          json = JSON.parse(text);
        } catch {
          // `OK` from /_ping, or an error in plain text
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(json);
        const message =
          json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string'
            ? (json as { message: string }).message
            : text.trim();
        reject(Object.assign(new Error(`(HTTP code ${status}) - ${message}`), { statusCode: status, json }));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** dockerode errors carry the engine's JSON message in `json.message` or the text after `(HTTP code …)`. */
export function errorText(e: unknown): string {
  if (e && typeof e === 'object') {
    const err = e as { json?: unknown; message?: string; code?: string; statusCode?: number; reason?: string };
    const json = err.json as { message?: unknown } | string | null | undefined;
    if (json && typeof json === 'object' && typeof json.message === 'string') return json.message;
    if (typeof json === 'string' && json.trim() !== '') return json.trim();
    if (typeof err.message === 'string') return err.message.replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '').trim() || err.message;
  }
  return String(e);
}

function statusCode(e: unknown): number | undefined {
  return e && typeof e === 'object' ? (e as { statusCode?: number }).statusCode : undefined;
}

/** `name[:tag]`/`@digest` with `:latest` added when neither is given (a pull without a tag
 *  would fetch every tag). */
export function withDefaultTag(ref: string): string {
  if (ref.includes('@')) return ref;
  const lastSlash = ref.lastIndexOf('/');
  return ref.slice(lastSlash + 1).includes(':') ? ref : `${ref}:latest`;
}

/** What the engine's image inspect says, reduced to what the streaming read needs. */
export interface EngineImageInfo {
  id: string;
  diffIds: string[];
  platform: Platform;
  repoTags: string[];
  /** Sum of the layer diffs as the engine counts them (`docker image inspect .Size`). */
  size: number;
}

export function parseInspect(raw: Docker.ImageInspectInfo): EngineImageInfo {
  const variant = (raw as { Variant?: string }).Variant;
  return {
    id: raw.Id.startsWith('sha256:') ? raw.Id : `sha256:${raw.Id}`,
    diffIds: raw.RootFS?.Layers ?? [],
    platform: { os: raw.Os || 'unknown', architecture: raw.Architecture || 'unknown', ...(variant ? { variant } : {}) },
    repoTags: raw.RepoTags ?? [],
    size: raw.Size,
  };
}

/** Pulls `ref` through the engine, reporting its progress stream; an InputError when it fails. */
async function pullImage(docker: Docker, ref: string, platform: PlatformRequest, hooks: EngineHooks): Promise<void> {
  const tagged = withDefaultTag(ref);
  const options = platform.explicit ? { platform: formatPlatform(platform.platform) } : {};
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(tagged, options);
  } catch (e) {
    throw new InputError(`pull ${tagged}: ${errorText(e)}`, { cause: e });
  }
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        // The engine reports a failed pull as a last `{"error": …}` event, not as a stream error.
        const reason = err ? errorText(err) : failure;
        if (reason !== undefined) reject(new InputError(`pull ${tagged}: ${reason}`, { cause: err ?? undefined }));
        else resolve();
      },
      (event: {
        status?: string;
        id?: string;
        error?: string;
        errorDetail?: { message?: string };
        progressDetail?: { current?: number; total?: number };
      }) => {
        if (event.error !== undefined || event.errorDetail) {
          failure = event.errorDetail?.message ?? event.error ?? 'failed';
          return;
        }
        hooks.onPull?.({
          ref: tagged,
          status: event.status ?? '',
          ...(event.id ? { id: event.id } : {}),
          ...(event.progressDetail?.current !== undefined ? { current: event.progressDetail.current } : {}),
          ...(event.progressDetail?.total !== undefined ? { total: event.progressDetail.total } : {}),
        });
      },
    );
  });
}

/** Inspects `ref`; pulls it first when the engine does not have it. */
async function inspectOrPull(
  api: EngineApi,
  kind: EngineKind,
  ref: string,
  opts: EngineOpenOptions,
  hooks: EngineHooks,
): Promise<EngineImageInfo> {
  try {
    return parseInspect(await api.inspect(ref));
  } catch (e) {
    if (statusCode(e) !== 404) throw new InputError(`${kind}://${ref}: ${errorText(e)}`, { cause: e });
  }
  try {
    await pullImage(await api.docker(), ref, opts.platform, hooks);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const prefix = opts.bare ? `"${ref}" is not a file here, and the ${kind} engine` : `the ${kind} engine`;
    throw new InputError(`${prefix} has no image ${ref} and could not pull it (${reason})`, { cause: e });
  }
  try {
    return parseInspect(await api.inspect(withDefaultTag(ref)));
  } catch (e) {
    throw new InputError(`${kind}://${ref}: pulled, but the engine cannot inspect it: ${errorText(e)}`, { cause: e });
  }
}

export interface EngineOpenOptions extends EngineHooks {
  ref: string;
  platform: PlatformRequest;
  bare?: boolean;
  /** Environment to read DOCKER_HOST / CONTAINER_HOST / XDG_RUNTIME_DIR from (tests). */
  env?: NodeJS.ProcessEnv;
  /** `--context NAME`: the Docker context to reach the engine through. */
  context?: string;
}

/**
 * Opens image `ref` of a Docker or Podman engine. Metadata comes from the engine's inspect; the
 * layers are read by ImageSource.readAll from one `docker save` stream. openLayer is not
 * available (the stream cannot be rewound): everything reads through analyseImage.
 */
export async function openEngine(kind: EngineKind, ref: string, opts: EngineOpenOptions): Promise<ImageSource> {
  const hooks: EngineHooks = { ...currentEngineHooks(), ...(opts.onPull ? { onPull: opts.onPull } : {}) };
  const api = await connectEngineApi(kind, opts.env ?? process.env, opts.bare ? ref : undefined, opts.context);
  const { endpoint } = api;
  const info = await inspectOrPull(api, kind, ref, opts, hooks);
  const where = `${kind}://${ref}`;
  // A platform other than the one asked for is reported once the stream's config is read.
  const config: ImageConfigInfo = {
    os: info.platform.os,
    architecture: info.platform.architecture,
    ...(info.platform.variant ? { variant: info.platform.variant } : {}),
    history: [],
  };
  // Until the stream is read, only the diffIDs are known (commands come with the image config),
  // and layers stream past in the archive's member order: what a loading screen can show.
  const layers: LayerInfo[] = info.diffIds.map((diffId, index) => ({
    index,
    diffId,
    command: `layer ${index + 1} of ${info.diffIds.length} to stream from the ${kind} engine`,
    compressedBytes: null,
  }));
  let reading: AbortController | undefined;
  return {
    ref: opts.ref,
    id: info.id,
    config,
    layers,
    warnings: [],
    openLayer() {
      return Promise.reject(new Error(`${where}: layers of an engine image are read in one pass (readAll), not one by one`));
    },
    readCached: (caches) => readCachedImage(info, caches, opts.platform, where),
    async readAll({ onProgress, limits }) {
      reading = new AbortController();
      return readSaveStream(await api.docker(), info, {
        where,
        address: endpoint.address,
        platform: opts.platform,
        signal: reading.signal,
        ...(onProgress ? { onProgress } : {}),
        ...(limits ? { limits } : {}),
      });
    },
    // Content access (cat, extract, the viewer) saves the image once to a temp archive.
    saveStream: async () => (await api.docker()).getImage(info.id).get(),
    async close() {
      reading?.abort();
    },
  };
}

/**
 * The image from the caches alone, no `docker save`: the config by the image ID the engine's
 * inspect gives (the cache checks the bytes hash to it), the summaries by the diffIDs that config
 * lists, which must be the inspect's too. Undefined when anything is missing or does not agree.
 */
export async function readCachedImage(
  info: EngineImageInfo,
  caches: ImageCaches,
  platform: PlatformRequest,
  where: string,
): Promise<StreamedImage | undefined> {
  const bytes = await caches.configs.getConfig(info.id);
  if (!bytes) return undefined;
  const what = `${where}: cached config ${info.id}`;
  let parsed: ReturnType<typeof parseImageConfig>;
  try {
    parsed = parseImageConfig(parseJson(Buffer.from(bytes).toString('utf8'), what), what);
  } catch {
    return undefined;
  }
  if (parsed.diffIds.length !== info.diffIds.length || parsed.diffIds.some((d, i) => d !== info.diffIds[i])) return undefined;
  // A big image's summaries and merged tree in one file (mergedCache.ts): no JSON summary read,
  // no merge. Else every summary by itself.
  const merged = await provenMerged(caches.summaries, parsed.diffIds, () => ({ engine: true }));
  const summaries: LayerSummary[] = [];
  for (const [index, diffId] of parsed.diffIds.entries()) {
    const summary = merged ? merged.summaries[index] : await caches.summaries.get(diffId, { engine: true });
    if (!summary) return undefined;
    // The engine hands out uncompressed tars: the blob is the tar.
    summaries.push({ ...summary, blobBytes: summary.tarBytes, compression: 'none' });
  }
  const blobs = summaries.map((s) => ({ blobSize: s.tarBytes, compressedBytes: null }));
  const { layers, warnings } = describeLayers(parsed, blobs, what);
  const mismatch = platformMismatch(
    platform,
    { os: parsed.info.os, architecture: parsed.info.architecture, ...(parsed.info.variant ? { variant: parsed.info.variant } : {}) },
    where,
  );
  return {
    id: info.id,
    config: parsed.info,
    layers,
    summaries,
    warnings: [...parsed.warnings, ...warnings, ...(mismatch ? [mismatch] : [])],
    configBytes: bytes,
    ...(merged ? { merged: merged.tree } : {}),
  };
}

interface SaveReadOptions {
  where: string;
  address: string;
  platform: PlatformRequest;
  signal?: AbortSignal;
  onProgress?: (progress: StreamProgress) => void;
  limits?: Partial<WalkLimits>;
}

/** One member of the save stream that held a layer: what walking it gave, or why it failed. */
type WalkedMember = { summary: LayerSummary; size: number } | { error: unknown; size: number };

/** Streams `docker save` of the image by ID and walks every layer member as it passes. */
export async function readSaveStream(docker: Docker, info: EngineImageInfo, opts: SaveReadOptions): Promise<StreamedImage> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.getImage(info.id).get();
  } catch (e) {
    throw new InputError(`${opts.where}: the engine at ${opts.address} could not export the image: ${errorText(e)}`, { cause: e });
  }
  return readSaveArchive(stream, info, opts);
}

/**
 * Reads a `docker save` archive from a sequential stream. Layer members are recognised by name
 * (`…/layer.tar`, or `blobs/sha256/<hex>` whose digest is one of the image's diffIDs: a save
 * stores layers uncompressed, so blob digest = diffID) and walked as they arrive; other members
 * up to MAX_METADATA_BYTES are kept in memory (configs, manifests: KBs), larger unknown ones are
 * walked too, in case a manifest names them. Links between members (legacy saves store a layer
 * used twice once and link the second name to it) are followed.
 */
export async function readSaveArchive(stream: NodeJS.ReadableStream, info: EngineImageInfo, opts: SaveReadOptions): Promise<StreamedImage> {
  const diffIds = new Set(info.diffIds);
  const walked = new Map<string, WalkedMember>();
  const small = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const placer = new LayerPlacer(info.diffIds, small);
  const extract = tar.extract();
  const source = Readable.from(stream as AsyncIterable<Buffer>);
  const abort = () => source.destroy(new Error('aborted'));
  opts.signal?.addEventListener('abort', abort, { once: true });
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const header = entry.header;
      const name = normaliseArchiveName(header.name);
      const size = header.size ?? 0;
      if (name === undefined || name === '') {
        entry.resume();
        continue;
      }
      if (header.type === 'symlink' || header.type === 'link') {
        const target =
          header.type === 'symlink' ? resolveRelative(name, header.linkname ?? '') : normaliseArchiveName(header.linkname ?? '');
        if (target !== undefined) links.set(name, target);
        entry.resume();
        continue;
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      if (isLayerName(name, diffIds) || size > MAX_METADATA_BYTES) {
        // Which layer of the image this member is, when its name (or the chain of v1 ids) says;
        // otherwise its diffID says it once walked.
        const before = placer.before(name);
        const report = (read: number, done: boolean, layer = before) =>
          opts.onProgress?.({ ...(layer !== undefined ? { layer } : {}), member: name, blobBytesRead: read, blobBytesTotal: size, done });
        report(0, false);
        try {
          const summary = await walkLayer(entry as unknown as AsyncIterable<Buffer>, {
            onProgress: (n) => report(n, false),
            ...(opts.limits ? { limits: opts.limits } : {}),
          });
          walked.set(name, { summary, size });
          report(size, true, placer.after(name, summary.diffId) ?? before);
        } catch (e) {
          // A limit stops the read at once: draining the rest is the work the limit is there to
          // spare. The layer's index is known when the member could be placed before its walk.
          if (isLayerLimit(e)) {
            throw new InputError(
              `${opts.where}: ${before !== undefined ? layerMessage(before, name, e) : `layer ${name} ${(e as Error).message}`}`,
              {
                cause: e,
              },
            );
          }
          // Not fatal yet: only the members the manifest names must be layers.
          walked.set(name, { error: e, size });
          entry.resume();
          report(size, true);
        }
        continue;
      }
      small.set(name, await collect(entry));
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (opts.signal?.aborted) throw new InputError(`${opts.where}: reading was cancelled`, { cause: e });
    throw new InputError(`${opts.where}: the image stream from ${opts.address} broke off: ${errorText(e)}`, { cause: e });
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    // Stopped early (a limit, a broken layer tar): close the engine's response too, or its socket
    // would keep the process alive.
    if (!source.destroyed) source.destroy();
  }
  return assembleStreamed(info, { walked, small, links }, opts);
}

function isLayerName(name: string, diffIds: Set<string>): boolean {
  if (/(^|\/)layer\.tar$/.test(name)) return true;
  const digest = digestNamed(name);
  return digest !== undefined && diffIds.has(digest);
}

/** The digest a member is named by: Docker 25+ `blobs/sha256/<hex>`, Podman's `<hex>.tar`. */
function digestNamed(name: string): string | undefined {
  const blob = /^blobs\/sha256\/([a-f0-9]{64})$|^([a-f0-9]{64})\.tar$/.exec(name);
  return blob ? `sha256:${blob[1] ?? blob[2]}` : undefined;
}

/**
 * Says which layer of the image a layer member of the save stream is, for progress. A member
 * named by its digest is the layer with that diffID. A legacy member `<v1 id>/layer.tar` is
 * placed through the v1 ids: `<v1 id>/json` (just before it in the stream) names its parent, so
 * it is layer 0 when it has none, one above a placed parent, one below a placed child. Once
 * walked, any member is placed by the diffID its bytes hash to.
 */
class LayerPlacer {
  /** Legacy layer directories placed so far → layer index. */
  private readonly placed = new Map<string, number>();

  constructor(
    private readonly diffIds: readonly string[],
    private readonly small: ReadonlyMap<string, Buffer>,
  ) {}

  before(name: string): number | undefined {
    const digest = digestNamed(name);
    if (digest !== undefined) return this.indexOf(digest);
    const dir = legacyLayerDir(name);
    return dir === undefined ? undefined : this.depth(dir, 0);
  }

  after(name: string, diffId: string): number | undefined {
    const index = this.indexOf(diffId);
    const dir = legacyLayerDir(name);
    if (dir !== undefined && index !== undefined) this.placed.set(dir, index);
    return index;
  }

  private indexOf(diffId: string): number | undefined {
    const index = this.diffIds.indexOf(diffId);
    return index >= 0 ? index : undefined;
  }

  private depth(dir: string, hops: number): number | undefined {
    const known = this.placed.get(dir);
    if (known !== undefined) return known;
    if (hops > this.diffIds.length) return undefined; // a loop of parents
    const parent = this.parentOf(dir);
    if (parent === null) return 0;
    if (parent !== undefined) {
      const below = this.depth(parent, hops + 1);
      if (below !== undefined) return below + 1;
    }
    for (const [child, index] of this.placed) if (index > 0 && this.parentOf(child) === dir) return index - 1;
    return undefined;
  }

  /** The parent's v1 id, null for none, undefined when its json has not streamed past (or is odd). */
  private parentOf(dir: string): string | null | undefined {
    const bytes = this.small.get(`${dir}/json`);
    if (!bytes) return undefined;
    try {
      const parent = (JSON.parse(bytes.toString('utf8')) as { parent?: unknown }).parent;
      if (parent === undefined || parent === '') return null;
      return typeof parent === 'string' ? parent.replace(/^sha256:/, '') : undefined;
    } catch {
      return undefined;
    }
  }
}

function legacyLayerDir(name: string): string | undefined {
  return /^([^/]+)\/layer\.tar$/.exec(name)?.[1];
}

function resolveRelative(name: string, target: string): string | undefined {
  if (target.startsWith('/')) return normaliseArchiveName(target);
  const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '';
  return normaliseArchiveName(dir === '' ? target : `${dir}/${target}`);
}

async function collect(entry: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Members {
  walked: Map<string, WalkedMember>;
  small: Map<string, Buffer>;
  links: Map<string, string>;
}

/** After the stream: manifest.json says which members are the config and the layers, in order. */
async function assembleStreamed(info: EngineImageInfo, members: Members, opts: SaveReadOptions): Promise<StreamedImage> {
  const { where } = opts;
  const resolve = (name: string): string => {
    let at = name;
    for (let hops = 0; hops < 40 && !members.walked.has(at) && !members.small.has(at); hops++) {
      const next = members.links.get(at);
      if (next === undefined) break;
      at = next;
    }
    return at;
  };
  const manifestBytes = members.small.get('manifest.json');
  if (!manifestBytes) throw new InputError(`${where}: the engine's image stream has no manifest.json`);
  const entries = parseArchiveManifest(parseJson(manifestBytes.toString('utf8'), `${where}: manifest.json`), `${where}: manifest.json`);
  const entry = chooseEntry(entries, info.id, members, resolve);
  const configBytes = members.small.get(resolve(entry.config));
  if (!configBytes) throw new InputError(`${where}: the image stream has no config ${entry.config} (named in manifest.json)`);
  const id = sha256Digest(configBytes);
  const warnings: string[] = [];
  if (id !== info.id) warnings.push(`${where}: the streamed image config hashes to ${id}, but the engine calls the image ${info.id}`);
  const what = `${where}: ${entry.config}`;
  const parsed = parseImageConfig(parseJson(configBytes.toString('utf8'), what), what);
  const summaries: LayerSummary[] = [];
  const blobs = [];
  for (const [i, layerName] of entry.layers.entries()) {
    const at = resolve(layerName);
    const member = members.walked.get(at);
    let summary: LayerSummary;
    if (member && 'summary' in member) summary = member.summary;
    else if (member) throw layerError(where, i, layerName, member.error);
    else {
      const bytes = members.small.get(at);
      if (!bytes)
        throw new InputError(`${where}: the image stream has no ${layerName} (layer ${i} of ${entry.layers.length} in manifest.json)`);
      try {
        summary = await walkLayer(Readable.from([bytes]), opts.limits ? { limits: opts.limits } : {});
      } catch (e) {
        throw layerError(where, i, layerName, e);
      }
    }
    const expected = parsed.diffIds[i];
    if (expected !== undefined && summary.diffId !== expected) {
      throw diffIdMismatch(i, summary.diffId, parsed.diffIds);
    }
    summaries.push(summary);
    // The engine hands out uncompressed tars: what its registry blobs weigh is not known here.
    blobs.push({ blobSize: member?.size ?? members.small.get(at)?.length ?? summary.blobBytes, compressedBytes: null });
  }
  const { layers, warnings: layerWarnings } = describeLayers(parsed, blobs, `${where}: manifest.json`);
  const mismatch = platformMismatch(
    opts.platform,
    { os: parsed.info.os, architecture: parsed.info.architecture, ...(parsed.info.variant ? { variant: parsed.info.variant } : {}) },
    where,
  );
  return {
    id,
    config: parsed.info,
    layers,
    summaries,
    warnings: [...warnings, ...parsed.warnings, ...layerWarnings, ...(mismatch ? [mismatch] : [])],
    configBytes: configBytes,
  };
}

function layerError(where: string, index: number, name: string, e: unknown): InputError {
  return new InputError(`${where}: ${layerMessage(index, name, e)}`, { cause: e });
}

/** The manifest entry whose config is the image we asked for (a save by ID holds just that one). */
function chooseEntry(entries: ArchiveManifestEntry[], id: string, members: Members, resolve: (n: string) => string): ArchiveManifestEntry {
  const hex = id.replace(/^sha256:/, '');
  const byName = entries.find((e) => e.config.includes(hex));
  if (byName) return byName;
  const byContent = entries.find((e) => {
    const bytes = members.small.get(resolve(e.config));
    return bytes !== undefined && sha256Digest(bytes) === id;
  });
  return byContent ?? entries[0]!;
}
