// The cold analysis held against the parallel floor in the same run, for one generated image:
// node dist/scripts/bench/cold-vs-floor.js IMAGE_DIR [runs] → one JSON line per run, then the best of each.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parallelFloor } from './floor.js';

const dir = process.argv[2]!;
const runs = Number(process.argv[3] ?? 3);
const blobs = (JSON.parse(readFileSync(join(dir, 'generated.json'), 'utf8')) as { blobs: string[] }).blobs;
const sizes = blobs.map((b) => statSync(b).size);
const child = fileURLToPath(new URL('./analyse-child.js', import.meta.url));
let floor = Infinity;
let cold = Infinity;
let cpu = Infinity;
for (let i = 0; i < runs; i++) {
  const f = await parallelFloor(blobs, sizes);
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', child, dir], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  const t = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
  floor = Math.min(floor, f);
  cold = Math.min(cold, t.totalMs!);
  cpu = Math.min(cpu, t.cpuMs!);
  const fmt = (n: number) => Math.round(n);
  console.log(
    JSON.stringify({
      floorMs: fmt(f),
      totalMs: fmt(t.totalMs!),
      readMs: fmt(t.readMs!),
      mergeMs: fmt(t.mergeMs!),
      cpuMs: fmt(t.cpuMs!),
      rssMB: fmt(t.maxRssMB!),
      ratio: +(t.totalMs! / f).toFixed(2),
    }),
  );
}
console.log(
  JSON.stringify({
    best: { floorMs: Math.round(floor), totalMs: Math.round(cold), cpuMs: Math.round(cpu), ratio: +(cold / floor).toFixed(2) },
  }),
);
