// Turns what an archive format found (config, layer blobs in manifest order) into the shared
// ImageSource: checks that every layer blob is present before anyone starts reading, and owns
// the archive's file handles from then on.
import type { ImageSource } from '../core/model.js';
import { InputError } from '../core/errors.js';
import { describeLayers, type LayerBlob, type ParsedImageConfig } from './config.js';
import type { FileSet } from './fileSet.js';
import { platformMismatch, type PlatformRequest } from './platform.js';

export interface StoredLayer extends LayerBlob {
  /** The blob's name inside the archive or layout (`blobs/sha256/<hex>`, `<id>/layer.tar`). */
  name: string;
}

/** What a caller of an archive opener says about the image it wants. */
export interface ArchiveOptions {
  /** How the user named the image: becomes ImageSource.ref. */
  ref: string;
  /** From `PATH:NAME`: which image of a multi-image archive (a tag or name, or `@N` for the N-th, from 0). */
  select?: string;
  platform: PlatformRequest;
}

export interface ImageParts {
  ref: string;
  id: string;
  config: ParsedImageConfig;
  layers: StoredLayer[];
  files: FileSet;
  warnings: string[];
  /** Which manifest the layers came from, for messages (e.g. `manifest.json`, a digest). */
  manifest: string;
  platform: PlatformRequest;
}

export function assembleImage(parts: ImageParts): ImageSource {
  const { files, layers: stored } = parts;
  const where = files.location;
  const { layers, warnings } = describeLayers(parts.config, stored, `${where}: ${parts.manifest}`);
  const sizeWarnings: string[] = [];
  stored.forEach((layer, i) => {
    if (!files.has(layer.name)) {
      throw new InputError(`${where}: missing blob ${layer.name} (layer ${i} of ${stored.length} in ${parts.manifest})`);
    }
    // The layer itself is checked against its diffID when read; a wrong size is worth a word.
    const actual = files.size(layer.name);
    if (layer.blobSize !== undefined && actual !== undefined && actual !== layer.blobSize) {
      sizeWarnings.push(`${where}: layer ${i} blob ${layer.name} is ${actual} bytes but ${parts.manifest} says ${layer.blobSize}`);
    }
  });
  const mismatch = platformMismatch(parts.platform, parts.config.info, where);
  return {
    ref: parts.ref,
    id: parts.id,
    config: parts.config.info,
    layers,
    warnings: [...parts.warnings, ...parts.config.warnings, ...warnings, ...sizeWarnings, ...(mismatch ? [mismatch] : [])],
    async openLayer(index: number) {
      const layer = stored[index];
      if (!Number.isInteger(index) || layer === undefined) {
        throw new RangeError(`layer index ${index} out of range (the image has ${stored.length} layers)`);
      }
      return files.createReadStream(layer.name);
    },
    blobFile(index: number) {
      const layer = stored[index];
      return layer === undefined ? undefined : files.blobFile(layer.name);
    },
    close: () => files.close(),
  };
}

/** Runs `build` on freshly opened files; closes them if it throws, so no descriptor leaks. */
export async function owningFiles<T>(files: FileSet, build: (files: FileSet) => Promise<T>): Promise<T> {
  try {
    return await build(files);
  } catch (e) {
    await files.close();
    throw e;
  }
}
