// The bytes of entries of an image's layers, from any source, for cat / extract / export / diff
// and the viewer. Each layer blob is made a local file once per run:
//   - an archive member or a layout blob file is used where it lies (no copy);
//   - an engine image is saved once (`docker save`) to a temp archive, then read like one;
//   - a registry blob is downloaded once to a temp file and reused.
// Temp files live in one temp directory removed when the process exits (tempFiles.ts).
// An uncompressed layer is read at offsets: its headers are scanned with file contents skipped
// (once: the offsets found are kept) and the entry's bytes read straight from its offset. A
// compressed layer is inflated from its start up to the entry, and no further.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Op, TYPE_FILE, TYPE_HARDLINK } from '../core/changes.js';
import { decompress, detectCompression, ZSTD_WINDOW_LOG_MAX } from '../core/decompress.js';
import { constants, createGunzip, createZstdDecompress } from 'node:zlib';
import { InputError } from '../core/errors.js';
import { fileCursor, scanLayer, streamCursor, type ByteFile, type ScannedEntry, type TarCursor } from '../core/layerContent.js';
import type { BlobFile, ImageSource, LayerSummary } from '../core/model.js';
import { openDockerArchive } from './dockerArchive.js';
import { requestPlatform } from './platform.js';
import { openTarFile } from './tarIndex.js';
import { trackTempDir } from './tempFiles.js';

/** The bytes of one stored file (a regular-file entry of one layer), read in pages. */
export interface EntryContent {
  readonly layer: number;
  /** Change index (in the layer's summary) of the entry holding the bytes. */
  readonly index: number;
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer only at the end of the file). */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

interface LocalBlob extends BlobFile {
  /** How the blob is stored (false: a plain tar). */
  compressed: false | 'gzip' | 'zstd';
}

/** Where the data of entries of one uncompressed layer lie, learnt by scanning its headers. */
interface LayerOffsets {
  /** dataOffset by change index (NaN: not seen yet). */
  offsets: Float64Array;
  /** Change indexes below this have all been seen. */
  scannedTo: number;
}

export class ImageContent {
  private readonly blobs = new Map<number, Promise<LocalBlob>>();
  private readonly handles = new Map<string, Promise<FileHandle>>();
  private readonly offsets = new Map<number, LayerOffsets>();
  private saved: Promise<ImageSource> | undefined;
  private tempDir: Promise<string> | undefined;
  private closed = false;

  constructor(
    private readonly source: ImageSource,
    private readonly summaries: readonly LayerSummary[],
  ) {}

  /** The entry whose bytes change `index` of `layer` shows: itself, or the file a hard link shares. */
  contentIndex(layer: number, index: number): number {
    const changes = this.summaries[layer]?.changes;
    if (!changes || index < 0 || index >= changes.length || changes.op(index) !== Op.Entry) {
      throw new RangeError(`internal: no entry ${index} in layer ${layer}`);
    }
    const type = changes.typeCode(index);
    if (type === TYPE_FILE) return index;
    if (type === TYPE_HARDLINK) {
      const linked = changes.linkedContent(index);
      if (linked !== undefined) return linked;
    }
    throw new InputError(`${changes.path(index)} in layer ${layer} is not a regular file`);
  }

