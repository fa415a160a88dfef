// A small synthetic image for the view, state and UI tests: three layers that add, modify,
// remove (whiteout) and hide (opaque directory) paths, analysed by the real core.
import { analyse, type Analysis } from '../../src/core/analysis.js';
import { summariseLayers } from './core.js';
import type { TarSpec } from './tar.js';

const dir = (name: string): TarSpec => ({ name, type: 'directory' });
const file = (name: string, content: number | string, mode?: number): TarSpec => ({
  name,
  content,
  ...(mode !== undefined ? { mode } : {}),
});

/** L0: the base. L1: modifies /etc/passwd, adds /usr/bin/d, deletes /big (whiteout).
 *  L2: makes /usr/bin opaque (a, b, c, d go) and adds /usr/bin/e. */
export const SAMPLE_LAYERS: TarSpec[][] = [
  [
    dir('etc'),
    file('etc/passwd', 100),
    file('etc/hosts', 10),
    dir('usr'),
    dir('usr/bin'),
    file('usr/bin/a', 1000, 0o4755),
    file('usr/bin/b', 500, 0o755),
    { name: 'usr/bin/c', type: 'symlink', linkname: 'a' },
    file('big', 5000),
  ],
  [dir('etc'), file('etc/passwd', 120), dir('usr/bin'), file('usr/bin/d', 50), file('.wh.big', '')],
  [dir('usr/bin'), file('usr/bin/.wh..wh..opq', ''), file('usr/bin/e', 7)],
];

export const SAMPLE_COMMANDS = ['ADD rootfs.tar /', 'RUN apt-get install -y tools && rm /big', 'RUN make install'];

export async function analysisOf(layers: TarSpec[][] = SAMPLE_LAYERS, commands: string[] = SAMPLE_COMMANDS): Promise<Analysis> {
  const summaries = await summariseLayers(layers);
  return analyse({
    ref: 'sample:latest',
    id: `sha256:${'ab'.repeat(32)}`,
    config: { os: 'linux', architecture: 'amd64', history: commands.map((createdBy) => ({ createdBy, emptyLayer: false })) },
    layers: summaries.map((s, index) => ({ index, diffId: s.diffId, command: commands[index] ?? `RUN step ${index}` })),
    summaries,
    warnings: [],
  });
}

export const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

/** A frame without its colours. */
export const plain = (s: string | undefined) => (s ?? '').replace(/\u001B\[[0-9;]*m/g, '');

/** An ink-testing-library app as the key helpers below drive it. */
interface Rendered {
  frames: unknown[];
  stdin: { write(data: string): void };
  lastFrame(): string | undefined;
}

/** Waits for the app's first frame. */
export async function firstFrame(r: Rendered): Promise<void> {
  await eventually(
    () => r.frames.length,
    (n) => n > 0,
  );
}

/** Writes each key and waits for the frame it causes (or 300 ms, for a key that changes nothing),
 *  then `settleMs` more; gives the last frame without colours. */
export function keyPresser(r: Rendered, settleMs = 5): (...keys: string[]) => Promise<string> {
  return async (...keys) => {
    for (const key of keys) {
      const before = r.frames.length;
      r.stdin.write(key);
      await eventually(
        () => r.frames.length,
        (n) => n > before,
        300,
      );
      await tick(settleMs);
    }
    return plain(r.lastFrame());
  };
}

/** Polls until `check` passes (Ink renders asynchronously and throttles frames). */
export async function eventually<T>(get: () => T, check: (value: T) => boolean, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = get();
  while (!check(value) && Date.now() < deadline) {
    await tick(5);
    value = get();
  }
  return value;
}
