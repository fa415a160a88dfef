// How the browser starts, from the configuration (src/config): sort order, changes only, the
// statuses hidden, and the file tree's share of the width. Set once before the first frame
// (setPreferences); the reducer's initial state and the layout read it.
export interface UiPreferences {
  sort: 'size' | 'name';
  changesOnly: boolean;
  hide: ReadonlyArray<'added' | 'modified' | 'removed' | 'unchanged'>;
  /** Share of the width for the file tree beside the details pane (0 < w < 1). */
  treeWidth: number;
  /** Show permissions and uid:gid in the tree when there is room (dive: filetree.show-attributes). */
  attributes: boolean;
  /** Mouse reports on: the wheel scrolls, a click selects (off: --no-mouse, `mouse: false`). */
  mouse: boolean;
}

export const DEFAULT_PREFERENCES: Readonly<UiPreferences> = {
  sort: 'size',
  changesOnly: false,
  hide: [],
  treeWidth: 0.6,
  attributes: true,
  mouse: true,
};

let current: UiPreferences = { ...DEFAULT_PREFERENCES };

export function preferences(): Readonly<UiPreferences> {
  return current;
}

export function setPreferences(next: Partial<UiPreferences>): void {
  current = { ...current, ...next };
}

export function resetPreferences(): void {
  current = { ...DEFAULT_PREFERENCES };
}
