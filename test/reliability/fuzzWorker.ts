// The fuzzing itself, in a worker thread so that fuzz.test.ts can stop it if a case hangs (even
// in a synchronous loop, which no timer inside the same thread could interrupt). Takes valid
// synthetic images in every archive format (legacy docker save, Docker 25 save with compressed
// blobs, OCI layout tar; plain, gzip and zstd layers), breaks them in many ways, and runs the
// analyser in-process on each: it must either succeed (and its numbers add up) or throw an
// InputError. Reports each case before it runs (the watchdog's heartbeat) and the result.
import { parentPort, workerData } from 'node:worker_threads';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { openImage } from '../../src/sources/open.js';
import { analyseImage } from '../../src/core/analyse.js';
import { analyse } from '../../src/core/analysis.js';
import { InputError } from '../../src/core/errors.js';
import { jsonReport, lsRows } from '../../src/report/json.js';
import { textReport } from '../../src/report/text.js';
import { TreeView } from '../../src/core/view.js';
import type { ImageSource } from '../../src/core/model.js';
import { readSaveArchive } from '../../src/sources/engine.js';
import { FakeRegistry } from '../helpers/registry.js';
import { requestPlatform } from '../../src/sources/platform.js';
import { Readable } from 'node:stream';
import { gnuLongNameFile, packTar, zstdRawFrame, type TarSpec } from '../helpers/tar.js';
import { loadableLayer } from '../helpers/core.js';
import {
  buildImage,
  docker25ArchiveFiles,
  hexOf,
  ImageWorkspace,
  legacyDockerArchiveFiles,
  MT,
  ociLayoutFiles,
  sha256,
  type ArchiveFiles,
  type SyntheticImage,
} from '../helpers/image.js';

export interface FuzzRequest {
  /** Base seed: property k runs with seed + k. */
  seed: number;
  /** Runs per property, by name. */
  runs: Record<string, number>;
}

export type FuzzMessage =
  | { type: 'case'; property: string; run: number }
  | { type: 'property'; property: string; runs: number; ok: number; inputErrors: number; ms: number }
  | { type: 'failed'; property: string; message: string }
  | { type: 'done' };

const post = (m: FuzzMessage) => parentPort!.postMessage(m);
const ws = new ImageWorkspace();
const scratch = mkdtempSync(join(tmpdir(), 'layerscope-fuzz-'));
let caseFile = 0;

// --- fixtures ---------------------------------------------------------------------------------

type Codec = 'none' | 'gzip' | 'zstd';
const compress = (tar: Buffer, codec: Codec): Buffer => (codec === 'gzip' ? gzipSync(tar) : codec === 'zstd' ? zstdRawFrame(tar) : tar);

