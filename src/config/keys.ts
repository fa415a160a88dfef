// Key overrides from the configuration, as the key map's withOverrides takes them: action (or
// `context.action`) → keys. layerscope's own file replaces an action's keys, and anything the key
// map refuses there (an unknown action or key name, a key meaning two actions in one context) is
// an error. dive's bindings are added to layerscope's keys for the action, context by context, so
// the plain keys keep working; a dive key the key map refuses is left out with a note (dive binds
// per view what layerscope binds per screen, and its file was not written for layerscope).
import { InputError } from '../core/errors.js';
import { KEYMAP, type KeyOverrides, type Keymap, KeymapError, withOverrides } from '../ui/keymap.js';
import type { Sourced } from './schema.js';

type Overrides = Record<string, readonly string[]>;

function refused(keymap: Keymap, overrides: Overrides): string | undefined {
  try {
    withOverrides(keymap, overrides as KeyOverrides);
    return undefined;
  } catch (err) {
    if (err instanceof KeymapError) return err.message.replace(/^keys: /, '');
    throw err;
  }
}

export function applyKeyOverrides(
  dive: Record<string, { keys: string[]; origin: string }>,
  file: Record<string, { keys: string[]; origin: string }>,
  notes: string[],
  keymap: Keymap = KEYMAP,
): Record<string, Sourced<string[]>> {
  const out: Record<string, Sourced<string[]>> = {};
  const current = (): Overrides => Object.fromEntries(Object.entries(out).map(([a, v]) => [a, v.value]));
  for (const [action, v] of Object.entries(file)) {
    const why = refused(keymap, { [action]: v.keys });
    if (why) throw new InputError(`${v.origin}: ${why}`);
    out[action] = { value: v.keys, source: 'file', origin: v.origin };
  }
  const clash = refused(keymap, current());
  if (clash) throw new InputError(`keys: ${clash} (check the keys section of the config)`);

  const fileActions = new Set(Object.keys(file).map((name) => name.split('.').at(-1)!));
  for (const [action, v] of Object.entries(dive)) {
    if (fileActions.has(action)) {
      notes.push(`${v.origin}: not used, the config sets the keys for ${action}`);
      continue;
    }
    const rows = keymap.filter((r) => r.action === action);
    if (rows.length === 0) {
      notes.push(`${v.origin}: no action ${action} in layerscope; not used`);
      continue;
    }
    for (const row of rows) {
      const name = `${row.context}.${action}`;
      const keys = [...row.key];
      for (const k of v.keys) {
        if (keys.includes(k)) continue;
        const why = refused(keymap, { ...current(), [name]: [...keys, k] });
        if (why) notes.push(`${v.origin}: key ${k} not used (${why})`);
        else keys.push(k);
      }
      if (keys.length > row.key.length) out[name] = { value: keys, source: 'dive', origin: v.origin };
    }
  }
  return out;
}

/** The key map the configuration asks for. */
export function configuredKeymap(keys: Record<string, Sourced<string[]>>, keymap: Keymap = KEYMAP): Keymap {
  return withOverrides(keymap, Object.fromEntries(Object.entries(keys).map(([a, v]) => [a, v.value])) as KeyOverrides);
}
