// BuildKit's published protobuf schemas, for protobufjs: the control API's StatusResponse (what
// the engine's `moby.buildkit.trace` build messages carry), the secrets session service, and
// gRPC's health service (the engine checks a build session with it). The .proto files are
// vendored unchanged under proto/ (see proto/README.md); what the program loads is schema.ts,
// protobufjs's JSON form of exactly those files, generated from them by
// `node dist/scripts/buildkit-schema.js` (a test checks the two agree), so the installed
// package needs no .proto file at run time.
import protobuf from 'protobufjs';
import { SCHEMA } from './schema.js';

/** The vendored .proto files the schema comes from, relative to proto/. */
export const PROTO_FILES = [
  'github.com/moby/buildkit/api/services/control/control.proto',
  'github.com/moby/buildkit/session/secrets/secrets.proto',
  'grpc/health/v1/health.proto',
];

/** Loads the vendored .proto files from `dir` (their imports resolved there; google/protobuf/*
 *  from protobufjs's bundled definitions). For the generator and the test. */
export function loadProtoFiles(dir: string): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : `${dir.replace(/\/$/, '')}/${target}`);
  root.loadSync(PROTO_FILES, { keepCase: true });
  root.resolveAll();
  return root;
}

let root: protobuf.Root | undefined;

function schemas(): protobuf.Root {
  if (!root) {
    root = protobuf.Root.fromJSON(SCHEMA as protobuf.INamespace);
    root.resolveAll();
  }
  return root;
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
