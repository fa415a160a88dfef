// What a final image carries that it probably should not, each with the layer command that put
// it there and the fix: package-manager leftovers, VCS metadata, sources and tests, build
// toolchains, and bytes deleted (or overwritten) by a later layer than the one that wrote them.
// Pure: reads the merged tree and the byte account, nothing else. A `COPY --from` is not waste
// (it is the point of a multi-stage build), and nothing here counts it as such.
import type { Analysis } from './analysis.js';
import { displayPath, sourceText, type ImagePath } from './model.js';
import { visibleCopies } from './hiddenBytes.js';
import { Op, TYPE_FILE } from './changes.js';

export type PathCategory = 'package-cache' | 'cache' | 'vcs' | 'sources' | 'tests' | 'toolchain' | 'docs' | 'other';

export type AdviceKind = Exclude<PathCategory, 'docs' | 'other'> | 'deleted-later' | 'overwritten-later' | 'restored-later';

export interface AdviceItem {
  kind: AdviceKind;
  /** One line: what it is. */
  title: string;
  /** The bytes came with the base image (a layer below AdviceOptions.baseLayers): not made by
   *  this Dockerfile's steps, so only a different base (or a multi-stage split) removes them. */
  inBase: boolean;
  /** Content bytes concerned (visible for leftovers; hidden for deleted/overwritten). */
  bytes: number;
  /** Files concerned. */
  files: number;
  /** The largest paths concerned (display form), most bytes first, at most 5. */
  paths: string[];
  /** The layer whose command put the bytes there, and that command. */
  layer: number;
  command: string;
  /** For deleted-later / overwritten-later / restored-later: the layer that removed, replaced or
   *  re-stored them (restored-later: the same content again, only mode, owner or times changed). */
  laterLayer?: number;
  laterCommand?: string;
  /** What to change, in Dockerfile terms. */
  fix: string;
  /** For a toolchain named by the package databases: the packages, largest first. */
  packages?: string[];
}

/** Packages that only build: compilers, binutils, headers, build tools (dpkg, apk and rpm names). */
const TOOLCHAIN_PACKAGE =
  /^(?:gcc(?:-\d+)?|g\+\+(?:-\d+)?|gcc-c\+\+|cpp(?:-\d+)?|binutils(?:-.*)?|libgcc-\d+-dev|libstdc\+\+-\d+-dev|libc6?-dev|linux-libc-dev|libc-dev-bin|musl-dev|glibc-devel|glibc-headers|kernel-headers|build-essential|build-base|make|cmake|ninja(?:-build)?|autoconf|automake|libtool|pkg-?config|pkgconf|clang(?:-\d+)?|llvm(?:-\d+)?(?:-dev)?|lld(?:-\d+)?|golang(?:-.*)?|go|rustc|cargo|openjdk-\d+-jdk(?:-headless)?|java-[\d.]+-openjdk-devel|libasan\d+|libtsan\d+|liblsan\d+|libubsan\d+|libcc1-\d+|libisl\d+|libmpc\d+|libmpfr\d+|libctf0|libctf-nobfd0|libgprofng0|libjansson4|libitm\d+|libquadmath\d+|libatomic\d+|libgomp\d+|libhwasan\d+|libbinutils|libsframe\d+)$/;

/** Whether an installed package only builds (a compiler, binutils, headers, a build tool): what a
 *  builder stage should keep and a final stage should not carry. */
export function isToolchainPackage(p: { manager: string; name: string }): boolean {
  return p.manager !== 'npm' && p.manager !== 'pip' && TOOLCHAIN_PACKAGE.test(p.name);
}

interface Rule {
  category: PathCategory;
  /** What the rule recognises, for the title (e.g. "apt package lists"). */
  what: string;
  test: (path: ImagePath) => boolean;
  fix: string;
}

const HOME = '(?:root|home/[^/]+)';
const re = (source: string) => new RegExp(source);

