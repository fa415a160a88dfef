// The pane registry (src/ui/panes/index.tsx): every registered pane is reached by the keys the
// key map gives it, takes its key context, and its toggle brings the tree back — the reducer and
// the help know the panes only through the registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisOf } from '../helpers/ui.js';
import { createModel } from '../../src/ui/model.js';
import { createReducer, initialState, keyContext, type UiState } from '../../src/ui/state.js';
import { BROWSER_HELP_CONTEXTS } from '../../src/ui/help.js';
import { activeKeymap, commandFor } from '../../src/ui/keymap.js';
import { PANES } from '../../src/ui/panes/index.js';

test('the registry: layers, tree, details, then the panes that take the tree’s place, each with its own context', () => {
  assert.deepEqual(
    PANES.map((p) => `${p.id}:${p.slot}:${p.context}:${p.toggle ?? '-'}`),
    [
      'layers:layers:layers:-',
      'tree:main:files:-',
      'details:details:details:-',
      'hiddenBytes:main:hiddenBytes:toggleHiddenBytes',
      'packages:main:lists:togglePackages',
      'secrets:main:lists:toggleSecrets',
      'config:main:lists:toggleConfig',
    ],
  );
  assert.deepEqual(BROWSER_HELP_CONTEXTS, ['browser', 'layers', 'files', 'details', 'hiddenBytes', 'lists', 'prompt', 'help']);
});

test('each main-slot pane: its toggle key opens it with focus and its context; the same key brings the tree back', async () => {
  const model = createModel(await analysisOf());
  const reducer = createReducer(model);
  const start = initialState(model, { columns: 100, rows: 30 });
  const press = (s: UiState, name: string) => reducer(s, { type: 'key', name, text: name });
  for (const pane of PANES.filter((p) => p.toggle)) {
    const row = activeKeymap().find((r) => r.context === 'browser' && r.action === pane.toggle);
    assert.ok(row, `a browser key for ${pane.toggle}`);
    const key = row.key[0]!;
    assert.equal(commandFor(key, 'layers'), pane.toggle);
    const open = press(start, key);
    assert.equal(open.mainView, pane.id);
    assert.equal(open.focus, 'main');
    assert.equal(open.subject, pane.subject);
    assert.equal(keyContext(open), pane.context);
    // Its own context may bind the key to something else (back); the toggle itself always closes it.
    const closed = reducer(open, { type: pane.toggle! });
    assert.equal(closed.mainView, 'tree');
    assert.equal(keyContext(closed), 'files');
  }
});
