// Warnings as data: what was read but is suspicious or malformed, said once where it is found
// (the walk, the merge, the symlink check, the image's metadata) and shown as text, JSON or in
// the browser without parsing the text back.

/** What a warning is about. */
export type WarningKind =
  /** An entry whose name or link target is longer than the walk accepts: ignored. */
  | 'nameTooLong'
  /** An entry whose name cannot be a path (NUL, empty component…): ignored. */
  | 'suspiciousName'
  /** An entry whose name climbs above the layer root (`../x`): it lands on the root. */
  | 'nameClimbsRoot'
  /** An entry written through a symlink of the same layer, as the engine does. */
  | 'throughSymlink'
  /** A whiteout that is not an empty regular file: applied all the same. */
  | 'whiteoutNotFile'
  /** `.wh.` with nothing after it: ignored. */
  | 'whiteoutNoName'
  /** An opaque marker inside a file (or device) of its own layer: the engine's mark changes nothing. */
  | 'opaqueOnFile'
  /** A whiteout of a path no lower layer has. */
  | 'whiteoutOfNothing'
  /** A symlink of the final filesystem whose target climbs above the image root. */
  | 'symlinkClimbsRoot'
  /** A symlink of the final filesystem that loops. */
  | 'symlinkLoop'
  /** Warnings counted but not kept ("… and N more"). */
  | 'more'
  /** The image's metadata (manifest, config, source): not about one layer's files. */
  | 'image';

/** A warning found while reading one layer (LayerSummary.warnings; the layer is implied). */
export interface LayerWarning {
  kind: WarningKind;
  /** The path in the image it is about (`/etc/passwd`), when there is one. */
  path?: string;
  /** The sentence shown, without the layer. */
  message: string;
}

/** A warning about the image: `layer` is the layer index when it is about one layer. */
export interface ImageWarning extends LayerWarning {
  layer?: number;
}

/** `layer 2: whiteout of /x, which no lower layer has`: the one-line text form. */
export function warningText(warning: ImageWarning | string): string {
  if (typeof warning === 'string') return warning;
  return warning.layer === undefined ? warning.message : `layer ${warning.layer}: ${warning.message}`;
}

export function isLayerWarning(value: unknown): value is LayerWarning {
  if (typeof value !== 'object' || value === null) return false;
  const w = value as Record<string, unknown>;
  return typeof w.kind === 'string' && typeof w.message === 'string' && (w.path === undefined || typeof w.path === 'string');
}
