// An OCI distribution API client (distribution-spec v1.1, pull side only) on Node's fetch:
// `GET /v2/` to find the scheme and the auth challenge, manifests by tag or digest, blobs whole
// (small: manifests, configs) or streamed with their digest checked as the bytes pass.
//
// Behaviour follows `docker pull`:
// - HTTPS; plain HTTP only for loopback hosts (localhost, 127.0.0.0/8, [::1]) or with
//   --insecure-registry, and then only after HTTPS failed (as Docker tries its endpoints).
// - Auth: Bearer tokens from the challenge's realm (anonymous or with the user's credentials,
//   reused per scope until they expire), or Basic credentials when the registry asks for Basic.
// - Retries with exponential backoff on 429, 5xx and dropped or stalled connections, honouring
//   Retry-After; a blob cut mid-transfer resumes with a Range request where it stopped.
// Every failure a user can cause or fix is an InputError of one line.
import { createHash, type Hash } from 'node:crypto';
import { InputError } from '../../core/errors.js';
import type { Descriptor } from '../ociLayout.js';
import { isObject, optionalNumber, optionalString } from '../json.js';
import { parseChallenges, type Challenge, type CredentialLookup, type Credentials } from './auth.js';
import { isLoopback, type RegistryReference } from './reference.js';

export interface RetryPolicy {
  /** Tries per request, the first included. */
  attempts: number;
  /** First backoff; doubles each retry. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error is reported instead. */
  maxRetryAfterMs: number;
}

export interface Timeouts {
  /** From sending a request to its response headers. */
  headersMs: number;
  /** Longest pause between two chunks of a response body. */
  idleMs: number;
}

export interface ClientOptions {
  credentials: CredentialLookup;
  /** Allow plain HTTP to a registry that is not on a loopback address. */
  insecure?: boolean;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<Timeouts>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };
export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 30_000, idleMs: 60_000 };

/** Image manifests and indexes (Docker caps them at 4 MiB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Image configs are read into memory: bound them. */
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Network errors worth another try: the connection dropped or stalled, not refused or unknown. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'LAYERSCOPE_TIMEOUT',
]);

/** A request that took too long (ours, so the message can say which limit). */
class TimeoutError extends Error {
  readonly code = 'LAYERSCOPE_TIMEOUT';
}

interface Reply {
  res: Response;
  controller: AbortController;
  url: string;
}

export interface ManifestReply {
  bytes: Buffer;
  /** Content-Type as the registry sent it (parameters dropped). */
  mediaType: string;
  digest: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RegistryClient {
  private base: string | undefined;
  private challenge: Challenge | undefined;
  /** Token scope asked for; default `repository:<repo>:pull`. */
  private scope: string | undefined;
  private credentials: Promise<Credentials | undefined> | undefined;
  private found: Credentials | undefined;
  private readonly tokens = new Map<string, { token: string; expires: number }>();
  private readonly retry: RetryPolicy;
  private readonly timeouts: Timeouts;
  /** Requests whose response is still being read, so close() can abort them. */
  private readonly active = new Set<AbortController>();
  private closed = false;

  constructor(
    readonly ref: RegistryReference,
    private readonly opts: ClientOptions,
  ) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  }

  private get registry(): string {
    return this.ref.registry;
  }

  private get pullScope(): string {
    return `repository:${this.ref.repository}:pull`;
  }

  /** Aborts whatever is in flight. */
  close(): void {
    this.closed = true;
    for (const controller of this.active) controller.abort(new InputError('the image was closed'));
    this.active.clear();
  }

