// How a run ends when something goes wrong: the user's problem is one line and exit 2, a bug of
// ours exit 70 saying so, the stack only with LAYERSCOPE_DEBUG=1 — through the real CLI entry
// and the real process handlers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure } from '../../src/app/failure.js';
import { EXIT } from '../../src/app/exitCodes.js';
import { InputError } from '../../src/core/errors.js';
import { main } from '../../src/cli/main.js';
import { repoRoot, runLayerscope } from '../helpers/cli.js';

function systemError(): Error {
  try {
    readFileSync('/nonexistent/layerscope-test');
  } catch (e) {
    return e as Error;
  }
  throw new Error('unreachable');
}

test('describeFailure: InputError and system errors are bad input (2), anything else an internal error (70)', () => {
  assert.deepEqual(describeFailure(new InputError('no such image:\n  nope'), {}), {
    exitCode: 2,
    text: 'layerscope: no such image: nope\n',
  });
  assert.deepEqual(describeFailure(systemError(), {}), {
    exitCode: 2,
    text: "layerscope: ENOENT: no such file or directory, open '/nonexistent/layerscope-test'\n",
  });
  const bug = new TypeError("Cannot read properties of undefined (reading 'size')");
  assert.deepEqual(describeFailure(bug, {}), {
    exitCode: 70,
    text: "layerscope: internal error, please report: Cannot read properties of undefined (reading 'size')\n",
  });
  assert.deepEqual(describeFailure('a string', {}), { exitCode: 70, text: 'layerscope: internal error, please report: a string\n' });
  const debug = describeFailure(bug, { LAYERSCOPE_DEBUG: '1' });
  assert.equal(debug.exitCode, 70);
  assert.ok(
    debug.text.startsWith("layerscope: internal error, please report: Cannot read properties of undefined (reading 'size')\nTypeError: "),
  );
  assert.match(debug.text, /\n {4}at .*failure\.test\.js/);
});

/** Runs main() in this process with stdout taken for a terminal, so the command opens a screen:
 *  the screens loader given stands for the UI. */
async function mainWithScreen(argv: string[], fail: () => never): Promise<{ code: number; stderr: string }> {
  const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  const write = process.stderr.write;
  // CI=true (the suite's) means --ci instead of a screen, as for dive.
  const ci = process.env.CI;
  delete process.env.CI;
  let stderr = '';
  Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(argv, async () => fail());
    return { code, stderr };
  } finally {
    process.stderr.write = write;
    if (ci !== undefined) process.env.CI = ci;
    if (tty) Object.defineProperty(process.stdout, 'isTTY', tty);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
  }
}

test('main: a bug is exit 70 with "internal error, please report"; bad input stays exit 2, one line', async () => {
  const bug = await mainWithScreen([], () => {
    throw new TypeError('screens is not a function');
  });
  assert.deepEqual(bug, { code: EXIT.internal, stderr: 'layerscope: internal error, please report: screens is not a function\n' });
  const input = await mainWithScreen([], () => {
    throw new InputError('the browser needs a terminal');
  });
  assert.deepEqual(input, { code: EXIT.badInput, stderr: 'layerscope: the browser needs a terminal\n' });
});

test('the binary: bad input is exit 2 and one line; an unwritable --json FILE is bad input too', async () => {
  const missing = await runLayerscope(['/nonexistent/image.tar', '--json']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr.split('\n').length, 2, missing.stderr);
  assert.match(missing.stderr, /^layerscope: .*\/nonexistent\/image\.tar/);
  const unwritable = await runLayerscope(['--json', '/nonexistent/dir/report.json']);
  assert.deepEqual(
    [unwritable.code, unwritable.stderr],
    [
      2,
      'layerscope: cannot write /nonexistent/dir/report.json: there is no directory /nonexistent/dir; create it first, or name a file in a directory that exists\n',
    ],
  );
});

test('the process handlers: an uncaught bug exits 70 without a stack; with LAYERSCOPE_DEBUG=1 the stack follows', () => {
  const failure = join(repoRoot, 'dist/src/app/failure.js');
  const script = `const { installProcessHandlers } = await import(${JSON.stringify(failure)});
installProcessHandlers();
setTimeout(() => { null.size; }, 0);`;
  const env = { ...process.env };
  delete env.LAYERSCOPE_DEBUG;
  const plain = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(plain.status, 70);
  assert.equal(plain.stderr, "layerscope: internal error, please report: Cannot read properties of null (reading 'size')\n");
  const debug = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...env, LAYERSCOPE_DEBUG: '1' },
    encoding: 'utf8',
  });
  assert.equal(debug.status, 70);
  assert.match(debug.stderr, /^layerscope: internal error, please report: .*\nTypeError: .*\n {4}at /);
});