async function baseLayerTars(): Promise<Buffer[]> {
  const l0: TarSpec[] = [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', content: 3000 },
    { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
    { name: 'bin/ls', type: 'symlink', linkname: 'busybox' },
    { name: 'tmp/', type: 'directory' },
    { name: 'tmp/cache', content: 700 },
    { name: 'var/lib/', type: 'directory' },
    { name: 'var/lib/db', content: 1200 },
  ];
  const l1: TarSpec[] = [
    { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/ash\n' },
    { name: 'tmp/.wh.cache', content: '' },
    { name: 'var/lib/.wh..wh..opq', content: '' },
    { name: 'var/lib/new', content: 40 },
    { name: 'app/', type: 'directory' },
    { name: 'app/main', content: 900, pax: { 'SCHILY.xattr.user.k': 'v' } },
  ];
  const l2: TarSpec[] = [
    { name: 'app/main', content: 950 },
    { name: `app/${'deep/'.repeat(30)}file`, content: 5 },
    { name: 'app/ünïcode', content: 3 },
    { name: '.wh.tmp', content: '' },
  ];
  return [
    await packTar(l0),
    await packTar(l1),
    Buffer.concat([gnuLongNameFile(`app/${'long'.repeat(40)}`, Buffer.from('gnu')), await packTar(l2)]),
  ];
}

const CODECS: Codec[] = ['none', 'gzip', 'zstd'];
const FORMATS = ['legacy', 'docker25', 'oci'] as const;
type Format = (typeof FORMATS)[number];

function archiveFiles(img: SyntheticImage, format: Format): ArchiveFiles {
  if (format === 'legacy') return legacyDockerArchiveFiles([img]);
  if (format === 'docker25') return docker25ArchiveFiles([img], { keepCompressed: true });
  return ociLayoutFiles([img]);
}

async function tarOf(files: ArchiveFiles): Promise<Buffer> {
  const path = await ws.writeTar('fixture.tar', files);
  return (await import('node:fs')).readFileSync(path);
}

// --- running one case -------------------------------------------------------------------------

type Outcome = 'ok' | 'input-error';

/** Opens and analyses the archive at `path` as the CLI does, then renders every report. */
async function analyseFile(path: string): Promise<Outcome> {
  let source: ImageSource | undefined;
  let image: Awaited<ReturnType<typeof analyseImage>>;
  try {
    source = await openImage(path);
    image = await analyseImage(source, { concurrency: 2, limits: { maxEntries: 200_000, maxTarBytes: 64 * 1024 * 1024 } });
  } catch (e) {
    if (e instanceof InputError) {
      if (process.env.FUZZ_VERBOSE)
        process.stderr.write(
          `fuzz: ${e.message
            .replace(/\/tmp\/\S+/g, 'P')
            .replace(/sha256:[0-9a-f]{64}/g, 'D')
            .replace(/\d+/g, 'N')
            .slice(0, 120)}\n`,
        );
      return 'input-error';
    }
    throw e;
  } finally {
    await source?.close();
  }
  // A successful read must analyse and render without any error.
  const analysis = analyse(image);
  const { storedBytes, visibleBytes, hiddenBytes } = analysis.account;
  if (storedBytes !== visibleBytes + hiddenBytes || hiddenBytes < 0 || visibleBytes < 0) {
    throw new Error(`bytes do not add up: stored ${storedBytes}, visible ${visibleBytes}, hidden ${hiddenBytes}`);
  }
  JSON.stringify(jsonReport(analysis));
  textReport(analysis);
  let rows = 0;
  for (const _ of lsRows(analysis.tree)) if (++rows > 1_000_000) break;
  // The browser's tree view at every layer, all expanded one level.
  const view = new TreeView(analysis.tree);
  for (let layer = 0; layer < analysis.tree.layerCount; layer++) {
    const options = {
      layer,
      changesOnly: false,
      show: { added: true, modified: true, removed: true, unchanged: true },
      sort: 'size' as const,
    };
    view.rows(options, new Set(view.childrenOf(0, options)));
  }
  return 'ok';
}

async function writeCase(bytes: Buffer): Promise<string> {
  const path = join(scratch, `case-${++caseFile % 4}.tar`);
  writeFileSync(path, bytes);
  return path;
}

// --- mutations --------------------------------------------------------------------------------

type ByteOp =
  | { op: 'flip'; at: number; xor: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'splice'; from: number; length: number; to: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'zero'; at: number; length: number };

/** Positions are fractions of the length, or block-aligned (tar headers live there). */
const position = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.nat({ max: 4000 }).map((k) => -(k * 512 + 1)),
);
const at = (p: number, length: number, offset = 0): number => {
  if (length === 0) return 0;
  const raw = p < 0 ? -p - 1 + offset : Math.floor(p * length);
  return Math.min(length - 1, Math.max(0, raw));
};

const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: position, xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('set' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('splice' as const), from: position, length: fc.integer({ min: 1, max: 2048 }), to: position }),
  fc.record({
    op: fc.constant('insert' as const),
    at: position,
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 600 }),
  }),
  fc.record({ op: fc.constant('zero' as const), at: position, length: fc.integer({ min: 1, max: 1024 }) }),
);

