// The details pane's text for a layer, a path in the tree, or a hidden-bytes entry (each pane's
// spec says which one describes its cursor). Pure: the reducer uses the line count to scroll,
// the pane draws a window of it.
import { displayPath, sourceText, type LayerEntry } from '../core/model.js';
import { dirSizeMeaning, modeString, type ViewOptions } from '../core/view.js';
import { warningText } from '../core/warnings.js';
import { pathHistory } from '../core/inspect.js';
import { bytes, clip, percent, shortCommand } from '../report/format.js';
import type { UiModel } from './model.js';
import { plural, wrap, type Line } from './text.js';

const LABEL = 10;

function field(label: string, value: string, width: number, tone?: Line[number]['tone']): Line[] {
  const parts = wrap(value, Math.max(1, width - LABEL), 0);
  return parts.map((part, i) => [
    { text: (i === 0 ? label : '').padEnd(LABEL), tone: 'label' as const },
    tone ? { text: part, tone } : { text: part },
  ]);
}

function text(value: string, width: number, tone?: Line[number]['tone'], indent = 0): Line[] {
  return wrap(value, width, indent).map((part) => [tone ? { text: part, tone } : { text: part }]);
}

export function layerLines(model: UiModel, layer: number, width: number): Line[] {
  const { image, account, tree } = model.analysis;
  const info = image.layers[layer];
  const summary = image.summaries[layer];
  if (!info || !summary) return [];
  const stats = model.layerStats(layer);
  const lines: Line[] = [];
  lines.push([
    { text: clip(info.source ? sourceText(info.source) : shortCommand(info.command) || '(no command recorded)', width), tone: 'title' },
  ]);
  lines.push([]);
  if (info.source) lines.push(...field('source', `${info.source.file}:${info.source.line} ${info.source.instruction}`, width));
  lines.push(...field('command', info.command || '(none)', width));
  lines.push(...field('diffID', summary.diffId, width));
  if (info.blobDigest) lines.push(...field('blob', info.blobDigest, width));
  lines.push(
    ...field(
      'size',
      `${bytes(summary.sizeBytes)} in files (${bytes(summary.blobBytes)} stored, ${summary.compression === 'none' ? 'uncompressed' : summary.compression})`,
      width,
    ),
  );
  const hidden = account.hiddenByLayer[layer] ?? 0;
  lines.push(
    ...field(
      'hidden',
      hidden > 0 ? `${bytes(hidden)} of it unreachable in the final image` : 'nothing',
      width,
      hidden > 0 ? 'hidden' : undefined,
    ),
  );
  const hid = account.hidByLayer[layer] ?? 0;
  if (hid > 0) lines.push(...field('hid below', `${bytes(hid)} of the layers below made unreachable`, width, 'removed'));
  if (info.created) lines.push(...field('created', info.created, width));
  lines.push([]);
  lines.push([{ text: 'What it did to the filesystem', tone: 'title' }]);
  const row = (label: string, s: { count: number; bytes: number }, tone: 'added' | 'modified' | 'removed'): Line => [
    { text: label.padEnd(LABEL), tone },
    { text: `${plural(s.count, 'path').padStart(11)}  ${bytes(s.bytes).padStart(9)}` },
  ];
  lines.push(row('+ added', stats.added, 'added'));
  lines.push(row('~ modified', stats.modified, 'modified'));
  lines.push(row('- removed', stats.removed, 'removed'));
  lines.push(...field('touched', plural(tree.touchedBy[layer]?.length ?? 0, 'path'), width));
  const warnings = model.analysis.warnings.filter((w) => w.layer === layer);
  if (warnings.length > 0) {
    lines.push([]);
    lines.push([{ text: `Warnings (${warnings.length})`, tone: 'warning' }]);
    for (const warning of warnings) lines.push(...text(warningText(warning), width, 'warning', 2));
  }
  return lines;
}

function typeText(entry: LayerEntry): string {
  if (entry.type === 'other') return entry.device ? `${entry.device} device` : 'other';
  if (entry.type === 'dir' && entry.implicit) return 'dir (implied by its contents, not in the tar)';
  return entry.type;
}

/** `options`: the tree's view options, so a directory's size is the number its row shows, with
 *  what it counts (the whole subtree, or in changes-only mode what the layer changed below). */
