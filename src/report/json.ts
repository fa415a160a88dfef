// The JSON report and `ls --json`, exactly as the command-line contract in the design guide.
import type { Analysis } from '../core/analysis.js';
import { displayPath, type ImagePath, type LayerInfo } from '../core/model.js';
import type { MergedTree } from '../core/merge.js';
import type { HealthcheckInfo, ImageConfigInfo } from '../core/model.js';
import { describeFinding } from '../core/secrets.js';
import type { ImageWarning, WarningKind } from '../core/warnings.js';

export interface JsonReport {
  image: {
    ref: string;
    id: string;
    os: string;
    architecture: string;
    storedBytes: number;
    visibleBytes: number;
    hiddenBytes: number;
    /** Sum of the layer blobs as stored and shipped (what a pull costs); null when any is unknown. */
    compressedBytes: number | null;
  };
  layers: Array<{
    index: number;
    diffId: string;
    command: string;
    /** The Dockerfile line that made the layer (stages built by `layerscope build`). */
    source?: { file: string; line: number; instruction: string };
    sizeBytes: number;
    /** The layer blob as stored and shipped; null when the source cannot say (an engine). */
    compressedBytes: number | null;
    /** The blob's media type from the manifest; null when the source names none. */
    mediaType: string | null;
    entries: number;
  }>;
  waste: {
    hiddenBytes: number;
    efficiency: number;
    wastedBytes: number;
    userWastedPercent: number;
    entries: Array<{ path: string; bytes: number; count: number; layers: number[] }>;
  };
  packages: JsonPackages;
  secrets: JsonSecret[];
  config: JsonConfig;
  /** What was read but is suspicious or malformed: source, walk, merge and symlink warnings. */
  warnings: JsonWarning[];
}

/** A warning: `layer` null when it is about the image as a whole, `path` null when about no path. */
export interface JsonWarning {
  layer: number | null;
  path: string | null;
  kind: WarningKind;
  message: string;
}

export function jsonWarnings(warnings: readonly ImageWarning[]): JsonWarning[] {
  return warnings.map((w) => ({ layer: w.layer ?? null, path: w.path ?? null, kind: w.kind, message: w.message }));
}

export interface JsonPackages {
  packagedBytes: number;
  unpackagedBytes: number;
  unpackagedFiles: number;
  items: Array<{
    manager: string;
    name: string;
    version: string;
    arch?: string;
    bytes: number;
    files: number;
    layer: number;
    command: string;
    /** The Dockerfile line that made the layer, when the build is known. */
    source?: { file: string; line: number; instruction: string };
    /** Layer that removed it: "removed later but still stored". */
    removedIn?: number;
    dev?: boolean;
  }>;
  warnings: string[];
}

export interface JsonSecret {
  path: string;
  layer: number;
  rule: string;
  preview: string;
  line?: number;
  count: number;
  visible: boolean;
  hiddenBy?: { layer: number; how: 'deleted' | 'overwritten' };
  note: string;
}

export interface JsonConfig {
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  user: string;
  workingDir: string;
  exposedPorts: string[];
  volumes: string[];
  labels: Record<string, string>;
  healthcheck: HealthcheckInfo | null;
  stopSignal: string | null;
  shell: string[] | null;
  onBuild: string[];
  /** Every build step, including those that made no layer (ENV, USER, CMD…); `layer` when it made one. */
  history: Array<{ created?: string; createdBy: string; emptyLayer: boolean; comment?: string; layer?: number }>;
}

/** JSON.stringify, with the C1 control characters (U+0080–U+009F, which JSON leaves as they
 *  are) escaped too: a report or listing printed on a terminal can carry no escape sequence. */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What the image's layer blobs weigh together as stored and shipped; null when the size of
 *  any of them is unknown (never a partial sum). */
export function imageCompressedBytes(layers: readonly LayerInfo[]): number | null {
  let total = 0;
  for (const layer of layers) {
    if (layer.compressedBytes === undefined || layer.compressedBytes === null) return null;
    total += layer.compressedBytes;
  }
  return total;
}

