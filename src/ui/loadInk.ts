// Loads Ink, before anything imports it, without two costs its dependencies add on Node (together
// about a third of the time from process start to the first frame):
// - Ink imports `throttle` from `es-toolkit/compat`, whose index loads 400-odd modules; resolving
//   that one import to the module that defines `throttle` loads 3.
// - yoga-layout (Ink's layout engine) reads its embedded WebAssembly through `fetch` of a data:
//   URL when `fetch` exists, which loads Node's HTTP client (undici) only for that; when the fetch
//   fails it decodes the same bytes itself. While Ink loads, `fetch` refuses data: URLs (any
//   other call goes to Node's own `fetch`, so a registry request at that moment is unaffected).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

let loading: Promise<void> | undefined;

/** Loads Ink once; every screen module imports it after this resolves. */
export function loadInk(): Promise<void> {
  loading ??= load();
  return loading;
}

async function load(): Promise<void> {
  const hooks = module.registerHooks?.({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      if (specifier !== 'es-toolkit/compat' || !context.parentURL?.endsWith('/ink/build/ink.js')) return resolved;
      const throttle = new URL('function/throttle.mjs', resolved.url);
      // Another es-toolkit may lay its files out otherwise: then the index, as Ink asked.
      return throttle.protocol === 'file:' && existsSync(fileURLToPath(throttle)) ? { ...resolved, url: throttle.href } : resolved;
    },
  });
  const fetch = globalThis.fetch;
  globalThis.fetch = (input, init) =>
    typeof input === 'string' && input.startsWith('data:') ? Promise.reject(new Error('decoded without fetch')) : fetch(input, init);
  try {
    await import('ink');
  } finally {
    globalThis.fetch = fetch;
    hooks?.deregister();
  }
}
