// What a file's first bytes say it is: a small magic table (the formats container images carry),
// and whether it reads as text. Pure.

export interface ContentKind {
  /** Short name, e.g. "ELF executable", "gzip", "tar archive", "text". */
  name: string;
  /** Whether it is shown as text (line numbers) rather than as a hex dump. */
  text: boolean;
  /** A tar (or gzip-compressed tar): its member list can be shown. */
  archive?: 'tar' | 'tar.gz';
}

const ELF_TYPES: Record<number, string> = { 1: 'relocatable', 2: 'executable', 3: 'shared object', 4: 'core dump' };

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[at + i] !== bytes[i]) return false;
  return true;
}

function ascii(head: Uint8Array, from: number, to: number): string {
  return Buffer.from(head.subarray(from, Math.min(to, head.length))).toString('latin1');
}

/** A tar header at the start: "ustar" magic, or a valid header checksum (v7 tars). */
export function isTarHead(head: Uint8Array): boolean {
  if (head.length < 512) return false;
  if (ascii(head, 257, 262) === 'ustar') return true;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : head[i]!;
  const stored = parseInt(ascii(head, 148, 156).replace(/\0.*$/s, '').trim(), 8);
  return sum > 256 && stored === sum;
}

/** The kind of content whose first bytes (ideally 4 KiB or more) are `head`. */
export function detectKind(head: Uint8Array, gunzippedHead?: Uint8Array): ContentKind {
  if (head.length === 0) return { name: 'empty', text: true };
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) {
    const bits = head[4] === 2 ? '64-bit' : '32-bit';
    const type = head.length > 17 ? (ELF_TYPES[head[5] === 2 ? head[17]! : head[16]!] ?? 'file') : 'file';
    return { name: `ELF ${bits} ${type}`, text: false };
  }
  if (startsWith(head, [0x1f, 0x8b])) {
    if (gunzippedHead && isTarHead(gunzippedHead)) return { name: 'gzip-compressed tar archive', text: false, archive: 'tar.gz' };
    return { name: 'gzip', text: false };
  }
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return { name: 'zstd', text: false };
  if (startsWith(head, [0x42, 0x5a, 0x68])) return { name: 'bzip2', text: false };
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return { name: 'xz', text: false };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]))
    return { name: 'zip archive (or jar, wheel)', text: false };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { name: 'PNG image', text: false };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { name: 'JPEG image', text: false };
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return { name: 'GIF image', text: false };
  if (ascii(head, 0, 5) === '%PDF-') return { name: 'PDF document', text: false };
  if (startsWith(head, [0x00, 0x61, 0x73, 0x6d])) return { name: 'WebAssembly module', text: false };
  if (startsWith(head, [0xca, 0xfe, 0xba, 0xbe])) return { name: 'Java class (or Mach-O universal)', text: false };
  if (ascii(head, 0, 15) === 'SQLite format 3') return { name: 'SQLite database', text: false };
  if (isTarHead(head)) return { name: 'tar archive', text: false, archive: 'tar' };
  if (startsWith(head, [0x23, 0x21])) {
    const line = ascii(head, 2, 130).split('\n')[0]!.trim();
    return { name: `script (${line.replace(/[^\x20-\x7e]/g, '?')})`, text: true };
  }
  if (looksLikeText(head)) return { name: 'text', text: true };
  return { name: 'binary data', text: false };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** No NUL byte, and valid UTF-8 (a sequence cut at the end of the sample is allowed). */
export function looksLikeText(sample: Uint8Array): boolean {
  const head = sample.subarray(0, Math.min(sample.length, 64 * 1024));
  if (head.includes(0)) return false;
  for (let cut = 0; cut < 4 && cut <= head.length; cut++) {
    try {
      strictUtf8.decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      if (head.length < 64 * 1024 && cut === 0 && sample.length === head.length) return false;
    }
  }
  return false;
}