/** Ordered: the first rule that matches a path classifies it. */
const RULES: Rule[] = [
  {
    category: 'package-cache',
    what: 'apt package lists',
    test: (p) => /^var\/lib\/apt\/lists\/(?!lock$|partial$)/.test(p),
    fix: 'remove them in the RUN that installs: `apt-get update && apt-get install -y … && rm -rf /var/lib/apt/lists/*`',
  },
  {
    category: 'package-cache',
    what: 'apt download cache',
    test: (p) => /^var\/cache\/apt\//.test(p),
    fix: 'clean in the same RUN (`apt-get clean`), or use `RUN --mount=type=cache,target=/var/cache/apt`',
  },
  {
    category: 'package-cache',
    what: 'apk cache',
    test: (p) => /^(?:var\/cache\/apk|etc\/apk\/cache)\//.test(p),
    fix: 'install with `apk add --no-cache …`',
  },
  {
    category: 'package-cache',
    what: 'dnf/yum cache',
    test: (p) => /^var\/cache\/(?:dnf|yum)\//.test(p),
    fix: 'end the installing RUN with `&& dnf clean all` (or `yum clean all`)',
  },
  {
    category: 'cache',
    what: 'npm cache',
    test: (p) => re(`^${HOME}/\\.npm/`).test(p),
    fix: 'use `npm ci --omit=dev && npm cache clean --force` in one RUN, or `RUN --mount=type=cache,target=/root/.npm`',
  },
  {
    category: 'cache',
    what: 'yarn cache',
    test: (p) => re(`^(?:usr/local/share/\\.cache/yarn|${HOME}/\\.cache/yarn|${HOME}/\\.yarn/cache)/`).test(p),
    fix: 'run `yarn cache clean` in the installing RUN, or use a cache mount',
  },
  {
    category: 'cache',
    what: 'pip cache',
    test: (p) => re(`^${HOME}/\\.cache/pip/`).test(p),
    fix: 'install with `pip install --no-cache-dir …`',
  },
  {
    category: 'cache',
    what: 'Go build and module caches',
    test: (p) => re(`^(?:${HOME}/\\.cache/go-build|${HOME}/go/pkg/mod|go/pkg/mod)/`).test(p),
    fix: 'build in a builder stage and COPY --from only the binary (or use `RUN --mount=type=cache`)',
  },
  {
    category: 'cache',
    what: 'Cargo/Maven/Gradle caches',
    test: (p) => re(`^(?:${HOME}/\\.cargo/registry|usr/local/cargo/registry|${HOME}/\\.m2/repository|${HOME}/\\.gradle/caches)/`).test(p),
    fix: 'build in a builder stage and COPY --from only the artifact (or use `RUN --mount=type=cache`)',
  },
  {
    category: 'cache',
    what: 'user cache directory (~/.cache)',
    test: (p) => re(`^${HOME}/\\.cache/`).test(p),
    fix: 'delete it in the RUN that fills it, or build in a separate stage',
  },
  {
    category: 'vcs',
    what: 'version-control metadata (.git)',
    test: (p) => /(?:^|\/)\.(?:git|hg|svn)(?:\/|$)/.test(p),
    fix: 'add `.git` to .dockerignore (COPY . sends it otherwise)',
  },
  {
    category: 'toolchain',
    what: 'build toolchain (compilers, headers)',
    test: (p) =>
      /^(?:usr\/(?:local\/)?bin\/(?:[a-z0-9_]+-linux-gnu[a-z]*-)?(?:gcc|g\+\+|cc|c\+\+|cpp|clang|clang\+\+|ld|ld\.bfd|ld\.gold|as|make|cmake|rustc|cargo|go|gofmt|javac)(?:-[\w.]+)?$|usr\/include\/|usr\/lib\/gcc\/|usr\/libexec\/gcc\/|usr\/lib\/llvm[^/]*\/|usr\/local\/go\/|usr\/lib\/go[^/]*\/|usr\/local\/cargo\/|usr\/local\/rustup\/|root\/\.rustup\/|root\/\.cargo\/bin\/|usr\/lib\/jvm\/[^/]*jdk|opt\/[^/]*toolchain[^/]*\/)/.test(
        p,
      ),
    fix: 'install the toolchain in a builder stage and COPY --from only what runs',
  },
  {
    category: 'tests',
    what: 'tests',
    test: (p) =>
      !isSystemPath(p) &&
      (/(?:^|\/)(?:test|tests|__tests__|spec|specs|testdata)\//.test(p) ||
        /(?:_test\.go|\.(?:test|spec)\.[cm]?[jt]sx?|_test\.py|test_[^/]*\.py)$/.test(p)),
    fix: 'leave tests out of the final stage: .dockerignore them, or COPY only what runs',
  },
  {
    category: 'sources',
    what: 'source files',
    test: (p) =>
      !isSystemPath(p) && /\.(?:c|h|cc|cpp|cxx|hpp|hh|go|rs|java|kt|scala|cs|swift|m|mm|zig|ts|tsx|o|a)$/.test(p) && !p.endsWith('.d.ts'),
    fix: 'compile in a builder stage and COPY --from only the build output',
  },
  {
    category: 'docs',
    what: 'documentation',
    test: (p) => /^usr\/(?:local\/)?share\/(?:doc|man|info)\//.test(p),
    fix: 'exclude docs when installing (e.g. dpkg path-exclude), or ignore: usually small',
  },
];

