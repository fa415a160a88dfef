// `npm run docs:keys`: rewrites the README's key tables (between <!-- keys:start --> and
// <!-- keys:end -->) from the key map, src/ui/keymap.ts. test/ui/keymap.test.ts fails when
// README.md is not what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withKeyTable } from '../src/ui/help.js';

const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
const before = readFileSync(readme, 'utf8');
const after = withKeyTable(before);
if (after !== before) writeFileSync(readme, after);
process.stdout.write(after !== before ? 'README.md: key tables updated\n' : 'README.md: key tables already up to date\n');
