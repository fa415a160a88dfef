// Runs the real CLI (bin/layerscope.js) in this process and, at exit, writes the process's peak
// resident set (VmHWM, worker threads included) in KiB to $LAYERSCOPE_HWM_FILE.
import { readFileSync, writeFileSync } from 'node:fs';
import { cliPath } from '../helpers/cli.js';

process.on('exit', () => {
  const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '-1';
  writeFileSync(process.env.LAYERSCOPE_HWM_FILE!, hwm);
});
await import(cliPath);
