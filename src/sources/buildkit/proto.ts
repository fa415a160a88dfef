// BuildKit's published protobuf schemas (vendored under proto/, see proto/README.md), loaded once
// with protobufjs: the control API's StatusResponse (what the engine's `moby.buildkit.trace`
// build messages carry), the secrets session service, and gRPC's health service (the engine
// checks a build session with it).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import protobuf from 'protobufjs';

/** The vendored .proto tree. From dist/src/sources/buildkit/ (compiled) or src/sources/buildkit/
 *  (sources): both resolve to the repository's src/sources/buildkit/proto. */
export const PROTO_DIR = fileURLToPath(new URL('../../../../src/sources/buildkit/proto/', import.meta.url));

const FILES = [
  'github.com/moby/buildkit/api/services/control/control.proto',
  'github.com/moby/buildkit/session/secrets/secrets.proto',
  'grpc/health/v1/health.proto',
];

let root: protobuf.Root | undefined;

function schemas(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // google/protobuf/* are protobufjs's bundled definitions; every other import is vendored.
  r.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(PROTO_DIR, target));
  r.loadSync(FILES, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

export function protoType(name: string): protobuf.Type {
  return schemas().lookupType(name);
}

/** google.protobuf.Timestamp as decoded (int64 seconds may come as a Long-like or a number). */
export interface ProtoTimestamp {
  seconds?: number | { toNumber(): number } | string;
  nanos?: number;
}

/** Milliseconds since the epoch, or undefined when the timestamp is absent. */
export function timestampMs(t: ProtoTimestamp | null | undefined): number | undefined {
  if (!t) return undefined;
  const s = t.seconds;
  const seconds = typeof s === 'number' ? s : typeof s === 'string' ? Number(s) : s ? s.toNumber() : 0;
  return seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}
