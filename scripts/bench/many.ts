// Ten images that share their base: the first layers of a generated scenario (the blobs hard-linked,
// not copied) under one small layer of each image's own. Made once, next to the scenario.
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { generate, type Scenario } from './generate.js';

async function tarOf(files: Array<{ name: string; body: Buffer }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  for (const f of files) pack.entry({ name: f.name, mode: 0o644, mtime: new Date(1_700_000_000_000) }, f.body);
  pack.finalize();
  await new Promise<void>((r) => pack.on('end', () => r()));
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `count` images over `base`'s layers (all but its last, or all of them with `shareAll`), each
 *  with one small layer of its own, in one layout under `root/<name>`. */
export async function makeSharedBaseImages(
  base: Scenario,
  root: string,
  count: number,
  name = 'many',
  shareAll = false,
): Promise<string[]> {
  const image = await generate(base, root);
  const index = JSON.parse(readFileSync(join(image.dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const blob = (digest: string) => join(image.dir, 'blobs', 'sha256', digest.slice(7));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as {
    config: { digest: string };
    layers: Array<{ mediaType: string; digest: string; size: number }>;
  };
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')) as { rootfs: { diff_ids: string[] }; history: unknown[] };
  const shared = shareAll ? manifest.layers.length : manifest.layers.length - 1;
  // One layout holding every image: the base blobs are the same files, as in a real store.
  const dir = join(root, name, 'layout');
  const out = Array.from({ length: count }, (_, i) => `${dir}:@${i}`);
  if (existsSync(join(dir, 'index.json'))) return out;
  const tmp = `${dir}.tmp`;
  mkdirSync(join(tmp, 'blobs', 'sha256'), { recursive: true });
  const put = (data: Buffer) => {
    const hex = sha(data);
    writeFileSync(join(tmp, 'blobs', 'sha256', hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  for (const l of manifest.layers.slice(0, shared)) {
    const target = join(tmp, 'blobs', 'sha256', l.digest.slice(7));
    if (!existsSync(target)) linkSync(blob(l.digest), target);
  }
  const manifests = [];
  for (let i = 0; i < count; i++) {
    const own = await tarOf(
      Array.from({ length: 500 }, (_, n) => ({
        name: `app/image${i}/file${n}.txt`,
        body: Buffer.from(`image ${i} file ${n}\n`.repeat(20)),
      })),
    );
    const ownBlob = put(gzipSync(own));
    const cfg = put(
      Buffer.from(
        JSON.stringify({
          ...config,
          rootfs: { type: 'layers', diff_ids: [...config.rootfs.diff_ids.slice(0, shared), `sha256:${sha(own)}`] },
          history: [...config.history.slice(0, shared), { created_by: `COPY app/image${i} /app/image${i}` }],
        }),
      ),
    );
    const man = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
          layers: [...manifest.layers.slice(0, shared), { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...ownBlob }],
        }),
      ),
    );
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...man });
  }
  writeFileSync(join(tmp, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(tmp, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  renameSync(tmp, dir);
  return out;
}
