// What `y` and `Y` copy: the path under the cursor (the tree's, or the hidden-bytes entry's), or
// a ready command that prints that copy's bytes: `layerscope cat IMAGE PATH --layer N`, the layer
// being the one that stores the copy the browser points at (hidden copies included).
import { displayPath } from '../core/model.js';
import { escapeForTerminal, nameBytes } from '../core/paths.js';
import { shellQuote } from '../core/shellQuote.js';
import type { ClipboardResult } from './clipboard.js';
import type { UiModel } from './model.js';
import { focusedPane } from './panes/index.js';
import type { UiState } from './shell.js';
import { copyAt } from './viewerTarget.js';

export type YankWhat = 'path' | 'command';

/** The text to copy, as bytes (a path is bytes) and as the status line shows it. */
export interface Yank {
  bytes: Uint8Array;
  shown: string;
}

/** The path and the layer of the copy under the cursor, if the focused pane points at one
 *  (its spec's pointsAt): the layer that stores the copy seen there. */
export function cursorTarget(model: UiModel, s: UiState): { path: string; layer: number } | undefined {
  if (s.prompt !== undefined || s.help.open) return undefined;
  const at = focusedPane(s).pointsAt?.(model, s);
  if (!at) return undefined;
  const copy = at.id === undefined ? undefined : copyAt(model.analysis.tree, at.id, at.layer);
  return { path: at.path, layer: copy?.layer ?? at.layer };
}

export function yankText(model: UiModel, s: UiState, what: YankWhat): Yank | undefined {
  const at = cursorTarget(model, s);
  if (!at) return undefined;
  const path = displayPath(at.path);
  if (what === 'path') return { bytes: nameBytes(path), shown: escapeForTerminal(path) };
  const command = `layerscope cat ${shellQuote(model.analysis.image.ref)} ${shellQuote(path)} --layer ${at.layer}`;
  return { bytes: Buffer.from(command, 'utf8'), shown: escapeForTerminal(command) };
}

/** The status line after a copy: what was copied, or why not and the text to select by hand. */
export function yankMessage(yank: Yank | undefined, result: ClipboardResult | undefined): { text: string; tone: 'info' | 'error' } {
  if (!yank || !result) return { text: 'nothing to copy here: select a path in Files or Hidden bytes', tone: 'error' };
  if (result.copied) return { text: `copied ${yank.shown}`, tone: 'info' };
  return { text: `not copied (${result.reason}): ${yank.shown}`, tone: 'error' };
}
