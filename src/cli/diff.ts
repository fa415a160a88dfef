// `layerscope diff IMAGE PATH [--from N --to M]`: a file against its previous stored copy (or the
// copies two layers store); `layerscope diff A B PATH`: the visible copies in two images.
// Text: a unified diff (coloured on a terminal, where image content is escaped); binary: the size
// and sha256 of each side.
import { createHash } from 'node:crypto';
import { styleText } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { findCopy, parseLayerOption, previousCopy, storedCopies, userPath, type StoredCopy } from '../core/contentPath.js';
import { InputError } from '../core/errors.js';
import { escapeForTerminal } from '../core/paths.js';
import { looksLikeText } from '../core/contentKind.js';
import type { ImageContent } from '../sources/content.js';
import { pullPrinter } from './progress.js';
import { type ImageOptions, type OpenedImage, withImageContent as openContent } from '../app/open.js';
import { writeOut } from '../app/write.js';

export interface DiffOptions extends ImageOptions {
  from?: string;
  to?: string;
}

/** Above this, a text file is summarised like a binary one (a line diff would take too long). */
const MAX_TEXT_DIFF_BYTES = 16 * 1024 * 1024;

export interface DiffSide {
  label: string;
  bytes: Buffer;
}

export async function runDiff(a: string, b: string, c: string | undefined, options: DiffOptions): Promise<number> {
  if (c === undefined) {
    return withContent(a, options, async ({ analysis, content }) => {
      const tree = analysis.tree;
      const from = parseLayerOption(options.from, tree, '--from');
      const to = parseLayerOption(options.to, tree, '--to');
      const newer = to !== undefined ? findCopy(tree, b, { layer: to, followLast: true }) : latestCopy(tree, b);
      const older =
        from !== undefined
          ? findCopy(tree, b, { layer: from, followLast: true })
          : (previousCopy(tree, newer) ??
            (() => {
              throw new InputError(
                `/${newer.path} has only one stored copy (layer ${newer.layer}): nothing to diff; name two with --from N --to M`,
              );
            })());
      const left = await sideOf(content, older, `/${older.path} (layer ${older.layer})`);
      const right = await sideOf(content, newer, `/${newer.path} (layer ${newer.layer})`);
      await writeOut(formatDiff(left, right, process.stdout.isTTY === true));
      return 0;
    });
  }
  if (options.from !== undefined || options.to !== undefined)
    throw new InputError('--from/--to name layers of one image: use diff IMAGE PATH --from N --to M');
  return withContent(a, options, (left) =>
    withContent(b, options, async (right) => {
      const l = findCopy(left.analysis.tree, c, { followLast: true });
      const r = findCopy(right.analysis.tree, c, { followLast: true });
      const out = formatDiff(
        await sideOf(left.content, l, `${a}:/${l.path}`),
        await sideOf(right.content, r, `${b}:/${r.path}`),
        process.stdout.isTTY === true,
      );
      await writeOut(out);
      return 0;
    }),
  );
}

/** The visible copy, or when the path is gone, its last stored copy. */
function latestCopy(tree: Parameters<typeof storedCopies>[0], raw: string): StoredCopy {
  try {
    return findCopy(tree, raw, { followLast: true });
  } catch (e) {
    const id = tree.idOf(userPath(raw));
    const copies = id === undefined ? [] : storedCopies(tree, id);
    const last = copies[copies.length - 1];
    if (last) return last;
    throw e;
  }
}

async function sideOf(content: ImageContent, copy: StoredCopy, label: string): Promise<DiffSide> {
  if (copy.entry.type === 'dir') throw new InputError(`/${copy.path} is a directory; diff compares files`);
  if (copy.entry.type === 'symlink') return { label, bytes: Buffer.from(`symlink → ${copy.entry.linkTarget ?? ''}\n`) };
  if (copy.entry.type === 'other') throw new InputError(`/${copy.path} is a ${copy.entry.device ?? 'special'} node; diff compares files`);
  const chunks: Buffer[] = [];
  for await (const chunk of content.stream(copy.layer, copy.index)) chunks.push(chunk);
  return { label, bytes: Buffer.concat(chunks) };
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The diff as printed: a unified diff of text, or sizes and digests of binary content. */
export function formatDiff(left: DiffSide, right: DiffSide, colour: boolean): string {
  const safe = (s: string) => (colour ? escapeForTerminal(s, { keepTabs: true }) : s);
  if (left.bytes.equals(right.bytes)) {
    return `identical: ${safe(left.label)} and ${safe(right.label)}, ${left.bytes.length} bytes, sha256 ${sha256(left.bytes)}\n`;
  }
  const text =
    looksLikeText(left.bytes) &&
    looksLikeText(right.bytes) &&
    left.bytes.length <= MAX_TEXT_DIFF_BYTES &&
    right.bytes.length <= MAX_TEXT_DIFF_BYTES;
  if (!text) {
    return [
      'binary files differ',
      `  ${safe(left.label)}: ${left.bytes.length} bytes, sha256 ${sha256(left.bytes)}`,
      `  ${safe(right.label)}: ${right.bytes.length} bytes, sha256 ${sha256(right.bytes)}`,
      '',
    ].join('\n');
  }
  const patch = createTwoFilesPatch(left.label, right.label, left.bytes.toString('utf8'), right.bytes.toString('utf8'), '', '');
  // The first line is the patch's own separator (=====); unified diffs start at ---.
  const lines = patch.split('\n').filter((l, i) => !(i === 0 && l.startsWith('====')));
  if (!colour) return lines.join('\n');
  return lines
    .map((line) => {
      const shown = safe(line);
      if (line.startsWith('+++') || line.startsWith('---')) return styleText('bold', shown);
      if (line.startsWith('@@')) return styleText('cyan', shown);
      if (line.startsWith('+')) return styleText('green', shown);
      if (line.startsWith('-')) return styleText('red', shown);
      return shown;
    })
    .join('\n');
}

/** The image opened for its content, engine pulls shown on stderr. */
function withContent<T>(spec: string | undefined, options: ImageOptions, use: (image: OpenedImage) => Promise<T>): Promise<T> {
  return openContent(spec, options, use, { onPull: pullPrinter() });
}
