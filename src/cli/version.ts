// The version users see (`layerscope --version`, `layerscope version`): package.json's own,
// read where the package is installed (dist/src/cli → the package root).
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
