// YAML text (the configuration file, .dive-ci, .layerscope-ci) parsed by the yaml package, which
// is loaded on the first file read: 70-odd modules that a start with no such file never needs.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let yaml: typeof import('yaml') | undefined;

/** The value of a YAML document; throws the yaml package's error on bad YAML. */
export function parseYaml(text: string): unknown {
  yaml ??= require('yaml') as typeof import('yaml');
  return yaml.parse(text);
}
