// Content identity: a 128-bit xxHash (XXH3-128) of every regular file's bytes, computed during
// the layer walk (a content observer, see contentObservers.ts) and kept in LayerChanges' digest
// column. Two files are identical when their digests are equal, never by size, mode and mtime.
// XXH3-128 is not cryptographic: it tells copies apart from different files, which is all the
// comparison needs; it was measured against node:crypto's sha256 (see README, bench).
import { createXXHash128 } from 'hash-wasm';
import type { LayerChanges } from './changes.js';
import type { ContentObserver } from './contentObservers.js';

/** Digests every regular file of one layer into its changes' digest column. */
export async function digestObserver(changes: LayerChanges): Promise<ContentObserver> {
  // One hasher per walk (walks in one thread may interleave), reset per file.
  const hasher = await createXXHash128();
  let current = -1;
  return {
    begin(index) {
      current = index;
      hasher.init();
      return true;
    },
    data(bytes) {
      hasher.update(bytes);
    },
    end() {
      changes.setDigest(current, hasher.digest('binary'));
    },
  };
}

/** The digest of `bytes` as the walk computes it (hex), for tests and tools. */
export async function digestOf(bytes: Uint8Array): Promise<string> {
  const hasher = await createXXHash128();
  hasher.init();
  hasher.update(bytes);
  return hasher.digest('hex');
}
