// Deterministic synthetic images for the benchmark: OCI layouts with gzip layers, a realistic
// mix of file sizes, deep and wide directories, whiteouts and overwrites. Same parameters,
// same bytes: the layout is generated once and reused.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

export interface Scenario {
  name: string;
  layers: number;
  /** Files added per layer. */
  filesPerLayer: number;
  /** Target bytes per layer (file sizes are drawn around filesPerLayer / this). */
  bytesPerLayer: number;
  /** Share of earlier files each later layer overwrites, and deletes. */
  overwriteShare: number;
  deleteShare: number;
}

export const SCENARIOS: Record<string, Scenario> = {
  gigabyte: {
    name: 'gigabyte',
    layers: 10,
    filesPerLayer: 4000,
    bytesPerLayer: 100 * 1024 * 1024,
    overwriteShare: 0.03,
    deleteShare: 0.02,
  },
  /** 100k files in 5 gzip layers, ~256 MB stored: the size of a typical large application image. */
  hundredk: {
    name: 'hundredk',
    layers: 5,
    filesPerLayer: 20_000,
    bytesPerLayer: 54 * 1024 * 1024,
    overwriteShare: 0.02,
    deleteShare: 0.01,
  },
  million: { name: 'million', layers: 5, filesPerLayer: 200_000, bytesPerLayer: 40 * 1024 * 1024, overwriteShare: 0.01, deleteShare: 0.01 },
  small: { name: 'small', layers: 4, filesPerLayer: 2000, bytesPerLayer: 4 * 1024 * 1024, overwriteShare: 0.05, deleteShare: 0.05 },
};

/** xorshift32: tiny, fast, deterministic. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** A pool of content: half text-like (compresses ~4x), half noisy (barely compresses), so gzip
 *  ratios resemble real images (~2–3x). File contents are slices of it. */
function contentPool(size: number, random: () => number): Buffer {
  const pool = Buffer.alloc(size);
  const words = ['import', 'return', 'function', 'class', 'self', 'data', 'value', 'config', 'lib', 'usr', '\n', '    '];
  let i = 0;
  while (i < size) {
    if ((i >> 16) % 2 === 0) {
      const w = words[Math.floor(random() * words.length)]!;
      i += pool.write(`${w} `, i);
    } else {
      pool[i++] = Math.floor(random() * 256);
    }
  }
  return pool;
}

function fileSize(random: () => number, mean: number): number {
  // Long-tailed: most files small, a few large (log-uniform between mean/64 and mean*16).
  const lo = Math.log(Math.max(16, mean / 64));
  const hi = Math.log(mean * 16);
  return Math.floor(Math.exp(lo + random() * (hi - lo)) * 0.35);
}

/** Deep and wide, but with a realistic ratio of about one directory per 10–20 files. */
function pathFor(random: () => number, n: number, scale: number): string {
  const top = [
    'usr/lib/python3/site-packages',
    'usr/share/doc',
    'opt/app/node_modules',
    'var/lib/data',
    'usr/local/cuda/lib64',
    'srv/www/static',
  ];
  const t = top[n % top.length]!;
  const depth = 1 + Math.floor(random() * 4);
  const parts = [t];
  const width = Math.max(4, Math.round(Math.sqrt(scale) / 8));
  for (let d = 0; d < depth; d++) parts.push(`d${Math.floor(random() * (d === 0 ? width : 6))}`);
  parts.push(`f${n}.dat`);
  return parts.join('/');
}

export interface GeneratedImage {
  dir: string;
  blobs: string[];
  fileCount: number;
  storedBytes: number;
  compressedBytes: number;
}