/** Paths a distribution owns (headers, libraries): sources and tests there are not the app's. */
function isSystemPath(p: ImagePath): boolean {
  return /^(?:usr\/(?:include|share|lib|lib64|libexec|src)|lib|lib64|etc|proc|sys)\//.test(p) || /(?:^|\/)node_modules\//.test(p);
}

/** Which kind of thing a path is, by where it lives and how it is named. */
export function classifyPath(path: ImagePath): PathCategory {
  return RULES.find((r) => r.test(path))?.category ?? 'other';
}

function ruleFor(path: ImagePath): Rule | undefined {
  return RULES.find((r) => r.test(path));
}

export interface AdviceOptions {
  /** Leftover groups smaller than this are not reported (default 1). */
  minBytes?: number;
  /** How many bottom layers are the base image's (FROM): advice about them is marked inBase
   *  and listed after the image's own (default 0: every layer is the image's own). */
  baseLayers?: number;
}

const BASE_FIX = 'it comes with the base image: choose a slimmer base (or variant), or copy what you need into a fresh stage';
const BASE_DELETED_FIX =
  'deleting files of the base image does not make the image smaller: choose a base without them, or copy what you need into a fresh stage';
const BASE_REPLACED_FIX =
  'replacing a file of the base image keeps both copies: choose a base with the version you need, or copy what you need into a fresh stage';

/** Advice for one image (meant for a final stage): its own layers' items largest first, then
 *  the base image's. */
