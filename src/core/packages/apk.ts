// Alpine's apk database `lib/apk/db/installed`: one block per package separated by blank
// lines; `P:` name, `V:` version, `A:` arch, `F:` a directory, `R:` a file in the last `F:`.
import type { PackageRecord } from './types.js';

export const APK_INSTALLED = 'lib/apk/db/installed';

export function parseApkInstalled(text: string): PackageRecord[] {
  const out: PackageRecord[] = [];
  let current: PackageRecord | undefined;
  let dir = '';
  const flush = () => {
    if (current?.name) out.push(current);
    current = undefined;
    dir = '';
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '') {
      flush();
      continue;
    }
    if (line.length < 2 || line[1] !== ':') continue;
    current ??= { name: '', version: '', files: [] };
    const value = line.slice(2);
    switch (line[0]) {
      case 'P':
        current.name = value;
        break;
      case 'V':
        current.version = value;
        break;
      case 'A':
        current.arch = value;
        break;
      case 'F':
        dir = value.replace(/^\/+|\/+$/g, '');
        break;
      case 'R':
        if (value && !value.includes('/')) current.files!.push(dir ? `${dir}/${value}` : value);
        break;
    }
  }
  flush();
  return out;
}
