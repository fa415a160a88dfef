// Extracting files and directories out of an image, under DIR by their full image path
// (DIR/etc/app/app.conf), with their permission bits (setuid, setgid and sticky dropped): what
// `layerscope extract` (src/cli/extract.ts) and the browser's extract key do. The view is the one
// after a layer (the final image's by default), so hidden copies that layer stores come out too.
//
// Image content is hostile: nothing is ever written outside DIR. Names are normalised (no `..`,
// no absolute names); every parent directory is checked with lstat on the way down and a symlink
// there is refused, never followed; files are opened with O_NOFOLLOW | O_EXCL (with --force an
// existing file is replaced, an existing symlink removed first, never written through);
// symlinks from the image are written as links and never followed; device nodes are skipped.
import { constants } from 'node:fs';
import { access, chmod, lstat, mkdir, open, symlink, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { findCopy, resolveInView, userPath } from '../core/contentPath.js';
import { InputError } from '../core/errors.js';
import type { Analysis } from '../core/analysis.js';
import type { LayerEntry } from '../core/model.js';
import type { ImageContent } from '../sources/content.js';

interface Item {
  path: string;
  entry: LayerEntry;
  layer: number;
  index: number;
}

/** Writes `paths` as they are after `layer` under `root` (made if missing, its parent must
 *  exist); `explicitLayer` says the layer was asked for (a missing path's message then names it).
 *  Returns how many entries were written and the warnings (skipped devices…). */
export async function extractInto(
  analysis: Analysis,
  content: ImageContent,
  paths: readonly string[],
  options: { layer: number; explicitLayer: boolean; root: string; force: boolean },
): Promise<{ written: number; warnings: string[] }> {
  const tree = analysis.tree;
  const { layer, root } = options;
  const items: Item[] = [];
  const seen = new Set<number>();
  for (const raw of paths) {
    const path = userPath(raw);
    const resolved = resolveInView(tree, path, layer, false);
    const id = resolved === undefined ? undefined : tree.idOf(resolved);
    const state = id === undefined ? undefined : tree.stateAt(id, layer);
    if (id === undefined || !state) {
      if (!options.explicitLayer) findCopy(tree, raw); // throws the message naming what exists
      throw new InputError(`no such path after layer ${layer}: /${path}`);
    }
    if (id === 0) {
      for (const { id: child, state: s } of tree.walkVisible(layer, 0))
        if (!seen.has(child) && seen.add(child)) items.push(itemOf(tree.pathOf(child), s));
      continue;
    }
    // Parents as directories, so modes of the path's own ancestors are the image's too.
    for (let p = tree.parentOf(id); p > 0; p = tree.parentOf(p)) {
      if (seen.has(p)) continue;
      seen.add(p);
      items.push(itemOf(tree.pathOf(p), tree.stateAt(p, layer)!));
    }
    for (const { id: child, state: s } of state.entry.type === 'dir' ? tree.walkVisible(layer, id) : []) {
      if (!seen.has(child) && seen.add(child)) items.push(itemOf(tree.pathOf(child), s));
    }
    if (!seen.has(id)) {
      seen.add(id);
      items.push(itemOf(tree.pathOf(id), state));
    }
  }
  await prepareRoot(root);
  const warnings: string[] = [];
  const written = await writeItems(root, items, options.force, warnings, (l, wanted, write) =>
    content.scan(
      l,
      (i) => wanted.has(i),
      (entry, data) => write(entry.index, data()),
    ),
  );
  return { written, warnings };
}

function itemOf(path: string, state: { entry: LayerEntry; layer: number; entryIndex: number }): Item {
  return { path, entry: state.entry, layer: state.layer, index: state.entryIndex };
}

async function prepareRoot(root: string): Promise<void> {
  try {
    // Only DIR itself is made, not missing parents (a recursive mkdir can spin on /proc or /sys).
    if (!(await lstatOrUndefined(root))) await mkdir(root);
    const st = await lstat(root);
    if (!st.isDirectory()) throw new InputError(`-o ${root} is not a directory`);
    await access(root, constants.W_OK | constants.X_OK);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOENT'
          ? 'its parent directory does not exist'
          : (code ?? String(e));
    throw new InputError(`-o ${root} is not writable (${why})`);
  }
}

/** One pass over `layer`, calling `write` with the data of each entry index in `wanted`. */
type ReadContent = (
  layer: number,
  wanted: Set<number>,
  write: (index: number, data: AsyncIterable<Buffer>) => Promise<void>,
) => Promise<void>;

/** Writes the items under `root`; returns how many were written. Exported for tests. */
export async function writeItems(root: string, items: Item[], force: boolean, warnings: string[], read: ReadContent): Promise<number> {
  // Conflicts first: nothing is written when something would be overwritten without --force.
  if (!force) {
    for (const item of items) {
      if (item.entry.type === 'dir' || item.entry.type === 'other') continue;
      const there = await lstatOrUndefined(join(root, ...item.path.split('/')));
      if (there) throw new InputError(`${join(root, item.path)} exists; use --force to overwrite it`);
    }
  }
  let written = 0;
  const dirs: Item[] = [];
  const links: Item[] = [];
  // Directories, then files, then symlinks last: no symlink from the image exists in DIR while
  // anything is written.
  for (const item of items) {
    if (item.entry.type !== 'dir') continue;
    await safeDir(root, item.path.split('/'));
    dirs.push(item);
    written++;
  }
  // Regular files and hard links, one pass over each layer that holds their bytes.
  const byLayer = new Map<number, Map<number, Item[]>>();
  for (const item of items) {
    const e = item.entry;
    if (e.type === 'dir') continue;
    if (e.type === 'symlink') {
      links.push(item);
      continue;
    }
    if (e.type === 'other') {
      warnings.push(`skipped /${item.path}: a ${e.device === 'fifo' ? 'fifo' : `${e.device ?? 'special'} device`} node`);
      continue;
    }
    const target = e.type === 'hardlink' ? e.linkedContent : item.index;
    if (target === undefined) {
      await writeFile(root, item, force, undefined);
      written++;
      continue;
    }
    const plan = byLayer.get(item.layer) ?? new Map<number, Item[]>();
    byLayer.set(item.layer, plan);
    const list = plan.get(target) ?? [];
    list.push(item);
    plan.set(target, list);
  }
  for (const [layer, plan] of byLayer) {
    await read(layer, new Set(plan.keys()), async (index, data) => {
      const [first, ...others] = plan.get(index)!;
      const file = await writeFile(root, first!, force, data);
      written++;
      for (const other of others) {
        await writeFile(root, other, force, copyOf(file));
        written++;
      }
    });
  }
  for (const item of links) {
    const segments = item.path.split('/');
    const parent = await safeDir(root, segments.slice(0, -1));
    const file = join(parent, segments[segments.length - 1]!);
    if (force) await removeExisting(file);
    try {
      await symlink(item.entry.linkTarget ?? '', file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // The image put entries below this name as well (a file written "through" the link):
      // those were written as a real directory, and the link is left out.
      warnings.push(`skipped symlink /${item.path} → ${item.entry.linkTarget ?? ''}: ${file} was written as a directory`);
      continue;
    }
    written++;
  }
  // Directory modes last (deepest first), so a read-only directory did not stop its own contents.
  for (const item of dirs.sort((a, b) => b.path.length - a.path.length)) {
    const dir = join(root, ...item.path.split('/'));
    await chmod(dir, (item.entry.mode & 0o777) | 0o700);
    await utimes(dir, item.entry.mtime, item.entry.mtime).catch(() => undefined);
  }
  return written;
}

/** Writes one regular file (no data: empty) with O_NOFOLLOW; returns its path. */
async function writeFile(root: string, item: Item, force: boolean, data: AsyncIterable<Buffer> | undefined): Promise<string> {
  const segments = item.path.split('/');
  const parent = await safeDir(root, segments.slice(0, -1));
  const file = join(parent, segments[segments.length - 1]!);
  if (force) await removeExisting(file);
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    throw new InputError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    for await (const chunk of data ?? []) {
      for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
    }
    await handle.chmod(item.entry.mode & 0o777);
    await handle.utimes(item.entry.mtime, item.entry.mtime);
  } finally {
    await handle.close();
  }
  return file;
}

/** The bytes of a file this run just wrote (opened without following links). */
async function* copyOf(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(1024 * 1024);
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** Makes (or checks) root/segments… one level at a time; a symlink or a non-directory on the way
 *  is refused. Returns the directory's path. */
async function safeDir(root: string, segments: string[]): Promise<string> {
  let current = root;
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || segment.includes('/')) {
      throw new InputError(`refused to write a name with a "${segment}" segment`);
    }
    const next = join(current, segment);
    const st = await lstatOrUndefined(next);
    if (!st) {
      await mkdir(next, { mode: 0o700 });
    } else if (st.isSymbolicLink()) {
      throw new InputError(`refused to write through the symlink ${next} (symlinks are never followed)`);
    } else if (!st.isDirectory()) {
      throw new InputError(`${next} exists and is not a directory`);
    }
    current = next;
  }
  return current;
}

async function removeExisting(path: string): Promise<void> {
  const st = await lstatOrUndefined(path);
  if (!st) return;
  if (st.isDirectory()) throw new InputError(`${path} is a directory; not replaced by a file`);
  await unlink(path);
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The image opened for its content, engine pulls shown on stderr. */
