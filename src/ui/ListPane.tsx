// The list panes that take the main pane's place: Packages (who owns the bytes, largest first),
// Secrets (every layer's findings, hidden copies included, masked) and Config (the image's run
// settings and its full history, metadata-only steps included). Windowed: only visible rows render.
// The three share one slice (`list`, reset when one opens); their specs are at the end.
import type React from 'react';
import { Box, Text } from 'ink';
import type { ImageConfigInfo } from '../core/model.js';
import { displayPath } from '../core/model.js';
import { describeFinding } from '../core/secrets.js';
import { bytes } from '../report/format.js';
import { hiddenBytesBodyRows, type Layout } from './layout.js';
import type { UiModel } from './model.js';
import { LIST_START, listWindow, moveList, settleList, type ListState } from './list.js';
import { Pane } from './Pane.js';
import { StyledLine } from './StyledLine.js';
import { theme } from './theme.js';
import { primaryKey } from './keymap.js';
import { cell, type Line, plural } from './text.js';
import { note, type PaneSpec, type UiState } from './shell.js';
import { showInTree } from './panes/tree.js';

declare module './shell.js' {
  interface PaneSlices {
    /** The list pane shown (packages, secrets, config; reset when another is opened). */
    list: ListState;
    /** The packages pane: the name filter, and the package whose files are listed (with the
     *  package list's place to go back to). */
    packages: PackagesView;
  }
}

export interface PackagesView {
  /** Case-insensitive text a package's name must contain ('' shows every package). */
  filter: string;
  /** Index (in the analysis' packages) of the package whose files are listed. */
  open: number | undefined;
  back: ListState;
}

const NO_PACKAGES_VIEW: PackagesView = { filter: '', open: undefined, back: LIST_START };

/** The packages shown: indices of those whose name contains the filter (any case). */
export function packageRows(model: UiModel, filter: string): number[] {
  const all = model.analysis.packages.packages;
  const f = filter.toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (f === '' || all[i]!.name.toLowerCase().includes(f)) out.push(i);
  return out;
}

/** One file a package owns, as the view where the package is (last) installed shows it. */
export interface PackageFile {
  id: number;
  path: string;
  /** Content bytes (a hard link: its content's). */
  bytes: number;
  /** The layer whose entry is visible there. */
  layer: number;
}

const filesCache = new WeakMap<object, PackageFile[]>();

/** The files of package `index`, largest first (then by path). */
export function packageFiles(model: UiModel, index: number): PackageFile[] {
  const p = model.analysis.packages.packages[index];
  if (!p) return [];
  const cached = filesCache.get(p);
  if (cached) return cached;
  const tree = model.analysis.tree;
  const layer = packageLayer(model, index);
  const out: PackageFile[] = [];
  for (const id of p.fileIds) {
    const st = tree.stateAt(id, layer);
    if (!st || (st.entry.type !== 'file' && st.entry.type !== 'hardlink')) continue;
    out.push({ id, path: displayPath(tree.pathOf(id)), bytes: tree.contentSize(st.entry, st.layer), layer: st.layer });
  }
  out.sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  filesCache.set(p, out);
  return out;
}

/** The view a package's files are shown at: the last one, or the one before the layer that removed it. */
function packageLayer(model: UiModel, index: number): number {
  const p = model.analysis.packages.packages[index]!;
  return p.removedIn !== undefined ? p.removedIn - 1 : model.layerCount - 1;
}

/** The list panes that take the main pane's place: packages, secrets, image config. */
export type ListView = 'packages' | 'secrets' | 'config';

export interface ListPaneProps {
  model: UiModel;
  view: ListView;
  cursor: number;
  scroll: number;
  focused: boolean;
  layout: Layout;
  packages?: PackagesView;
}

const BYTES = 9;
const LAYER = 7;
const MANAGER = 5;

