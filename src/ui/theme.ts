// Colours and symbols, in one place. NO_COLOR (https://no-color.org: set and not empty) turns
// every colour off; the symbols and text attributes (bold, inverse, strikethrough) carry the
// meaning on their own, so nothing is lost without colour.
import type { RowStatus } from '../core/view.js';

/** A role a piece of text plays; the theme says how it looks. */
export type Tone =
  | 'plain'
  | 'dim'
  | 'title'
  | 'label'
  | 'accent'
  | 'added'
  | 'modified'
  | 'removed'
  | 'hidden'
  | 'warning'
  | 'error'
  | 'match';

export interface Style {
  color?: string;
  bold?: boolean;
  dimColor?: boolean;
  strikethrough?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

export interface Theme {
  color: boolean;
  tones: Record<Tone, Style>;
  /** Border colour of the focused pane and of the others. */
  focusBorder: Style;
  border: Style;
  /** Box border styles: the focused pane gets a heavier one, so focus shows without colour. */
  focusBorderStyle: 'bold' | 'double' | 'round' | 'single';
  borderStyle: 'bold' | 'double' | 'round' | 'single';
  symbols: {
    cursor: string;
    noCursor: string;
    expanded: string;
    collapsed: string;
    leaf: string;
    barFull: string;
    barEmpty: string;
    marker: Record<RowStatus, string>;
    link: string;
    more: string;
  };
}

export function colourWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

export function makeTheme(color: boolean): Theme {
  const c = (name: string): { color?: string } => (color ? { color: name } : {});
  return {
    color,
    tones: {
      plain: {},
      dim: { dimColor: true },
      title: { bold: true },
      label: { ...c('cyan') },
      accent: { bold: true, ...c('magenta') },
      added: { ...c('green') },
      modified: { ...c('yellow') },
      removed: { ...c('red'), strikethrough: true, dimColor: true },
      hidden: { ...c('red'), bold: true },
      warning: { ...c('yellow') },
      error: { ...c('red'), bold: true },
      match: { underline: true, ...c('blueBright') },
    },
    focusBorder: { ...c('cyan') },
    border: { ...(color ? { color: 'gray' } : {}) },
    focusBorderStyle: 'double',
    borderStyle: 'single',
    symbols: {
      cursor: '›',
      noCursor: ' ',
      expanded: '▾',
      collapsed: '▸',
      leaf: ' ',
      barFull: '█',
      barEmpty: '░',
      marker: { added: '+', modified: '~', removed: '-', unchanged: ' ' },
      link: '→',
      more: '…',
    },
  };
}

export const theme: Theme = makeTheme(colourWanted());

export function statusTone(status: RowStatus): Tone {
  return status === 'unchanged' ? 'plain' : status;
}
