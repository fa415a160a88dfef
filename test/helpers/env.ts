// Gates for tests that need real components. In CI (CI=true) a missing component is a failure,
// never a silent skip; locally the test is skipped with the reason printed.
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export const inCI = process.env.CI === 'true';

let dockerUp: boolean | undefined;
export function dockerAvailable(): boolean {
  if (dockerUp === undefined) {
    const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
    dockerUp = r.status === 0;
  }
  return dockerUp;
}

export function commandAvailable(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** Returns true when the test may proceed; skips (locally) or throws (CI) otherwise. */
export function need(t: TestContext, what: string, available: boolean): boolean {
  if (available) return true;
  if (inCI) throw new Error(`${what} is required in CI but not available`);
  t.skip(`${what} not available (set up with .ci/run)`);
  return false;
}