export async function generate(scenario: Scenario, root: string): Promise<GeneratedImage> {
  const dir = resolve(root, scenario.name);
  const done = join(dir, 'generated.json');
  // Bump when the generator changes, so stale data is regenerated.
  const version = 2;
  if (existsSync(done)) {
    const previous = JSON.parse(readFileSync(done, 'utf8')) as GeneratedImage & { version?: number };
    if (previous.version === version) return previous;
  }
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const random = rng(0x5eed + scenario.layers);
  const pool = contentPool(16 * 1024 * 1024, random);
  const mean = scenario.bytesPerLayer / scenario.filesPerLayer;
  const earlier: string[] = [];
  const layers: Array<{ digest: string; diffId: string; size: number }> = [];
  let fileCount = 0;
  let storedBytes = 0;
  let n = 0;
  for (let layer = 0; layer < scenario.layers; layer++) {
    const pack = tar.pack();
    const gzip = createGzip({ level: 6 });
    const tmp = join(dir, 'blobs', `layer${layer}.tmp`);
    const out = createWriteStream(tmp);
    const blobHash = createHash('sha256');
    const tarHash = createHash('sha256');
    let blobSize = 0;
    pack.on('data', (c: unknown) => tarHash.update(c as Buffer));
    gzip.on('data', (c: Buffer) => {
      blobHash.update(c);
      blobSize += c.length;
    });
    pack.pipe(gzip).pipe(out);
    const add = async (name: string, body?: Buffer) => {
      await new Promise<void>((resolve, reject) => {
        const header = {
          name,
          type: body ? ('file' as const) : ('directory' as const),
          mode: body ? 0o644 : 0o755,
          mtime: new Date(1_700_000_000_000),
        };
        const cb = (err?: Error | null) => (err ? reject(err) : resolve());
        if (body) pack.entry(header, body, cb);
        else pack.entry(header, cb);
      });
      // tar-stream buffers whatever is not yet read: wait for gzip to catch up.
      const state = (pack as unknown as { _readableState: { buffered: number } })._readableState;
      while (state.buffered > 8 * 1024 * 1024) await new Promise((r) => setTimeout(r, 1));
    };
    // Entries are written in path order with their directories, as an engine's filesystem
    // walk writes them.
    const planned = new Map<string, Buffer | undefined>();
    const plan = (path: string, body: Buffer) => {
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) planned.set(`${parts.slice(0, i).join('/')}/`, undefined);
      planned.set(path, body);
    };
    if (layer > 0) {
      const survivors: string[] = [];
      for (const victim of earlier) {
        const r = random();
        if (r < scenario.deleteShare) {
          const cut = victim.lastIndexOf('/');
          plan(`${victim.slice(0, cut)}/.wh.${victim.slice(cut + 1)}`, Buffer.alloc(0));
          continue;
        }
        survivors.push(victim);
        if (r < scenario.deleteShare + scenario.overwriteShare) {
          const size = fileSize(random, mean);
          const at = Math.floor(random() * (pool.length - size));
          plan(victim, pool.subarray(at, at + size));
          storedBytes += size;
        }
      }
      earlier.length = 0;
      for (const survivor of survivors) earlier.push(survivor);
    }
    for (let f = 0; f < scenario.filesPerLayer; f++, n++) {
      const path = pathFor(random, n, scenario.filesPerLayer);
      const size = Math.min(fileSize(random, mean), pool.length - 1);
      const at = Math.floor(random() * (pool.length - size));
      plan(path, pool.subarray(at, at + size));
      earlier.push(path);
      storedBytes += size;
      fileCount++;
    }
    for (const name of [...planned.keys()].sort()) {
      const body = planned.get(name);
      await add(name, body);
    }
    pack.finalize();
    await once(out, 'finish');
    const digest = blobHash.digest('hex');
    renameSync(tmp, join(dir, 'blobs', 'sha256', digest));
    layers.push({ digest: `sha256:${digest}`, diffId: `sha256:${tarHash.digest('hex')}`, size: blobSize });
    process.stderr.write(`  generated ${scenario.name} layer ${layer + 1}/${scenario.layers}\n`);
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created_by: `RUN generate layer ${i} # buildkit` })),
      config: {},
    }),
  );
  const blob = (data: Buffer) => {
    const hex = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const configDesc = blob(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configDesc },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  const manifestDesc = blob(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifestDesc }] }),
  );
  const result: GeneratedImage & { version: number } = {
    version,
    dir,
    blobs: layers.map((l) => join(dir, 'blobs', 'sha256', l.digest.slice(7))),
    fileCount,
    storedBytes,
    compressedBytes: layers.reduce((s, l) => s + l.size, 0),
  };
  writeFileSync(done, JSON.stringify(result));
  return result;
}
