// A unix socket that forwards every connection to the real engine socket and records the request
// line of each HTTP request that passes (method and path), so a test can count what a run asked
// the engine for — `GET /images/{id}/get` is a `docker save` — without mocking the engine.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export interface EngineRequest {
  method: string;
  /** Without the API version prefix: `/images/sha256:…/get`, `/_ping`. */
  path: string;
}

export interface EngineProxy {
  /** The proxy's socket path; point DOCKER_HOST (unix://…) or a context at it. */
  socket: string;
  requests: EngineRequest[];
  /** Requests that export an image (`docker save`). */
  saves(): EngineRequest[];
  close(): Promise<void>;
}

const REQUEST_LINE = /(?:^|\r\n)(GET|HEAD|POST|PUT|DELETE) (\/\S*) HTTP\/1\.[01]\r\n/g;

export async function startEngineProxy(dir: string, upstream = '/var/run/docker.sock'): Promise<EngineProxy> {
  const socket = join(dir, 'proxy.sock');
  const requests: EngineRequest[] = [];
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const engine = createConnection(upstream);
    open.add(client);
    open.add(engine);
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      // Request lines may straddle chunks: keep a little of the previous one.
      const text = tail + chunk.toString('latin1');
      for (const m of text.matchAll(REQUEST_LINE)) {
        if (m.index + m[0].length <= tail.length) continue; // seen with the previous chunk
        requests.push({ method: m[1]!, path: m[2]!.replace(/^\/v\d+\.\d+(?=\/)/, '') });
      }
      tail = text.slice(-512);
    });
    client.pipe(engine);
    engine.pipe(client);
    const end = () => {
      client.destroy();
      engine.destroy();
      open.delete(client);
      open.delete(engine);
    };
    client.on('error', end);
    engine.on('error', end);
    client.on('close', end);
    engine.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return {
    socket,
    requests,
    saves: () =>
      requests.filter((r) => r.method === 'GET' && /^\/images\/(?:[^/]+\/)*[^/]+\/get(?:\?|$)|^\/images\/get(?:\?|$)/.test(r.path)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
