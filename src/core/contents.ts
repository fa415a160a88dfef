// What the walk reads of file contents, in the same single pass over the layer: the package
// databases' files (dpkg, apk, rpm, npm, pip), each up to a size cap, and every text file up to
// the scan cap for leaked secrets. Content is looked at as it streams past: nothing is read
// twice, binary files are dropped after their first bytes, and large ones are never buffered.
// The result is plain data in the layer summary (worker threads, summary cache). It runs as an
// entry content observer (contentObservers.ts).
import type { ContentObserver } from './contentObservers.js';
import type { LayerSummary } from './model.js';
import type { PackageMetadata } from './packages/types.js';
import { DPKG_STATUS, dpkgListPackage, parseDpkgList, parseDpkgStatus } from './packages/dpkg.js';
import { APK_INSTALLED, parseApkInstalled } from './packages/apk.js';
import { RPMDB_PATHS, parseRpmdb } from './packages/rpm.js';
import { isNpmManifest, parseNpmManifest } from './packages/npm.js';
import { parsePipRecord, pipRecordOwner } from './packages/pip.js';
import {
  CANDIDATE_SPAN,
  DEFAULT_SCAN_MAX_BYTES,
  TEXT_SNIFF_BYTES,
  isCredentialFileName,
  mayHoldSecret,
  scanName,
  scanText,
  type SecretHit,
} from './secrets.js';
import { baseName } from './paths.js';

export interface ContentOptions {
  /** Largest file whose content is scanned for secrets (`--secrets-max-bytes`); larger ones by name only. */
  scanMaxBytes: number;
}

export const DEFAULT_CONTENT_OPTIONS: ContentOptions = { scanMaxBytes: DEFAULT_SCAN_MAX_BYTES };

/** What one layer's contents say: package databases and leaked secrets. */
export interface LayerContents {
  /** The scan cap these were found with (a cached summary read under another cap is read again). */
  scanMaxBytes: number;
  packages: PackageMetadata[];
  secrets: SecretHit[];
}

/** Whether a summary's contents were read under this scan cap (a summary read without contents, or
 *  under another cap, must be read again for the findings to mean the same thing). */
export function scannedWith(summary: Pick<LayerSummary, 'contents'>, secretsMaxBytes: number = DEFAULT_SCAN_MAX_BYTES): boolean {
  return summary.contents === undefined || summary.contents.scanMaxBytes === secretsMaxBytes;
}

type MetaKind = 'dpkg-status' | 'dpkg-list' | 'apk' | 'rpm' | 'npm' | 'pip';

/** Largest database file read, by kind: far above real ones (a big Debian status is a few MB). */
const META_MAX_BYTES: Readonly<Record<MetaKind, number>> = {
  'dpkg-status': 64 * 1024 * 1024,
  'dpkg-list': 16 * 1024 * 1024,
  apk: 64 * 1024 * 1024,
  rpm: 512 * 1024 * 1024,
  npm: 1024 * 1024,
  pip: 16 * 1024 * 1024,
};
/** Findings kept per layer: a hostile layer cannot grow the summary without bound. */
const MAX_SECRETS_PER_LAYER = 1000;
const MAX_UNREAD_PER_LAYER = 100;

function metaKind(path: string): MetaKind | undefined {
  if (path === DPKG_STATUS) return 'dpkg-status';
  if (path.endsWith('.list') && dpkgListPackage(path) !== undefined) return 'dpkg-list';
  if (path === APK_INSTALLED) return 'apk';
  if (path.endsWith('.sqlite') && RPMDB_PATHS.includes(path)) return 'rpm';
  if (path.endsWith('package.json') && isNpmManifest(path)) return 'npm';
  if (path.endsWith('/RECORD') && pipRecordOwner(path) !== undefined) return 'pip';
  return undefined;
}

/** The walk's observer for package databases and secrets (one per layer walk). */
export function contentsObserver(): ContentObserver {
  return new ContentInspector();
}

export class ContentInspector implements ContentObserver {
  private readonly packages: PackageMetadata[] = [];
  private readonly secrets: SecretHit[] = [];
  private unread = 0;
  private current: FileSink | undefined;
  /** One sink for the layer, reset at each file read (a layer has as many files as entries). */
  private readonly sink = new FileSink(this);

  constructor(private readonly options: ContentOptions = DEFAULT_CONTENT_OPTIONS) {}

  /** A regular file's entry: true when its content is wanted. */
  begin(_index: number, path: string, size: number): boolean {
    this.current = undefined;
    const base = baseName(path);
    const named = scanName(path, size, base);
    for (let i = 0; i < named.length; i++) this.addSecret(named[i]!);
    const kind = metaKind(path);
    if (kind && size > META_MAX_BYTES[kind]) {
      this.addUnread(path, `${size} bytes, more than the ${META_MAX_BYTES[kind]} read of a ${kind} database file`);
    }
    const meta = kind && size <= META_MAX_BYTES[kind] ? kind : undefined;
    const scan = size > 0 && size <= this.options.scanMaxBytes;
    if (!meta && !scan) return false;
    this.sink.reset(path, base, size, meta, scan);
    this.current = this.sink;
    return true;
  }

