// Turns key presses into reducer actions. The reducer looks each key up in the key map (the
// same rows the help overlay lists) for the context it is in: browsing, or typing at the filter
// prompt. Deciding there, not here, keeps fast typing right: in "/usr" read at once, the "u"
// is text because "/" has opened the prompt.
import { useCallback } from 'react';
import { useInput, type Key } from 'ink';
import { keyName } from '../keymap.js';
import type { Action } from '../state.js';

/** Subscribes the key handler; returns it too, for keys that arrived before it was subscribed. */
export function useKeymap(dispatch: (action: Action) => void, isActive = true): (input: string, key: Key) => void {
  const handler = useCallback(
    (input: string, key: Key) => {
      // Esc and a key read together ("\u001Bw") arrive as Alt+key: take them as Esc, then the key.
      if (key.meta && !key.escape && input.length === 1) {
        dispatch({ type: 'key', name: 'esc', text: '' });
        dispatch({ type: 'key', name: keyName(input, { ...key, meta: false }), text: input });
        return;
      }
      dispatch({ type: 'key', name: keyName(input, key), text: key.ctrl || key.meta ? '' : input });
    },
    [dispatch],
  );
  useInput(handler, { isActive });
  return handler;
}
