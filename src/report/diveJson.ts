/**
 * `--json-format dive`: the report in dive's `--json` export schema, so scripts written for dive
 * keep working. Matched against dive v0.13 `cmd/dive/cli/internal/command/export/export.go`
 * (the same schema as v0.12 `runtime/export/export.go`):
 *
 *   { "layer": [ { index, id, digestId, sizeBytes, command, fileList: [FileInfo] } ],
 *     "image": { sizeBytes, inefficientBytes, efficiencyScore, fileReference: [ { count, sizeBytes, file } ] } }
 *
 *   - FileInfo (`dive/filetree/file_info.go`): { path, typeFlag, linkName, size, fileMode, uid, gid,
 *     isDir }. `typeFlag` is the tar type byte ('0' = 48 …), `fileMode` Go's os.FileMode of the tar
 *     header (permissions, setuid/setgid/sticky as bits 23/22/20, a directory as bit 31, a symlink
 *     27, a device 26 (+21 for a character device), a FIFO 25). `path` is the cleaned tar name.
 *   - fileList: every node of the layer's own tree, depth first, children (by name) before their
 *     parent, never the root — `VisitDepthChildFirst`. Parents the tar did not list are nodes with
 *     an empty FileInfo (path "", zeros); a whiteout `.wh.NAME` is a node of that name; an opaque
 *     marker adds no node; a name listed twice is one node, the last entry's.
 *   - layer sizeBytes: the layer's regular-file bytes (`LayerSummary.sizeBytes`, dive's FileSize);
 *     digestId: its diffID; image: dive's metrics (src/core/dive.ts), fileReference largest first.
 *
 * Where layerscope cannot be exact (documented in the README):
 *   - `id`: dive takes the first path segment of the layer's file inside a `docker save` tar (the
 *     legacy layer directory; `blobs` for Docker 25+ archives). Sources other than an archive
 *     have no such name: layerscope writes the diffID's hex for every source.
 *   - `command`: dive writes `created_by` minus a leading `/bin/sh -c `. layerscope keeps the step
 *     in its rendered form: `RUN /bin/sh -c X` is written `X` as dive does, but a legacy
 *     `#(nop) ` prefix or a BuildKit `# buildkit` suffix is not restored.
 *   - A whiteout's own header (mode, owner) is not kept by the walker: written as a regular file
 *     of mode 0, owner 0:0, size 0 (what Docker writes).
 */
import type { Analysis } from '../core/analysis.js';
import { Op } from '../core/changes.js';
import { sortVisits } from '../core/dive.js';
import type { LayerEntry, LayerSummary } from '../core/model.js';

export interface DiveFileInfo {
  path: string;
  typeFlag: number;
  linkName: string;
  size: number;
  fileMode: number;
  uid: number;
  gid: number;
  isDir: boolean;
}

export interface DiveExport {
  layer: Array<{ index: number; id: string; digestId: string; sizeBytes: number; command: string; fileList: DiveFileInfo[] }>;
  image: {
    sizeBytes: number;
    inefficientBytes: number;
    efficiencyScore: number;
    fileReference: Array<{ count: number; sizeBytes: number; file: string }>;
  };
}

const EMPTY: DiveFileInfo = { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false };

// Go's os.FileMode bits.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_NAMED_PIPE = 2 ** 25;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_CHAR_DEVICE = 2 ** 21;
const MODE_STICKY = 2 ** 20;

function typeFlagOf(entry: LayerEntry): string {
  switch (entry.type) {
    case 'file':
      return '0';
    case 'hardlink':
      return '1';
    case 'symlink':
      return '2';
    case 'dir':
      return '5';
    default:
      return entry.device === 'char' ? '3' : entry.device === 'block' ? '4' : '6';
  }
}

/** Go's `tar.Header.FileInfo().Mode()` for the entry. */
function fileModeOf(entry: LayerEntry, flag: string): number {
  let mode = entry.mode & 0o777;
  if (entry.mode & 0o4000) mode += MODE_SETUID;
  if (entry.mode & 0o2000) mode += MODE_SETGID;
  if (entry.mode & 0o1000) mode += MODE_STICKY;
  if (flag === '5') mode += MODE_DIR;
  else if (flag === '2') mode += MODE_SYMLINK;
  else if (flag === '3') mode += MODE_DEVICE + MODE_CHAR_DEVICE;
  else if (flag === '4') mode += MODE_DEVICE;
  else if (flag === '6') mode += MODE_NAMED_PIPE;
  return mode;
}

function fileInfoOf(entry: LayerEntry): DiveFileInfo {
  const flag = typeFlagOf(entry);
  return {
    path: entry.path,
    typeFlag: flag.charCodeAt(0),
    linkName: entry.linkTarget ?? '',
    size: entry.size,
    fileMode: fileModeOf(entry, flag),
    uid: entry.uid,
    gid: entry.gid,
    isDir: flag === '5',
  };
}

/** The nodes of one layer's own tree, as dive builds it, in dive's visiting order. */
export function diveFileList(summary: LayerSummary): DiveFileInfo[] {
  const nodes = new Map<string, DiveFileInfo>();
  const implied = (path: string) => {
    for (let cut = path.indexOf('/'); cut > 0; cut = path.indexOf('/', cut + 1)) {
      const parent = path.slice(0, cut);
      if (!nodes.has(parent)) nodes.set(parent, EMPTY);
    }
  };
  const { changes } = summary;
  for (let i = 0; i < changes.length; i++) {
    const path = changes.path(i);
    if (path === '') continue;
    const op = changes.op(i);
    if (op === Op.Entry) {
      implied(path);
      nodes.set(path, fileInfoOf(changes.entry(i)));
    } else if (op === Op.Whiteout) {
      const slash = path.lastIndexOf('/');
      const name = `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`;
      implied(name);
      nodes.set(name, { ...EMPTY, path: name, typeFlag: 48 });
    } else {
      // An opaque marker: no node, but its directory exists in the layer's tree.
      implied(`${path}/x`);
    }
  }
  const visits = [...nodes].map(([path, info]) => ({ names: path.split('/'), info }));
  return sortVisits(visits).map((v) => v.info);
}

/** dive's command for a layer: `created_by` minus a leading `/bin/sh -c `. */
function diveCommand(command: string): string {
  return command.replace(/^RUN \/bin\/sh -c /, '').replace(/^RUN (\|\d+ )/, '$1');
}

export function diveJsonReport(analysis: Analysis): DiveExport {
  const { image, dive } = analysis;
  return {
    layer: image.layers.map((layer, index) => ({
      index,
      id: layer.diffId.replace(/^sha256:/, ''),
      digestId: layer.diffId,
      sizeBytes: image.summaries[index]!.sizeBytes,
      command: diveCommand(layer.command),
      fileList: diveFileList(image.summaries[index]!),
    })),
    image: {
      sizeBytes: dive.sizeBytes,
      inefficientBytes: dive.wastedBytes,
      efficiencyScore: dive.efficiency,
      fileReference: dive.inefficiencies.map((f) => ({ count: f.count, sizeBytes: f.cumulativeSize, file: f.path })),
    },
  };
}
