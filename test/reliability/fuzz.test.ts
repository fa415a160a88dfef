// Property-based mutation fuzzing of the whole analyser (sources → walk → merge → reports):
// valid synthetic archives in every format, broken at random — bytes, tar headers, JSON,
// layer tars, compressed streams — must analyse or fail with an InputError, never anything
// else, and never hang. The cases run in a worker (fuzzWorker.ts) watched by a heartbeat, so a
// case stuck even in a synchronous loop is caught and reported with the seed that finds it.
//
// FC_SEED=<n> replays a run (the seed is printed on failure); FUZZ_SCALE=<x> multiplies the runs;
// FUZZ_VERBOSE=1 prints every InputError (numbers and digests masked) and any slow registry case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FuzzMessage, FuzzRequest } from './fuzzWorker.js';

/** Runs per property: 2,300 cases in all by default, about 70 s on two cores (each analysis
 *  starts its worker-thread walk pool, ~30 ms a case). FUZZ_SCALE=4 for a longer hunt. */
const RUNS: Record<string, number> = {
  bytes: 500,
  archiveHeaders: 300,
  json: 400,
  layers: 400,
  codecs: 200,
  engineStream: 200,
  registry: 100,
  wellFormed: 200,
};
/** A case that reports nothing for this long is taken as hung. */
const HANG_MS = 30_000;

test('mutated archives: the analyser succeeds or throws an InputError, never anything else, never hangs', {
  timeout: 15 * 60_000,
}, async (t) => {
  const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
  assert.ok(Number.isSafeInteger(seed), `FC_SEED must be an integer, got ${process.env.FC_SEED}`);
  const scale = Number(process.env.FUZZ_SCALE ?? 1);
  const runs = Object.fromEntries(Object.entries(RUNS).map(([k, v]) => [k, Math.max(1, Math.round(v * scale))]));
  const request: FuzzRequest = { seed, runs };
  // The worker's temp files go in a directory of ours, removed whatever happens (a hung worker
  // is stopped before it can clean up).
  const scratch = mkdtempSync(join(tmpdir(), 'layerscope-fuzz-run-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const worker = new Worker(new URL('./fuzzWorker.js', import.meta.url), { workerData: request, env: { ...process.env, TMPDIR: scratch } });
  const summary: string[] = [];
  let total = 0;
  let last = 'starting';
  const outcome = await new Promise<{ ok: true } | { ok: false; why: string }>((resolve) => {
    let watchdog: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        void worker.terminate();
        resolve({ ok: false, why: `no progress for ${HANG_MS / 1000} s at ${last}: a hang (reproduce with FC_SEED=${seed})` });
      }, HANG_MS);
    };
    arm();
    worker.on('message', (m: FuzzMessage) => {
      arm();
      if (m.type === 'case') last = `${m.property} run ${m.run}`;
      else if (m.type === 'property') {
        total += m.runs;
        summary.push(`${m.property}: ${m.runs} cases (${m.ok} analysed, ${m.inputErrors} InputErrors) in ${(m.ms / 1000).toFixed(1)} s`);
      } else if (m.type === 'failed') {
        clearTimeout(watchdog);
        resolve({ ok: false, why: `property ${m.property} failed (reproduce with FC_SEED=${seed}):\n${m.message}` });
      } else if (m.type === 'done') {
        clearTimeout(watchdog);
        resolve({ ok: true });
      }
    });
    worker.on('error', (e) => {
      clearTimeout(watchdog);
      resolve({ ok: false, why: `the worker crashed at ${last} (reproduce with FC_SEED=${seed}): ${e.stack ?? e.message}` });
    });
    worker.on('exit', (code) => {
      clearTimeout(watchdog);
      resolve({ ok: false, why: `the worker exited (code ${code}) at ${last} (reproduce with FC_SEED=${seed})` });
    });
  });
  await worker.terminate();
  if (outcome.ok) assert.deepEqual(readdirSync(scratch), [], 'the worker removed its temp files');
  process.stdout.write(`# fuzz seed ${seed}: ${total} cases\n# ${summary.join('\n# ')}\n`);
  if (!outcome.ok) assert.fail(outcome.why);
  assert.ok(total >= Object.values(runs).reduce((a, b) => a + b, 0), `all cases ran (${total})`);
});
