// A BuildKit build session, as the docker CLI opens one: `POST /session` upgraded to h2c, on
// which *we* are the gRPC server and the engine the client. We serve the secrets service
// (`moby.buildkit.secrets.v1.Secrets/GetSecret`: a `RUN --mount=type=secret` asks for a secret
// by id) and gRPC health (the engine checks the session with it and drops it when it fails).
// gRPC over HTTP/2 is small enough to speak directly: each message is a 5-byte prefix (flag,
// big-endian length) and its protobuf bytes; the status goes in the trailers. A secret's value
// lives only in this process's memory, is sent only to the engine, and is never logged.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { protoType } from './proto.js';

/** Where the engine listens, as dockerode was told (unix socket or plain TCP). */
export interface EngineAddress {
  socketPath?: string;
  host?: string;
  port?: number;
}

export interface SessionOptions {
  /** Secret id → value (bytes kept in memory only). */
  secrets: Map<string, Buffer>;
  /** A stable key for the context (the docker CLI uses one per context directory). */
  sharedKey?: string;
  name?: string;
}

export interface BuildSession {
  id: string;
  /** Secret ids the engine asked for (not their values). */
  requested: string[];
  close(): Promise<void>;
}

const METHODS = {
  secret: '/moby.buildkit.secrets.v1.Secrets/GetSecret',
  health: '/grpc.health.v1.Health/Check',
} as const;

const GRPC_OK = 0;
const GRPC_NOT_FOUND = 5;
const GRPC_UNIMPLEMENTED = 12;

/** gRPC length-prefixed messages in a request body. */
export function grpcMessages(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 5 <= body.length) {
    const length = body.readUInt32BE(at + 1);
    out.push(body.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
}

export function grpcFrame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** Opens the session on the engine; resolves once the engine upgraded the connection. */
export async function openSession(engine: EngineAddress, options: SessionOptions): Promise<BuildSession> {
  const id = randomUUID();
  const requested: string[] = [];
  const headers: http.OutgoingHttpHeaders = {
    Connection: 'Upgrade',
    Upgrade: 'h2c',
    'X-Docker-Expose-Session-Uuid': id,
    'X-Docker-Expose-Session-Name': options.name ?? 'layerscope',
    'X-Docker-Expose-Session-Sharedkey': options.sharedKey ?? id,
    'X-Docker-Expose-Session-Grpc-Method': [METHODS.secret, METHODS.health],
  };
  const socket = await new Promise<Socket>((resolve, reject) => {
    const req = http.request({
      method: 'POST',
      path: '/session',
      headers,
      ...(engine.socketPath ? { socketPath: engine.socketPath } : { host: engine.host ?? 'localhost', port: engine.port ?? 2375 }),
    });
    req.on('upgrade', (_res, sock: Socket, head: Buffer) => {
      if (head.length > 0) sock.unshift(head);
      resolve(sock);
    });
    req.on('response', (res) => {
      res.resume();
      reject(new Error(`the engine refused a build session (HTTP ${res.statusCode})`));
    });
    req.on('error', reject);
    req.end();
  });
  const server = http2.performServerHandshake(socket);
  const request = protoType('moby.buildkit.secrets.v1.GetSecretRequest');
  const response = protoType('moby.buildkit.secrets.v1.GetSecretResponse');
  const healthResponse = protoType('grpc.health.v1.HealthCheckResponse');
  server.on('error', () => undefined);
  server.on('stream', (stream, reqHeaders) => {
    stream.on('error', () => undefined);
    const path = String(reqHeaders[':path'] ?? '');
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const reply = (status: number, message?: Uint8Array, text?: string) => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () =>
          stream.sendTrailers({ 'grpc-status': String(status), ...(text ? { 'grpc-message': encodeURIComponent(text) } : {}) }),
        );
        if (message) stream.write(grpcFrame(message));
        stream.end();
      };
      const [body] = grpcMessages(Buffer.concat(chunks));
      if (path === METHODS.health) {
        reply(GRPC_OK, healthResponse.encode({ status: 1 }).finish());
      } else if (path === METHODS.secret) {
        const { ID } = request.toObject(request.decode(body ?? new Uint8Array())) as { ID?: string };
        const secretId = ID ?? '';
        requested.push(secretId);
        const value = options.secrets.get(secretId);
        if (value === undefined) reply(GRPC_NOT_FOUND, undefined, `secret ${secretId} not found`);
        else reply(GRPC_OK, response.encode({ data: value }).finish());
      } else {
        reply(GRPC_UNIMPLEMENTED, undefined, `unknown method ${path}`);
      }
    });
  });
  return {
    id,
    requested,
    close: () =>
      new Promise<void>((resolve) => {
        if (server.closed || server.destroyed) return resolve();
        const timer = setTimeout(() => {
          server.destroy();
          socket.destroy();
          resolve();
        }, 1000);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          socket.destroy();
          resolve();
        });
      }),
  };
}
