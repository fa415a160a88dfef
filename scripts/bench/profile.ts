// Where a cold analysis spends its time: runs analyse-child under `--cpu-prof` (the main thread
// and every walk worker write a profile) and sorts each thread's samples into the stages of the
// pipeline by the innermost frame that names one. zlib inflates on libuv's thread pool, outside
// every JS thread: its share is the process CPU time no thread's profile accounts for.
// node dist/scripts/bench/profile.js IMAGE → JSON on stdout
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export const STAGES = [
  'hashing',
  'tar headers',
  'entries',
  'inflate (JS side)',
  'transfer',
  'merge',
  'accounting',
  'streams',
  'gc',
  'idle',
  'other',
] as const;
export type Stage = (typeof STAGES)[number];

function stageOf(frame: ProfileNode['callFrame']): Stage | undefined {
  const { functionName: f, url: u } = frame;
  if (f === '(garbage collector)') return 'gc';
  if (f === '(idle)') return 'idle';
  if (/internal\/crypto|\/digest\.js/.test(u) || ((f === 'update' || f === 'digest') && u === '')) return 'hashing';
  if (/tarHeaders\.js/.test(u)) return 'tar headers';
  if (/\/core\/(walk|changes|paths)\.js/.test(u) && !/Transfer|transferList/.test(f)) return 'entries';
  if (/zlib|decompress\.js/.test(u)) return 'inflate (JS side)';
  if (/worker|walkPool\.js|walkWorker\.js|messageport|structured/i.test(u) || /Transfer|postMessage|deserialize|serialize/i.test(f))
    return 'transfer';
  if (/\/core\/merge\.js/.test(u)) return 'merge';
  if (/\/core\/(waste|dive|links|analysis)\.js/.test(u)) return 'accounting';
  if (/internal\/streams|events\.js|async_hooks|process\/task_queues/.test(u)) return 'streams';
  return undefined;
}

/** Self time per stage (ms), each sample going to the innermost frame that names a stage; `top`
 *  collects the self time of each leaf function, for a closer look. */
export function breakdown(profile: CpuProfile, top?: Map<string, number>): Record<Stage, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Stage>();
  const classify = (id: number): Stage => {
    const known = memo.get(id);
    if (known) return known;
    let stage: Stage = 'other';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const s = stageOf(byId.get(at)!.callFrame);
      if (s) {
        stage = s;
        break;
      }
    }
    memo.set(id, stage);
    return stage;
  };
  const out = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const stage = classify(id);
    out[stage] += ms;
    if (top) {
      const f = byId.get(id)!.callFrame;
      const key = `${stage} | ${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}`;
      top.set(key, (top.get(key) ?? 0) + ms);
    }
  });
  return out;
}

const isMain = process.argv[1] === fileURLToPath(import.meta.url);
if (isMain) {
  const image = process.argv[2]!;
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-prof-'));
  try {
    const child = join(fileURLToPath(new URL('.', import.meta.url)), 'analyse-child.js');
    const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--max-old-space-size=8192', child, image], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`analyse-child failed: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    const timings = JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
    // CPU.<date>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
    const top = new Map<string, number>();
    const threads: Array<{ thread: string; stages: Record<Stage, number> }> = [];
    for (const name of readdirSync(dir).sort()) {
      const tid = name.split('.')[4] ?? '?';
      const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile;
      threads.push({ thread: tid === '0' ? 'main' : `worker ${tid}`, stages: breakdown(profile, top) });
    }
    const hottest = [...top]
      .filter(([k]) => !k.startsWith('idle'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25);
    const js = threads.reduce((n, t) => n + STAGES.filter((s) => s !== 'idle').reduce((m, s) => m + t.stages[s], 0), 0);
    const cpuMs = timings.cpuMs ?? 0;
    const total = Object.fromEntries(STAGES.map((s) => [s, threads.reduce((n, t) => n + t.stages[s], 0)])) as Record<Stage, number>;
    process.stdout.write(
      `${JSON.stringify({ timings, threads, total, jsThreadsBusyMs: js, processCpuMs: cpuMs, inflateThreadPoolMs: Math.max(0, cpuMs - js), hottest })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
