// Who owns the bytes: the image's own package databases, as of each layer, attribute files and
// bytes to packages. A package's bytes are the sizes of the regular files its database lists, as
// the merged view shows them (paths resolved through directory symlinks such as /bin → usr/bin;
// content shared by hard links counted once per package). Files no package owns are "unpackaged".
// The layer that installed a package is where its current, unbroken presence in the database
// began; a package a later layer removed is listed as "removed later but still stored".
import { Op, TYPE_DIR, TYPE_FILE, TYPE_HARDLINK, TYPE_SYMLINK } from '../changes.js';
import type { MergedTree } from '../merge.js';
import { visibleOrder } from '../visibleOrder.js';
import type { PackageManager, PackageMetadata, PackageRecord } from './types.js';
import { DPKG_STATUS } from './dpkg.js';
import { APK_INSTALLED } from './apk.js';
import { RPMDB_PATHS } from './rpm.js';

export interface ImagePackage {
  manager: PackageManager;
  name: string;
  version: string;
  arch?: string;
  /** Bytes of the regular files it owns, in the view where it is (last) installed. */
  bytes: number;
  /** Files (not directories) it owns that exist in that view. */
  files: number;
  /** Layer that installed it. */
  layer: number;
  /** Layer that removed it: its files are still stored in the layers below, hidden. */
  removedIn?: number;
  /** npm: a devDependency of the app. */
  dev?: boolean;
  /** Node ids (MergedTree) of the files it owns, for the browser. */
  fileIds: number[];
}

export interface PackageAccount {
  /** Installed packages, largest first, then the removed ones, largest first. */
  packages: ImagePackage[];
  /** Visible regular-file bytes no installed package owns. */
  unpackagedBytes: number;
  unpackagedFiles: number;
  /** Visible bytes the installed packages own (hard-linked content counted once). */
  packagedBytes: number;
  /** Package database files that were not read, and why. */
  warnings: string[];
}

const MAX_LINK_HOPS = 40;

export function accountPackages(tree: MergedTree): PackageAccount {
  const last = tree.layerCount - 1;
  const packages: ImagePackage[] = [];
  const warnings: string[] = [];
  tree.summaries.forEach((s, layer) => {
    for (const m of s.contents?.packages ?? []) if (m.kind === 'unread') warnings.push(`layer ${layer}: /${m.path}: ${m.reason}`);
  });
  if (last < 0) return { packages, unpackagedBytes: 0, unpackagedFiles: 0, packagedBytes: 0, warnings };
  const resolvers = new Map<number, Resolver>();
  const resolver = (layer: number) => {
    let r = resolvers.get(layer);
    if (!r) {
      r = new Resolver(tree, layer);
      resolvers.set(layer, r);
    }
    return r;
  };
  packages.push(...databasePackages(tree, 'dpkg', [DPKG_STATUS], resolver));
  packages.push(...databasePackages(tree, 'apk', [APK_INSTALLED], resolver));
  packages.push(...databasePackages(tree, 'rpm', RPMDB_PATHS, resolver));
  packages.push(...filePackages(tree, resolver));
  // Ownership in the final view: installed packages only.
  const owned = new Set<number>();
  for (const p of packages) if (p.removedIn === undefined) for (const id of p.fileIds) owned.add(id);
  let unpackagedBytes = 0;
  let unpackagedFiles = 0;
  let packagedBytes = 0;
  // Stored content already counted: one flag per change of each layer (no string key per file).
  const seen = tree.summaries.map((s) => new Uint8Array(s.changes.length));
  const order = visibleOrder(tree, last);
  for (let k = 0; k < order.length; k++) {
    const event = order.events[k]!;
    const index = tree.eventEntryIndex(event);
    if (index < 0) continue;
    const layer = tree.eventLayer(event);
    const changes = tree.summaries[layer]!.changes;
    const type = changes.typeCode(index);
    if (type !== TYPE_FILE && type !== TYPE_HARDLINK) continue;
    // The regular-file entry whose content the path shows.
    const content = type === TYPE_FILE ? index : changes.linkedContent(index);
    const fresh = content === undefined || seen[layer]![content] === 0;
    const size = tree.contentSizeAt(layer, index);
    if (owned.has(order.ids[k]!)) {
      if (fresh) packagedBytes += size;
    } else {
      unpackagedFiles++;
      if (fresh) unpackagedBytes += size;
    }
    if (content !== undefined) seen[layer]![content] = 1;
  }
  packages.sort(
    (a, b) => Number(a.removedIn !== undefined) - Number(b.removedIn !== undefined) || b.bytes - a.bytes || a.name.localeCompare(b.name),
  );
  return { packages, unpackagedBytes, unpackagedFiles, packagedBytes, warnings };
}