  data(bytes: Uint8Array): void {
    if (this.current && !this.current.data(bytes)) this.current = undefined;
  }

  end(): void {
    this.current?.end();
    this.current = undefined;
  }

  /** @internal */
  finishFile(path: string, content: Buffer, meta: MetaKind | undefined, scan: boolean): void {
    // A key found by its content says more than the same file's name-only finding: keep one.
    if (scan) this.finishText(path, content.toString('latin1'));
    if (meta) this.parse(path, content, meta);
  }

  /** @internal A text file's content (latin1) with a secret candidate in it. */
  finishText(path: string, text: string): void {
    const hits = scanText(path, text);
    if (hits.some((h) => h.rule === 'private-key')) {
      const i = this.secrets.findLastIndex((h) => h.path === path && h.rule === 'private-key-file');
      if (i >= 0) this.secrets.splice(i, 1);
    }
    for (const hit of hits) this.addSecret(hit);
  }

  private parse(path: string, content: Buffer, kind: MetaKind): void {
    try {
      if (kind === 'rpm') {
        this.packages.push({ kind: 'rpm', path, packages: parseRpmdb(content) });
        return;
      }
      const text = content.toString('utf8');
      if (kind === 'dpkg-status') this.packages.push({ kind, path, packages: parseDpkgStatus(text) });
      else if (kind === 'dpkg-list') this.packages.push({ kind, path, package: dpkgListPackage(path)!, files: parseDpkgList(text) });
      else if (kind === 'apk') this.packages.push({ kind, path, packages: parseApkInstalled(text) });
      else if (kind === 'npm') {
        const m = parseNpmManifest(path, text);
        if (m) this.packages.push(m);
      } else {
        const record = parsePipRecord(path, text);
        if (record) this.packages.push({ kind, path, package: record });
      }
    } catch (e) {
      // The reason from the parser, never the content.
      this.addUnread(path, `not a readable ${kind} database file (${e instanceof Error ? e.message.slice(0, 200) : 'unknown error'})`);
    }
  }

  private addSecret(hit: SecretHit): void {
    if (this.secrets.length < MAX_SECRETS_PER_LAYER) this.secrets.push(hit);
  }

  private addUnread(path: string, reason: string): void {
    if (this.unread++ < MAX_UNREAD_PER_LAYER) this.packages.push({ kind: 'unread', path, reason });
  }

  /** What the layer's contents said, as the summary's `contents`. */
  result(): LayerContents {
    return { scanMaxBytes: this.options.scanMaxBytes, packages: this.packages, secrets: this.secrets };
  }

  finish(summary: LayerSummary): void {
    summary.contents = this.result();
  }
}

/** Collects one file's content (at most its cap) and hands it to the inspector at the end. */
class FileSink {
  private readonly chunks: Buffer[] = [];
  private got = 0;
  /** A text file read only for secrets: its chunks as latin1 text, joined only when the cheap
   *  first pass (mayHoldSecret) found a candidate. Nothing else is copied. */
  private readonly text: string[] = [];
  private candidate = false;
  private textOnly = false;
  private path = '';
  private size = 0;
  private meta: MetaKind | undefined;
  private scan = false;

  constructor(private readonly inspector: ContentInspector) {}

  /** Starts the next file (`base`: its base name). */
  reset(path: string, base: string, size: number, meta: MetaKind | undefined, scan: boolean): void {
    this.path = path;
    this.size = size;
    this.meta = meta;
    this.scan = scan;
    this.got = 0;
    this.candidate = false;
    // (Emptied only when not empty: setting an array's length is a runtime call.)
    if (this.chunks.length !== 0) this.chunks.length = 0;
    if (this.text.length !== 0) this.text.length = 0;
    this.textOnly = scan && meta === undefined && !isCredentialFileName(path, base) && base !== 'config.json';
  }

  /** False when the rest of the file is not wanted. */
  data(chunk: Uint8Array): boolean {
    if (this.got === 0 && this.scan && (chunk.length <= TEXT_SNIFF_BYTES ? chunk : chunk.subarray(0, TEXT_SNIFF_BYTES)).includes(0)) {
      // Binary: no secret scan (a database file such as rpmdb.sqlite is still read).
      this.scan = false;
      if (!this.meta) return false;
    }
    this.got += chunk.length;
    if (this.textOnly) {
      const part = Buffer.prototype.latin1Slice.call(chunk, 0, chunk.length) as string;
      if (!this.candidate) {
        const before = this.text.at(-1);
        this.candidate =
          mayHoldSecret(part) || (before !== undefined && mayHoldSecret(before.slice(-CANDIDATE_SPAN) + part.slice(0, CANDIDATE_SPAN)));
      }
      this.text.push(part);
      return true;
    }
    // The chunk is a view of the stream's buffer, valid only during this call.
    this.chunks.push(Buffer.from(chunk));
    return true;
  }

  end(): void {
    if (this.got !== this.size) return;
    if (this.textOnly) {
      if (this.candidate) this.inspector.finishText(this.path, this.text.length === 1 ? this.text[0]! : this.text.join(''));
      this.text.length = 0;
      return;
    }
    const content = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.got);
    this.chunks.length = 0;
    this.inspector.finishFile(this.path, content, this.meta, this.scan);
  }
}
