// Python wheels' install record: `<site-packages>/<name>-<version>.dist-info/RECORD`, a CSV of
// `path,hash,size` with paths relative to site-packages (`../../../bin/tool` for scripts).
import type { PackageRecord } from './types.js';

/** Name and version from the dist-info directory of a RECORD path, if it is one. */
export function pipRecordOwner(path: string): { name: string; version: string; root: string } | undefined {
  if (!path.endsWith('.dist-info/RECORD')) return undefined;
  const dir = path.slice(0, -'/RECORD'.length);
  const slash = dir.lastIndexOf('/');
  const base = dir.slice(slash + 1, -'.dist-info'.length);
  const dash = base.indexOf('-');
  if (dash <= 0) return undefined;
  return { name: base.slice(0, dash), version: base.slice(dash + 1), root: slash < 0 ? '' : dir.slice(0, slash) };
}

/** The files a RECORD lists, as image paths; entries that climb out of the image are dropped. */
export function parsePipRecord(path: string, text: string): PackageRecord | undefined {
  const owner = pipRecordOwner(path);
  if (!owner) return undefined;
  const files: string[] = [];
  for (const line of text.split('\n')) {
    const field = csvFirstField(line.replace(/\r$/, ''));
    if (!field) continue;
    const p = resolveInImage(field.startsWith('/') ? field : `${owner.root}/${field}`);
    if (p) files.push(p);
  }
  return { name: owner.name, version: owner.version, files };
}

/** The first field of a CSV line (quoted or not). */
function csvFirstField(line: string): string {
  if (!line.startsWith('"')) {
    const comma = line.indexOf(',');
    return comma < 0 ? line : line.slice(0, comma);
  }
  let out = '';
  for (let i = 1; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      if (line[i + 1] === '"') {
        out += '"';
        i++;
      } else return out;
    } else out += c;
  }
  return out;
}

/** `a/b/../c` → `a/c`; undefined when `..` climbs above the image root or nothing is left. */
function resolveInImage(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.length > 0 ? out.join('/') : undefined;
}
