// The filter prompt's memory: the filters applied before (reachable with ↑ and ↓ at the prompt),
// the filter in effect when the prompt opened (Esc goes back to it), and what is wrong with the
// text typed so far (shown on the prompt line while typing goes on). Pure data and functions.

export interface FilterInput {
  /** Filters applied before, oldest first, each once. */
  history: readonly string[];
  /** The history entry shown at the prompt (↑ ↓); undefined when the text is the user's own. */
  at: number | undefined;
  /** The filter in effect when the prompt opened. */
  before: string;
  /** Why the text typed so far is not a filter (bad regex, bad size condition). */
  error: string | undefined;
}

export const HISTORY_LIMIT = 50;

/** How long typing must pause before the tree follows the text at the prompt. */
export const FILTER_DEBOUNCE_MS = 80;

export const NO_FILTER_INPUT: FilterInput = Object.freeze({ history: [], at: undefined, before: '', error: undefined });

/** The history with `text` as its newest entry (moved there if it was already in it). */
export function remember(history: readonly string[], text: string): readonly string[] {
  if (text === '') return history;
  return [...history.filter((h) => h !== text), text].slice(-HISTORY_LIMIT);
}

/** One step through the history: -1 older (↑), +1 newer (↓). Past the newest entry the text is
 *  empty again; `text` is what the prompt then shows. */
export function stepHistory(input: FilterInput, step: -1 | 1): { at: number | undefined; text: string } | undefined {
  const n = input.history.length;
  if (n === 0) return undefined;
  if (step < 0) {
    const at = input.at === undefined ? n - 1 : Math.max(0, input.at - 1);
    return { at, text: input.history[at]! };
  }
  if (input.at === undefined) return undefined;
  const at = input.at + 1;
  return at >= n ? { at: undefined, text: '' } : { at, text: input.history[at]! };
}
