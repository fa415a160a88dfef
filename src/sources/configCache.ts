// Image configs by image ID, next to the layer summaries: an engine image whose config and every
// layer summary are here opens without `docker save` (the engine's inspect gives the ID and the
// diffIDs). An image ID is the sha256 of its config, so an entry proves itself on every read: one
// whose bytes do not hash to its name is deleted and treated as a miss.
// Entries: `<cache root>/configs/<hex of the image ID>.json`, the config's bytes as the image has
// them. Configs are a few KB; they are not counted against the summary cache's size cap.
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Digest } from './digest.js';
import { tempNameFor, writeFileAtomic } from './tempFiles.js';

/** Largest config kept (real ones are a few KB; a hostile one must not fill the disk). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface ConfigCache {
  getConfig(imageId: string): Promise<Buffer | undefined>;
  putConfig(imageId: string, bytes: Uint8Array): Promise<void>;
}

export function openConfigCache(root: string): ConfigCache {
  const dir = join(root, 'configs');
  const fileOf = (id: string) => {
    const m = /^sha256:([a-f0-9]{64})$/.exec(id);
    return m ? join(dir, `${m[1]}.json`) : undefined;
  };
  return {
    async getConfig(imageId) {
      const file = fileOf(imageId);
      if (!file) return undefined;
      const bytes = await readFile(file).catch(() => undefined);
      if (!bytes) return undefined;
      if (sha256Digest(bytes) === imageId) return bytes;
      await unlink(file).catch(() => undefined);
      return undefined;
    },
    async putConfig(imageId, bytes) {
      const file = fileOf(imageId);
      if (!file || bytes.length > MAX_CONFIG_BYTES || sha256Digest(bytes) !== imageId) return;
      try {
        await mkdir(dir, { recursive: true });
        await writeFileAtomic(file, bytes, { mode: 0o644, temp: tempNameFor(file, '.tmp-') });
      } catch {
        // A cache that cannot be written only costs speed.
      }
    },
  };
}
