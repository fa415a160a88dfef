// One BuildKit build through the engine API: `POST /build?version=2` with the context tar as the
// body (the engine's built-in BuildKit; no buildx), the build session's id when secrets are
// served, and the response read as the engine streams it: `moby.buildkit.trace` messages (decoded
// in trace.ts), `moby.image.id` (the built image), and the final error if any.
import type Docker from 'dockerode';
import { decodeStatus, Trace, type TraceChange } from './trace.js';

export interface BuildkitRequest {
  context: NodeJS.ReadableStream;
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
  platform?: string;
  session?: string;
}

export interface BuildkitResult {
  imageId?: string;
  /** The build's error message, when it failed. */
  error?: string;
  trace: Trace;
}

interface BuildMessage {
  id?: string;
  aux?: unknown;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Query parameters of `POST /build` for a BuildKit build. */
export function buildkitQuery(request: BuildkitRequest): Record<string, string> {
  return {
    version: '2',
    dockerfile: request.dockerfile,
    ...(request.target !== undefined ? { target: request.target } : {}),
    buildargs: JSON.stringify(request.buildArgs),
    rm: '1',
    forcerm: '1',
    ...(request.noCache ? { nocache: '1' } : {}),
    ...(request.pull ? { pull: '1' } : {}),
    ...(request.platform ? { platform: request.platform } : {}),
    ...(request.session ? { session: request.session } : {}),
  };
}

/** Runs the build; `onChange` sees every step and output line as the trace reports them. */
export async function runBuildkit(
  docker: Docker,
  request: BuildkitRequest,
  onChange: (change: TraceChange) => void,
): Promise<BuildkitResult> {
  // Straight to the modem: dockerode's buildImage opens a session of its own for version 2
  // and would replace ours.
  const response = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
    docker.modem.dial(
      {
        path: '/build?',
        method: 'POST',
        file: request.context,
        options: buildkitQuery(request),
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      },
      (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as NodeJS.ReadableStream)),
    ),
  );
  const trace = new Trace();
  const result: BuildkitResult = { trace };
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    const handle = (text: string) => {
      if (text.trim() === '') return;
      let message: BuildMessage;
      try {
        message = JSON.parse(text) as BuildMessage;
      } catch {
        return;
      }
      if (message.error !== undefined || message.errorDetail) {
        result.error = message.errorDetail?.message ?? message.error ?? 'the build failed';
      } else if (message.id === 'moby.buildkit.trace' && typeof message.aux === 'string') {
        for (const change of trace.apply(decodeStatus(message.aux))) onChange(change);
      } else if (message.id === 'moby.image.id') {
        const id = (message.aux as { ID?: string } | undefined)?.ID;
        if (id) result.imageId = id;
      }
    };
    response.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString();
      for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
        handle(buffer.slice(0, at));
        buffer = buffer.slice(at + 1);
      }
    });
    response.on('end', () => {
      handle(buffer);
      resolve();
    });
    response.on('error', reject);
  });
  for (const change of trace.flush()) onChange(change);
  return result;
}
