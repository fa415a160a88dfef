// `npm run bench:build`: what building every stage costs next to one build of the last stage.
// `layerscope build --no-cache` builds the last stage first (fresh, one engine build) and then
// each other stage from the cache that build filled; it prints each engine build's time. The
// ratio is all builds / the first one (1.0 would mean the other stages were free).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cases: Array<{ dir: string; args: string[] }> = [
  { dir: 'examples/multistage', args: [] },
  { dir: 'test/fixtures/multistage/basic', args: [] },
  { dir: 'test/fixtures/dockerfiles/buildkit', args: ['--secret', 'id=token,env=HOME'] },
];
const runs = Number(process.env.BENCH_RUNS ?? 3);
const results: Array<{ dir: string; ratio: number; runs: string[] }> = [];

for (const c of cases) {
  const ratios: number[] = [];
  const rows: string[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'layerscope.js'), 'build', c.dir, ...c.args, '--no-cache', '--text'], {
      cwd: root,
      encoding: 'utf8',
    });
    const m = /built (\d+) stages? with (\S+) in ([\d.]+) s \(([^)]*)\)/.exec(r.stderr);
    if (r.status !== 0 || !m) {
      process.stderr.write(`${c.dir}: layerscope build failed (${r.status}): ${r.stderr.trim().split('\n').pop()}\n`);
      process.exitCode = 1;
      break;
    }
    const builds = m[4]!.split(', ').map((b) => Number(/([\d.]+) s$/.exec(b)![1]));
    const total = Number(m[3]);
    ratios.push(total / builds[0]!);
    rows.push(`${m[1]} stages: ${m[4]} = ${total} s`);
  }
  if (ratios.length === 0) continue;
  const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
  process.stdout.write(
    `${c.dir}: all stages / one build of the last stage = ${median.toFixed(2)} (median of ${ratios.length}; ${rows.join('; ')})\n`,
  );
  results.push({ dir: c.dir, ratio: median, runs: rows });
}
// For `npm run bench`'s table.
mkdirSync(join(root, 'bench'), { recursive: true });
writeFileSync(join(root, 'bench', 'build-results.json'), `${JSON.stringify({ results }, null, 2)}\n`);
