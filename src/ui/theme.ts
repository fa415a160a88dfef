// Colours and symbols, in one place, in three palettes: `default` (for dark terminals), `light`
// (for light backgrounds: no yellow or bright colours that vanish on white) and `high-contrast`
// (bright colours and bold, nothing dimmed). NO_COLOR (https://no-color.org: set and not empty)
// wins over any palette: every colour goes; the symbols and text attributes (bold, inverse,
// strikethrough) carry the meaning on their own, so nothing is lost without colour.
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
    /** The stage picker's highlighted row. */
    pick: string;
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

export const THEME_NAMES = ['default', 'light', 'high-contrast'] as const;
export type ThemeName = (typeof THEME_NAMES)[number];

export function makeTheme(color: boolean, name: ThemeName = 'default'): Theme {
  const c = (colour: string): { color?: string } => (color ? { color: colour } : {});
  const base = defaultTheme(color, c);
  if (name === 'light') {
    return {
      ...base,
      tones: {
        plain: {},
        dim: { dimColor: true },
        title: { bold: true },
        label: { ...c('blue') },
        accent: { bold: true, ...c('magenta') },
        added: { ...c('green') },
        modified: { ...c('#875f00') },
        removed: { ...c('red'), strikethrough: true },
        hidden: { ...c('red'), bold: true },
        warning: { ...c('#875f00'), bold: true },
        error: { ...c('red'), bold: true },
        match: { underline: true, ...c('blue') },
      },
      focusBorder: { ...c('blue') },
      border: { ...c('gray') },
    };
  }
  if (name === 'high-contrast') {
    return {
      ...base,
      tones: {
        plain: {},
        // Nothing dimmed: secondary text stays full strength.
        dim: {},
        title: { bold: true, underline: true },
        label: { bold: true, ...c('cyanBright') },
        accent: { bold: true, ...c('magentaBright') },
        added: { bold: true, ...c('greenBright') },
        modified: { bold: true, ...c('yellowBright') },
        removed: { bold: true, strikethrough: true, ...c('redBright') },
        hidden: { bold: true, inverse: true, ...c('redBright') },
        warning: { bold: true, ...c('yellowBright') },
        error: { bold: true, inverse: true, ...c('redBright') },
        match: { bold: true, underline: true, inverse: true },
      },
      focusBorder: { bold: true, ...c('whiteBright') },
      border: { ...c('white') },
      focusBorderStyle: 'double',
      borderStyle: 'bold',
    };
  }
  return base;
}

function defaultTheme(color: boolean, c: (colour: string) => { color?: string }): Theme {
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
      pick: '❯',
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

/** The theme every component reads. One object, changed in place by applyTheme, so a palette
 *  chosen by the configuration reaches every importer. */
export const theme: Theme = makeTheme(colourWanted());

/** Switches `theme` to a palette; NO_COLOR (in `env`) still turns every colour off. */
export function applyTheme(name: ThemeName, env: NodeJS.ProcessEnv = process.env): Theme {
  Object.assign(theme, makeTheme(colourWanted(env), name));
  return theme;
}

export function statusTone(status: RowStatus): Tone {
  return status === 'unchanged' ? 'plain' : status;
}
