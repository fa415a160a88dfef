// Reads every layer of an image source into LayerSummaries (bounded parallelism), checks each
// against the diffID the config promises, and hands back plain data for the merge.
import { createHash, type Hash } from 'node:crypto';
import type {
  AnalysedImage,
  BlobFile,
  ConfigStore,
  ImageSource,
  LayerOrigin,
  LayerSummary,
  MergedImage,
  StreamedImage,
  SummaryCache,
} from './model.js';
import { InputError } from './errors.js';
import { layerMessage, limitExceeded, type WalkLimits, type WalkOptions } from './walk.js';
import { WalkPool } from './walkPool.js';
import { scannedWith } from './contents.js';
import { availableParallelism } from 'node:os';

export interface LayerProgress {
  /** Layer index in the image; absent while a sequential source reads a member it cannot place
   *  yet (StreamProgress). */
  layer?: number;
  /** A sequential source's member name (StreamProgress.member). */
  member?: string;
  blobBytesRead: number;
  /** Stored size when the source knows it. */
  blobBytesTotal?: number;
  done: boolean;
}

export interface AnalyseOptions {
  /** Layers read at once. Decompression is CPU-bound: more than the core count only adds memory. */
  concurrency?: number;
  onProgress?: (progress: LayerProgress) => void;
  /** A cache of summaries by diffID; consulted before reading a blob. */
  cache?: SummaryCache;
  /** Image configs by image ID: with `cache`, lets a sequential source (an engine) skip its pass. */
  configs?: ConfigStore;
  /** `--max-files` / `--max-bytes`; default: walk.ts DEFAULT_LIMITS. */
  limits?: Partial<WalkLimits>;
}

export type { SummaryCache } from './model.js';

/** Most layers an image may have. The engine refuses more than 125 (overlay2 stacks at most 128
 *  directories); a manifest of 40,000 layers is an attack on the reader, not an image. */
export const MAX_LAYERS = 1000;

export async function analyseImage(source: ImageSource, options: AnalyseOptions = {}): Promise<AnalysedImage> {
  if (source.layers.length > MAX_LAYERS) {
    throw new InputError(
      `the image has ${source.layers.length} layers; Docker refuses more than 125 and layerscope reads at most ${MAX_LAYERS}`,
    );
  }
  if (source.readAll) return analyseStream(source, source.readAll.bind(source), options);
  const merged = await readMerged(source, options);
  if (merged) return merged;
  const summaries: LayerSummary[] = new Array(source.layers.length);
  const queue = source.layers.map((_, i) => i);
  const workers = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), queue.length));
  // The first failure stops new reads; the reads under way finish (so no stream is left open
  // behind the caller's back), and the lowest failing layer is the one reported, whichever
  // worker got there first: the same broken image always gives the same message.
  const failures = new Map<number, unknown>();
  // Layers are walked in worker threads, started on the first layer not in the cache and kept
  // (unreferenced) for later analyses in this process.
  const walk: Walk = (blob, walkOptions) => sharedPool().walk(blob, walkOptions);
  const work = async (): Promise<void> => {
    for (let index = queue.shift(); index !== undefined && failures.size === 0; index = queue.shift()) {
      try {
        summaries[index] = await readLayer(source, index, options, walk);
      } catch (e) {
        failures.set(index, e);
      }
    }
    // No layer left for this walker: stop it now rather than after the others finish, so its
    // heap goes back to the system while they still read.
    if (queue.length === 0) pool?.stopIdle();
  };
  await Promise.all(Array.from({ length: workers }, work));
  // The walkers' heaps go back to the system before the merge, the analysis's memory peak.
  pool?.stopIdle();
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
  return imageFrom(source, summaries);
}

/** The analysed image of a source whose config and layer list are known before any layer is read. */
function imageFrom(source: ImageSource, summaries: LayerSummary[], extra: Partial<AnalysedImage> = {}): AnalysedImage {
  return {
    ref: source.ref,
    id: source.id,
    config: source.config,
    layers: source.layers,
    summaries,
    warnings: [...source.warnings],
    ...extra,
  };
}

/** Every layer's origin: the local file range, or the blob digest (see LayerOrigin). */
function originOf(source: ImageSource, index: number): LayerOrigin {
  const info = source.layers[index]!;
  const file = source.blobFile?.(index);
  return file ? { file } : info.blobDigest ? { blobDigest: info.blobDigest } : {};
}