/** The config pane's rows: run settings, then every history step with its time. */
export function configRows(config: ImageConfigInfo): string[] {
  const rows: string[] = [];
  const json = (v: unknown) => JSON.stringify(v);
  rows.push(`ENTRYPOINT ${config.entrypoint ? json(config.entrypoint) : '(none)'}`);
  rows.push(`CMD        ${config.cmd ? json(config.cmd) : '(none)'}`);
  rows.push(`USER       ${config.user || '(root)'}`);
  rows.push(`WORKDIR    ${config.workingDir || '/'}`);
  rows.push(`EXPOSE     ${config.exposedPorts?.join(' ') || '(none)'}`);
  rows.push(`VOLUME     ${config.volumes?.join(' ') || '(none)'}`);
  rows.push(`STOPSIGNAL ${config.stopSignal ?? '(default)'}`);
  rows.push(`HEALTHCHECK ${config.healthcheck ? json(config.healthcheck.test) : '(none)'}`);
  for (const e of config.env ?? []) rows.push(`ENV        ${e}`);
  for (const [k, v] of Object.entries(config.labels ?? {})) rows.push(`LABEL      ${k}=${v}`);
  rows.push('History (every step; · made no layer)');
  let layer = 0;
  for (const h of config.history) {
    const where = h.emptyLayer ? '   ·' : cell(`L${layer++}`, 4, 'right');
    rows.push(`${where}  ${h.created ? h.created.replace(/\.\d+Z$/, 'Z') : ''}  ${h.createdBy}`);
  }
  return rows;
}

function header(model: UiModel, view: ListView, pv: PackagesView = NO_PACKAGES_VIEW): Line[] {
  if (view === 'packages' && pv.open !== undefined) {
    const p = model.analysis.packages.packages[pv.open]!;
    const n = packageFiles(model, pv.open).length;
    return [
      [
        { text: `${p.name} ${p.version}: `, tone: 'label' },
        { text: `${n} file${n === 1 ? '' : 's'}, ${bytes(p.bytes)} · ${primaryKey('lists', 'back')}: back to the packages` },
      ],
      [{ text: `  ${cell('bytes', BYTES, 'right')} ${cell('layer', LAYER)} path`, tone: 'dim' }],
    ];
  }
  if (view === 'packages') {
    const a = model.analysis.packages;
    const shown = pv.filter === '' ? undefined : packageRows(model, pv.filter).length;
    return [
      [
        { text: `${plural(a.packages.filter((p) => p.removedIn === undefined).length, 'package')}, ` },
        { text: bytes(a.packagedBytes), tone: 'label' },
        { text: ` · unpackaged ${bytes(a.unpackagedBytes)} in ${plural(a.unpackagedFiles, 'file')}` },
        ...(shown !== undefined ? [{ text: ` · ${shown} named *${pv.filter}*`, tone: 'accent' as const }] : []),
      ],
      [{ text: `  ${cell('bytes', BYTES, 'right')} ${cell('layer', LAYER)} ${cell('from', MANAGER)} package`, tone: 'dim' }],
    ];
  }
  if (view === 'secrets') {
    const n = model.analysis.secrets.length;
    return [
      [
        {
          text: n === 0 ? 'no leaked secret found' : `${n} leaked secret${n === 1 ? '' : 's'}: anyone who pulls the image can read them`,
          tone: n ? 'hidden' : 'dim',
        },
      ],
      [{ text: `  ${cell('layer', LAYER)} path · rule · masked preview`, tone: 'dim' }],
    ];
  }
  return [[{ text: 'Image config and history' }], [{ text: '' }]];
}

