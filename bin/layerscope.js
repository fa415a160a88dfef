#!/usr/bin/env node
// Thin entry: the program lives in dist/ (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('layerscope: not built yet: run `npm install` (or `npm run build`) in the layerscope directory\n');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
// Everything is written by now. Should some handle still hold the event loop (a socket an
// engine or registry left open), exit anyway rather than hang after the work is done.
setTimeout(() => process.exit(), 2000).unref();
