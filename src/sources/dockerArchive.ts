// `docker save` archives. Both formats list their images in manifest.json:
//   legacy (Docker ≤ 24):  {Config: "<hex>.json", Layers: ["<v1 id>/layer.tar", …], RepoTags}
//   Docker 25+ (OCI-like): {Config: "blobs/sha256/<hex>", Layers: ["blobs/sha256/<hex>", …], …}
//                          beside index.json, oci-layout and blobs/.
// The layer order is manifest.json's Layers order, always: it is the apply order, whereas the
// archive's member order and Docker 25's own OCI manifest (empty in 25.0.0, misordered in
// 25.0.1, moby#47065 / #47150) are not to be trusted for it.
import type { ImageSource } from '../core/model.js';
import { InputError } from '../core/errors.js';
import { parseImageConfig } from './config.js';
import { sha256Digest } from './digest.js';
import { parseJson, type FileSet } from './fileSet.js';
import { assembleImage, owningFiles, type ArchiveOptions, type StoredLayer } from './imageSource.js';
import { sameImageName } from './imageName.js';
import { expectArray, expectObject, expectString, optionalStringArray } from './json.js';

export interface ArchiveManifestEntry {
  config: string;
  layers: string[];
  repoTags: string[];
}

/** Opens the image a docker-save archive holds. Takes ownership of `files` (closed on error). */
export function openDockerArchive(files: FileSet, opts: ArchiveOptions): Promise<ImageSource> {
  return owningFiles(files, async () => {
    const where = files.location;
    const entries = parseArchiveManifest(await files.readJson('manifest.json'), `${where}: manifest.json`);
    const { entry, warnings } = chooseImage(entries, opts.select, where);
    if (!files.has(entry.config)) {
      throw new InputError(`${where}: missing image config ${entry.config} (named in manifest.json)`);
    }
    const configBytes = await files.readBytes(entry.config);
    const id = sha256Digest(configBytes);
    const claimed = digestInName(entry.config);
    if (claimed && claimed !== id) {
      warnings.push(`${where}: image config ${entry.config} hashes to ${id}, not to the digest its name claims`);
    }
    const what = `${where}: ${entry.config}`;
    const config = parseImageConfig(parseJson(configBytes.toString('utf8'), what), what);
    // describeLayers drops the fields left undefined (legacy layer.tar names carry no digest).
    const layers = entry.layers.map((name): StoredLayer => ({ name, blobDigest: digestInName(name), blobSize: files.size(name) }));
    return assembleImage({ ref: opts.ref, id, config, layers, files, warnings, manifest: 'manifest.json', platform: opts.platform });
  });
}

export function parseArchiveManifest(raw: unknown, what: string): ArchiveManifestEntry[] {
  const list = expectArray(raw, what);
  if (list.length === 0) throw new InputError(`${what} lists no images`);
  return list.map((item, i) => {
    const entry = expectObject(item, `${what}[${i}]`);
    return {
      config: expectString(entry.Config, `${what}[${i}].Config`),
      layers: expectArray(entry.Layers, `${what}[${i}].Layers`).map((l, j) => expectString(l, `${what}[${i}].Layers[${j}]`)),
      // RepoTags is null for images saved by ID.
      repoTags: optionalStringArray(entry.RepoTags) ?? [],
    };
  });
}

/** The selected image, or the first one with a warning naming the others. */
function chooseImage(
  entries: ArchiveManifestEntry[],
  select: string | undefined,
  where: string,
): { entry: ArchiveManifestEntry; warnings: string[] } {
  if (select !== undefined) return { entry: selectImage(entries, select, where), warnings: [] };
  const [first, ...others] = entries as [ArchiveManifestEntry, ...ArchiveManifestEntry[]];
  if (others.length === 0) return { entry: first, warnings: [] };
  return {
    entry: first,
    warnings: [
      `${where} holds ${entries.length} images; analysing the first (${label(first)}); ` +
        `others: ${others.map(label).join(', ')}; choose one with ${where}:NAME`,
    ],
  };
}

function selectImage(entries: ArchiveManifestEntry[], select: string, where: string): ArchiveManifestEntry {
  const byIndex = /^@(\d+)$/.exec(select);
  const found = byIndex ? entries[Number(byIndex[1])] : entries.find((e) => e.repoTags.some((tag) => sameImageName(tag, select)));
  if (found) return found;
  throw new InputError(`${where} has no image ${byIndex ? 'number ' : 'tagged '}${select} (it holds: ${entries.map(label).join(', ')})`);
}

function label(entry: ArchiveManifestEntry): string {
  return entry.repoTags[0] ?? `untagged ${entry.config}`;
}

/** Content-addressed names carry their digest: `blobs/sha256/<hex>` or legacy `<hex>.json`. */
function digestInName(name: string): string | undefined {
  const blob = /^(?:\.\/)?blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(name);
  if (blob) return `${blob[1]}:${blob[2]}`;
  const legacy = /^(?:\.\/)?([a-f0-9]{64})\.json$/.exec(name);
  return legacy ? `sha256:${legacy[1]}` : undefined;
}