/** The content a file or hard-link entry shows: `layer:index` of the regular-file entry. */
function contentKey(tree: MergedTree, layer: number, index: number): string | undefined {
  if (index < 0) return undefined;
  const changes = tree.summaries[layer]!.changes;
  const type = changes.typeCode(index);
  if (type === TYPE_FILE) return `${layer}:${index}`;
  if (type === TYPE_HARDLINK) {
    const linked = changes.linkedContent(index);
    return linked === undefined ? undefined : `${layer}:${linked}`;
  }
  return undefined;
}

/** The metadata record of the database file at `path` visible after `layer`, if any. */
function visibleRecord(tree: MergedTree, path: string, layer: number): PackageMetadata | undefined {
  const id = tree.idOf(path);
  if (id === undefined) return undefined;
  const event = tree.visibleEvent(id, layer);
  if (event < 0) return undefined;
  const from = tree.eventLayer(event);
  const records = tree.summaries[from]!.contents?.packages ?? [];
  // A later duplicate entry in the same tar wins: the last record for the path.
  for (let i = records.length - 1; i >= 0; i--) if (records[i]!.path === path) return records[i];
  return undefined;
}

/** Packages of a database that lists every installed package in one file (dpkg status, apk, rpm). */
function databasePackages(
  tree: MergedTree,
  manager: 'dpkg' | 'apk' | 'rpm',
  dbPaths: readonly string[],
  resolver: (layer: number) => Resolver,
): ImagePackage[] {
  const last = tree.layerCount - 1;
  /** Installed packages after each layer, by name:arch. */
  const byLayer: Array<Map<string, PackageRecord>> = [];
  let any = false;
  for (let layer = 0; layer <= last; layer++) {
    const installed = new Map<string, PackageRecord>();
    for (const path of dbPaths) {
      const record = visibleRecord(tree, path, layer);
      if (record && (record.kind === 'dpkg-status' || record.kind === 'apk' || record.kind === 'rpm')) {
        any = true;
        for (const p of record.packages) installed.set(`${p.name}:${p.arch ?? ''}`, p);
      }
    }
    byLayer.push(installed);
  }
  if (!any) return [];
  const out: ImagePackage[] = [];
  const done = new Set<string>();
  // Walk presence spans from the top: the last span of each package decides what is reported.
  for (let layer = last; layer >= 0; layer--) {
    for (const [key, record] of byLayer[layer]!) {
      if (done.has(key)) continue;
      done.add(key);
      let start = layer;
      while (start > 0 && byLayer[start - 1]!.has(key)) start--;
      const files = manager === 'dpkg' ? dpkgFiles(tree, record, layer) : (record.files ?? []);
      const owned = ownedFiles(tree, resolver(layer), files);
      out.push({
        manager,
        name: record.name,
        version: record.version,
        ...(record.arch ? { arch: record.arch } : {}),
        bytes: owned.bytes,
        files: owned.ids.length,
        layer: start,
        ...(layer < last ? { removedIn: layer + 1 } : {}),
        fileIds: owned.ids,
      });
    }
  }
  return out;
}

