// dpkg's database: `var/lib/dpkg/status` (one stanza per package, RFC 822 style) and
// `var/lib/dpkg/info/<name>[:<arch>].list` (the paths each package installed, one a line).
import type { PackageRecord } from './types.js';

export const DPKG_STATUS = 'var/lib/dpkg/status';
const INFO_DIR = 'var/lib/dpkg/info/';

/** The package a `.list` file names, if `path` is one. */
export function dpkgListPackage(path: string): string | undefined {
  if (!path.startsWith(INFO_DIR) || !path.endsWith('.list')) return undefined;
  const name = path.slice(INFO_DIR.length, -'.list'.length);
  return name === '' || name.includes('/') ? undefined : name;
}

/** Packages the status file lists as installed (Status: … installed), with their versions. */
export function parseDpkgStatus(text: string): PackageRecord[] {
  const out: PackageRecord[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    let name = '';
    let version = '';
    let arch = '';
    let status = '';
    for (const line of stanza.split('\n')) {
      if (line.startsWith(' ') || line.startsWith('\t')) continue; // continuation of a long field
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const key = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      if (key === 'Package') name = value;
      else if (key === 'Version') version = value;
      else if (key === 'Architecture') arch = value;
      else if (key === 'Status') status = value;
    }
    // "install ok installed"; half-installed, config-files (removed, conf kept) and the like own no files we count.
    if (name && status.split(/\s+/)[2] === 'installed') out.push({ name, version, ...(arch ? { arch } : {}) });
  }
  return out;
}

/** The paths of a `.list` file, normalised like tar names (no leading `/`); the root `/.` line dropped. */
export function parseDpkgList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const path = line.replace(/^\/+/, '').replace(/\/+$/, '');
    if (path === '' || path === '.') continue;
    out.push(path);
  }
  return out;
}
