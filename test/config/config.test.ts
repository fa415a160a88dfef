// The configuration: dive's file imported (fixture test/fixtures/config/dive.yaml, where dive looks
// for it), layerscope's file (fixture config.yaml), LAYERSCOPE_* variables and flags, in that order
// of precedence, each value naming where it came from; key overrides through the key map; what the
// configuration changes in the browser (theme, keys, starting state, layout).
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyUiConfig } from '../../src/config/apply.js';
import { diveKeyName, findDiveConfig } from '../../src/config/dive.js';
import { loadConfig } from '../../src/config/load.js';
import { ciBaseOf } from '../../src/config/print.js';
import { InputError } from '../../src/core/errors.js';
import { loadCiRules } from '../../src/report/ci.js';
import { commandFor, KEYMAP, setKeymap } from '../../src/ui/keymap.js';
import { layoutFor } from '../../src/ui/layout.js';
import { createModel } from '../../src/ui/model.js';
import { resetPreferences } from '../../src/ui/preferences.js';
import { initialState } from '../../src/ui/state.js';
import { applyTheme, colourWanted, makeTheme, THEME_NAMES, theme } from '../../src/ui/theme.js';
import { repoRoot } from '../helpers/cli.js';
import { analysisOf } from '../helpers/ui.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'config');
const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  setKeymap(KEYMAP);
  resetPreferences();
  applyTheme('default');
});

/** A home directory with the given files (paths relative to it). */
function home(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-home-'));
  made.push(dir);
  for (const [name, from] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    if (from.startsWith('fixture:')) copyFileSync(join(FIXTURES, from.slice(8)), join(dir, name));
    else writeFileSync(join(dir, name), from);
  }
  return dir;
}

test('no file anywhere: the built-in defaults, each from "the default"', () => {
  const h = home();
  const config = loadConfig({ env: {}, home: h });
  assert.deepEqual(config.file, { path: join(h, '.config', 'layerscope', 'config.yaml'), found: false });
  assert.equal(config.diveFile, null);
  assert.deepEqual(Object.fromEntries(Object.entries(config.defaults).map(([k, v]) => [k, [v.value, v.source]])), {
    theme: ['default', 'default'],
    sort: ['size', 'default'],
    changesOnly: [false, 'default'],
    hide: [[], 'default'],
    attributes: [true, 'default'],
    treeWidth: [0.6, 'default'],
    collapseDirs: [true, 'default'],
    mouse: [true, 'default'],
    secretsMaxBytes: [1048576, 'default'],
  });
  assert.deepEqual(config.keys, {});
  assert.deepEqual(config.notes, []);
});

test("dive's ~/.dive.yaml carries over: filetree, diff.hide, layer and the keybindings layerscope can take", () => {
  const h = home({ '.dive.yaml': 'fixture:dive.yaml' });
  const config = loadConfig({ env: {}, home: h });
  const dive = join(h, '.dive.yaml');
  assert.equal(config.diveFile, dive);
  const d = config.defaults;
  assert.deepEqual([d.treeWidth.value, d.treeWidth.source, d.treeWidth.origin], [0.7, 'dive', `${dive} filetree.pane-width`]);
  assert.deepEqual([d.attributes.value, d.attributes.origin], [false, `${dive} filetree.show-attributes`]);
  assert.deepEqual([d.collapseDirs.value, d.collapseDirs.origin], [false, `${dive} filetree.collapse-dir`]);
  assert.deepEqual([d.hide.value, d.hide.origin], [['unchanged'], `${dive} diff.hide`]);
  // show-aggregated-changes: true = the whole filesystem, not only the layer's changes.
  assert.deepEqual([d.changesOnly.value, d.changesOnly.origin], [false, `${dive} layer.show-aggregated-changes`]);
  assert.equal(d.theme.source, 'default');
  // Keys are added to layerscope's own, where the key map accepts them.
  assert.deepEqual(config.keys['browser.pageDown'], { value: ['pgdn', 'Z'], source: 'dive', origin: `${dive} keybinding.page-down` });
  assert.deepEqual(config.keys['prompt.quit']?.value, ['ctrl-c', 'q']);
  assert.equal(config.keys['browser.pageUp'], undefined, 'u is toggleUnchanged in the browser');
  assert.equal(config.keys['browser.toggleAdded'], undefined, 'ctrl-a is not a key layerscope binds');
  assert.ok(config.notes.includes(`${dive}: keybinding.extract-file: layerscope has no such command; ignored`));
  assert.ok(config.notes.includes(`${dive}: keybinding.filter-files: key "ctrl+slash" cannot be read by layerscope; ignored`));
  assert.ok(
    config.notes.includes(
      `${dive} keybinding.page-up: key u not used (key u is bound to both pageUp and toggleUnchanged in the Browser (every pane) context)`,
    ),
  );
  // The browser takes them.
  applyUiConfig(config, {});
  assert.equal(commandFor('Z', 'files'), 'pageDown');
  assert.equal(commandFor('u', 'files'), 'toggleUnchanged');
  assert.equal(commandFor('pgdn', 'files'), 'pageDown', 'the plain keys keep working');
});