/** A dpkg package's files: `info/NAME:ARCH.list` (multi-arch same) or `info/NAME.list`, as visible after `layer`. */
function dpkgFiles(tree: MergedTree, record: PackageRecord, layer: number): string[] {
  const names = record.arch ? [`${record.name}:${record.arch}`, record.name] : [record.name];
  for (const name of names) {
    const list = visibleRecord(tree, `var/lib/dpkg/info/${name}.list`, layer);
    if (list?.kind === 'dpkg-list') return list.files;
  }
  return [];
}

/** npm and pip: one metadata file per package; packages are where those files are (or were). */
function filePackages(tree: MergedTree, resolver: (layer: number) => Resolver): ImagePackage[] {
  const last = tree.layerCount - 1;
  const out: ImagePackage[] = [];
  const devOf = new Set<string>();
  // The app's own manifests visible at the end: their devDependencies, by installed path.
  tree.summaries.forEach((s, layer) => {
    for (const m of s.contents?.packages ?? []) {
      if (m.kind !== 'npm' || !m.app || !isVisibleFrom(tree, m.path, layer, last)) continue;
      const dir = m.path.includes('/') ? m.path.slice(0, m.path.lastIndexOf('/') + 1) : '';
      for (const dep of m.devDependencies ?? []) devOf.add(`${dir}node_modules/${dep}/package.json`);
    }
  });
  tree.summaries.forEach((s, layer) => {
    const seen = new Set<string>();
    const records = s.contents?.packages ?? [];
    for (let i = records.length - 1; i >= 0; i--) {
      const m = records[i]!;
      if ((m.kind !== 'npm' || m.app) && m.kind !== 'pip') continue;
      if (seen.has(m.path)) continue;
      seen.add(m.path);
      const id = tree.idOf(m.path);
      if (id === undefined) continue;
      // Where this copy is visible from, and until when.
      const state = tree.stateAt(id, layer);
      if (!state || state.layer !== layer) continue;
      let until = layer;
      while (until < last) {
        const e = tree.visibleEvent(id, until + 1);
        if (e < 0 || tree.eventLayer(e) !== layer) break;
        until++;
      }
      // A later layer that rewrote the file reports the package itself.
      const rewritten = until < last && tree.visibleEvent(id, until + 1) >= 0;
      if (rewritten) continue;
      const owned =
        m.kind === 'pip'
          ? ownedFiles(tree, resolver(until), m.package.files ?? [])
          : npmFiles(tree, m.path.slice(0, -'/package.json'.length), until);
      const installedIn = tree.stateAt(id, until)!.addedIn;
      const base = m.kind === 'pip' ? m.package : m;
      out.push({
        manager: m.kind,
        name: base.name,
        version: base.version,
        bytes: owned.bytes,
        files: owned.ids.length,
        layer: installedIn,
        ...(until < last ? { removedIn: until + 1 } : {}),
        ...(m.kind === 'npm' && devOf.has(m.path) ? { dev: true } : {}),
        fileIds: owned.ids,
      });
    }
  });
  return out;
}

function isVisibleFrom(tree: MergedTree, path: string, layer: number, at: number): boolean {
  const id = tree.idOf(path);
  if (id === undefined) return false;
  const e = tree.visibleEvent(id, at);
  return e >= 0 && tree.eventLayer(e) === layer;
}

/** An npm package's files: its directory after `layer`, nested node_modules left to their own packages. */
function npmFiles(tree: MergedTree, dir: string, layer: number): { bytes: number; ids: number[] } {
  const from = tree.idOf(dir);
  const ids: number[] = [];
  let bytes = 0;
  if (from === undefined) return { bytes, ids };
  const seen = new Set<string>();
  const nested = `${dir}/node_modules`;
  for (const { id, state } of tree.walkVisible(layer, from)) {
    const path = tree.pathOf(id);
    if (path === nested || path.startsWith(`${nested}/`)) continue;
    if (state.entry.type === 'dir') continue;
    ids.push(id);
    const key = contentKey(tree, state.layer, state.entryIndex);
    if (key !== undefined && !seen.has(key)) {
      seen.add(key);
      bytes += tree.contentSizeAt(state.layer, state.entryIndex);
    }
  }
  return { bytes, ids };
}