/** The image from the merged-tree cache: its summaries and merged tree, when every layer's
 *  summary would be a proven hit (the same check a summary hit passes) and the chain is stored. */
async function readMerged(source: ImageSource, options: AnalyseOptions): Promise<AnalysedImage | undefined> {
  if (!options.cache) return undefined;
  const stored = await provenMerged(
    options.cache,
    source.layers.map((l) => l.diffId),
    (i) => originOf(source, i),
  );
  // Read under another secret scan cap: its findings would mean something else.
  if (!stored?.summaries.every((s) => scannedWith(s, options.limits?.secretsMaxBytes))) return undefined;
  const summaries = stored.summaries.map((summary, index) => {
    const info = source.layers[index]!;
    // A stored summary, read before under other limits, still has to pass these.
    const over = limitExceeded(summary, options.limits);
    if (over) throw new InputError(layerMessage(index, info.blobDigest ?? info.diffId, over));
    const total = info.blobSize;
    options.onProgress?.({
      layer: index,
      blobBytesRead: total ?? summary.blobBytes,
      ...(total !== undefined ? { blobBytesTotal: total } : {}),
      done: true,
    });
    return { ...summary, blobBytes: total ?? summary.blobBytes, compression: compressionOf(info.mediaType) ?? summary.compression };
  });
  return imageFrom(source, summaries, { merged: stored.tree });
}

/** The merged-tree cache's entry for this chain of layers, asked only once every layer's summary
 *  hit would be proven to be these bytes (`originOf` each layer, as for a summary hit). Every
 *  source whose diffIDs are known before a layer is read asks it here: archives, layouts,
 *  registries (readMerged) and an engine's cached path (ImageSource.readCached). */
export async function provenMerged(
  cache: SummaryCache,
  diffIds: ReadonlyArray<string | undefined>,
  originOf: (index: number) => LayerOrigin,
): Promise<MergedImage | undefined> {
  if (!cache.proves || !cache.getMerged || diffIds.length === 0) return undefined;
  if (!diffIds.every((d): d is string => typeof d === 'string' && d !== '')) return undefined;
  const proven = await Promise.all(diffIds.map((d, i) => cache.proves!(d, originOf(i))));
  if (!proven.every(Boolean)) return undefined;
  return cache.getMerged(diffIds);
}

let pool: WalkPool | undefined;
function sharedPool(): WalkPool {
  pool ??= new WalkPool();
  return pool;
}

type Walk = (blob: NodeJS.ReadableStream | AsyncIterable<Buffer> | BlobFile, options: WalkOptions) => Promise<LayerSummary>;

async function readLayer(source: ImageSource, index: number, options: AnalyseOptions, walk: Walk): Promise<LayerSummary> {
  const info = source.layers[index]!;
  const total = info.blobSize;
  const report = (blobBytesRead: number, done: boolean) =>
    options.onProgress?.({ layer: index, blobBytesRead, ...(total !== undefined ? { blobBytesTotal: total } : {}), done });
  // A hit must be proven to be these bytes: the same unchanged local file, or a blob digest a
  // read has checked. A config claiming another image's diffID proves nothing (cache poisoning).
  const origin = originOf(source, index);
  const file = origin.file;
  const hit = info.diffId ? await options.cache?.get(info.diffId, origin) : undefined;
  // Read under another secret scan cap: its findings would mean something else.
  const cached = hit && scannedWith(hit, options.limits?.secretsMaxBytes) ? hit : undefined;
  if (cached) {
    // A summary read before, under other limits, still has to pass these.
    const over = limitExceeded(cached, options.limits);
    if (over) throw new InputError(layerMessage(index, info.blobDigest ?? info.diffId, over));
    report(total ?? cached.blobBytes, true);
    // The cached summary may have been read from another copy of this layer (a registry's gzip
    // blob, a docker-save tar): describe the blob this source stores.
    return { ...cached, blobBytes: total ?? cached.blobBytes, compression: compressionOf(info.mediaType) ?? cached.compression };
  }
  let summary: LayerSummary;
  const blobHash = createHash('sha256');
  try {
    // A blob in a local file is read by the walker itself: no byte of it passes this thread.
    const blob = file ?? (await source.openLayer(index));
    summary = await walk(file || !info.blobDigest?.startsWith('sha256:') ? blob : digesting(blob as NodeJS.ReadableStream, blobHash), {
      onProgress: (n) => report(n, false),
      ...(options.limits ? { limits: options.limits } : {}),
    });
  } catch (e) {
    throw new InputError(layerMessage(index, info.blobDigest ?? info.diffId, e), { cause: e });
  }
  if (info.diffId && summary.diffId !== info.diffId) {
    throw diffIdMismatch(
      index,
      summary.diffId,
      source.layers.map((l) => l.diffId),
    );
  }
  report(summary.blobBytes, true);
  if (file) await options.cache?.put(summary, { file });
  else {
    const read = info.blobDigest?.startsWith('sha256:') ? `sha256:${blobHash.digest('hex')}` : undefined;
    await options.cache?.put(summary, read === info.blobDigest ? { blobDigest: read } : {});
  }
  return summary;
}

