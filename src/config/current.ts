// The configuration of this run, loaded once before the command runs (src/cli/config.ts) and read
// by the outputs (the CI rules and format) and the screens (theme, keys, starting state).
import type { EffectiveConfig } from './schema.js';

let current: EffectiveConfig | undefined;

export function setCurrentConfig(config: EffectiveConfig | undefined): void {
  current = config;
}

export function currentConfig(): EffectiveConfig | undefined {
  return current;
}
