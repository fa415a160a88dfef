// Entry content observers: the one layer walk streams each regular file's content to them, so
// anything that needs the bytes (content digests, package databases, secret scanning) reads them
// in the same pass instead of decompressing the layer again.
//
// To add one: write a ContentObserverFactory (it gets the layer's LayerChanges, to which entry
// indices refer) and append it to CONTENT_OBSERVERS. `begin` is called at every regular file
// the layer records (whiteouts and refused entries are never offered); return true to receive
// that file's bytes through `data` (views valid only during the call: copy what you keep), then
// `end`. Files declined by every observer are skipped without being looked at. `finish` runs
// once after the last entry: put results in the summary there (a column of LayerChanges, or a
// new LayerSummary field); they cross threads by structured clone and are stored by the summary
// cache as JSON, so bump CACHE_FORMAT (src/sources/cache.ts) when the summary's shape changes.
// Observers run on the walk's hot path, in worker threads: no I/O, and nothing per byte that a
// gigabyte layer would notice (the bench measures it).
import type { ImagePath, LayerSummary } from './model.js';
import type { LayerChanges } from './changes.js';
import { digestObserver } from './digest.js';
import { ContentInspector, contentsObserver } from './contents.js';
import { DEFAULT_SCAN_MAX_BYTES } from './secrets.js';

export interface ContentObserver {
  /** Regular-file entry `index` of the layer's changes, `size` content bytes: true to see its bytes. */
  begin(index: number, path: ImagePath, size: number): boolean;
  /** The next bytes of the current file's content, in order. */
  data(bytes: Uint8Array): void;
  /** The current file's content is complete (also called for an empty file). */
  end(): void;
  /** After the layer's last entry. */
  finish?(summary: LayerSummary): void;
}

/** Makes the observer for one layer walk (one per walk: walks run concurrently). */
export type ContentObserverFactory = (changes: LayerChanges) => ContentObserver | Promise<ContentObserver>;

/** The observers every layer walk runs, in order. */
export const CONTENT_OBSERVERS: readonly ContentObserverFactory[] = [digestObserver, contentsObserver];

/** CONTENT_OBSERVERS with the secret scan capped at `secretsMaxBytes` per file (default 1 MiB). */
export function contentObserversFor(secretsMaxBytes: number | undefined): readonly ContentObserverFactory[] {
  if (secretsMaxBytes === undefined || secretsMaxBytes === DEFAULT_SCAN_MAX_BYTES) return CONTENT_OBSERVERS;
  return [digestObserver, () => new ContentInspector({ scanMaxBytes: secretsMaxBytes })];
}

/** Fans one content stream out to several observers, each seeing only the files it asked for. */
export class ObserverSet {
  /** The observers that asked for the current file: the first `activeCount` slots. Indexed, and
   *  never resized (this runs for every file of a layer). */
  private readonly active: ContentObserver[];
  private activeCount = 0;

  constructor(private readonly observers: readonly ContentObserver[]) {
    this.active = [...observers];
  }

  get empty(): boolean {
    return this.observers.length === 0;
  }

  begin(index: number, path: ImagePath, size: number): boolean {
    const all = this.observers;
    let n = 0;
    for (let i = 0; i < all.length; i++) if (all[i]!.begin(index, path, size)) this.active[n++] = all[i]!;
    this.activeCount = n;
    return n > 0;
  }

  data(bytes: Uint8Array): void {
    for (let i = 0; i < this.activeCount; i++) this.active[i]!.data(bytes);
  }

  end(): void {
    for (let i = 0; i < this.activeCount; i++) this.active[i]!.end();
    this.activeCount = 0;
  }

  /** The current file's content will not come after all (a sparse map too large to expand): its
   *  observers never see `end`, so it gets no digest and no finding. */
  abort(): void {
    this.activeCount = 0;
  }

  finish(summary: LayerSummary): void {
    for (const o of this.observers) o.finish?.(summary);
  }
}
