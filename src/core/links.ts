// Symbolic links of the final filesystem that cannot work: ones that climb above the image root
// (`../../../etc/shadow` from /a: the engine extracts it as it is, and inside a container it
// silently lands at /etc/shadow) and ones that loop (following them never ends: the kernel gives
// up after 40 links, ELOOP). Nothing is followed anywhere else in layerscope; this only warns.
// Bounded work: a hostile image with millions of long links cannot make it slow.
import { Op, TYPE_SYMLINK } from './changes.js';
import type { MergedTree } from './merge.js';
import type { ImageWarning, WarningKind } from './warnings.js';

/** Links the kernel follows before ELOOP. */
const MAX_HOPS = 40;
const MAX_WARNINGS = 50;
/** Path components looked at over all links; past it, the rest is not checked. */
const WORK_BUDGET = 2_000_000;

/** The nodes some layer made a symlink, ascending (the few a million-path image has are found
 *  in the layers' type columns, not by asking every node what it shows). */
function symlinkNodes(tree: MergedTree): number[] {
  const ids = new Set<number>();
  tree.summaries.forEach((summary, layer) => {
    const { changes } = summary;
    const nodes = tree.nodeOfChange[layer];
    for (let i = 0; i < changes.length; i++) {
      if (changes.typeCode(i) !== TYPE_SYMLINK || changes.op(i) !== Op.Entry) continue;
      const id = nodes?.[i];
      if (id !== undefined && id > 0) ids.add(id);
    }
  });
  return [...ids].sort((a, b) => a - b);
}

/** About the final filesystem: no `layer`, the link's `path`. */
export function symlinkWarnings(tree: MergedTree): ImageWarning[] {
  const warnings: ImageWarning[] = [];
  let more = 0;
  let work = 0;
  const warn = (kind: WarningKind, path: string, message: string) => {
    if (warnings.length < MAX_WARNINGS) warnings.push({ kind, path: `/${path}`, message });
    else more++;
  };
  const last = tree.layerCount - 1;
  /** The link target of `id` if it shows a symlink at the end, else undefined. */
  const targetOf = (id: number): string | undefined => {
    const event = tree.visibleEvent(id, last);
    if (event < 0) return undefined;
    const index = tree.eventEntryIndex(event);
    if (index < 0) return undefined;
    const changes = tree.summaries[tree.eventLayer(event)]!.changes;
    if (changes.op(index) !== Op.Entry || changes.typeCode(index) !== TYPE_SYMLINK) return undefined;
    return changes.entry(index).linkTarget ?? '';
  };
  for (const id of symlinkNodes(tree)) {
    if (work >= WORK_BUDGET) break;
    const target = targetOf(id);
    if (target === undefined) continue;
    const path = tree.pathOf(id);
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')).split('/') : [];
    if (!target.startsWith('/') && climbs(dir.length, target)) {
      warn('symlinkClimbsRoot', path, `symlink /${path} → ${target} climbs above the image root`);
      continue;
    }
    // Resolve it as the kernel would, component by component, following links on the way.
    const at: string[] = target.startsWith('/') ? [] : dir;
    const pending = target.split('/').reverse();
    let hops = 0;
    while (pending.length > 0 && work < WORK_BUDGET) {
      work++;
      const part = pending.pop()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        at.pop();
        continue;
      }
      at.push(part);
      const next = tree.idOf(at.join('/'));
      if (next === undefined || tree.visibleEvent(next, last) < 0) break; // dangling: harmless
      const link = targetOf(next);
      if (link === undefined) continue;
      if (++hops > MAX_HOPS) {
        warn('symlinkLoop', path, `symlink /${path} → ${target} loops (more than ${MAX_HOPS} links to follow)`);
        break;
      }
      at.pop();
      if (link.startsWith('/')) at.length = 0;
      for (const p of link.split('/').reverse()) pending.push(p);
    }
  }
  if (more > 0) warnings.push({ kind: 'more', message: `… and ${more} more symlinks like these` });
  return warnings;
}

/** Whether relative `target`, read in a directory `depth` levels below the root, climbs above it. */
function climbs(depth: number, target: string): boolean {
  let level = depth;
  for (const part of target.split('/')) {
    if (part === '..') {
      if (--level < 0) return true;
    } else if (part !== '' && part !== '.') level++;
  }
  return false;
}
