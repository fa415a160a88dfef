// Content digests (`sha256:<hex>`) as the OCI image-spec defines them, and the blob paths they
// name inside a layout.
import { createHash } from 'node:crypto';
import { InputError } from '../core/errors.js';

// image-spec descriptor.md: algorithm ":" encoded, with the registered algorithms checked strictly.
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const ENCODED: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

export interface Digest {
  algorithm: string;
  encoded: string;
}

export function parseDigest(text: unknown, what: string): Digest {
  if (typeof text !== 'string' || !DIGEST.test(text)) {
    throw new InputError(`${what}: invalid digest ${JSON.stringify(text)}`);
  }
  const colon = text.indexOf(':');
  const algorithm = text.slice(0, colon);
  const encoded = text.slice(colon + 1);
  const pattern = ENCODED[algorithm];
  if (pattern && !pattern.test(encoded)) throw new InputError(`${what}: invalid ${algorithm} digest ${text}`);
  return { algorithm, encoded };
}

/** Where an OCI layout keeps the blob with this digest. */
export function blobPath(digest: string, what: string): string {
  const { algorithm, encoded } = parseDigest(digest, what);
  return `blobs/${algorithm}/${encoded}`;
}

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Recomputes `digest` over `data`; undefined when it matches or the algorithm is not one we hash. */
export function digestMismatch(digest: string, data: Uint8Array): string | undefined {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  if (!(algorithm in ENCODED)) return undefined;
  const actual = `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
  return actual === digest ? undefined : actual;
}