export function pathLines(model: UiModel, id: number, layer: number, width: number, options?: ViewOptions): Line[] {
  const { tree, image } = model.analysis;
  const path = tree.pathOf(id);
  const status = model.view.statusAt(id, layer);
  const lines: Line[] = [];
  lines.push(...text(displayPath(path), width, 'title', 2));
  if (!status) {
    lines.push([{ text: `not present after L${layer}`, tone: 'dim' }]);
  } else {
    const { entry } = status.state;
    const what =
      status.status === 'removed'
        ? `removed by L${layer} (${status.cause ?? 'replaced'})`
        : status.status === 'unchanged'
          ? `unchanged by L${layer}`
          : `${status.status} by L${layer}`;
    lines.push(...field('status', what, width, status.status === 'unchanged' ? undefined : status.status));
    lines.push(...field('type', typeText(entry), width));
    if (entry.type === 'dir') {
      const shown = options ?? { layer, changesOnly: false };
      const size = options
        ? model.view.sizeOf(id, options, status).size
        : model.view.subtreeBytes(id, status.status === 'removed' ? layer - 1 : layer);
      lines.push(...field('size', `${bytes(size)} ${dirSizeMeaning(shown)}`, width));
    } else if (entry.type === 'hardlink') {
      lines.push(...field('size', `${bytes(tree.contentSize(entry, status.state.layer))} (shared with the link target)`, width));
    } else {
      lines.push(...field('size', bytes(entry.size), width));
    }
    lines.push(...field('mode', `${modeString(entry)} (${(entry.mode & 0o7777).toString(8).padStart(4, '0')})`, width));
    lines.push(...field('uid:gid', `${entry.uid}:${entry.gid}`, width));
    if (entry.linkTarget !== undefined) {
      const target = entry.type === 'hardlink' ? displayPath(entry.linkTarget) : entry.linkTarget;
      lines.push(...field(entry.type === 'hardlink' ? 'links to' : 'target', target, width));
    }
    if (entry.mtime > 0) lines.push(...field('mtime', new Date(entry.mtime * 1000).toISOString().replace('.000Z', 'Z'), width));
    lines.push(...field('added in', `L${status.state.addedIn}`, width));
    lines.push(...field('stored in', `L${status.state.layer}`, width));
  }
  const hidden = model.hiddenEntryFor(path);
  if (hidden)
    lines.push(
      ...field(
        'hidden',
        `${bytes(hidden.bytes)} in ${plural(hidden.count, 'copy', 'copies')} (L${hidden.layers.join(', L')})`,
        width,
        'hidden',
      ),
    );
  lines.push([]);
  lines.push([{ text: 'History', tone: 'title' }]);
  for (const item of pathHistory(tree, id, hidden)) {
    const marker = item.layer === layer ? '▸' : ' ';
    const cmd = shortCommand(image.layers[item.layer]?.command ?? '');
    let what: string;
    if (item.change === 'removed') what = `removed (${item.cause ?? 'replaced'})`;
    else if (item.type === 'file') what = `${item.change} ${bytes(item.storedBytes)}`;
    else if (item.type === 'hardlink') what = `${item.change} hard link (${bytes(item.sharedBytes)})`;
    else what = `${item.change} ${item.type}`;
    const head: Line = [
      { text: `${marker}L${item.layer} `, tone: item.layer === layer ? 'accent' : 'label' },
      { text: what, tone: item.change },
    ];
    if (item.hidden) head.push({ text: ' hidden', tone: 'hidden' });
    lines.push(head);
    if (cmd) lines.push([{ text: `    ${clip(cmd, width - 4)}`, tone: 'dim' }]);
  }
  return lines;
}

export function hiddenLines(model: UiModel, index: number, width: number): Line[] {
  const { account, image, tree } = model.analysis;
  const entry = account.entries[index];
  if (!entry) return [[{ text: 'No hidden bytes: every stored file is reachable.', tone: 'dim' }]];
  const target = model.hiddenTarget(index)!;
  const lines: Line[] = [];
  const command = (layer: number): Line[] => {
    const cmd = shortCommand(image.layers[layer]?.command ?? '');
    return cmd ? [[{ text: ' '.repeat(LABEL) + clip(cmd, width - LABEL), tone: 'dim' }]] : [];
  };
  const share = percent(account.storedBytes > 0 ? entry.bytes / account.storedBytes : 0);
  lines.push(...text(displayPath(entry.path), width, 'title', 2));
  lines.push(...field('hidden', `${bytes(entry.bytes)} in ${plural(entry.count, 'copy', 'copies')} (${share} of stored)`, width, 'hidden'));
  lines.push(
    ...field(
      'stored in',
      entry.count > 1 ? `L${entry.layers.join(', L')}; largest ${bytes(target.bytes)} in L${target.layer}` : `L${target.layer}`,
      width,
    ),
  );
  lines.push(...command(target.layer));
  if (target.hiddenBy) {
    const copy = entry.copies.find((c) => c.layer === target.layer && c.hiddenBy === target.hiddenBy!.layer);
    const how =
      target.hiddenBy.change === 'removed'
        ? `removed (${target.hiddenBy.cause ?? 'replaced'})`
        : copy?.how === 'metadata'
          ? 're-stored with the same content (only mode, owner or times changed)'
          : 'overwritten by a new copy';
    lines.push(...field('hidden by', `L${target.hiddenBy.layer}: ${how}`, width, 'removed'));
    lines.push(...command(target.hiddenBy.layer));
  } else {
    lines.push(...field('hidden by', `L${target.layer} itself (a later entry for the same path)`, width, 'removed'));
  }
  lines.push([]);
  lines.push([{ text: `Enter: show it in the tree at L${target.layer}`, tone: 'accent' }]);
  if (target.id !== undefined) {
    lines.push([]);
    lines.push([{ text: 'History', tone: 'title' }]);
    for (const item of pathHistory(tree, target.id, entry)) {
      const what =
        item.change === 'removed'
          ? `removed (${item.cause ?? 'replaced'})`
          : `${item.change} ${item.type === 'file' ? bytes(item.storedBytes) : item.type}`;
      const line: Line = [
        { text: ` L${item.layer} `, tone: 'label' },
        { text: what, tone: item.change },
      ];
      if (item.hidden) line.push({ text: ' hidden', tone: 'hidden' });
      lines.push(line);
    }
  }
  return lines;
}