function row(model: UiModel, view: ListView, at: number, width: number, atCursor: boolean, pv: PackagesView = NO_PACKAGES_VIEW): Line {
  const mark = { text: `${atCursor ? theme.symbols.cursor : theme.symbols.noCursor} `, tone: 'accent' as const };
  const index = view === 'packages' && pv.open === undefined ? packageRows(model, pv.filter)[at]! : at;
  if (view === 'packages' && pv.open !== undefined) {
    const f = packageFiles(model, pv.open)[at]!;
    return [
      mark,
      { text: `${cell(bytes(f.bytes), BYTES, 'right')} `, tone: 'label' },
      { text: `${cell(`L${f.layer}`, LAYER)} `, tone: 'label' },
      { text: cell(f.path, Math.max(1, width - 2 - BYTES - LAYER - 2)) },
    ];
  }
  if (view === 'packages') {
    const p = model.analysis.packages.packages[index]!;
    const where = p.removedIn !== undefined ? `L${p.layer}→L${p.removedIn}` : `L${p.layer}`;
    const name = `${p.name} ${p.version}${p.dev ? ' (dev)' : ''}${p.removedIn !== undefined ? ' · removed later, still stored' : ''}`;
    return [
      mark,
      { text: `${cell(bytes(p.bytes), BYTES, 'right')} `, tone: p.removedIn !== undefined ? 'hidden' : 'label' },
      { text: `${cell(where, LAYER)} `, tone: 'label' },
      { text: `${cell(p.manager, MANAGER)} `, tone: 'dim' },
      { text: cell(name, Math.max(1, width - 2 - BYTES - LAYER - MANAGER - 3)) },
    ];
  }
  if (view === 'secrets') {
    const f = model.analysis.secrets[index]!;
    const text = `${displayPath(f.path)} · ${f.rule} · ${f.preview} · ${describeFinding(f)}`;
    return [mark, { text: `${cell(`L${f.layer}`, LAYER)} `, tone: 'hidden' }, { text: cell(text, Math.max(1, width - 2 - LAYER - 1)) }];
  }
  const text = configRows(model.analysis.image.config)[index] ?? '';
  return [mark, { text: cell(text, Math.max(1, width - 2)) }];
}

const TITLES: Record<ListView, string> = {
  packages: 'Packages (largest first)',
  secrets: 'Leaked secrets (every layer)',
  config: 'Image config',
};

export function ListPane({ model, view, cursor, scroll, focused, layout, packages }: ListPaneProps): React.JSX.Element {
  const box = layout.main;
  const count = listLength(model, view, packages);
  const rows = hiddenBytesBodyRows(layout);
  const window = listWindow(scroll, rows, count);
  const lines: React.JSX.Element[] = [];
  for (let i = window.from; i < window.to; i++) {
    lines.push(
      <StyledLine
        key={i}
        line={row(model, view, i, box.innerWidth, i === cursor, packages)}
        style={i === cursor && focused ? { inverse: true } : {}}
      />,
    );
  }
  const hint =
    view === 'config'
      ? `${primaryKey('lists', 'back')}: back`
      : view === 'packages' && packages?.open === undefined
        ? `${primaryKey('lists', 'activate')}: its files · ${primaryKey('browser', 'filter')}: filter by name`
        : `${primaryKey('lists', 'activate')}: show in tree`;
  return (
    <Pane title={TITLES[view]} info={window.label || hint} focused={focused} box={box}>
      {header(model, view, packages).map((line, i) => (
        <StyledLine key={`h${i}`} line={line} />
      ))}
      <Box flexDirection="column">{lines.length > 0 ? lines : <Text dimColor> </Text>}</Box>
    </Pane>
  );
}

/** Rows of a list pane: packages (those the filter names) or one package's files, secrets, config lines. */
export function listLength(model: UiModel, view: ListView, pv: PackagesView = NO_PACKAGES_VIEW): number {
  if (view === 'packages') return pv.open !== undefined ? packageFiles(model, pv.open).length : packageRows(model, pv.filter).length;
  if (view === 'secrets') return model.analysis.secrets.length;
  return configRows(model.analysis.image.config).length;
}

