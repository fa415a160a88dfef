// A small OCI distribution registry for tests (node:http on 127.0.0.1, random port): serves
// synthetic images by tag and digest, speaks the token (Bearer) and Basic auth flows the way
// Docker Hub and distribution do, logs every request, and injects faults on demand (an error
// status, bytes that do not match their digest, a connection cut mid-body, a stalled body).
//
//   const reg = await FakeRegistry.start({ auth: { scheme: 'bearer' } });
//   reg.addImage('test/app', '1', image);
//   ... open registry://${reg.host}/test/app:1 ...
//   reg.requests  // [{ method, path, query, authorization, range }]
//   await reg.stop();
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MT, sha256, type SyntheticImage } from './image.js';

export type AuthMode =
  | { scheme: 'none' }
  /** Tokens from /token; `users` given: only those may get a token (anonymous → 401); a POST
   *  with an OAuth2 refresh_token grant gets one when the refresh token is in `refreshTokens`.
   *  `openPing`: GET /v2/ answers 200 and only repositories challenge (with their scope). */
  | { scheme: 'bearer'; users?: Record<string, string>; refreshTokens?: string[]; openPing?: boolean }
  | { scheme: 'basic'; users: Record<string, string> };

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
  range?: string;
}

export type Fault =
  /** Answer with this status (and headers) instead. */
  | { status: number; headers?: Record<string, string> }
  /** Send these bytes as the body instead of the real ones (same headers). */
  | { body: Buffer }
  /** Send the headers and the first `after` bytes, then destroy the socket. */
  | { cutAfter: number }
  /** Send the first `after` bytes, then wait for `release` before sending the rest. */
  | { holdAfter: number; release: Promise<void> };

interface Manifest {
  bytes: Buffer;
  mediaType: string;
}

export class FakeRegistry {
  readonly requests: LoggedRequest[] = [];
  private readonly blobs = new Map<string, Buffer>();
  private readonly manifests = new Map<string, Manifest>();
  private readonly tags = new Map<string, string>();
  private readonly faults: Array<{ match: (path: string) => boolean; fault: Fault; times: number }> = [];
  private readonly tokens = new Map<string, string>();
  private readonly sockets = new Set<Socket>();
  private tokenCount = 0;

  private constructor(
    private readonly server: Server,
    readonly auth: AuthMode,
  ) {}

  static async start(opts: { auth?: AuthMode } = {}): Promise<FakeRegistry> {
    const server = createServer();
    const registry = new FakeRegistry(server, opts.auth ?? { scheme: 'none' });
    server.on('request', (req, res) => registry.handle(req, res));
    server.on('connection', (socket) => {
      registry.sockets.add(socket);
      socket.on('close', () => registry.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return registry;
  }

  /** `127.0.0.1:PORT`, as a reference's registry part. */
  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addImage(repo: string, tag: string | undefined, img: SyntheticImage): void {
    for (const layer of img.layers) this.blobs.set(layer.digest, layer.blob);
    this.blobs.set(img.configDigest, img.configBytes);
    this.addManifest(repo, tag, img.manifestBytes, img.mediaTypes === 'oci' ? MT.ociManifest : MT.dockerManifest);
  }

  /** A multi-platform index of `images` (each must be added with addImage too, or is added here). */
  addIndex(repo: string, tag: string, images: SyntheticImage[], mediaType: string = MT.ociIndex): string {
    for (const img of images) this.addImage(repo, undefined, img);
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        manifests: images.map((img) => ({
          mediaType: img.mediaTypes === 'oci' ? MT.ociManifest : MT.dockerManifest,
          digest: img.manifestDigest,
          size: img.manifestBytes.length,
          platform: img.platform,
        })),
      }),
    );
    return this.addManifest(repo, tag, bytes, mediaType);
  }

  /** Serves `bytes` as a blob (any repository); returns its digest. */
  addBlob(bytes: Buffer): string {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return digest;
  }

  addManifest(repo: string, tag: string | undefined, bytes: Buffer, mediaType: string): string {
    const digest = sha256(bytes);
    this.manifests.set(`${repo}@${digest}`, { bytes, mediaType });
    if (tag !== undefined) this.tags.set(`${repo}:${tag}`, digest);
    return digest;
  }

  /** Applies `fault` to the next `times` requests whose path ends with `pathEnd`. */
  fault(pathEnd: string, fault: Fault, times = 1): void {
    this.faults.push({ match: (path) => path.endsWith(pathEnd), fault, times });
  }

