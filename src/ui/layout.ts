// Where the panes go for a terminal size. Pure, so the reducer can page and scroll with the
// same numbers the components draw with.
//
//   image ref · stage · warnings                   (one line)
//   ┌ Layers ───────────────────────────────┐   (full width, up to 40% of the height)
//   ┌ Files / Hidden bytes ──┐┌ Details ────┐
//   status bar (one line)
import { preferences } from './preferences.js';

export interface TerminalSize {
  columns: number;
  rows: number;
}

export interface PaneBox {
  width: number;
  height: number;
  /** Columns inside the border. */
  innerWidth: number;
  /** Rows of list or text inside the border, below the pane's header lines. */
  bodyRows: number;
}

export interface Layout {
  size: TerminalSize;
  /** Too small to draw the panes: show a message instead. */
  tooSmall: boolean;
  /** Rows the whole screen uses (one less than the terminal, so Ink never scrolls it). */
  height: number;
  layers: PaneBox;
  /** The file tree, or the hidden-bytes list in its place. */
  main: PaneBox;
  details: PaneBox;
}

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 12;
/** Header lines inside each pane (title, column headings). */
export const HEADER_LINES = { layers: 1, tree: 2, hiddenBytes: 3, details: 1 } as const;

function box(width: number, height: number, headerLines: number): PaneBox {
  return { width, height, innerWidth: Math.max(0, width - 2), bodyRows: Math.max(1, height - 2 - headerLines) };
}

/** Rows the layers pane may grow by in wide mode, for the selected layer's full command. */
export const WIDE_LAYER_ROWS = 8;

/** `wideLayers`: the layers pane has room for the selected layer's full command (up to its cap). */
export function layoutFor(size: TerminalSize, layerCount: number, wideLayers = false): Layout {
  const columns = Math.max(1, size.columns);
  const rows = Math.max(1, size.rows);
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  const height = Math.max(1, rows - 1);
  const mainHeight = Math.max(4, height - 2); // minus the header and the status bar
  const layersCap = Math.max(4, Math.floor(mainHeight * 0.4));
  const layersHeight = Math.min(layersCap, Math.max(4, layerCount + (wideLayers ? WIDE_LAYER_ROWS : 0) + 2 + HEADER_LINES.layers));
  const middle = Math.max(4, mainHeight - layersHeight);
  // The file tree's share of the width (configurable, dive's filetree.pane-width); 0.6 by default.
  const detailsWidth = Math.max(24, Math.min(80, Math.floor(columns * (1 - preferences().treeWidth))));
  const mainWidth = Math.max(16, columns - detailsWidth);
  return {
    size: { columns, rows },
    tooSmall,
    height,
    layers: box(columns, layersHeight, HEADER_LINES.layers),
    main: box(mainWidth, middle, HEADER_LINES.tree),
    details: box(columns - mainWidth, middle, HEADER_LINES.details),
  };
}

/** Body rows of the hidden-bytes list (it has more header lines than the tree in the same box). */
export function hiddenBytesBodyRows(layout: Layout): number {
  return Math.max(1, layout.main.height - 2 - HEADER_LINES.hiddenBytes);
}

/** The help overlay covers everything but the header and the status bar. */
export function helpBox(layout: Layout): PaneBox {
  const height = Math.max(4, layout.height - 2);
  return { width: layout.size.columns, height, innerWidth: Math.max(0, layout.size.columns - 2), bodyRows: Math.max(1, height - 3) };
}

/** Widths of the file tree's fixed columns (TreePane draws them). */
export const TREE_WIDTHS = { SIZE: 9, LAYER: 5, MODE: 10, OWNER: 11, MTIME: 16 } as const;

/** The tree's optional columns at a width: permissions and uid:gid (the attributes), and the
 *  modification time on wide panes. */
export interface TreeColumns {
  attributes: boolean;
  mtime: boolean;
}

/** `choice` when the user toggled the attributes, else the configured default when the pane
 *  leaves at least 24 columns for the names beside them. The time joins them when 48 remain. */
export function treeColumns(innerWidth: number, choice: boolean | undefined): TreeColumns {
  const { SIZE, LAYER, MODE, OWNER, MTIME } = TREE_WIDTHS;
  const room = innerWidth - 3 - 2 - SIZE - 1 - LAYER;
  const attributes = choice ?? (preferences().attributes && room - (MODE + 1 + OWNER + 1) >= 24);
  return { attributes, mtime: attributes && room - (MODE + 1 + OWNER + 1 + MTIME + 1) >= 48 };
}