test("dive's file is looked for where dive looks: $XDG_CONFIG_HOME/dive/*.yaml (first by name), then ~/.config/dive, then ~/.dive.yaml", () => {
  const h = home({
    'xdg/dive/b.yaml': 'filetree:\n  pane-width: 0.3\n',
    'xdg/dive/a.yaml': 'filetree:\n  pane-width: 0.2\n',
    'xdg/dive/notes.txt': 'x',
    '.config/dive/c.yaml': 'filetree:\n  pane-width: 0.4\n',
    '.dive.yaml': 'filetree:\n  pane-width: 0.5\n',
  });
  assert.equal(findDiveConfig({ XDG_CONFIG_HOME: join(h, 'xdg') }, h), join(h, 'xdg', 'dive', 'a.yaml'));
  assert.equal(loadConfig({ env: { XDG_CONFIG_HOME: join(h, 'xdg') }, home: h }).defaults.treeWidth.value, 0.2);
  assert.equal(findDiveConfig({}, h), join(h, '.config', 'dive', 'c.yaml'));
  rmSync(join(h, '.config', 'dive'), { recursive: true });
  assert.equal(findDiveConfig({}, h), join(h, '.dive.yaml'));
  // A value dive itself would refuse is a note, not an error.
  const bad = home({ '.dive.yaml': 'filetree:\n  pane-width: 1.5\n' });
  const config = loadConfig({ env: {}, home: bad });
  assert.equal(config.defaults.treeWidth.value, 0.6);
  assert.deepEqual(config.notes, [`${join(bad, '.dive.yaml')}: filetree.pane-width must be > 0 and < 1 (as dive requires); ignored`]);
});

test('precedence: default < dive < config file < LAYERSCOPE_* < flag', () => {
  const h = home({ '.dive.yaml': 'fixture:dive.yaml', '.config/layerscope/config.yaml': 'fixture:config.yaml' });
  const file = join(h, '.config', 'layerscope', 'config.yaml');
  const pick = (env: NodeJS.ProcessEnv, flags = {}) => {
    const c = loadConfig({ env, home: h, flags });
    return {
      theme: [c.defaults.theme.value, c.defaults.theme.origin],
      treeWidth: [c.defaults.treeWidth.value, c.defaults.treeWidth.origin],
    };
  };
  assert.deepEqual(pick({}), { theme: ['light', `${file} defaults.theme`], treeWidth: [0.5, `${file} defaults.treeWidth`] });
  assert.deepEqual(pick({ LAYERSCOPE_THEME: 'high-contrast', LAYERSCOPE_TREE_WIDTH: '0.4' }), {
    theme: ['high-contrast', 'LAYERSCOPE_THEME'],
    treeWidth: [0.4, 'LAYERSCOPE_TREE_WIDTH'],
  });
  assert.deepEqual(pick({ LAYERSCOPE_THEME: 'high-contrast' }, { theme: 'default' }).theme, ['default', '--theme']);
  // dive's value shows through where the file says nothing.
  const c = loadConfig({ env: {}, home: h });
  assert.deepEqual([c.defaults.attributes.value, c.defaults.attributes.source], [false, 'dive']);
  assert.deepEqual([c.defaults.sort.value, c.defaults.sort.source], ['name', 'file']);
  assert.deepEqual(c.keys.toggleHelp, { value: ['H', '?'], source: 'file', origin: `${file} keys.toggleHelp` });
  // --config and LAYERSCOPE_CONFIG name another file; the flag wins.
  const other = join(h, 'other.yaml');
  writeFileSync(other, 'theme: high-contrast\n');
  assert.equal(loadConfig({ env: { LAYERSCOPE_CONFIG: other }, home: h }).defaults.theme.value, 'high-contrast');
  assert.equal(
    loadConfig({ env: { LAYERSCOPE_CONFIG: other }, home: h, flags: { config: join(FIXTURES, 'config.yaml') } }).defaults.theme.value,
    'light',
  );
  // $XDG_CONFIG_HOME moves the default place.
  const xdg = home({ 'layerscope/config.yaml': 'defaults:\n  sort: name\n' });
  assert.equal(loadConfig({ env: { XDG_CONFIG_HOME: xdg }, home: h }).file.path, join(xdg, 'layerscope', 'config.yaml'));
});

