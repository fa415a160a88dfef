// Process start → first frame of the real binary on a terminal (the bundled example), with and
// without Node's module compile cache (bin/layerscope.js enables it; LAYERSCOPE_NO_COMPILE_CACHE=1
// turns it off). The terminal is util-linux `script`'s pseudo-terminal; the time is taken when the
// layers pane and the tree are on screen. Prints one JSON line: medians and every sample.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const runs = Number(process.argv[2] ?? 7);

function firstFrame(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const cmd = `stty cols 120 rows 40; exec ${process.execPath} bin/layerscope.js`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: root, env: { ...env, TERM: 'xterm-256color' } });
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('no frame within 20 s'));
    }, 20_000);
    child.stdout.on('data', (c: Buffer) => {
      seen += c.toString('utf8');
      if (seen.includes('Files after')) {
        const ms = performance.now() - start;
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(ms);
      }
    });
    child.on('error', reject);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cache = mkdtempSync(join(tmpdir(), 'layerscope-startup-'));
try {
  const env = { ...process.env, LAYERSCOPE_CACHE_DIR: cache };
  const off = { ...env, LAYERSCOPE_NO_COMPILE_CACHE: '1' };
  await firstFrame(env); // fills the summary cache and the compile cache
  await firstFrame(off);
  const withCache: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < runs; i++) {
    without.push(await firstFrame(off));
    withCache.push(await firstFrame(env));
  }
  const result = { withCompileCacheMs: median(withCache), withoutCompileCacheMs: median(without), withCache, without };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  rmSync(cache, { recursive: true, force: true });
}
