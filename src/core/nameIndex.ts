// Which paths of a merged tree hold a piece of text, without testing a million path strings one
// by one: every node's name in one string (once as written, once lower-cased), searched with
// indexOf. Text without a `/` lies inside one name of a path or not at all, so a path holds it
// exactly when its own name or an ancestor's does; a parent's id is below its children's, so one
// pass over the ids carries a match down to everything under it.
import type { MergedTree } from './merge.js';

/** Names never hold `/`: the separator between them in the joined string. */
const SEPARATOR = '/';

interface Joined {
  text: string;
  /** starts[id]: where node id's name begins in `text` (starts[nodeCount]: the end). */
  starts: Int32Array;
}

export class NameIndex {
  private exact: Joined | undefined;
  private folded: Joined | undefined;
  /** 1 where the name has a character beyond ASCII (its lower-cased copy may not line up with the
   *  regular expression's case folding: such names are tested again by the caller's test). */
  private wide: Uint8Array | undefined;

  constructor(private readonly tree: MergedTree) {}

  /** Whether `text` can be looked up here: no `/`, and lower-case ASCII when case is ignored. */
  static handles(text: string, ignoreCase: boolean): boolean {
    if (text === '' || text.includes(SEPARATOR)) return false;
    return !ignoreCase || isAscii(text);
  }

  /** Ids (ascending, the root excluded) of every node whose path holds `text` in some name.
   *  `retest` confirms a hit in a non-ASCII name when case is ignored. */
  pathsHolding(text: string, ignoreCase: boolean, retest: (name: string) => boolean): number[] {
    const n = this.tree.nodeCount;
    const own = this.namesHolding(ignoreCase ? text.toLowerCase() : text, ignoreCase, retest);
    const out: number[] = [];
    for (let id = 1; id < n; id++) {
      if (own[id] === 0 && own[this.tree.parentOf(id)] === 1) own[id] = 1;
      if (own[id] === 1) out.push(id);
    }
    return out;
  }

  /** Builds the lower-cased names (what most filters, typed in lower case, search). */
  prepare(): void {
    this.joined(true);
  }

  /** 1 at every node whose own name holds `text`. */
  private namesHolding(text: string, ignoreCase: boolean, retest: (name: string) => boolean): Uint8Array {
    const joined = this.joined(ignoreCase);
    const own = new Uint8Array(this.tree.nodeCount);
    const { starts } = joined;
    let id = 1;
    for (let at = joined.text.indexOf(text); at >= 0; ) {
      // The name the hit starts in: the last start at or before it (ids only grow with `at`).
      while (starts[id + 1]! <= at) id++;
      if (!ignoreCase || this.wide![id] === 0 || retest(this.tree.nameOf(id))) own[id] = 1;
      // The next hit past this name (one hit per name is enough).
      at = joined.text.indexOf(text, starts[id + 1]!);
    }
    return own;
  }

  private joined(ignoreCase: boolean): Joined {
    if (ignoreCase) {
      this.folded ??= this.join(true);
      return this.folded;
    }
    this.exact ??= this.join(false);
    return this.exact;
  }

  private join(fold: boolean): Joined {
    const n = this.tree.nodeCount;
    const starts = new Int32Array(n + 1);
    const wide = fold ? new Uint8Array(n) : undefined;
    const parts: string[] = new Array(n);
    // The root has no name: an empty part keeps ids and positions in step.
    parts[0] = '';
    let at = 1;
    for (let id = 1; id < n; id++) {
      let name = this.tree.nameOf(id);
      if (wide && !isAscii(name)) wide[id] = 1;
      if (fold) name = name.toLowerCase();
      starts[id] = at;
      parts[id] = name;
      at += name.length + 1;
    }
    starts[n] = at;
    if (wide) this.wide = wide;
    // The root's empty name first: every other name follows a separator, at starts[id].
    return { text: parts.join(SEPARATOR), starts };
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