function applyBytes(input: Buffer, ops: ByteOp[], headerOffset = 0): Buffer {
  let b: Buffer = Buffer.from(input);
  for (const o of ops) {
    const n = b.length;
    switch (o.op) {
      case 'flip': {
        const i = at(o.at, n, headerOffset);
        if (n > 0) b[i] = b[i]! ^ o.xor;
        break;
      }
      case 'set': {
        const i = at(o.at, n, headerOffset);
        if (n > 0) b[i] = o.value;
        break;
      }
      case 'truncate':
        b = b.subarray(0, at(o.at, n, headerOffset));
        break;
      case 'splice': {
        const from = at(o.from, n);
        const piece = Buffer.from(b.subarray(from, from + o.length));
        piece.copy(b, at(o.to, n, headerOffset));
        break;
      }
      case 'insert': {
        const i = at(o.at, n, headerOffset);
        b = Buffer.concat([b.subarray(0, i), Buffer.from(o.bytes), b.subarray(i)]);
        break;
      }
      case 'zero': {
        const i = at(o.at, n, headerOffset);
        b.fill(0, i, Math.min(n, i + o.length));
        break;
      }
    }
  }
  return b;
}

/** Offsets of the tar headers of `tar`, walking sizes (stops at anything odd). */
function headerOffsets(tar: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos + 512 <= tar.length && out.length < 10_000; ) {
    if (tar.subarray(pos, pos + 512).every((x) => x === 0)) break;
    out.push(pos);
    const size = parseInt(
      tar
        .toString('latin1', pos + 124, pos + 136)
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    if (!Number.isSafeInteger(size)) break;
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function fixChecksum(tar: Buffer, pos: number): void {
  tar.fill(0x20, pos + 148, pos + 156);
  let sum = 0;
  for (let i = pos; i < pos + 512; i++) sum += tar[i]!;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, pos + 148, 'latin1');
}

const SEGMENTS = [
  'a',
  'b',
  'etc',
  'bin',
  '..',
  '.',
  '',
  '.wh.a',
  '.wh.',
  '.wh..wh..opq',
  '.wh..wh.plnk',
  'ü',
  '\u00ff',
  '\x1b[2J',
  '\0x',
  'x\ny',
  '%s',
  'a'.repeat(120),
];
const hostileName = fc
  .array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 6 })
  .chain((parts) => fc.constantFrom(parts.join('/'), `/${parts.join('/')}`, `${parts.join('/')}/`, `./${parts.join('/')}`));

type Field =
  | { field: 'name' | 'linkname' | 'prefix'; text: string }
  | { field: 'mode' | 'uid' | 'gid' | 'size' | 'mtime'; raw: number[] }
  | { field: 'sizeNumber'; value: number }
  | { field: 'typeflag'; value: string }
  | { field: 'magic'; value: string };

const fieldEdit: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ field: fc.constantFrom('name' as const, 'linkname' as const, 'prefix' as const), text: hostileName }),
  fc.record({
    field: fc.constantFrom('mode' as const, 'uid' as const, 'gid' as const, 'size' as const, 'mtime' as const),
    raw: fc.array(fc.oneof(fc.integer({ min: 0x30, max: 0x37 }), fc.constantFrom(0, 0x20, 0x38, 0x80, 0xff, 0x2d)), {
      minLength: 1,
      maxLength: 12,
    }),
  }),
  fc.record({
    field: fc.constant('sizeNumber' as const),
    value: fc.oneof(fc.nat({ max: 5000 }), fc.nat({ max: 2 ** 33 - 1 }), fc.constantFrom(511, 512, 513, 1024 * 1024, 1024 * 1024 + 1)),
  }),
  fc.record({
    field: fc.constant('typeflag' as const),
    value: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'A', 'S', 'D', 'V', '\0', 'M'),
  }),
  fc.record({ field: fc.constant('magic' as const), value: fc.constantFrom('ustar\x0000', 'ustar  \0', '\0\0\0\0\0\0\0\0', 'garbage!') }),
);

