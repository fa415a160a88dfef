// `layerscope export IMAGE -o FILE.tar [--layer N]`: the merged filesystem of the final image as
// one tar (the paths and bytes `docker export` gives, without the files a container run adds),
// or with --layer N that layer's tar as stored (uncompressed: the bytes its diffID digests).
// The output is written to a temp name beside FILE and renamed into place when complete.
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import tar from 'tar-stream';
import { parseLayerOption } from '../core/contentPath.js';
import { InputError } from '../core/errors.js';
import type { MergedTree } from '../core/merge.js';
import type { LayerEntry } from '../core/model.js';
import type { ImageContent } from '../sources/content.js';
import { releaseTemp, tempNameFor, trackTemp } from '../sources/tempFiles.js';
import { pullPrinter } from './progress.js';
import { type ImageOptions, type OpenedImage, withImageContent as openContent } from '../app/open.js';
import { printWarnings } from '../app/write.js';

export interface ExportOptions extends ImageOptions {
  output?: string;
  layer?: string;
}

export async function runExport(image: string, options: ExportOptions): Promise<number> {
  const output = options.output;
  if (!output) throw new InputError('export needs -o FILE.tar (or -o - for stdout)');
  return withContent(image, options, async ({ analysis, content }) => {
    const layer = parseLayerOption(options.layer, analysis.tree);
    const produce = (out: Writable) =>
      layer !== undefined ? pipeline(content.layerTar(layer), out) : writeMergedTar(analysis.tree, content, out);
    if (output === '-') {
      await produce(process.stdout);
      return 0;
    }
    await writeViaTemp(output, produce);
    return 0;
  });
}

/** Writes through a temp file beside `path`, renamed into place once complete. */
export async function writeViaTemp(path: string, produce: (out: Writable) => Promise<void>): Promise<void> {
  const temp = tempNameFor(path);
  trackTemp(temp);
  try {
    const out = createWriteStream(temp, { flags: 'wx' });
    try {
      await once(out, 'open');
    } catch (e) {
      throw writeError(path, e);
    }
    await produce(out);
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  } finally {
    releaseTemp(temp);
  }
}

function writeError(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOENT'
        ? 'its directory does not exist'
        : code === 'EROFS'
          ? 'read-only file system'
          : (e as Error).message;
  return new InputError(`cannot write ${path}: ${why}`);
}

/** One thing to write at a given position of a layer's scan. */
type Emit = { kind: 'content'; path: string; entry: LayerEntry } | { kind: 'link'; path: string; entry: LayerEntry; target: string };

/** The merged view after the last layer as a tar: directories first (parents before children),
 *  then every other visible entry, layer by layer in one pass over each layer. */
export async function writeMergedTar(tree: MergedTree, content: ImageContent, out: Writable): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, out);
  const warnings: string[] = [];
  const last = tree.layerCount - 1;
  const plans: Array<Map<number, Emit[]>> = Array.from({ length: tree.layerCount }, () => new Map());
  const at = (layer: number, index: number) => {
    const plan = plans[layer]!;
    const list = plan.get(index) ?? [];
    plan.set(index, list);
    return list;
  };
  const hardLinks: Array<{ path: string; layer: number; entry: LayerEntry }> = [];
  /** Content entries (layer:index) already given a path, and that path. */
  const owner = new Map<string, string>();
  try {
    for (const { id, state } of tree.walkVisible(last)) {
      const path = tree.pathOf(id);
      const entry = state.entry;
      if (entry.type === 'dir') {
        await addEntry(pack, { name: `${path}/`, type: 'directory', ...meta(entry) });
        continue;
      }
      if (entry.type === 'hardlink') {
        hardLinks.push({ path, layer: state.layer, entry });
        continue;
      }
      if (entry.type === 'file') owner.set(`${state.layer}:${state.entryIndex}`, path);
      at(state.layer, state.entryIndex).push({ kind: 'content', path, entry });
    }
    for (const link of hardLinks) {
      const c = link.entry.linkedContent;
      if (c === undefined) {
        warnings.push(`/${link.path}: a hard link to nothing in its layer; exported as an empty file`);
        at(link.layer, -1).push({ kind: 'content', path: link.path, entry: { ...link.entry, size: 0 } });
        continue;
      }
      const key = `${link.layer}:${c}`;
      const first = owner.get(key);
      if (first === undefined) {
        // The file it shares was deleted: this path carries the bytes now.
        owner.set(key, link.path);
        at(link.layer, c).push({ kind: 'content', path: link.path, entry: link.entry });
      } else {
        at(link.layer, c).push({ kind: 'link', path: link.path, entry: link.entry, target: first });
      }
    }
    for (let layer = 0; layer < tree.layerCount; layer++) {
      const plan = plans[layer]!;
      for (const emit of plan.get(-1) ?? []) await addEntry(pack, { name: emit.path, type: 'file', size: 0, ...meta(emit.entry) });
      if ([...plan.keys()].every((k) => k < 0)) continue;
      await content.scan(
        layer,
        (index) => plan.has(index),
        async (scanned, data) => {
          for (const emit of plan.get(scanned.index)!) {
            const e = emit.entry;
            if (emit.kind === 'link') {
              await addEntry(pack, { name: emit.path, type: 'link', linkname: emit.target, ...meta(e) });
            } else if (e.type === 'symlink') {
              await addEntry(pack, { name: emit.path, type: 'symlink', linkname: e.linkTarget ?? '', ...meta(e) });
            } else if (e.type === 'other') {
              const type = e.device === 'fifo' ? 'fifo' : e.device === 'block' ? 'block-device' : 'character-device';
              if (type !== 'fifo') warnings.push(`/${emit.path}: a ${e.device} device, exported with device number 0,0`);
              await addEntry(pack, { name: emit.path, type, ...meta(e) });
            } else {
              await addFile(pack, { name: emit.path, type: 'file', size: scanned.dataSize, ...meta(e) }, data());
            }
          }
        },
      );
    }
    pack.finalize();
    await done;
  } catch (e) {
    pack.destroy(e as Error);
    await done.catch(() => undefined);
    throw e;
  }
  printWarnings(warnings);
}

function meta(e: LayerEntry): { mode: number; uid: number; gid: number; mtime: Date } {
  return { mode: e.mode, uid: e.uid, gid: e.gid, mtime: new Date(e.mtime * 1000) };
}

type EntryHeader = Partial<tar.Header> & { name: string };

function addEntry(pack: tar.Pack, header: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header as tar.Header, (err) => (err ? reject(err) : resolve()));
  });
}

async function addFile(pack: tar.Pack, header: EntryHeader, data: AsyncIterable<Buffer>): Promise<void> {
  let finished!: Promise<void>;
  const sink = await new Promise<Writable>((resolve, reject) => {
    let stream: Writable | undefined;
    finished = new Promise<void>((ok, fail) => {
      stream = pack.entry(header as tar.Header, (err) => (err ? fail(err) : ok())) as unknown as Writable;
    });
    if (stream) resolve(stream);
    else reject(new Error('internal: tar entry stream missing'));
  });
  for await (const chunk of data) if (!sink.write(chunk)) await once(sink, 'drain');
  sink.end();
  await finished;
}

/** The image opened for its content, engine pulls shown on stderr. */
function withContent<T>(spec: string | undefined, options: ImageOptions, use: (image: OpenedImage) => Promise<T>): Promise<T> {
  return openContent(spec, options, use, { onPull: pullPrinter() });
}