test('secretsMaxBytes: file (a size or a number of bytes) < LAYERSCOPE_SECRETS_MAX_BYTES < --secrets-max-bytes', () => {
  const h = home({ '.config/layerscope/config.yaml': 'defaults:\n  secretsMaxBytes: 16MiB\n' });
  const file = join(h, '.config', 'layerscope', 'config.yaml');
  const pick = (env: NodeJS.ProcessEnv, flags = {}) => {
    const v = loadConfig({ env, home: h, flags }).defaults.secretsMaxBytes;
    return [v.value, v.source, v.origin];
  };
  assert.deepEqual(pick({}), [16_777_216, 'file', `${file} defaults.secretsMaxBytes`]);
  assert.deepEqual(pick({ LAYERSCOPE_SECRETS_MAX_BYTES: '2MB' }), [2_000_000, 'env', 'LAYERSCOPE_SECRETS_MAX_BYTES']);
  assert.deepEqual(pick({ LAYERSCOPE_SECRETS_MAX_BYTES: '2MB' }, { secretsMaxBytes: '0' }), [0, 'flag', '--secrets-max-bytes']);
  // The top-level shortcut and a plain number of bytes.
  const n = home({ '.config/layerscope/config.yaml': 'secretsMaxBytes: 4096\n' });
  assert.deepEqual(loadConfig({ env: {}, home: n }).defaults.secretsMaxBytes.value, 4096);
  assert.throws(() => loadConfig({ env: { LAYERSCOPE_SECRETS_MAX_BYTES: 'lots' }, home: home() }), {
    message: 'LAYERSCOPE_SECRETS_MAX_BYTES: "lots" is not a size such as 1MiB or 16MB (0: names only)',
  });
  assert.throws(() => loadConfig({ env: {}, home: home(), flags: { secretsMaxBytes: '-1' } }), {
    message: '--secrets-max-bytes -1: expected a size such as 1MiB or 16MB (0: names only)',
  });
});

test("the config's ci section: under .dive-ci and .layerscope-ci, over the defaults", () => {
  const h = home();
  const config = loadConfig({ env: {}, home: h, flags: { config: join(FIXTURES, 'config.yaml') } });
  assert.deepEqual(config.ci.format?.value, 'markdown');
  const cwd = home({ '.dive-ci': 'rules:\n  maxLayers: 20\n' });
  const rules = loadCiRules({ cwd, base: ciBaseOf(config) });
  assert.deepEqual([rules.rules.maxLayers.threshold, rules.rules.maxLayers.origin], [20, '.dive-ci']);
  assert.deepEqual(
    [rules.rules.maxHiddenBytes.threshold, rules.rules.maxHiddenBytes.level, rules.rules.maxHiddenBytes.source],
    [10_000_000, 'warn', 'config'],
  );
  assert.deepEqual(rules.ignore, ['/var/cache/**']);
  // allowSecrets: the config's globs first, then the rules files', then --allow-secret.
  assert.deepEqual(config.ci.allowSecrets, {
    value: ['/srv/test/fake-key.pem'],
    source: 'file',
    origin: `${join(FIXTURES, 'config.yaml')} ci.allowSecrets`,
  });
  const allowing = home({ '.layerscope-ci': 'allowSecrets: [/app/.env]\n' });
  assert.deepEqual(loadCiRules({ cwd: allowing, base: ciBaseOf(config), flags: { allowSecrets: ['/tmp/**'] } }).allowSecrets, [
    '/srv/test/fake-key.pem',
    '/app/.env',
    '/tmp/**',
  ]);
});