/** The listed paths that exist after the resolver's layer as non-directories, and their bytes. */
function ownedFiles(tree: MergedTree, resolver: Resolver, paths: readonly string[]): { bytes: number; ids: number[] } {
  const ids: number[] = [];
  const seenIds = new Set<number>();
  const seenContent = new Set<string>();
  let bytes = 0;
  for (const path of paths) {
    const id = resolver.resolve(path);
    if (id === undefined || seenIds.has(id)) continue;
    const event = tree.visibleEvent(id, resolver.layer);
    if (event < 0) continue;
    const layer = tree.eventLayer(event);
    const index = tree.eventEntryIndex(event);
    if (index < 0) continue; // an implied directory
    const type = tree.summaries[layer]!.changes.typeCode(index);
    if (type === TYPE_DIR) continue;
    seenIds.add(id);
    ids.push(id);
    const key = contentKey(tree, layer, index);
    if (key !== undefined && !seenContent.has(key)) {
      seenContent.add(key);
      bytes += tree.contentSizeAt(layer, index);
    }
  }
  return { bytes, ids };
}

/** Finds the node a path names after `layer`, following symlinks in its directories (not the
 *  last component), as the kernel would open it. Directory lookups are remembered. */
export class Resolver {
  private readonly dirs = new Map<string, string | null>();

  constructor(
    private readonly tree: MergedTree,
    readonly layer: number,
  ) {}

  resolve(path: string): number | undefined {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return this.tree.idOf(path);
    const dir = this.resolveDir(path.slice(0, slash));
    if (dir === null) return undefined;
    return this.tree.idOf(dir === '' ? path.slice(slash + 1) : `${dir}/${path.slice(slash + 1)}`);
  }

  /** The real directory path (no symlinks) `dir` leads to, or null. */
  private resolveDir(dir: string): string | null {
    const known = this.dirs.get(dir);
    if (known !== undefined) return known;
    const result = this.walk(dir, 0);
    this.dirs.set(dir, result);
    return result;
  }

  private walk(dir: string, hops: number): string | null {
    if (dir === '') return '';
    const slash = dir.lastIndexOf('/');
    const parent = slash < 0 ? '' : this.resolveDir(dir.slice(0, slash));
    if (parent === null) return null;
    const name = dir.slice(slash + 1);
    if (name === '.' || name === '') return parent;
    if (name === '..') return parent.includes('/') ? parent.slice(0, parent.lastIndexOf('/')) : '';
    const here = parent === '' ? name : `${parent}/${name}`;
    const id = this.tree.idOf(here);
    if (id === undefined) return null;
    const event = this.tree.visibleEvent(id, this.layer);
    if (event < 0) return null;
    const index = this.tree.eventEntryIndex(event);
    if (index < 0) return here;
    const changes = this.tree.summaries[this.tree.eventLayer(event)]!.changes;
    if (changes.op(index) !== Op.Entry) return null;
    const type = changes.typeCode(index);
    if (type === TYPE_DIR) return here;
    if (type !== TYPE_SYMLINK || hops >= MAX_LINK_HOPS) return null;
    const target = changes.entry(index).linkTarget ?? '';
    const joined = target.startsWith('/') ? target : parent === '' ? target : `${parent}/${target}`;
    return this.walkPath(joined, hops + 1);
  }

  /** Resolves a path that may hold `.`, `..` and symlinks anywhere. */
  private walkPath(path: string, hops: number): string | null {
    let at = '';
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        at = at.includes('/') ? at.slice(0, at.lastIndexOf('/')) : '';
        continue;
      }
      const next = this.walk(at === '' ? part : `${at}/${part}`, hops);
      if (next === null) return null;
      at = next;
    }
    return at;
  }
}