  /** `GET /v2/`: picks the scheme and learns how the registry wants to be authenticated. */
  async ping(): Promise<void> {
    const plainAllowed = this.opts.insecure === true || isLoopback(this.ref.endpoint);
    const schemes = plainAllowed ? ['https', 'http'] : ['https'];
    for (const [i, scheme] of schemes.entries()) {
      const url = `${scheme}://${this.ref.endpoint}/v2/`;
      const last = i === schemes.length - 1;
      let reply: Reply;
      try {
        // The HTTPS probe of a registry that may speak plain HTTP fails fast: no retries there.
        reply = await this.send(url, {}, { retries: last });
      } catch (e) {
        if (!last && !this.closed) continue;
        throw e;
      }
      this.base = `${scheme}://${this.ref.endpoint}`;
      const { res } = reply;
      await this.discard(reply);
      if (res.status === 401) {
        this.challenge = pickChallenge(parseChallenges(res.headers.get('www-authenticate')));
        return;
      }
      if (res.ok) return;
      if (res.status === 404) {
        throw new InputError(`${this.registry} does not look like a container registry (GET ${url} answered 404)`);
      }
      throw this.statusError(reply, `GET ${url}`, undefined);
    }
  }

  /** The manifest or index named by a tag or digest. */
  async manifest(reference: string): Promise<ManifestReply> {
    const what = reference.includes(':') ? `manifest ${reference}` : `manifest for tag ${reference}`;
    const reply = await this.get(`/v2/${this.ref.repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    if (!reply.res.ok) {
      await this.discard(reply);
      if (reply.res.status === 404) {
        throw new InputError(
          reference.includes(':')
            ? `${this.ref.repository}@${reference} on ${this.registry}: manifest unknown (no such digest or repository)`
            : `${this.ref.name}: manifest unknown (no such tag or repository)`,
        );
      }
      throw this.statusError(reply, what, 'manifest');
    }
    const bytes = await this.readAll(reply, MAX_MANIFEST_BYTES, what);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (reference.includes(':')) {
      if (reference.startsWith('sha256:') && digest !== reference) {
        throw new InputError(
          `${this.ref.repository}@${reference} on ${this.registry}: the manifest sent hashes to ${digest}, not to its digest`,
        );
      }
    } else {
      const claimed = reply.res.headers.get('docker-content-digest');
      if (claimed?.startsWith('sha256:') && claimed !== digest) {
        throw new InputError(`${this.ref.name}: the manifest sent hashes to ${digest}, but the registry says ${claimed}`);
      }
    }
    const mediaType = (reply.res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    return { bytes, mediaType, digest: reference.includes(':') ? reference : digest };
  }

  /** A small blob (an image config), read whole and checked against its digest. */
  async blob(descriptor: Descriptor, limit: number): Promise<Buffer> {
    if (descriptor.size > limit) {
      throw new InputError(
        `${this.ref.name}: blob ${descriptor.digest} is ${descriptor.size} bytes, more than the ${limit} read into memory`,
      );
    }
    const chunks: Buffer[] = [];
    for await (const chunk of this.blobChunks(descriptor)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /**
   * A blob as it arrives, checked against the descriptor's size and digest on the way: a blob
   * that does not match ends in an error (so nothing built from it is kept). A connection that
   * drops mid-blob is resumed with a Range request (or re-read and skipped when the registry
   * ignores Range), within the retry budget.
   */
  async *blobChunks(descriptor: Descriptor): AsyncGenerator<Buffer> {
    const { digest, size } = descriptor;
    const hash = digestHash(digest);
    let received = 0;
    let failures = 0;
    for (;;) {
      const reply = await this.get(`/v2/${this.ref.repository}/blobs/${digest}`, received > 0 ? { range: received } : {});
      const { res } = reply;
      if (!res.ok) {
        await this.discard(reply);
        if (res.status === 404) throw new InputError(`${this.ref.name}: blob ${digest} is not in the registry (blob unknown)`);
        throw this.statusError(reply, `blob ${digest}`, 'blob');
      }
      let skip = 0;
      if (received > 0 && res.status !== 206)
        skip = received; // Range ignored: the whole blob again
      else if (received > 0) {
        const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
        if (!start || Number(start[1]) !== received) {
          await this.discard(reply);
          throw new InputError(`${this.ref.name}: blob ${digest}: the registry resumed the download at the wrong offset`);
        }
      }
      // What this response says it carries: a body that delivers all of it and still leaves the
      // blob short is a blob smaller than its descriptor, not a dropped connection.
      const declared = Number(res.headers.get('content-length') ?? NaN);
      let delivered = 0;
      try {
        for await (let chunk of this.bodyChunks(reply)) {
          delivered += chunk.length;
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
            if (chunk.length === 0) continue;
          }
          received += chunk.length;
          if (received > size) {
            throw new InputError(
              `blob ${digest} does not match its digest: the registry sent more than the ${size} bytes the manifest lists`,
            );
          }
          hash?.update(chunk);
          yield chunk;
        }
        if (received === size) break;
        if (delivered === declared) {
          throw new InputError(`${this.ref.name}: blob ${digest} is ${received} bytes, fewer than the ${size} the manifest lists`);
        }
        // The body ended cleanly but short of its own length: treat it as a dropped connection.
        throw Object.assign(new Error(`the body ended after ${received} of ${size} bytes`), { code: 'ECONNRESET' });
      } catch (e) {
        if (e instanceof InputError || !isRetryable(e) || this.closed) throw this.wrapNetwork(e, `blob ${digest}`);
        failures += 1;
        if (failures >= this.retry.attempts) {
          throw new InputError(
            `${this.registry}: download of blob ${digest} failed ${failures} times; last: ${describeNetworkError(e, this.timeouts)}`,
          );
        }
        await sleep(this.backoff(failures));
      }
    }
    if (hash) {
      const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
      if (actual !== digest) throw new InputError(`blob ${digest} does not match its digest (its bytes hash to ${actual})`);
    }
  }

  /** A GET to the registry with auth; a 401 gets one more try with fresh credentials. */
  private async get(path: string, opts: { accept?: string; range?: number }): Promise<Reply> {
    if (this.base === undefined) await this.ping();
    const url = this.base + path;
    for (let attempt = 0; ; attempt++) {
      const scope = this.scope ?? this.pullScope;
      const headers: Record<string, string> = {};
      if (opts.accept) headers.accept = opts.accept;
      if (opts.range !== undefined) headers.range = `bytes=${opts.range}-`;
      const authorization = await this.authorization(scope);
      if (authorization) headers.authorization = authorization;
      const reply = await this.send(url, { headers }, { retries: true });
      if (reply.res.status !== 401 || attempt > 0) return reply;
      const next = pickChallenge(parseChallenges(reply.res.headers.get('www-authenticate')));
      if (!next) return reply;
      await this.discard(reply);
      this.challenge = next;
      // The scope the registry names (it may want more than pull on this repository), from now on.
      if (next.params.scope) this.scope = next.params.scope;
      const stale = this.scope ?? this.pullScope;
      for (const key of [...this.tokens.keys()]) if (key.endsWith(`|${stale}`)) this.tokens.delete(key);
    }
  }

  private async authorization(scope: string): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const creds = await this.lookupCredentials();
      if (!creds?.username) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
    }
    return `Bearer ${await this.token(challenge, scope)}`;
  }

  /** Looked up once, when the registry first asks for them. */
  private async lookupCredentials(): Promise<Credentials | undefined> {
    this.credentials ??= this.opts.credentials(this.registry);
    this.found = await this.credentials;
    return this.found;
  }

  /** A bearer token for `scope` from the challenge's realm (docker's token and OAuth2 flows). */
  private async token(challenge: Challenge, scope: string): Promise<string> {
    const realm = challenge.params.realm;
    const service = challenge.params.service;
    if (!realm || !/^https?:\/\//i.test(realm)) {
      throw new InputError(
        `${this.registry} asks for a bearer token but names no usable token service (realm ${JSON.stringify(realm ?? '')})`,
      );
    }
    const key = `${realm}|${service ?? ''}|${scope}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return cached.token;
    const creds = await this.lookupCredentials();
    let reply: Reply;
    if (creds?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'layerscope' });
      if (service) form.set('service', service);
      form.set('scope', scope);
      reply = await this.send(
        realm,
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() },
        { retries: true },
      );
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (creds?.username) {
        url.searchParams.set('account', creds.username);
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
      }
      reply = await this.send(url.toString(), { headers }, { retries: true });
    }
    const { res } = reply;
    if (res.status === 401 || res.status === 403) {
      await this.discard(reply);
      throw this.authError(creds);
    }
    if (!res.ok) {
      await this.discard(reply);
      throw new InputError(`${this.registry}: the token service ${new URL(realm).host} answered ${res.status} ${res.statusText}`.trim());
    }
    const body = await this.readAll(reply, 1024 * 1024, 'token');
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      json = undefined;
    }
    const token = isObject(json) ? optionalString(json.token) || optionalString(json.access_token) : undefined;
    if (!token) throw new InputError(`${this.registry}: the token service ${new URL(realm).host} sent no token`);
    // Docker's default lifetime is 60 s; renew a little early.
    const lifetime = (isObject(json) ? optionalNumber(json.expires_in) : undefined) ?? 60;
    this.tokens.set(key, { token, expires: Date.now() + Math.max(lifetime - 5, 1) * 1000 });
    return token;
  }

  private authError(creds: Credentials | undefined): InputError {
    const login = `run docker login ${this.registry}`;
    if (!creds) return new InputError(`authentication required for ${this.registry}: ${login}`);
    const who = creds.username ? ` as ${creds.username}` : '';
    return new InputError(`authentication failed for ${this.registry}${who} (credentials from ${creds.from}): ${login}`);
  }

  /** One line for a response that is not what we asked for. */
  private statusError(reply: Reply, what: string, kind: 'manifest' | 'blob' | undefined): InputError {
    const { res } = reply;
    if (res.status === 401) {
      // Challenged again after answering: the credentials (or the anonymous token) do not open it.
      if (this.found) return this.authError(this.found);
      const maybe = this.challenge?.scheme === 'bearer' ? ` to pull ${this.ref.repository} (or it does not exist)` : '';
      return new InputError(`authentication required for ${this.registry}${maybe}: run docker login ${this.registry}`);
    }
    if (res.status === 403) {
      return new InputError(
        `${this.ref.name}: access denied (403); check that your account may pull ${this.ref.repository} (docker login ${this.registry})`,
      );
    }
    if (res.status === 429) {
      return new InputError(`${this.registry}: too many requests (429) for ${what}; the registry is rate limiting, try again later`);
    }
    const subject = kind ? `${this.ref.name}: ${what}` : `${this.registry}: ${what}`;
    return new InputError(`${subject}: the registry answered ${res.status} ${res.statusText}`.trim());
  }

  /** fetch with timeouts and retries on 429/5xx and dropped connections; network failures become InputErrors. */
  private async send(url: string, init: RequestInit, policy: { retries: boolean }): Promise<Reply> {
    for (let attempt = 1; ; attempt++) {
      let reply: Reply;
      try {
        reply = await this.fetchOnce(url, init);
      } catch (e) {
        if (policy.retries && attempt < this.retry.attempts && isRetryable(e) && !this.closed) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw this.wrapNetwork(e, undefined, url);
      }
      const status = reply.res.status;
      const transient = status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
      if (policy.retries && transient && attempt < this.retry.attempts) {
        const wait = retryAfter(reply.res.headers.get('retry-after')) ?? this.backoff(attempt);
        if (wait <= this.retry.maxRetryAfterMs) {
          await this.discard(reply);
          await sleep(wait);
          continue;
        }
      }
      return reply;
    }
  }

  private async fetchOnce(url: string, init: RequestInit): Promise<Reply> {
    if (this.closed) throw new InputError('the image was closed');
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new TimeoutError(`no response within ${this.timeouts.headersMs / 1000} s`)),
      this.timeouts.headersMs,
    );
    this.active.add(controller);
    try {
      // Cross-origin redirects (blob storage, CDNs) drop the Authorization header, as they must.
      const res = await fetch(url, { ...init, signal: controller.signal, redirect: 'follow' });
      return { res, controller, url };
    } catch (e) {
      this.active.delete(controller);
      throw controller.signal.aborted && controller.signal.reason !== undefined ? controller.signal.reason : e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The body's chunks, with the idle timeout; the request is aborted when the reader stops early. */
  private async *bodyChunks(reply: Reply): AsyncGenerator<Buffer> {
    const { res, controller } = reply;
    if (!res.body) return;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new TimeoutError(`no data for ${this.timeouts.idleMs / 1000} s`)), this.timeouts.idleMs);
    };
    arm();
    let finished = false;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
      finished = true;
    } catch (e) {
      // An abort surfaces as the abort reason or a generic AbortError: report the reason.
      throw controller.signal.aborted && controller.signal.reason !== undefined ? controller.signal.reason : e;
    } finally {
      clearTimeout(timer);
      if (!finished) controller.abort();
      this.active.delete(controller);
    }
  }

  private async readAll(reply: Reply, limit: number, what: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of this.bodyChunks(reply)) {
        total += chunk.length;
        if (total > limit) throw new InputError(`${this.ref.name}: ${what} is larger than ${limit} bytes`);
        chunks.push(chunk);
      }
    } catch (e) {
      throw this.wrapNetwork(e, what);
    }
    return Buffer.concat(chunks);
  }

  private wrapNetwork(e: unknown, what: string | undefined, url?: string): Error {
    if (e instanceof InputError) return e;
    const host = url ? new URL(url).host : this.ref.endpoint;
    const registryHost = host === this.ref.endpoint ? this.registry : host;
    const detail = describeNetworkError(e, this.timeouts);
    const tls = detail.startsWith('TLS handshake failed')
      ? isLoopback(this.ref.endpoint) || this.opts.insecure
        ? ''
        : `; if ${this.registry} serves plain HTTP, add --insecure-registry`
      : '';
    return new InputError(what ? `${registryHost}: reading ${what} failed: ${detail}` : `cannot reach ${registryHost}: ${detail}${tls}`, {
      cause: e,
    });
  }

  /** Drops a body we do not need. */
  private async discard(reply: Reply): Promise<void> {
    this.active.delete(reply.controller);
    try {
      await reply.res.body?.cancel();
    } catch {
      // already gone
    }
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exp * (0.75 + Math.random() * 0.5));
  }
}