export function adviseImage(analysis: Analysis, options: AdviceOptions = {}): AdviceItem[] {
  const minBytes = options.minBytes ?? 1;
  const baseLayers = options.baseLayers ?? 0;
  const { tree, image } = analysis;
  // A layer we built names its Dockerfile line; any other, its history command.
  const command = (layer: number) => {
    const info = image.layers[layer];
    return info?.source ? sourceText(info.source) : (info?.command ?? '');
  };
  const items: AdviceItem[] = [];

  // A build toolchain the package databases name, by the layer that installed it; its files are
  // not counted again by the path rules below.
  const toolchainFiles = new Set<number>();
  const toolchains = new Map<number, Array<{ name: string; bytes: number; files: number; ids: number[] }>>();
  for (const p of analysis.packages.packages) {
    if (p.removedIn !== undefined || !isToolchainPackage(p)) continue;
    const list = toolchains.get(p.layer) ?? [];
    list.push({ name: p.name, bytes: p.bytes, files: p.files, ids: p.fileIds });
    toolchains.set(p.layer, list);
    for (const id of p.fileIds) toolchainFiles.add(id);
  }
  for (const [layer, list] of toolchains) {
    const bytes = list.reduce((n, p) => n + p.bytes, 0);
    if (bytes < minBytes) continue;
    list.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
    const inBase = layer < baseLayers;
    const names = list.slice(0, 3).map((p) => p.name);
    const sizes = new Map<string, number>();
    for (const p of list)
      for (const id of p.ids) {
        const st = tree.stateAt(id);
        if (st?.entry.type === 'file') sizes.set(displayPath(tree.pathOf(id)), st.entry.size);
      }
    items.push({
      kind: 'toolchain',
      inBase,
      title: `build toolchain: ${names.join(', ')}${list.length > 3 ? ` and ${list.length - 3} more packages` : ''}${inBase ? ' (from the base image)' : ''}`,
      bytes,
      files: list.reduce((n, p) => n + p.files, 0),
      paths: topPaths([...sizes].map(([path, b]) => ({ path, bytes: b }))),
      layer,
      command: command(layer),
      fix: inBase ? BASE_FIX : 'install the toolchain in a builder stage and COPY --from only what runs',
      packages: list.map((p) => p.name),
    });
  }

  // Leftovers still visible, grouped by (rule, layer that wrote them).
  const groups = new Map<
    string,
    { rule: Rule; layer: number; bytes: number; files: number; paths: Array<{ path: string; bytes: number }> }
  >();
  for (const { id, state } of tree.walkVisible()) {
    if (state.entry.type !== 'file') continue;
    const path = tree.pathOf(id);
    const rule = ruleFor(path);
    if (rule?.category === 'toolchain' && toolchainFiles.has(id)) continue;
    if (!rule || rule.category === 'docs') continue;
    const key = `${rule.what}\0${state.layer}`;
    const group = groups.get(key) ?? { rule, layer: state.layer, bytes: 0, files: 0, paths: [] };
    group.bytes += state.entry.size;
    group.files += 1;
    group.paths.push({ path: displayPath(path), bytes: state.entry.size });
    groups.set(key, group);
  }
  for (const g of groups.values()) {
    if (g.bytes < minBytes) continue;
    const inBase = g.layer < baseLayers;
    items.push({
      kind: g.rule.category as AdviceKind,
      inBase,
      title: `${g.rule.what} left in the image${inBase ? ' (from the base image)' : ''}`,
      bytes: g.bytes,
      files: g.files,
      paths: topPaths(g.paths),
      layer: g.layer,
      command: command(g.layer),
      fix: inBase ? BASE_FIX : g.rule.fix,
    });
  }

  // Written in one layer, deleted or replaced in a later one: the bytes stay in the first.
  // Hidden copies are exactly those the byte account counts (hiddenBytes.ts visibleCopies).
  const visible = visibleCopies(tree);
  const hidden = new Map<string, HiddenGroup>();
  tree.summaries.forEach((summary, layer) => {
    const { changes } = summary;
    const seen = visible[layer]!;
    const lastIndex = new Map<ImagePath, number>();
    for (let index = 0; index < changes.length; index++) if (changes.op(index) === Op.Entry) lastIndex.set(changes.path(index), index);
    for (let index = 0; index < changes.length; index++) {
      if (changes.op(index) !== Op.Entry || changes.typeCode(index) !== TYPE_FILE || changes.size(index) === 0) continue;
      if (seen[index]) continue;
      const path = changes.path(index);
      const size = changes.size(index);
      // An earlier duplicate entry of the same tar is hidden by its own layer: not this pattern.
      if (lastIndex.get(path) !== index) continue;
      const id = tree.nodeOfChange[layer]?.[index];
      if (id === undefined || id < 0) continue;
      // The first later event that took this copy out of view.
      const later = tree.historyOf(id).find((e) => e.layer > layer);
      if (!later) continue;
      const verb = later.change === 'modified' ? metadataOnly(tree, layer, index, later.layer, later.entryIndex) : undefined;
      const kind = later.change === 'removed' ? 'deleted-later' : verb ? 'restored-later' : 'overwritten-later';
      // A deleted directory shows as a removal of every path under it: one group per layer pair.
      const key = `${kind}\0${verb ?? ''}\0${layer}\0${later.layer}`;
      const group = hidden.get(key) ?? { kind, ...(verb ? { verb } : {}), layer, later: later.layer, bytes: 0, files: 0, paths: [] };
      group.bytes += size;
      group.files += 1;
      group.paths.push({ path: displayPath(path), bytes: size });
      hidden.set(key, group);
    }
  });
  for (const g of hidden.values()) {
    if (g.bytes < minBytes) continue;
    const inBase = g.layer < baseLayers;
    items.push({
      kind: g.kind,
      inBase,
      title: hiddenTitle(g) + (inBase ? ' (a base image layer)' : ''),
      bytes: g.bytes,
      files: g.files,
      paths: topPaths(g.paths),
      layer: g.layer,
      command: command(g.layer),
      laterLayer: g.later,
      laterCommand: command(g.later),
      fix: hiddenFix(g, inBase),
    });
  }
  // The image's own steps first (what this Dockerfile can fix), then what the base brought.
  return items.sort(
    (a, b) => Number(a.inBase) - Number(b.inBase) || b.bytes - a.bytes || a.layer - b.layer || a.title.localeCompare(b.title),
  );
}

