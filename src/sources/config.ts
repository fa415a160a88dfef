// The image config (OCI image-spec config.md, Docker's image JSON): platform, run settings,
// history and rootfs.diff_ids; and the pairing of history steps with layers.
import type { HealthcheckInfo, ImageConfigInfo, LayerInfo } from '../core/model.js';
import { InputError } from '../core/errors.js';
import { parseDigest } from './digest.js';
import { expectArray, expectObject, isObject, optionalString, optionalStringArray, stringRecord, type JsonObject } from './json.js';

export interface ParsedImageConfig {
  info: ImageConfigInfo;
  /** rootfs.diff_ids in order, base layer first. */
  diffIds: string[];
  warnings: string[];
}

/** What the manifest says about one layer blob, in manifest order. */
export interface LayerBlob {
  blobDigest?: string;
  mediaType?: string;
  blobSize?: number;
  /** The blob's size as stored and shipped; when absent, blobSize stands for it; null: unknown. */
  compressedBytes?: number | null;
}

/** `what` names the config in messages, e.g. `image.tar: blobs/sha256/…`. */
export function parseImageConfig(raw: unknown, what: string): ParsedImageConfig {
  const json = expectObject(raw, what);
  const warnings: string[] = [];
  const platformField = (key: 'os' | 'architecture'): string => {
    const value = optionalString(json[key]);
    if (value) return value;
    warnings.push(`${what}: the image config has no "${key}"; shown as "unknown"`);
    return 'unknown';
  };
  const run = isObject(json.config) ? json.config : {};
  const info: ImageConfigInfo = {
    os: platformField('os'),
    architecture: platformField('architecture'),
    history: parseHistory(json.history, what),
    ...defined({
      variant: optionalString(json.variant),
      created: optionalString(json.created),
      env: optionalStringArray(run.Env),
      cmd: optionalStringArray(run.Cmd),
      entrypoint: optionalStringArray(run.Entrypoint),
      workingDir: optionalString(run.WorkingDir) || undefined,
      user: optionalString(run.User) || undefined,
      labels: stringRecord(run.Labels),
      exposedPorts: isObject(run.ExposedPorts) ? Object.keys(run.ExposedPorts) : undefined,
      volumes: isObject(run.Volumes) ? Object.keys(run.Volumes) : undefined,
      healthcheck: parseHealthcheck(run.Healthcheck),
      stopSignal: optionalString(run.StopSignal) || undefined,
      shell: optionalStringArray(run.Shell),
      onBuild: optionalStringArray(run.OnBuild),
    }),
  };
  return { info, diffIds: parseDiffIds(json, what), warnings };
}

function parseHealthcheck(raw: unknown): HealthcheckInfo | undefined {
  if (!isObject(raw)) return undefined;
  const test = optionalStringArray(raw.Test);
  if (!test || test.length === 0) return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
  return {
    test,
    ...defined({
      intervalNs: num(raw.Interval),
      timeoutNs: num(raw.Timeout),
      startPeriodNs: num(raw.StartPeriod),
      startIntervalNs: num(raw.StartInterval),
      retries: num(raw.Retries),
    }),
  };
}

function parseDiffIds(json: JsonObject, what: string): string[] {
  if (!isObject(json.rootfs)) throw new InputError(`${what}: the image config has no rootfs`);
  const list = expectArray(json.rootfs.diff_ids, `${what}: rootfs.diff_ids`);
  return list.map((d, i) => {
    parseDigest(d, `${what}: rootfs.diff_ids[${i}]`);
    return d as string;
  });
}

function parseHistory(raw: unknown, what: string): ImageConfigInfo['history'] {
  if (raw === undefined || raw === null) return [];
  return expectArray(raw, `${what}: history`).map((step, i) => {
    const h = expectObject(step, `${what}: history[${i}]`);
    return {
      createdBy: renderCommand(optionalString(h.created_by) ?? ''),
      emptyLayer: h.empty_layer === true,
      ...defined({ created: optionalString(h.created), comment: optionalString(h.comment) }),
    };
  });
}

/**
 * How a history step is shown: always as the Dockerfile instruction that made it, whichever
 * builder wrote it, so that the JSON, the UI and stage comparison use one form.
 * - legacy builder, non-RUN steps: `/bin/sh -c #(nop) COPY file:… in /` → `COPY file:… in /`
 * - legacy builder, RUN steps: `/bin/sh -c make` → `RUN /bin/sh -c make`, and with build args
 *   `|1 V=2 /bin/sh -c make` → `RUN |1 V=2 /bin/sh -c make`: the shell stays visible, exactly
 *   as BuildKit writes its own RUN steps;
 * - BuildKit: the ` # buildkit` marker it appends is dropped (`RUN /bin/sh -c make # buildkit`);
 * - anything else (kaniko, buildah, hand-made) is kept as written, trimmed.
 */
export function renderCommand(createdBy: string): string {
  const text = createdBy.trim().replace(/\s+# buildkit$/, '');
  const nop = /^(?:\/bin\/sh -c|cmd \/S \/C) #\(nop\)\s*/.exec(text);
  if (nop) return text.slice(nop[0].length).trim();
  if (/^(?:\/bin\/sh -c |cmd \/S \/C |\|\d+ )/.test(text)) return `RUN ${text}`;
  return text;
}

/**
 * Builds LayerInfo for each manifest layer: diffID from rootfs.diff_ids, command from history.
 * The i-th history step that is not `empty_layer` made layer i; a count mismatch (squashed or
 * hand-built images) pairs what it can and says so.
 */
export function describeLayers(config: ParsedImageConfig, blobs: LayerBlob[], what: string): { layers: LayerInfo[]; warnings: string[] } {
  if (config.diffIds.length !== blobs.length) {
    throw new InputError(`${what}: the image config lists ${config.diffIds.length} diff_ids but the manifest lists ${blobs.length} layers`);
  }
  const steps = config.info.history.filter((h) => !h.emptyLayer);
  const warnings: string[] = [];
  if (steps.length !== blobs.length) {
    const paired = Math.min(steps.length, blobs.length);
    warnings.push(
      `${what}: history has ${steps.length} steps that made layers but the image has ${blobs.length} layers; ` +
        `commands are paired in order for the first ${paired}`,
    );
  }
  const layers = blobs.map((blob, index): LayerInfo => {
    const step = steps[index];
    return {
      index,
      diffId: config.diffIds[index]!,
      command: step?.createdBy ?? '',
      compressedBytes: blob.compressedBytes !== undefined ? blob.compressedBytes : (blob.blobSize ?? null),
      ...defined({
        blobDigest: blob.blobDigest,
        mediaType: blob.mediaType,
        blobSize: blob.blobSize,
        created: step?.created,
        comment: step?.comment,
      }),
    };
  });
  return { layers, warnings };
}

/** Drops undefined values so optional fields are absent rather than present-but-undefined. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
