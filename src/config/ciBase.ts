// The configuration's `ci:` section as the CI rules loader takes it (below the rules files).
import type { CiBase } from '../report/ci.js';
import type { EffectiveConfig } from './schema.js';

export function ciBaseOf(config: EffectiveConfig): CiBase {
  const rules: NonNullable<CiBase['rules']> = {};
  for (const [name, v] of Object.entries(config.ci.rules)) rules[name as keyof typeof rules] = v!.value;
  return {
    origin: config.file.path,
    rules,
    ...(config.ci.ignore ? { ignore: config.ci.ignore.value } : {}),
    ...(config.ci.allowSecrets ? { allowSecrets: config.ci.allowSecrets.value } : {}),
  };
}