export function jsonReport(analysis: Analysis): JsonReport {
  const { image, account, dive } = analysis;
  return {
    image: {
      ref: image.ref,
      id: image.id,
      os: image.config.os,
      architecture: image.config.architecture,
      storedBytes: account.storedBytes,
      visibleBytes: account.visibleBytes,
      hiddenBytes: account.hiddenBytes,
      compressedBytes: imageCompressedBytes(image.layers),
    },
    layers: image.layers.map((layer, index) => ({
      index,
      diffId: image.summaries[index]!.diffId,
      command: layer.command,
      ...(layer.source ? { source: layer.source } : {}),
      sizeBytes: image.summaries[index]!.sizeBytes,
      compressedBytes: layer.compressedBytes ?? null,
      mediaType: layer.mediaType || null,
      // Tar records the layer changes the filesystem with: entries, whiteouts, opaque markers.
      entries: image.summaries[index]!.changes.length,
    })),
    waste: {
      hiddenBytes: account.hiddenBytes,
      efficiency: dive.efficiency,
      wastedBytes: dive.wastedBytes,
      userWastedPercent: dive.userWastedPercent,
      entries: account.entries.map((e) => ({ path: displayPath(e.path), bytes: e.bytes, count: e.count, layers: e.layers })),
    },
    packages: jsonPackages(analysis),
    secrets: jsonSecrets(analysis),
    config: jsonConfig(image.config),
    warnings: jsonWarnings(analysis.warnings),
  };
}

export function jsonPackages(analysis: Analysis): JsonPackages {
  const { packages, image } = analysis;
  return {
    packagedBytes: packages.packagedBytes,
    unpackagedBytes: packages.unpackagedBytes,
    unpackagedFiles: packages.unpackagedFiles,
    items: packages.packages.map((p) => ({
      manager: p.manager,
      name: p.name,
      version: p.version,
      ...(p.arch ? { arch: p.arch } : {}),
      bytes: p.bytes,
      files: p.files,
      layer: p.layer,
      command: image.layers[p.layer]?.command ?? '',
      ...(image.layers[p.layer]?.source ? { source: image.layers[p.layer]!.source! } : {}),
      ...(p.removedIn !== undefined ? { removedIn: p.removedIn } : {}),
      ...(p.dev ? { dev: true } : {}),
    })),
    warnings: packages.warnings,
  };
}

export function jsonSecrets(analysis: Analysis): JsonSecret[] {
  return analysis.secrets.map((f) => ({
    path: displayPath(f.path),
    layer: f.layer,
    rule: f.rule,
    preview: f.preview,
    ...(f.line !== undefined ? { line: f.line } : {}),
    count: f.count,
    visible: f.visible,
    ...(f.hiddenBy ? { hiddenBy: f.hiddenBy } : {}),
    note: describeFinding(f),
  }));
}

export function jsonConfig(config: ImageConfigInfo): JsonConfig {
  let layer = 0;
  return {
    env: config.env ?? [],
    entrypoint: config.entrypoint ?? null,
    cmd: config.cmd ?? null,
    user: config.user ?? '',
    workingDir: config.workingDir ?? '',
    exposedPorts: config.exposedPorts ?? [],
    volumes: config.volumes ?? [],
    labels: config.labels ?? {},
    healthcheck: config.healthcheck ?? null,
    stopSignal: config.stopSignal ?? null,
    shell: config.shell ?? null,
    onBuild: config.onBuild ?? [],
    history: config.history.map((h) => ({
      ...(h.created ? { created: h.created } : {}),
      createdBy: h.createdBy,
      emptyLayer: h.emptyLayer,
      ...(h.comment ? { comment: h.comment } : {}),
      ...(h.emptyLayer ? {} : { layer: layer++ }),
    })),
  };
}

export interface LsRow {
  path: string;
  type: string;
  size: number;
  layer: number;
}

/** Every path of the merged view under `under` (default: everything), in path order. */
export function* lsRows(tree: MergedTree, under: ImagePath = ''): Generator<LsRow> {
  const from = tree.idOf(under);
  if (from === undefined) return;
  for (const { id, state } of tree.walkVisible(tree.layerCount - 1, from)) {
    yield {
      path: displayPath(tree.pathOf(id)),
      type: state.entry.type,
      size: tree.contentSize(state.entry, state.layer),
      layer: state.layer,
    };
  }
}
