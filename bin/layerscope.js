#!/usr/bin/env node
// Thin entry: the program lives in dist/ (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

const entry = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('layerscope: not built yet: run `npm install` (or `npm run build`) in the layerscope directory\n');
  process.exit(2);
}
// Node keeps the compiled code of our modules (and Ink's) between runs: start-up to the first
// frame is shorter (see README, Performance). Under our cache dir, the same one the layer
// summaries use (src/sources/cache.ts, cacheRoot); --no-cache or LAYERSCOPE_NO_COMPILE_CACHE=1
// leave it alone.
if (!process.env.LAYERSCOPE_NO_COMPILE_CACHE && !process.argv.includes('--no-cache')) {
  const env = process.env;
  const xdg = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  const root = env.LAYERSCOPE_CACHE_DIR || join(xdg, 'layerscope');
  try {
    module.enableCompileCache?.(join(root, 'compile'));
  } catch {
    // a read-only cache dir only costs speed
  }
}
// React (under Ink) picks its build when first loaded: without this, every frame runs the
// development build (component stacks, render logging, extra checks), several times the work.
process.env.NODE_ENV ??= 'production';
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
// Everything is written by now. Should some handle still hold the event loop (a socket an
// engine or registry left open), exit anyway rather than hang after the work is done.
setTimeout(() => process.exit(), 2000).unref();
