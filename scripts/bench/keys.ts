// Key press → next frame through an ink-testing-library app: wall time, and the process's CPU
// time over the same span (the machine is shared: CPU time is what this process did, whoever
// else had the cores).
import { performance } from 'node:perf_hooks';

interface App {
  frames: unknown[];
  stdin: { write(data: string): void };
}

export interface KeyStats {
  median: number;
  p95: number;
  samples: number;
  /** The same, in CPU ms of this process (all its threads). */
  cpuMedian: number;
  cpuP95: number;
}

const tick = () => new Promise((r) => setImmediate(r));

export function keyStats(wall: number[], cpu: number[]): KeyStats {
  const at = (xs: number[], q: number) => {
    const s = [...xs].sort((x, y) => x - y);
    return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
  };
  return { median: at(wall, 0.5), p95: at(wall, 0.95), samples: wall.length, cpuMedian: at(cpu, 0.5), cpuP95: at(cpu, 0.95) };
}

export function measureKeys(app: App) {
  let lastCpu = 0;
  const frameAfter = async (keys: string): Promise<number> => {
    const before = app.frames.length;
    const c = process.cpuUsage();
    const t = performance.now();
    app.stdin.write(keys);
    const deadline = t + 30_000;
    while (app.frames.length === before && performance.now() < deadline) await tick();
    const used = process.cpuUsage(c);
    lastCpu = (used.user + used.system) / 1000;
    return performance.now() - t;
  };
  return {
    frameAfter,
    get lastCpu() {
      return lastCpu;
    },
    /** `samples` presses, `press(i)` the keys of the i-th; `after(i)` runs unmeasured after it. */
    async run(samples: number, press: (i: number) => string, after?: (i: number) => Promise<void>): Promise<KeyStats> {
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < samples; i++) {
        wall.push(await frameAfter(press(i)));
        cpu.push(lastCpu);
        await after?.(i);
      }
      return keyStats(wall, cpu);
    },
  };
}
