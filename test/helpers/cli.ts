// Runs the real binary (bin/layerscope.js) as a child process, for end-to-end tests.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/helpers/cli.js → repository root
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliPath = join(repoRoot, 'bin', 'layerscope.js');

/** The environment the binary runs in: this one without CI. The suite runs under CI=true (in
 *  CI, a missing component fails instead of skipping), and the binary, as dive does, takes
 *  CI=true for --ci when no output is asked for; tests that want that set CI themselves. */
export const childEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI'));

/** The head of dive v0.12's `--ci` report for the bundled example (examples/multistage-final.tar),
 *  as dive prints it: its analysis and inefficient files, up to `Results:`. */
export const EXAMPLE_DIVE_CI_HEAD = [
  '  efficiency: 96.2487 %',
  '  wastedBytes: 81989 bytes (82 kB)',
  '  userWastedPercent: 40.4265 %',
  'Inefficient Files:',
  'Count  Wasted Space  File Path',
  '    2         82 kB  /tmp/assets.tar',
  '    2          69 B  /etc/app/app.conf',
  'Results:',
];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runLayerscope(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: opts.env ?? childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
