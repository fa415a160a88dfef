// Keys typed before the browser listens (while the image loads) are queued and replayed. Whether
// they have left the filter prompt open decides what the next key means: after `/` a letter is
// text, not a command — the same rule the reducer applies once the keys are replayed.
import type { Key } from 'ink';
import { commandFor, keyName } from './keymap.js';

/** Whether replaying `keys` from the browser's first screen ends at the filter prompt. */
export function promptOpenAfter(keys: ReadonlyArray<readonly [string, Partial<Key>]>): boolean {
  let prompt = false;
  for (const [input, key] of keys) {
    // Several characters read at once ("/usr") count one by one.
    const names = key.ctrl || key.meta || input.length <= 1 ? [keyName(input, key)] : [...input].map((ch) => keyName(ch, {}));
    for (const name of names) {
      if (name === undefined) continue;
      const command = commandFor(name, prompt ? 'prompt' : 'browser');
      if (!prompt && command === 'filter') prompt = true;
      else if (prompt && (command === 'filterApply' || command === 'filterCancel')) prompt = false;
    }
  }
  return prompt;
}
