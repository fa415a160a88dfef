// What the configuration changes before a screen is drawn: the theme (NO_COLOR still wins), the
// key map, and the browser's starting preferences.
import { applyTheme } from '../ui/theme.js';
import { setKeymap } from '../ui/keymap.js';
import { setPreferences } from '../ui/preferences.js';
import { configuredKeymap } from './keys.js';
import type { EffectiveConfig } from './schema.js';

export function applyUiConfig(config: EffectiveConfig, env: NodeJS.ProcessEnv = process.env): void {
  applyTheme(config.defaults.theme.value, env);
  if (Object.keys(config.keys).length > 0) setKeymap(configuredKeymap(config.keys));
  setPreferences({
    sort: config.defaults.sort.value,
    changesOnly: config.defaults.changesOnly.value,
    hide: config.defaults.hide.value,
    treeWidth: config.defaults.treeWidth.value,
    attributes: config.defaults.attributes.value,
    mouse: config.defaults.mouse.value,
  });
}