/** Enter on a package: its files, largest first; Enter on one of them: that file in the tree. */
function activatePackages(model: UiModel, s: UiState): UiState {
  const pv = s.packages;
  if (pv.open === undefined) {
    const index = packageRows(model, pv.filter)[s.list.cursor];
    if (index === undefined) return s;
    const p = model.analysis.packages.packages[index]!;
    if (packageFiles(model, index).length === 0) return note(s, `${p.name} owns no file in the image`, 'error');
    return { ...s, packages: { ...pv, open: index, back: s.list }, list: { ...LIST_START } };
  }
  const p = model.analysis.packages.packages[pv.open]!;
  const f = packageFiles(model, pv.open)[s.list.cursor];
  if (!f) return s;
  const { state, cleared } = showInTree(model, s, packageLayer(model, pv.open), f.id);
  const where = p.removedIn !== undefined ? `L${p.layer}, removed in L${p.removedIn}` : `L${p.layer}`;
  return note(
    state,
    `${f.path}: ${plural(f.bytes, 'byte')}, of ${p.name} ${p.version} (${plural(p.bytes, 'byte')} in ${plural(p.files, 'file')}, ${where})${cleared}`,
  );
}

const packagesFilter: NonNullable<PaneSpec['filter']> = {
  text: (s) => s.packages.filter,
  apply(model, s, text) {
    const next: UiState = { ...s, packages: { ...s.packages, filter: text, open: undefined }, list: { ...LIST_START } };
    if (text === '' || s.prompt !== undefined) return next;
    const n = packageRows(model, text).length;
    return note(
      next,
      n === 0 ? `no package name contains ${text}` : `${n} package${n === 1 ? '' : 's'} named *${text}*`,
      n === 0 ? 'error' : 'info',
    );
  },
};

function jumpToSecret(model: UiModel, s: UiState): UiState {
  const f = model.analysis.secrets[s.list.cursor];
  if (!f) return s;
  const id = model.analysis.tree.idOf(f.path);
  if (id === undefined) return note(s, `${displayPath(f.path)} is not in the merged tree`, 'error');
  const { state, cleared } = showInTree(model, s, f.layer, id);
  return note(state, `${displayPath(f.path)}: the copy stored in L${f.layer}${cleared}`);
}

function listPane(view: ListView, toggle: PaneSpec['toggle'], activate?: PaneSpec['activate'], extra: Partial<PaneSpec> = {}): PaneSpec {
  return {
    id: view,
    slot: 'main',
    context: 'lists',
    // The details keep describing the selected layer.
    subject: 'layer',
    toggle,
    init: () => ({ list: { ...LIST_START } }),
    open: (s) => ({ ...s, list: { ...LIST_START } }),
    settle(model, s, layout) {
      if (s.mainView !== view) return s;
      const list = settleList(s.list, listLength(model, view, s.packages), hiddenBytesBodyRows(layout));
      return list === s.list ? s : { ...s, list };
    },
    move: (model, s, command, layout) => ({
      ...s,
      list: moveList(s.list, command, listLength(model, view, s.packages), hiddenBytesBodyRows(layout)),
    }),
    ...(activate ? { activate } : {}),
    bodyRows: hiddenBytesBodyRows,
    click(model, s, row, layout) {
      const index = listWindow(s.list.scroll, hiddenBytesBodyRows(layout), Number.MAX_SAFE_INTEGER).from + row;
      return this.settle!(model, { ...s, list: { ...s.list, cursor: index } }, layout);
    },
    render: ({ model, state, focused, layout }) => (
      <ListPane
        model={model}
        view={view}
        cursor={state.list.cursor}
        scroll={state.list.scroll}
        focused={focused}
        layout={layout}
        {...(view === 'packages' ? { packages: state.packages } : {})}
      />
    ),
    ...extra,
  };
}

export const packagesPane = listPane('packages', 'togglePackages', activatePackages, {
  init: () => ({ list: { ...LIST_START }, packages: NO_PACKAGES_VIEW }),
  // Reopened: the package list, its filter kept.
  open: (s) => ({ ...s, list: { ...LIST_START }, packages: { ...s.packages, open: undefined } }),
  filter: packagesFilter,
  back: (_model, s) =>
    s.packages.open === undefined ? undefined : { ...s, list: s.packages.back, packages: { ...s.packages, open: undefined } },
});
export const secretsPane = listPane('secrets', 'toggleSecrets', jumpToSecret);
export const configPane = listPane('config', 'toggleConfig');
