// Which image of a multi-platform index to analyse: the host's by default, or `--platform
// os/arch[/variant]`. Normalisation and compatibility follow containerd's `platforms` package
// (what `docker pull` uses), so we pick the image the engine would run.
import { arch as hostArch, endianness } from 'node:os';
import { InputError } from '../core/errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The platform asked for, and whether the user asked (explicit) or it is the host default. */
export interface PlatformRequest {
  platform: Platform;
  explicit: boolean;
}

/** Containers run Linux images on every desktop (Docker Desktop, Podman machine), so os is linux. */
export function hostPlatform(): Platform {
  switch (hostArch()) {
    case 'x64':
      return { os: 'linux', architecture: 'amd64' };
    case 'arm64':
      return { os: 'linux', architecture: 'arm64', variant: 'v8' };
    case 'arm':
      return { os: 'linux', architecture: 'arm', variant: `v${hostArmVersion()}` };
    case 'ia32':
      return { os: 'linux', architecture: '386' };
    case 'ppc64':
      return { os: 'linux', architecture: endianness() === 'LE' ? 'ppc64le' : 'ppc64' };
    default:
      return { os: 'linux', architecture: hostArch() };
  }
}

function hostArmVersion(): string {
  const version = (process.config.variables as Record<string, unknown>).arm_version;
  return typeof version === 'string' && /^\d+$/.test(version) ? version : '7';
}

export function requestPlatform(text: string | undefined): PlatformRequest {
  return text === undefined ? { platform: hostPlatform(), explicit: false } : { platform: parsePlatform(text), explicit: true };
}

const SEGMENT = /^[a-z0-9][a-z0-9._-]*$/;

/** Parses `os/arch[/variant]` (e.g. `linux/arm64`, `linux/arm/v7`). */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => SEGMENT.test(p))) {
    throw new InputError(`invalid platform "${text}": expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalisePlatform({ os, architecture, ...(variant ? { variant } : {}) });
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((s) => s).join('/');
}

/** containerd's normalisation: aliases (x86_64, aarch64, armhf…) and default variants. */
export function normalisePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = (p.variant ?? '').toLowerCase();
  switch (architecture) {
    case 'i386':
      architecture = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      architecture = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      architecture = 'arm64';
      if (variant === '' || variant === '8' || variant === 'v8' || variant === 'v8.0') variant = 'v8';
      break;
    case 'armhf':
      architecture = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      architecture = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
      break;
  }
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/**
 * How well `candidate` serves `want`: 0 is an exact match, higher is a compatible fallback
 * (older arm or amd64 micro-architecture levels), undefined is no match. Another
 * architecture is never a match: analysing `386` when `amd64` was asked would be a surprise.
 */
export function platformRank(want: Platform, candidate: Platform): number | undefined {
  const w = normalisePlatform(want);
  const c = normalisePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture) return undefined;
  const wv = w.variant ?? '';
  const cv = c.variant ?? '';
  if (wv === cv) return 0;
  if (w.architecture === 'amd64') return amd64Rank(wv, cv);
  if (w.architecture === 'arm') {
    // An armv7 machine runs v6 and v5 binaries (containerd's platform vector).
    const diff = versionOf(wv) - versionOf(cv);
    return diff > 0 && versionOf(cv) >= 5 ? diff : undefined;
  }
  // No variant asked: any variant of that architecture will do, plain first.
  if (wv === '') return cv === '' ? 0 : 1;
  return undefined;
}

/** amd64 variants are optional: none asked → any level, lowest first (every amd64 host runs v1);
 *  `vN` asked → that level, then lower ones. */
function amd64Rank(wv: string, cv: string): number | undefined {
  const c = cv === '' ? 1 : versionOf(cv);
  if (wv === '') return Number.isNaN(c) ? undefined : c - 1;
  const w = versionOf(wv);
  return c < w ? w - c : undefined;
}

function versionOf(variant: string): number {
  const m = /^v(\d+)$/.exec(variant);
  return m ? Number(m[1]) : NaN;
}

/** The candidates that match, best first (stable among equals, so index order breaks ties). */
export function rankPlatforms<T>(want: Platform, items: T[], platformOf: (item: T) => Platform | undefined): T[] {
  const ranked: Array<{ item: T; rank: number; order: number }> = [];
  items.forEach((item, order) => {
    const p = platformOf(item);
    const rank = p ? platformRank(want, p) : undefined;
    if (rank !== undefined) ranked.push({ item, rank, order });
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.order - b.order).map((r) => r.item);
}

/** `unknown/unknown` entries are BuildKit attestations (SBOM, provenance), not images. */
export function isUnknownPlatform(p: Platform | undefined): boolean {
  return p !== undefined && p.os === 'unknown' && p.architecture === 'unknown';
}

export function noMatchingPlatform(request: PlatformRequest, available: Platform[], where: string): InputError {
  const list = [...new Set(available.map(formatPlatform))].join(', ') || 'none';
  const asked = formatPlatform(request.platform);
  const hint = request.explicit ? 'pick one with --platform' : `this host is ${asked}; pick one with --platform`;
  return new InputError(`${where} has no image for ${asked} (available: ${list}); ${hint}`);
}

/** A warning when the user asked for a platform and a single-image source is another one. */
export function platformMismatch(request: PlatformRequest, actual: Platform, where: string): string | undefined {
  if (!request.explicit || platformRank(request.platform, actual) !== undefined) return undefined;
  return `${where} holds a single image for ${formatPlatform(actual)}; --platform ${formatPlatform(request.platform)} was ignored`;
}