const FIELDS = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  linkname: [157, 100],
  magic: [257, 8],
  prefix: [345, 155],
} as const;

function applyField(tar: Buffer, pos: number, edit: Field, fix: boolean): void {
  const put = (start: number, length: number, bytes: Buffer) => {
    tar.fill(0, pos + start, pos + start + length);
    bytes.copy(tar, pos + start, 0, Math.min(length, bytes.length));
  };
  switch (edit.field) {
    case 'name':
    case 'linkname':
    case 'prefix': {
      const [s, l] = FIELDS[edit.field];
      put(s, l, Buffer.from(edit.text, edit.text.includes('ü') ? 'utf8' : 'latin1'));
      break;
    }
    case 'sizeNumber':
      put(124, 12, Buffer.from(`${edit.value.toString(8).padStart(11, '0')}\0`, 'latin1'));
      break;
    case 'typeflag':
      tar[pos + 156] = edit.value.charCodeAt(0);
      break;
    case 'magic':
      put(257, 8, Buffer.from(edit.value, 'latin1'));
      break;
    default: {
      const [s, l] = FIELDS[edit.field];
      put(s, l, Buffer.from(edit.raw));
    }
  }
  if (fix) fixChecksum(tar, pos);
}

/** A JSON edit: on the n-th node (depth-first), delete it, replace it, nudge a number, or cut
 *  the serialised text. */
type JsonEdit = { node: number; op: 'delete' | 'replace' | 'number' | 'cut'; value: unknown; amount: number };

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  node: fc.nat({ max: 200 }),
  op: fc.constantFrom('delete' as const, 'replace' as const, 'number' as const, 'cut' as const),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(null, '', `sha256:${'f'.repeat(64)}`, '../../etc/passwd', '/etc/passwd', -1, 1e308, 2 ** 53, [], {}, 'x'.repeat(5000)),
  ),
  amount: fc.integer({ min: -1000, max: 1000 }),
});

function applyJson(text: string, edit: JsonEdit): string {
  if (edit.op === 'cut') return text.slice(0, Math.max(0, Math.min(text.length, Math.abs(edit.amount) % (text.length + 1))));
  const root: unknown = JSON.parse(text);
  const nodes: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number; value: unknown }> = [];
  const visit = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      nodes.push({ parent: value as Record<string, unknown>, key: Array.isArray(value) ? Number(k) : k, value: v });
      visit(v);
    }
  };
  visit(root);
  if (nodes.length === 0) return JSON.stringify(edit.value);
  const n = nodes[edit.node % nodes.length]!;
  const parent = n.parent as Record<string | number, unknown>;
  if (edit.op === 'delete') {
    if (Array.isArray(n.parent)) n.parent.splice(n.key as number, 1);
    else delete parent[n.key];
  } else if (edit.op === 'number' && typeof n.value === 'number') parent[n.key] = n.value + edit.amount;
  else if (edit.op === 'number' && typeof n.value === 'string')
    parent[n.key] = n.value.slice(0, Math.abs(edit.amount) % (n.value.length + 1));
  else parent[n.key] = edit.value;
  return JSON.stringify(root);
}

// --- properties -------------------------------------------------------------------------------

interface RunParams {
  numRuns: number;
  seed: number;
  endOnFailure: boolean;
}

interface Fixture {
  name: string;
  img: SyntheticImage;
  files: ArchiveFiles;
  tar: Buffer;
}

/** Bytes in uneven chunks, as a socket delivers them. */
function* chunked(bytes: Buffer): Generator<Buffer> {
  for (let at = 0, n = 1; at < bytes.length; at += n, n = (n * 7 + 3) % 9000 || 1) yield bytes.subarray(at, at + n);
}

