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
  }
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

function header(model: UiModel, view: ListView): Line[] {
  if (view === 'packages') {
    const a = model.analysis.packages;
    return [
      [
        { text: `${plural(a.packages.filter((p) => p.removedIn === undefined).length, 'package')}, ` },
        { text: bytes(a.packagedBytes), tone: 'label' },
        { text: ` · unpackaged ${bytes(a.unpackagedBytes)} in ${plural(a.unpackagedFiles, 'file')}` },
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

function row(model: UiModel, view: ListView, index: number, width: number, atCursor: boolean): Line {
  const mark = { text: `${atCursor ? theme.symbols.cursor : theme.symbols.noCursor} `, tone: 'accent' as const };
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

export function ListPane({ model, view, cursor, scroll, focused, layout }: ListPaneProps): React.JSX.Element {
  const box = layout.main;
  const count = listLength(model, view);
  const rows = hiddenBytesBodyRows(layout);
  const window = listWindow(scroll, rows, count);
  const lines: React.JSX.Element[] = [];
  for (let i = window.from; i < window.to; i++) {
    lines.push(
      <StyledLine
        key={i}
        line={row(model, view, i, box.innerWidth, i === cursor)}
        style={i === cursor && focused ? { inverse: true } : {}}
      />,
    );
  }
  const hint = view === 'config' ? `${primaryKey('lists', 'back')}: back` : `${primaryKey('lists', 'activate')}: show in tree`;
  return (
    <Pane title={TITLES[view]} info={window.label || hint} focused={focused} box={box}>
      {header(model, view).map((line, i) => (
        <StyledLine key={`h${i}`} line={line} />
      ))}
      <Box flexDirection="column">{lines.length > 0 ? lines : <Text dimColor> </Text>}</Box>
    </Pane>
  );
}

/** Rows of a list pane: packages, secrets, config lines. */
export function listLength(model: UiModel, view: ListView): number {
  if (view === 'packages') return model.analysis.packages.packages.length;
  if (view === 'secrets') return model.analysis.secrets.length;
  return configRows(model.analysis.image.config).length;
}

function jumpToPackage(model: UiModel, s: UiState): UiState {
  const p = model.analysis.packages.packages[s.list.cursor];
  if (!p) return s;
  const tree = model.analysis.tree;
  const layer = p.removedIn !== undefined ? p.removedIn - 1 : model.layerCount - 1;
  // Its largest file first: where its bytes are.
  let best: number | undefined;
  let bestSize = -1;
  for (const id of p.fileIds) {
    const st = tree.stateAt(id, layer);
    const size = st ? tree.contentSize(st.entry, st.layer) : 0;
    if (size > bestSize) {
      best = id;
      bestSize = size;
    }
  }
  if (best === undefined) return note(s, `${p.name} owns no file in the image`, 'error');
  const { state, cleared } = showInTree(model, s, layer, best);
  const where = p.removedIn !== undefined ? `L${p.layer}, removed in L${p.removedIn}` : `L${p.layer}`;
  return note(
    state,
    `${p.name} ${p.version}: ${plural(p.bytes, 'byte')} in ${plural(p.files, 'file')} (${where}); largest ${displayPath(tree.pathOf(best))}${cleared}`,
  );
}

function jumpToSecret(model: UiModel, s: UiState): UiState {
  const f = model.analysis.secrets[s.list.cursor];
  if (!f) return s;
  const id = model.analysis.tree.idOf(f.path);
  if (id === undefined) return note(s, `${displayPath(f.path)} is not in the merged tree`, 'error');
  const { state, cleared } = showInTree(model, s, f.layer, id);
  return note(state, `${displayPath(f.path)}: the copy stored in L${f.layer}${cleared}`);
}

function listPane(view: ListView, toggle: PaneSpec['toggle'], activate?: PaneSpec['activate']): PaneSpec {
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
      const list = settleList(s.list, listLength(model, view), hiddenBytesBodyRows(layout));
      return list === s.list ? s : { ...s, list };
    },
    move: (model, s, command, layout) => ({ ...s, list: moveList(s.list, command, listLength(model, view), hiddenBytesBodyRows(layout)) }),
    ...(activate ? { activate } : {}),
    render: ({ model, state, focused, layout }) => (
      <ListPane model={model} view={view} cursor={state.list.cursor} scroll={state.list.scroll} focused={focused} layout={layout} />
    ),
  };
}

export const packagesPane = listPane('packages', 'togglePackages', jumpToPackage);
export const secretsPane = listPane('secrets', 'toggleSecrets', jumpToSecret);
export const configPane = listPane('config', 'toggleConfig');