  /** Logged requests whose path ends with `pathEnd`. */
  requestsTo(pathEnd: string): LoggedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(pathEnd));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const logged: LoggedRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers.range ? { range: req.headers.range } : {}),
    };
    this.requests.push(logged);
    if (path === '/token' && req.method === 'POST') {
      const body: Buffer[] = [];
      req.on('data', (c: Buffer) => body.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(body).toString('utf8'));
        logged.query = Object.fromEntries(form); // the form is what a POST /token says
        this.issueOAuthToken(form, res);
      });
      return;
    }
    req.resume();
    if (path === '/token') {
      this.issueToken(req, url, res);
      return;
    }
    const found = this.faults.find((f) => f.times > 0 && f.match(path));
    if (found) found.times -= 1;
    const fault = found?.fault;
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify({ errors: [{ code: 'FAULT', message: `injected ${fault.status}` }] }));
      return;
    }
    const repoScope = /^\/v2\/(.+)\/(?:manifests|blobs)\//.exec(path)?.[1];
    if (!this.authorised(req, repoScope, res)) return;
    if (path === '/v2/' || path === '/v2') {
      json(res, 200, {});
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m) {
      json(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
      return;
    }
    const [, repo, kind, reference] = m as unknown as [string, string, string, string];
    if (kind === 'manifests') {
      const digest = reference.startsWith('sha256:') ? reference : this.tags.get(`${repo}:${reference}`);
      const manifest = digest === undefined ? undefined : this.manifests.get(`${repo}@${digest}`);
      if (!manifest || digest === undefined) {
        json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
        return;
      }
      send(req, res, manifest.bytes, { 'content-type': manifest.mediaType, 'docker-content-digest': digest }, fault);
      return;
    }
    const blob = this.blobs.get(reference);
    if (!blob) {
      json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
      return;
    }
    send(req, res, blob, { 'content-type': 'application/octet-stream', 'docker-content-digest': reference }, fault);
    return;
  }

  private challenge(repo: string | undefined): string {
    if (this.auth.scheme === 'basic') return 'Basic realm="fake registry"';
    const scope = repo ? `,scope="repository:${repo}:pull"` : '';
    return `Bearer realm="http://${this.host}/token",service="fake-registry"${scope}`;
  }

  private authorised(req: IncomingMessage, repo: string | undefined, res: ServerResponse): boolean {
    const header = req.headers.authorization ?? '';
    if (repo === undefined && this.auth.scheme === 'bearer' && this.auth.openPing) return true;
    let ok = true;
    if (this.auth.scheme === 'basic') ok = checkBasic(header, this.auth.users) !== undefined;
    else if (this.auth.scheme === 'bearer') {
      const token = /^Bearer (.+)$/.exec(header)?.[1];
      const scope = token === undefined ? undefined : this.tokens.get(token);
      ok = scope !== undefined && (repo === undefined || scope.split(' ').includes(`repository:${repo}:pull`));
    }
    if (!ok) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': this.challenge(repo) });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    return ok;
  }

  private issueToken(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const header = req.headers.authorization;
    const users = this.auth.scheme === 'bearer' ? this.auth.users : undefined;
    if (header !== undefined || users !== undefined) {
      const user = header === undefined ? undefined : checkBasic(header, users ?? {});
      if (user === undefined) {
        json(res, 401, { details: 'incorrect username or password' });
        return;
      }
    }
    const token = `token-${++this.tokenCount}`;
    this.tokens.set(token, url.searchParams.getAll('scope').join(' '));
    json(res, 200, { token, access_token: token, expires_in: 300 });
  }

  private issueOAuthToken(form: URLSearchParams, res: ServerResponse): void {
    const refresh = this.auth.scheme === 'bearer' ? (this.auth.refreshTokens ?? []) : [];
    if (form.get('grant_type') !== 'refresh_token' || !refresh.includes(form.get('refresh_token') ?? '')) {
      json(res, 401, { error: 'invalid_grant' });
      return;
    }
    const token = `token-${++this.tokenCount}`;
    this.tokens.set(token, form.get('scope') ?? '');
    json(res, 200, { access_token: token, expires_in: 300, scope: form.get('scope') });
  }
}

function checkBasic(header: string, users: Record<string, string>): string | undefined {
  const encoded = /^Basic (.+)$/.exec(header)?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return colon > 0 && users[user] === decoded.slice(colon + 1) ? user : undefined;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Sends `whole` (or the `Range: bytes=N-` part of it), through a body fault if there is one. */
function send(req: IncomingMessage, res: ServerResponse, whole: Buffer, headers: Record<string, string>, fault: Fault | undefined): void {
  let body = fault && 'body' in fault ? fault.body : whole;
  let status = 200;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    body = body.subarray(start);
    status = 206;
  }
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  if (req.method === 'HEAD') return void res.end();
  if (fault && 'cutAfter' in fault) {
    res.write(body.subarray(0, fault.cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  if (fault && 'holdAfter' in fault) {
    res.write(body.subarray(0, fault.holdAfter));
    void fault.release.then(() => res.end(body.subarray(fault.holdAfter)));
    return;
  }
  res.end(body);
}