async function main(): Promise<FuzzMessage> {
  const request = workerData as FuzzRequest;
  const tars = await baseLayerTars();
  // Every codec appears in every format: layer k uses codec (k + shift) % 3.
  const fixtures: Fixture[] = [];
  for (const format of FORMATS) {
    for (const shift of [0, 1, 2]) {
      const img = buildImage({ layers: tars.map((t, k) => compress(t, CODECS[(k + shift) % 3]!)) });
      const files = archiveFiles(img, format);
      fixtures.push({ name: `${format}/${shift}`, img, files, tar: await tarOf(files) });
    }
  }
  const registry = await FakeRegistry.start();
  const registryImage = buildImage({ layers: tars.map((t, k) => compress(t, CODECS[k % 3]!)) });
  // Sanity: every fixture analyses cleanly before it is broken.
  for (const f of fixtures) {
    const outcome = await analyseFile(await writeCase(f.tar));
    if (outcome !== 'ok') throw new Error(`fixture ${f.name} does not analyse`);
  }

  let property = '';
  let run = 0;
  let ok = 0;
  let inputErrors = 0;
  const count = (o: Outcome) => (o === 'ok' ? ok++ : inputErrors++);
  const start = (name: string) => {
    property = name;
    run = 0;
    ok = 0;
    inputErrors = 0;
  };
  const step = () => post({ type: 'case', property, run: ++run });
  const fixtureArb = fc.nat({ max: fixtures.length - 1 }).map((i) => fixtures[i]!);

  const properties: Record<string, (params: RunParams) => Promise<void>> = {
    // Whole archives, byte by byte: flips, truncations, splices, insertions, zeroed runs.
    bytes: (params) =>
      fc.assert(
        fc.asyncProperty(fixtureArb, fc.array(byteOp, { minLength: 1, maxLength: 4 }), async (f, ops) => {
          step();
          count(await analyseFile(await writeCase(applyBytes(f.tar, ops))));
        }),
        params,
      ),
    // One field of one header of the outer archive, usually with a valid checksum.
    archiveHeaders: (params) =>
      fc.assert(
        fc.asyncProperty(fixtureArb, fc.nat(), fieldEdit, fc.boolean(), async (f, which, edit, keepChecksum) => {
          step();
          const tar = Buffer.from(f.tar);
          const offsets = headerOffsets(tar);
          applyField(tar, offsets[which % offsets.length]!, edit, !keepChecksum || which % 10 !== 0);
          count(await analyseFile(await writeCase(tar)));
        }),
        params,
      ),
    // manifest.json, index.json, the OCI manifest and the image config.
    json: (params) =>
      fc.assert(
        fc.asyncProperty(fixtureArb, fc.nat(), fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), async (f, which, edits) => {
          step();
          const files: ArchiveFiles = new Map(f.files);
          const jsonNames = [...files.keys()].filter((name) => {
            const content = files.get(name);
            return (
              Buffer.isBuffer(content) && content.length > 0 && content.length < 100_000 && (content[0] === 0x7b || content[0] === 0x5b)
            );
          });
          const name = jsonNames[which % jsonNames.length]!;
          let text = (files.get(name) as Buffer).toString('utf8');
          for (const edit of edits) {
            try {
              text = applyJson(text, edit);
            } catch {
              break; // cut text is no longer JSON: the next edits cannot parse it
            }
          }
          files.set(name, Buffer.from(text));
          count(await analyseFile(await ws.writeTar(`json-${++caseFile % 4}.tar`, files)));
        }),
        params,
      ),
    // Inside a layer: header fields (checksums fixed) and raw bytes, recompressed, with the
    // config's diffIDs made to match, so the damage reaches the walker and the merge.
    layers: (params) =>
      fc.assert(
        fc.asyncProperty(
          fc.nat({ max: 2 }),
          fc.constantFrom(...FORMATS),
          fc.nat({ max: 2 }),
          fc.array(fc.tuple(fc.nat(), fieldEdit), { maxLength: 3 }),
          fc.array(byteOp, { maxLength: 2 }),
          fc.boolean(),
          async (layer, format, shift, edits, ops, fix) => {
            step();
            const edited: Buffer[] = tars.map((t) => Buffer.from(t));
            const tar = edited[layer]!;
            const offsets = headerOffsets(tar);
            for (const [which, edit] of edits) applyField(tar, offsets[which % offsets.length]!, edit, fix || which % 4 !== 0);
            edited[layer] = applyBytes(tar, ops);
            const img = buildImage({ layers: edited.map((t, k) => compress(t, CODECS[(k + shift) % 3]!)) });
            const files = archiveFiles(img, format);
            count(await analyseFile(await ws.writeTar(`layer-${++caseFile % 4}.tar`, files)));
          },
        ),
        params,
      ),
    // Compressed streams themselves: the gzip or zstd bytes of one layer, diffIDs left as they were.
    codecs: (params) =>
      fc.assert(
        fc.asyncProperty(
          fc.nat({ max: 2 }),
          fc.constantFrom('gzip' as const, 'zstd' as const),
          fc.array(byteOp, { minLength: 1, maxLength: 3 }),
          async (layer, codec, ops) => {
            step();
            const img = buildImage({ layers: tars.map((t, k) => (k === layer ? compress(t, codec) : t)) });
            const files = ociLayoutFiles([img]);
            const blobName = `blobs/sha256/${hexOf(img.layerDigests[layer]!)}`;
            files.set(blobName, applyBytes(files.get(blobName) as Buffer, ops));
            count(await analyseFile(await ws.writeTar(`codec-${++caseFile % 4}.tar`, files)));
          },
        ),
        params,
      ),
    // The engine source's sequential read of a `docker save` stream (what `docker://` gets from
    // the engine), fed the mutated bytes of a save archive.
    engineStream: (params) =>
      fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...fixtures.filter((f) => !f.name.startsWith('oci'))),
          fc.array(byteOp, { minLength: 1, maxLength: 3 }),
          async (f, ops) => {
            step();
            const bytes = applyBytes(f.tar, ops);
            const info = {
              id: f.img.configDigest,
              diffIds: f.img.diffIds,
              platform: { os: 'linux', architecture: 'amd64' },
              repoTags: f.img.tags,
              size: 0,
            };
            try {
              const streamed = await readSaveArchive(Readable.from(chunked(bytes)), info, {
                where: 'docker://fuzz',
                address: 'unix:///fuzz.sock',
                platform: requestPlatform('linux/amd64'),
                limits: { maxEntries: 200_000, maxTarBytes: 64 * 1024 * 1024 },
              });
              if (streamed.summaries.length !== streamed.layers.length) throw new Error('a summary for every layer');
              ok++;
            } catch (e) {
              if (!(e instanceof InputError)) throw e;
              inputErrors++;
            }
          },
        ),
        params,
      ),
    // A registry serving a mutated manifest (by tag, behind an index or not) or image config.
    registry: (params) =>
      fc.assert(
        fc.asyncProperty(
          fc.constantFrom('manifest' as const, 'index' as const, 'config' as const),
          fc.array(jsonEdit, { minLength: 1, maxLength: 3 }),
          async (what, edits) => {
            step();
            const repo = `fuzz/r${++caseFile}`;
            const img = registryImage;
            registry.addImage(repo, undefined, img);
            const edit = (bytes: Buffer): Buffer => {
              let text = bytes.toString('utf8');
              for (const e of edits) {
                try {
                  text = applyJson(text, e);
                } catch {
                  break;
                }
              }
              return Buffer.from(text);
            };
            if (what === 'manifest') registry.addManifest(repo, 'x', edit(img.manifestBytes), MT.ociManifest);
            else if (what === 'config') {
              const config = edit(img.configBytes);
              const manifest = JSON.parse(img.manifestBytes.toString()) as { config: { digest: string; size: number } };
              manifest.config = { ...manifest.config, digest: sha256(config), size: config.length };
              registry.addBlob(config);
              registry.addManifest(repo, 'x', Buffer.from(JSON.stringify(manifest)), MT.ociManifest);
            } else {
              const index = {
                schemaVersion: 2,
                mediaType: MT.ociIndex,
                manifests: [
                  { mediaType: MT.ociManifest, digest: img.manifestDigest, size: img.manifestBytes.length, platform: img.platform },
                ],
              };
              registry.addManifest(repo, 'x', edit(Buffer.from(JSON.stringify(index))), MT.ociIndex);
            }
            const started = Date.now();
            count(await analyseFile(`registry://${registry.host}/${repo}:x`));
            if (process.env.FUZZ_VERBOSE && Date.now() - started > 1000)
              process.stderr.write(`slow registry case ${Date.now() - started} ms: ${what} ${JSON.stringify(edits).slice(0, 400)}\n`);
          },
        ),
        params,
      ),
    // Well-formed layers made of hostile names and every entry type: always a clean analysis.
    wellFormed: (params) =>
      fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.array(
              fc.record({
                name: hostileName.filter((n) => n.replace(/\/+$/, '') !== '' && !n.includes('\0')),
                kind: fc.constantFrom('file', 'directory', 'symlink', 'link', 'fifo'),
                // A NUL in a PAX linkpath makes Go's reader, and so the engine, refuse the layer.
                target: hostileName.filter((n) => !n.includes('\0')),
                size: fc.nat({ max: 3000 }),
              }),
              { maxLength: 12 },
            ),
            { minLength: 1, maxLength: 4 },
          ),
          fc.constantFrom(...FORMATS),
          async (layers, format) => {
            step();
            const packed: Buffer[] = [];
            for (const entries of layers) {
              const specs: TarSpec[] = entries.map((e) =>
                e.kind === 'file'
                  ? { name: e.name, content: e.size }
                  : e.kind === 'symlink' || e.kind === 'link'
                    ? { name: e.name, type: e.kind, linkname: e.target || 'x' }
                    : { name: e.name, type: e.kind as 'directory' | 'fifo' },
              );
              // Only what the engine accepts: a layer it refuses is refused here too, not "clean".
              packed.push(await packTar(loadableLayer(specs)));
            }
            const img = buildImage({ layers: packed.map((t, k) => compress(t, CODECS[k % 3]!)) });
            const outcome = await analyseFile(await ws.writeTar(`ok-${++caseFile % 4}.tar`, archiveFiles(img, format)));
            if (outcome !== 'ok') throw new Error('a well-formed image did not analyse');
            ok++;
          },
        ),
        params,
      ),
  };

  let k = 0;
  for (const [name, runs] of Object.entries(request.runs)) {
    const make = properties[name];
    if (!make) throw new Error(`no property ${name}`);
    start(name);
    const started = Date.now();
    try {
      await make({ numRuns: runs, seed: request.seed + k++, endOnFailure: true });
    } catch (e) {
      await registry.stop();
      return { type: 'failed', property: name, message: e instanceof Error ? e.message : String(e) };
    }
    post({ type: 'property', property: name, runs: run, ok, inputErrors, ms: Date.now() - started });
  }
  await registry.stop();
  return { type: 'done' };
}

// The temp files go before the last message: the test may stop the worker as soon as it has it.
let outcome: FuzzMessage;
try {
  outcome = await main();
} catch (e) {
  outcome = { type: 'failed', property: 'setup', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
} finally {
  ws.cleanup();
  rmSync(scratch, { recursive: true, force: true });
}
post(outcome);
