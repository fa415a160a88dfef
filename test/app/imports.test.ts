// The module graph as compiled (dist/src; type-only imports are gone, so what is checked is what
// loads): no import loop, and each layer imports only the layers below it (the design guide's
// split: core pure, sources and report over core, the app layer over them, ui and cli on top).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith('.js') ? [full] : [];
  });
}

/** Static imports and re-exports of each module (dynamic import() is a deliberate lazy edge). */
function graph(): Map<string, { local: string[]; packages: string[] }> {
  const out = new Map<string, { local: string[]; packages: string[] }>();
  for (const file of files(root)) {
    const text = readFileSync(file, 'utf8');
    const local: string[] = [];
    const packages: string[] = [];
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) local.push(relative(root, resolve(dirname(file), spec)));
      else packages.push(spec);
    }
    out.set(relative(root, file), { local, packages });
  }
  return out;
}

const layerOf = (module: string) => (module.includes('/') ? module.slice(0, module.indexOf('/')) : module.replace(/\.js$/, ''));

test('no import loop among the modules that load', () => {
  const g = graph();
  assert.ok(g.size > 100, `found ${g.size} modules under ${root}`);
  const state = new Map<string, 'open' | 'done'>();
  const loops: string[] = [];
  const visit = (module: string, path: string[]) => {
    if (state.get(module) === 'done') return;
    if (state.get(module) === 'open') {
      loops.push([...path.slice(path.indexOf(module)), module].join(' > '));
      return;
    }
    state.set(module, 'open');
    for (const next of g.get(module)?.local ?? []) visit(next, [...path, module]);
    state.set(module, 'done');
  };
  for (const module of g.keys()) visit(module, []);
  assert.deepEqual(loops, []);
});

/** What each layer may import (itself included). config applies settings to the ui's key map,
 *  theme and preferences, so it sits below ui but knows those three modules. */
const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  sources: ['sources', 'core'],
  report: ['report', 'core'],
  config: ['config', 'report', 'core', 'ui'],
  app: ['app', 'config', 'report', 'sources', 'core'],
  ui: ['ui', 'app', 'config', 'report', 'core'],
  cli: ['cli', 'app', 'config', 'report', 'sources', 'core'],
  main: ['app', 'cli'],
};

test('each layer imports only the layers below it; core loads no terminal, React or Docker package', () => {
  const wrong: string[] = [];
  for (const [module, { local, packages }] of graph()) {
    const from = layerOf(module);
    const allowed = ALLOWED[from];
    assert.ok(allowed, `a layer the table does not know: ${from} (${module})`);
    for (const target of local) if (!allowed.includes(layerOf(target))) wrong.push(`${module} > ${target}`);
    if (from === 'core') for (const p of packages) if (/^(ink|react|dockerode|commander)(\/|$)/.test(p)) wrong.push(`${module} > ${p}`);
  }
  assert.deepEqual(wrong, []);
});
