// What a package database says, per database file, as read from one layer. Plain data: it is
// part of the layer summary, crosses worker threads and goes into the summary cache.

export type PackageManager = 'dpkg' | 'apk' | 'rpm' | 'npm' | 'pip';

export interface PackageRecord {
  name: string;
  version: string;
  arch?: string;
  /** Image paths (no leading `/`) the package installed, when the database file lists them. */
  files?: string[];
  /** npm: listed in the app's devDependencies. */
  dev?: boolean;
}

/** One package-database file of one layer, parsed. */
export type PackageMetadata =
  /** var/lib/dpkg/status: installed packages, no files. */
  | { kind: 'dpkg-status'; path: string; packages: PackageRecord[] }
  /** var/lib/dpkg/info/NAME.list: one package's files. */
  | { kind: 'dpkg-list'; path: string; package: string; files: string[] }
  /** lib/apk/db/installed, rpmdb.sqlite: installed packages with their files. */
  | { kind: 'apk' | 'rpm'; path: string; packages: PackageRecord[] }
  /** node_modules/…/package.json (`app: false`), or an app's own package.json with its dev dependencies. */
  | { kind: 'npm'; path: string; name: string; version: string; app: boolean; devDependencies?: string[] }
  /** …dist-info/RECORD */
  | { kind: 'pip'; path: string; package: PackageRecord }
  /** A database file that was not read (too large, unreadable): why, never its content. */
  | { kind: 'unread'; path: string; reason: string };