  /** Opens the bytes of change `index` of `layer` (a hard link: the bytes it shares). */
  async open(layer: number, index: number): Promise<EntryContent> {
    const target = this.contentIndex(layer, index);
    const size = this.summaries[layer]!.changes.size(target);
    const blob = await this.blob(layer);
    if (!blob.compressed) {
      const dataOffset = await this.dataOffset(layer, target, blob);
      const handle = await this.handle(blob.path);
      const path = this.summaries[layer]!.changes.path(target);
      return {
        layer,
        index: target,
        size,
        async read(offset, length) {
          const n = Math.max(0, Math.min(length, size - offset));
          const buf = Buffer.allocUnsafe(n);
          let got = 0;
          while (got < n) {
            const { bytesRead } = await handle.read(buf, got, n - got, blob.offset + dataOffset + offset + got);
            if (bytesRead === 0) throw new InputError(`truncated layer ${layer}: the blob ends inside /${path}`);
            got += bytesRead;
          }
          return buf;
        },
        async close() {},
      };
    }
    // Compressed: one inflating pass positioned inside the entry, restarted only to go back.
    let pass: { cursor: TarCursor; data: AsyncGenerator<Buffer>; at: number; pending: Buffer } | undefined;
    const start = async () => {
      const cursor = await this.tarCursor(layer, blob);
      let data: AsyncGenerator<Buffer> | undefined;
      await scanLayer(cursor, (entry, readData) => {
        if (entry.index !== target) return 'next';
        data = readData();
        return 'stop';
      });
      if (!data) throw new InputError(`layer ${layer} ends before entry ${target} (${this.summaries[layer]!.changes.path(target)})`);
      return { cursor, data, at: 0, pending: Buffer.alloc(0) };
    };
    return {
      layer,
      index: target,
      size,
      async read(offset, length) {
        if (pass && offset < pass.at) {
          await pass.cursor.close();
          pass = undefined;
        }
        pass ??= await start();
        const p = pass;
        const end = Math.min(size, offset + length);
        // p.pending holds the content from p.at on, as far as it has been inflated.
        while (p.at + p.pending.length < end) {
          const r = await p.data.next();
          if (r.done) break;
          if (p.at + p.pending.length + r.value.length <= offset) {
            p.at += p.pending.length + r.value.length;
            p.pending = Buffer.alloc(0);
            continue;
          }
          p.pending = p.pending.length === 0 ? r.value : Buffer.concat([p.pending, r.value]);
        }
        if (offset > p.at) {
          p.pending = p.pending.subarray(Math.min(offset - p.at, p.pending.length));
          p.at = offset;
        }
        return Buffer.from(p.pending.subarray(0, Math.max(0, end - p.at)));
      },
      async close() {
        await pass?.cursor.close();
        pass = undefined;
      },
    };
  }

  /** The whole content of change `index` of `layer`, streamed. */
  async *stream(layer: number, index: number): AsyncGenerator<Buffer> {
    const target = this.contentIndex(layer, index);
    const blob = await this.blob(layer);
    if (!blob.compressed) {
      const content = await this.open(layer, index);
      for (let at = 0; at < content.size; ) {
        const chunk = await content.read(at, 1024 * 1024);
        if (chunk.length === 0) break;
        at += chunk.length;
        yield chunk;
      }
      return;
    }
    const cursor = await this.tarCursor(layer, blob);
    try {
      let data: AsyncGenerator<Buffer> | undefined;
      await scanLayer(cursor, (entry, readData) => {
        if (entry.index !== target) return 'next';
        data = readData();
        return 'stop';
      });
      if (!data) throw new InputError(`layer ${layer} ends before entry ${target} (${this.summaries[layer]!.changes.path(target)})`);
      yield* data;
    } finally {
      await cursor.close();
    }
  }

  /** One pass over layer `layer`, giving `visit` the entries listed in `wanted` with their data. */
  async scan(
    layer: number,
    wanted: (index: number) => boolean,
    visit: (entry: ScannedEntry, data: () => AsyncGenerator<Buffer>) => Promise<void>,
  ): Promise<void> {
    const blob = await this.blob(layer);
    const cursor = await this.tarCursor(layer, blob);
    try {
      await scanLayer(cursor, async (entry, readData) => {
        if (entry.index >= 0 && wanted(entry.index)) await visit(entry, readData);
        return 'next' as const;
      });
    } finally {
      await cursor.close();
    }
  }

  /** The layer's uncompressed tar, as stored (the bytes its diffID is the digest of). */
  async *layerTar(layer: number): AsyncGenerator<Buffer> {
    const blob = await this.blob(layer);
    const raw = createReadStream(
      blob.path,
      blob.size === 0 ? { start: 0, end: -1 } : { start: blob.offset, end: blob.offset + blob.size - 1 },
    );
    try {
      yield* blob.compressed ? decompress(raw, () => undefined) : (raw as AsyncIterable<Buffer>);
    } finally {
      raw.destroy();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.handles.values()) await (await h.catch(() => undefined))?.close();
    this.handles.clear();
    const saved = await this.saved?.catch(() => undefined);
    await saved?.close();
  }

  // --- where the bytes are ---