/** Hidden copies of one kind, stored in one layer and taken out of view by one later layer. */
interface HiddenGroup {
  kind: 'deleted-later' | 'overwritten-later' | 'restored-later';
  /** restored-later: what changed (chmod, chown, chmod and chown, touch). */
  verb?: string;
  layer: number;
  later: number;
  bytes: number;
  files: number;
  paths: Array<{ path: string; bytes: number }>;
}

function hiddenTitle(g: HiddenGroup): string {
  if (g.kind === 'restored-later')
    return `re-stored by ${g.verb} in layer ${g.later}: the same content again, the copy in layer ${g.layer} is still stored`;
  if (g.kind === 'deleted-later') return `deleted in layer ${g.later}, but still stored in layer ${g.layer}`;
  return `replaced in layer ${g.later}; the first version is still stored in layer ${g.layer}`;
}

function hiddenFix(g: HiddenGroup, inBase: boolean): string {
  if (g.kind === 'restored-later') return RESTORED_FIX[g.verb!] ?? RESTORED_FIX.touch!;
  if (g.kind === 'deleted-later')
    return inBase
      ? BASE_DELETED_FIX
      : 'delete in the same RUN that creates the files (`… && rm …`), or create them in a builder stage and COPY --from only the result';
  return inBase ? BASE_REPLACED_FIX : 'write the file once, in its final form (or in a builder stage); an overwrite keeps both copies';
}

/** How a later layer's change to a file re-stored it with the same content, judged by content
 *  digest and size: 'chmod', 'chown', 'chmod and chown' or 'touch'; undefined when the content
 *  differs (a real replacement). */
function metadataOnly(tree: Analysis['tree'], layer: number, index: number, laterLayer: number, laterIndex: number): string | undefined {
  if (laterIndex < 0) return undefined;
  const was = tree.summaries[layer]!.changes;
  const now = tree.summaries[laterLayer]!.changes;
  if (now.typeCode(laterIndex) !== TYPE_FILE || now.size(laterIndex) !== was.size(index)) return undefined;
  const digest = was.digest(index);
  if (digest === undefined || now.digest(laterIndex) !== digest) return undefined;
  const before = was.entry(index);
  const after = now.entry(laterIndex);
  const chmod = after.mode !== before.mode;
  const chown = after.uid !== before.uid || after.gid !== before.gid;
  return chmod && chown ? 'chmod and chown' : chmod ? 'chmod' : chown ? 'chown' : 'touch';
}

const RESTORED_FIX: Readonly<Record<string, string>> = {
  chmod: 'use `COPY --chmod=…` (or chmod in the RUN that writes the file): a chmod in a later layer stores the whole file again',
  chown: 'use `COPY --chown=…` (or chown in the RUN that writes the file): a chown in a later layer stores the whole file again',
  'chmod and chown':
    'use `COPY --chmod=… --chown=…` (or change them in the RUN that writes the file): a later chmod or chown stores the whole file again',
  touch: 'drop the later step that only touches the files (or do it where they are written): it stores the whole file again',
};

function topPaths(paths: Array<{ path: string; bytes: number }>): string[] {
  return [...paths]
    .sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .slice(0, 5)
    .map((p) => p.path);
}
