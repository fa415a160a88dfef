// Temp files this process is writing (a cache entry before its rename). Whatever way the process ends — success, error, Ctrl-C (the CLI turns
// SIGINT into process.exit) — the ones still there are removed on the way out, so an interrupted
// run leaves no `.tmp-*` file behind.
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const live = new Set<string>();
let hooked = false;

function removeLive(): void {
  for (const path of live) {
    try {
      unlinkSync(path);
    } catch {
      // already renamed or removed
    }
  }
  live.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

const liveDirs = new Set<string>();

/** Registers a temp directory (downloaded blobs, a saved image) to remove, with what it holds,
 *  when the process exits. */
export function trackTempDir(path: string): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', removeLive);
  }
  liveDirs.add(path);
}

/** Registers `path` as a temp file to remove if the process exits before `release(path)`. */
export function trackTemp(path: string): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', removeLive);
  }
  live.add(path);
}

export function releaseTemp(path: string): void {
  live.delete(path);
}

/** A fresh temp name next to `path` (same directory, so the rename is atomic). */
export function tempNameFor(path: string, prefix = `.${basename(path)}.tmp-`): string {
  return join(dirname(path), `${prefix}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Writes `data` to `path` atomically: a reader (or an interrupted run) sees the old file or the
 *  new one, never half of it. The temp file is removed if anything fails or the process exits. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; temp?: string } = {},
): Promise<void> {
  const temp = options.temp ?? tempNameFor(path);
  trackTemp(temp);
  try {
    await writeFile(temp, data, options.mode !== undefined ? { mode: options.mode } : {});
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  } finally {
    releaseTemp(temp);
  }
}