test('bad settings are one-line InputErrors naming the file and the setting; a key clash too', () => {
  const bad = (text: string, message: RegExp) => {
    const h = home({ '.config/layerscope/config.yaml': text });
    assert.throws(
      () => loadConfig({ env: {}, home: h }),
      (err: unknown) => err instanceof InputError && message.test(err.message) && !err.message.includes('\n'),
      text,
    );
  };
  bad('colour: red\n', /config .*config\.yaml: unknown setting "colour" \(settings: defaults, keys, ci\)$/);
  bad('defaults:\n  theme: solarized\n', /defaults\.theme: "solarized" is not a theme \(default, light, high-contrast\)$/);
  bad('defaults:\n  treeWidth: 2\n', /defaults\.treeWidth: 2 is not a share of the width, > 0 and < 1$/);
  bad('defaults:\n  hide: [gone]\n', /defaults\.hide: \["gone"\] is not a list of statuses/);
  bad('keys:\n  quit: [j]\n', /config\.yaml keys\.quit: key j is bound to both down and quit in the Browser \(every pane\) context$/);
  // Two settings that are fine alone but clash together.
  bad('keys:\n  quit: [Z]\n  toggleHelp: [Z]\n', /^keys: key Z is bound to both .* \(check the keys section of the config\)$/);
  bad('keys:\n  fly: [f]\n', /config\.yaml keys\.fly: unknown action fly$/);
  bad('keys:\n  quit: []\n', /keys\.quit: give a list of keys/);
  bad('ci:\n  format: xml\n', /ci\.format "xml" is not one of text, json, junit, github, gitlab, markdown$/);
  bad('ci:\n  rules:\n    maxLayerz: 3\n', /unknown CI rule "ci\.rules\.maxLayerz"/);
  bad('ci:\n  allowSecrets: { a: 1 }\n', /config .*config\.yaml: ci\.allowSecrets must be a list of path globs$/);
  bad('ci:\n  allow: [x]\n', /unknown CI setting "ci\.allow" \(format, rules, ignore, allowSecrets\)$/);
  bad('theme: [light\n', /^cannot parse config .*config\.yaml: /);
  assert.throws(() => loadConfig({ env: {}, home: home(), flags: { config: '/nonexistent/x.yaml' } }), {
    message: 'config file not found: /nonexistent/x.yaml (from --config)',
  });
  assert.throws(() => loadConfig({ env: { LAYERSCOPE_SORT: 'random' }, home: home() }), {
    message: 'LAYERSCOPE_SORT: "random" is not a sort order (size, name)',
  });
});

test('dive key names: ctrl+x, named keys and slash as layerscope names; what a terminal cannot send is undefined', () => {
  assert.deepEqual(['k', 'ctrl+c', 'CTRL+F', 'pgup', 'slash', 'space', 'esc', 'ctrl+space', 'ctrl+slash', 'f5', 'alt+x'].map(diveKeyName), [
    'k',
    'ctrl-c',
    'ctrl-f',
    'pgup',
    '/',
    'space',
    'esc',
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

test('themes: three palettes that differ; NO_COLOR wins over any of them', () => {
  assert.deepEqual([...THEME_NAMES], ['default', 'light', 'high-contrast']);
  const palettes = THEME_NAMES.map((n) => JSON.stringify(makeTheme(true, n).tones));
  assert.equal(new Set(palettes).size, 3);
  assert.equal(makeTheme(true, 'light').tones.modified.color, '#875f00', 'no yellow on a light background');
  assert.deepEqual(makeTheme(true, 'high-contrast').tones.dim, {}, 'nothing dimmed');
  for (const name of THEME_NAMES) {
    const plain = makeTheme(false, name);
    assert.equal(
      [...Object.values(plain.tones), plain.border, plain.focusBorder].some((s) => s.color !== undefined),
      false,
      name,
    );
  }
  assert.equal(colourWanted({ NO_COLOR: '1' }), false);
  applyTheme('high-contrast', { NO_COLOR: '1' });
  assert.equal(theme.color, false);
  assert.equal(theme.tones.hidden.color, undefined);
  assert.equal(theme.tones.hidden.inverse, true, 'the attributes still carry the meaning');
  applyTheme('light', {});
  assert.equal(theme.tones.label.color, 'blue');
});

test('the browser starts as configured: sort, changes only, hidden statuses, tree width, keys', async () => {
  const h = home({
    '.config/layerscope/config.yaml':
      'defaults:\n  sort: name\n  changesOnly: true\n  hide: [unchanged, removed]\n  treeWidth: 0.75\nkeys:\n  toggleHelp: [H]\n',
  });
  const model = createModel(await analysisOf());
  const before = initialState(model, { columns: 100, rows: 30 });
  assert.deepEqual([before.files.sort, before.files.changesOnly, before.files.show.unchanged], ['size', false, true]);
  assert.equal(layoutFor({ columns: 100, rows: 30 }, 3).details.width, 40);

  applyUiConfig(loadConfig({ env: {}, home: h }), {});
  const after = initialState(model, { columns: 100, rows: 30 });
  assert.deepEqual([after.files.sort, after.files.changesOnly], ['name', true]);
  assert.deepEqual(after.files.show, { added: true, modified: true, removed: false, unchanged: false });
  assert.equal(layoutFor({ columns: 100, rows: 30 }, 3).details.width, 25);
  assert.equal(commandFor('H', 'browser'), 'toggleHelp');
  assert.equal(commandFor('?', 'browser'), undefined);
});