  private async tarCursor(layer: number, blob: LocalBlob): Promise<TarCursor> {
    if (!blob.compressed) {
      const handle = await this.handle(blob.path);
      return fileCursor(byteFile(handle, blob));
    }
    // The file piped straight into the inflater (no generator in between: this is the hot loop
    // of a cat from a compressed layer).
    const raw = createReadStream(blob.path, { start: blob.offset, end: blob.offset + blob.size - 1, highWaterMark: 1024 * 1024 });
    const inflater =
      blob.compressed === 'gzip'
        ? createGunzip({ chunkSize: 256 * 1024 })
        : createZstdDecompress({ chunkSize: 256 * 1024, params: { [constants.ZSTD_d_windowLogMax]: ZSTD_WINDOW_LOG_MAX } });
    raw.on('error', (e) => inflater.destroy(e));
    raw.pipe(inflater);
    const codec = blob.compressed;
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of inflater) yield chunk as Buffer;
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(`corrupt or truncated ${codec} data in layer ${layer} (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    return streamCursor(chunks(), () => {
      raw.destroy();
      inflater.destroy();
    });
  }

  private async dataOffset(layer: number, target: number, blob: LocalBlob): Promise<number> {
    const changes = this.summaries[layer]!.changes;
    let known = this.offsets.get(layer);
    if (!known) {
      known = { offsets: new Float64Array(changes.length).fill(NaN), scannedTo: 0 };
      this.offsets.set(layer, known);
    }
    const cached = known.offsets[target]!;
    if (!Number.isNaN(cached)) return cached;
    const table = known;
    const cursor = await this.tarCursor(layer, blob);
    await scanLayer(cursor, (entry) => {
      if (entry.index >= 0 && entry.index < table.offsets.length) table.offsets[entry.index] = entry.dataOffset;
      return entry.index === target ? 'stop' : 'next';
    });
    const found = table.offsets[target]!;
    if (Number.isNaN(found)) throw new InputError(`layer ${layer} ends before entry ${target} (${changes.path(target)})`);
    return found;
  }

  private blob(layer: number): Promise<LocalBlob> {
    if (this.closed) return Promise.reject(new Error('internal: image content read after close'));
    if (layer < 0 || layer >= this.summaries.length || !Number.isInteger(layer)) {
      return Promise.reject(
        new InputError(`layer ${layer} out of range (the image has ${this.summaries.length} layers, 0–${this.summaries.length - 1})`),
      );
    }
    let p = this.blobs.get(layer);
    if (!p) {
      p = this.locateBlob(layer).then(async (file) => ({ ...file, compressed: await isCompressed(file) }));
      this.blobs.set(layer, p);
    }
    return p;
  }

  private async locateBlob(layer: number): Promise<BlobFile> {
    const here = this.source.blobFile?.(layer);
    if (here) return here;
    if (this.source.saveStream) {
      const saved = await this.savedArchive();
      const file = saved.blobFile?.(layer);
      if (!file) throw new InputError(`${this.source.ref}: the saved image has no layer ${layer}`);
      return file;
    }
    // A registry (or any other stream-only source): the blob, downloaded once.
    const dir = await this.temp();
    const path = join(dir, `layer-${layer}`);
    await pipeline(await this.source.openLayer(layer), createWriteStream(path));
    return { path, offset: 0, size: (await stat(path)).size };
  }

  private savedArchive(): Promise<ImageSource> {
    this.saved ??= (async () => {
      const dir = await this.temp();
      const path = join(dir, 'image.tar');
      await pipeline(await this.source.saveStream!(), createWriteStream(path));
      const files = await openTarFile(path);
      const saved = await openDockerArchive(files, { ref: this.source.ref, platform: requestPlatform(undefined) });
      const want = this.summaries.map((s) => s.diffId).join(' ');
      const got = saved.layers.map((l) => l.diffId).join(' ');
      if (want !== got) {
        await saved.close();
        throw new InputError(`${this.source.ref}: the image changed in the engine while it was being read; run again`);
      }
      return saved;
    })();
    return this.saved;
  }

  private temp(): Promise<string> {
    this.tempDir ??= mkdtemp(join(tmpdir(), 'layerscope-content-')).then((dir) => {
      trackTempDir(dir);
      return dir;
    });
    return this.tempDir;
  }

  private handle(path: string): Promise<FileHandle> {
    let h = this.handles.get(path);
    if (!h) {
      h = open(path, 'r');
      this.handles.set(path, h);
    }
    return h;
  }
}

function byteFile(handle: FileHandle, blob: BlobFile): ByteFile {
  return {
    size: blob.size,
    async readAt(buf, position) {
      const n = Math.min(buf.length, blob.size - position);
      if (n <= 0) return 0;
      const { bytesRead } = await handle.read(buf, 0, n, blob.offset + position);
      return bytesRead;
    },
  };
}

async function isCompressed(file: BlobFile): Promise<false | 'gzip' | 'zstd'> {
  if (file.size === 0) return false;
  const handle = await open(file.path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, Math.min(4, file.size), file.offset);
    const kind = detectCompression(head.subarray(0, bytesRead));
    if (kind === 'bzip2' || kind === 'xz') throw new InputError(`layer is ${kind}-compressed, which container images do not use`);
    return kind === 'none' ? false : kind;
  } finally {
    await handle.close();
  }
}