/** The blob's bytes as they pass, hashed on the way (the digest a cache hit can later rely on). */
async function* digesting(blob: NodeJS.ReadableStream | AsyncIterable<Buffer>, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of blob as AsyncIterable<Buffer>) {
    hash.update(chunk);
    yield chunk;
  }
}

/** A source read in one sequential pass (see ImageSource.readAll): it checks diffIDs itself. */
async function analyseStream(
  source: ImageSource,
  readAll: NonNullable<ImageSource['readAll']>,
  options: AnalyseOptions,
): Promise<AnalysedImage> {
  const { cache, configs } = options;
  const hit = cache && configs && source.readCached ? await source.readCached({ summaries: cache, configs }) : undefined;
  const cached = hit?.summaries.every((s) => scannedWith(s, options.limits?.secretsMaxBytes)) ? hit : undefined;
  if (cached) {
    // Summaries read before, under other limits, still have to pass these.
    cached.summaries.forEach((summary, index) => {
      const over = limitExceeded(summary, options.limits);
      if (over) throw new InputError(layerMessage(index, cached.layers[index]?.diffId ?? summary.diffId, over));
      options.onProgress?.({ layer: index, blobBytesRead: summary.blobBytes, blobBytesTotal: summary.blobBytes, done: true });
    });
    return streamedImage(source, cached);
  }
  const read = await readAll({
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  // Every layer is read now, a layer the stream held once for two places included.
  for (const [layer, summary] of read.summaries.entries()) {
    options.onProgress?.({ layer, blobBytesRead: summary.blobBytes, blobBytesTotal: summary.blobBytes, done: true });
  }
  // The sequential source checked each layer against the config's diffIDs itself.
  for (const summary of read.summaries) await cache?.put(summary, { engine: true });
  if (read.configBytes) await configs?.putConfig(read.id, read.configBytes);
  return streamedImage(source, read);
}

function streamedImage(source: ImageSource, read: StreamedImage): AnalysedImage {
  return {
    ref: source.ref,
    id: read.id,
    config: read.config,
    layers: read.layers,
    summaries: read.summaries,
    warnings: [...source.warnings, ...read.warnings],
    ...(read.merged ? { merged: read.merged } : {}),
  };
}

/** The compression a layer media type names, if it names one. */
function compressionOf(mediaType: string | undefined): LayerSummary['compression'] | undefined {
  if (!mediaType) return undefined;
  if (/[+.]gzip$/.test(mediaType)) return 'gzip';
  if (/[+.]zstd$/.test(mediaType)) return 'zstd';
  if (/\.tar$/.test(mediaType)) return 'none';
  return undefined;
}

/** Layer `index` hashes to `actual`, not to the config's diffIDs[index]: which layer, both
 *  digests, and when the content is another layer's, that the order is what differs. */
export function diffIdMismatch(index: number, actual: string, diffIds: readonly string[]): InputError {
  const other = diffIds.indexOf(actual);
  const hint = other >= 0 ? `; that is rootfs.diff_ids[${other}]: the manifest lists the layers in another order than the config` : '';
  return new InputError(
    `layer ${index} does not match the image config: its content hashes to ${actual} but rootfs.diff_ids[${index}] is ${diffIds[index]}${hint}`,
  );
}