function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

/** Retry-After: seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const when = Date.parse(text);
  return Number.isNaN(when) ? undefined : Math.max(0, when - Date.now());
}

function digestHash(digest: string): Hash | undefined {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  return algorithm === 'sha256' || algorithm === 'sha512' ? createHash(algorithm) : undefined;
}

/** The error codes along an error's cause chain (undici wraps the socket error in `cause`). */
function codesOf(e: unknown): string[] {
  const codes: string[] = [];
  for (let x: unknown = e, depth = 0; isObject(x) && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

function isRetryable(e: unknown): boolean {
  if (e instanceof TimeoutError) return true;
  if (e instanceof Error && e.message === 'terminated') return true; // undici: the body's socket closed
  return codesOf(e).some((c) => RETRYABLE_CODES.has(c));
}

function describeNetworkError(e: unknown, timeouts: Timeouts): string {
  if (e instanceof TimeoutError) return `timed out (${e.message})`;
  let deepest: unknown = e;
  while (isObject(deepest) && (deepest as { cause?: unknown }).cause !== undefined) deepest = (deepest as { cause?: unknown }).cause;
  const message = deepest instanceof Error ? deepest.message : String(deepest);
  if (/\bTLS\b|SSL|certificate/i.test(message)) return `TLS handshake failed (${message})`;
  const codes = codesOf(e);
  if (codes.includes('ECONNREFUSED')) return 'connection refused';
  if (codes.includes('ENOTFOUND')) return 'no such host';
  if (codes.includes('EAI_AGAIN')) return 'name lookup failed (temporary DNS failure)';
  if (codes.some((c) => c === 'ETIMEDOUT' || c === 'UND_ERR_CONNECT_TIMEOUT')) return 'connection timed out';
  if (codes.includes('UND_ERR_HEADERS_TIMEOUT')) return `no response within ${timeouts.headersMs / 1000} s`;
  if (codes.some((c) => c === 'UND_ERR_SOCKET' || c === 'ECONNRESET' || c === 'EPIPE')) return 'the connection was closed mid-transfer';
  return message;
}
