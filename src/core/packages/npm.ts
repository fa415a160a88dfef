// npm: each installed package has `node_modules/<name>/package.json` (or
// `node_modules/@scope/<name>/package.json`); its files are the rest of that directory, nested
// `node_modules` excepted. An app's own package.json (not under node_modules) names its
// devDependencies: packages installed only to build or test.
import type { PackageMetadata } from './types.js';

const MANIFEST = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@][^/]*\/package\.json$/;

/** Whether `path` is a package.json this parser reads: an installed package's or an app's own. */
export function isNpmManifest(path: string): boolean {
  if (!(path === 'package.json' || path.endsWith('/package.json'))) return false;
  return MANIFEST.test(path) || !/(?:^|\/)node_modules\//.test(path);
}

export function parseNpmManifest(path: string, text: string): PackageMetadata | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const m = json as Record<string, unknown>;
  const name = typeof m.name === 'string' ? m.name : '';
  const version = typeof m.version === 'string' ? m.version : '';
  if (MANIFEST.test(path)) {
    if (!name) return undefined;
    return { kind: 'npm', path, name, version, app: false };
  }
  const dev = m.devDependencies;
  const devDependencies = typeof dev === 'object' && dev !== null && !Array.isArray(dev) ? Object.keys(dev) : [];
  return { kind: 'npm', path, name, version, app: true, devDependencies };
}
