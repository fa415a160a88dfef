import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeLayers } from '../helpers/core.js';
import { SAMPLE_LAYERS } from '../helpers/ui.js';
import { ancestorIds, modeString, parseFilter, SHOW_ALL, TreeView, type ViewOptions } from '../../src/core/view.js';
import { pathHistory, hiddenTarget } from '../../src/core/inspect.js';
import type { MergedTree } from '../../src/core/merge.js';
import type { LayerEntry } from '../../src/core/model.js';

const MARK = { added: '+', modified: '~', removed: '-', unchanged: ' ' } as const;

function opts(layer: number, more: Partial<ViewOptions> = {}): ViewOptions {
  return { layer, changesOnly: false, show: { ...SHOW_ALL }, sort: 'size', ...more };
}

/** Every directory expanded: the rows as `indent marker name size Lx` strings. */
function render(view: TreeView, options: ViewOptions, expanded?: Set<number>): string[] {
  const all = expanded ?? new Set(Array.from({ length: view.tree.nodeCount }, (_, i) => i));
  const rows = view.rows(options, all);
  return rows.ids.map((id, i) => {
    const row = view.describe(id, rows.depths[i]!, options)!;
    return `${'  '.repeat(row.depth)}${MARK[row.status]}${row.name}${row.isDir ? '/' : ''} ${row.size} L${row.addedIn}`;
  });
}

async function sample(): Promise<{ tree: MergedTree; view: TreeView }> {
  const { tree } = await mergeLayers(SAMPLE_LAYERS);
  return { tree, view: new TreeView(tree) };
}

test('rows after each layer: markers, subtree sizes, addedIn; removed paths shown at the layer that removed them', async () => {
  const { view } = await sample();
  assert.deepEqual(render(view, opts(0)), [
    '+big 5000 L0',
    '+usr/ 1500 L0',
    '  +bin/ 1500 L0',
    '    +a 1000 L0',
    '    +b 500 L0',
    '    +c 0 L0',
    '+etc/ 110 L0',
    '  +passwd 100 L0',
    '  +hosts 10 L0',
  ]);
  assert.deepEqual(render(view, opts(1)), [
    '-big 5000 L0',
    ' usr/ 1550 L0',
    '  ~bin/ 1550 L0',
    '     a 1000 L0',
    '     b 500 L0',
    '    +d 50 L1',
    '     c 0 L0',
    '~etc/ 130 L0',
    '  ~passwd 120 L0',
    '   hosts 10 L0',
  ]);
  assert.deepEqual(render(view, opts(2)), [
    ' etc/ 130 L0',
    '   passwd 120 L0',
    '   hosts 10 L0',
    ' usr/ 7 L0',
    '  ~bin/ 7 L0',
    '    -a 1000 L0',
    '    -b 500 L0',
    '    -d 50 L1',
    '    +e 7 L2',
    '    -c 0 L0',
  ]);
});

test('sort by name uses byte order', async () => {
  const { view } = await sample();
  assert.deepEqual(render(view, opts(2, { sort: 'name' })), [
    ' etc/ 130 L0',
    '   hosts 10 L0',
    '   passwd 120 L0',
    ' usr/ 7 L0',
    '  ~bin/ 7 L0',
    '    -a 1000 L0',
    '    -b 500 L0',
    '    -c 0 L0',
    '    -d 50 L1',
    '    +e 7 L2',
  ]);
});

test('subtree sizes per layer: regular-file bytes below each node (links count 0), cached per layer', async () => {
  const { tree, view } = await sample();
  const usrBin = tree.idOf('usr/bin')!;
  assert.deepEqual(
    [0, 1, 2].map((l) => view.sizesAt(l)[0]),
    [6610, 1680, 137],
  );
  assert.deepEqual(
    [0, 1, 2].map((l) => view.sizesAt(l)[usrBin]),
    [1500, 1550, 7],
  );
  // Cached: the same array comes back.
  assert.equal(view.sizesAt(1), view.sizesAt(1));
});

test('changes only: what the layer touched and its directories, sized by the bytes it changed', async () => {
  const { view } = await sample();
  assert.deepEqual(render(view, opts(1, { changesOnly: true })), [
    '-big 5000 L0',
    '~etc/ 120 L0',
    '  ~passwd 120 L0',
    ' usr/ 50 L0',
    '  ~bin/ 50 L0',
    '    +d 50 L1',
  ]);
  assert.deepEqual(render(view, opts(2, { changesOnly: true, sort: 'name' })), [
    ' usr/ 1557 L0',
    '  ~bin/ 1557 L0',
    '    -a 1000 L0',
    '    -b 500 L0',
    '    -c 0 L0',
    '    -d 50 L1',
    '    +e 7 L2',
  ]);
});

test('status toggles hide rows but keep directories with shown paths below', async () => {
  const { view } = await sample();
  const show = (s: Partial<typeof SHOW_ALL>) => ({ ...SHOW_ALL, ...s });
  assert.deepEqual(render(view, opts(2, { show: show({ removed: false }) })), [
    ' etc/ 130 L0',
    '   passwd 120 L0',
    '   hosts 10 L0',
    ' usr/ 7 L0',
    '  ~bin/ 7 L0',
    '    +e 7 L2',
  ]);
  // usr/bin is modified, hidden, but e (added) below it is shown, so it stays.
  assert.deepEqual(render(view, opts(2, { show: show({ unchanged: false, removed: false, modified: false }) })), [
    ' usr/ 7 L0',
    '  ~bin/ 7 L0',
    '    +e 7 L2',
  ]);
  // Modified directories are hidden unless an unchanged or removed path lies below them.
  assert.deepEqual(render(view, opts(1, { show: show({ modified: false, added: false }) })), [
    '-big 5000 L0',
    ' usr/ 1550 L0',
    '  ~bin/ 1550 L0',
    '     a 1000 L0',
    '     b 500 L0',
    '     c 0 L0',
    '~etc/ 130 L0',
    '   hosts 10 L0',
  ]);
  assert.deepEqual(render(view, opts(0, { show: show({ added: false }) })), []);
});

test('filter: substring (smart case) or /regex/; ancestors stay visible; matches in display order', async () => {
  const { view } = await sample();
  const bin = parseFilter('BIN');
  assert.ok(bin.ok && bin.filter);
  assert.equal(bin.filter.test('/usr/bin'), false, 'an upper-case letter makes it case-sensitive');
  const f = parseFilter('bin');
  assert.ok(f.ok && f.filter && f.filter.kind === 'substring');
  assert.equal(f.filter.test('/usr/BIN/x'), true);
  assert.deepEqual(render(view, opts(2, { filter: f.filter, sort: 'name' })), [
    ' usr/ 7 L0',
    '  ~bin/ 7 L0',
    '    -a 1000 L0',
    '    -b 500 L0',
    '    -c 0 L0',
    '    -d 50 L1',
    '    +e 7 L2',
  ]);
  const re = parseFilter('/\\/[ab]$/');
  assert.ok(re.ok && re.filter && re.filter.kind === 'regex');
  assert.deepEqual(render(view, opts(0, { filter: re.filter })), ['+usr/ 1500 L0', '  +bin/ 1500 L0', '    +a 1000 L0', '    +b 500 L0']);
  const options = opts(0, { filter: re.filter });
  assert.deepEqual(
    view.matchesInOrder(options).map((id) => view.tree.pathOf(id)),
    ['usr/bin/a', 'usr/bin/b'],
  );
  const byName = opts(2, { filter: f.filter, sort: 'name' });
  assert.deepEqual(
    view.matchesInOrder(byName).map((id) => view.tree.pathOf(id)),
    ['usr/bin', 'usr/bin/a', 'usr/bin/b', 'usr/bin/c', 'usr/bin/d', 'usr/bin/e'],
  );
  // describe() flags the rows that match themselves (not shown only as ancestors).
  const rows = view.rows(options, new Set([view.tree.idOf('usr')!, view.tree.idOf('usr/bin')!]));
  assert.deepEqual(
    rows.ids.map((id, i) => view.describe(id, rows.depths[i]!, options)!.match),
    [false, false, true, true],
  );
});

test('parseFilter: empty clears, a bad regex is an error, a path with slashes stays a substring', () => {
  assert.deepEqual(parseFilter('  '), { ok: true, filter: undefined });
  const bad = parseFilter('/[/');
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.error : '', /bad regular expression/);
  const path = parseFilter('/usr/lib');
  assert.ok(path.ok && path.filter);
  assert.equal(path.filter.kind, 'substring');
  assert.equal(path.filter.test('/usr/lib/x'), true);
  const ci = parseFilter('/LIB/i');
  assert.ok(ci.ok && ci.filter && ci.filter.kind === 'regex');
  assert.equal(ci.filter.test('/usr/lib'), true);
});

test('rows are flattened lazily: only expanded directories are listed', async () => {
  // 200 directories of 50 files each; nothing expanded lists the root only.
  const specs = [];
  for (let d = 0; d < 200; d++) {
    specs.push({ name: `d${d}`, type: 'directory' as const });
    for (let f = 0; f < 50; f++) specs.push({ name: `d${d}/f${f}`, content: f + d });
  }
  const { tree } = await mergeLayers([specs]);
  const view = new TreeView(tree);
  const listed: number[] = [];
  const original = tree.childrenOf.bind(tree);
  tree.childrenOf = (id: number) => {
    listed.push(id);
    return original(id);
  };
  const options = opts(0, { sort: 'name' });
  const collapsed = view.rows(options, new Set());
  assert.equal(collapsed.length, 200);
  assert.deepEqual(listed, [0]);
  const d7 = tree.idOf('d7')!;
  const open = view.rows(options, new Set([d7]));
  assert.equal(open.length, 250);
  assert.deepEqual(listed, [0, d7]);
  const at = open.indexOf(d7);
  assert.equal(open.indexOf(tree.idOf('d7/f0')!), at + 1);
  assert.deepEqual(open.depths.slice(at, at + 3), [0, 1, 1]);
  assert.equal(open.depths[at + 51], 0);
});

test('ancestorIds, modeString', async () => {
  const { tree } = await sample();
  assert.deepEqual(
    ancestorIds(tree, tree.idOf('usr/bin/a')!).map((id) => tree.pathOf(id)),
    ['usr', 'usr/bin'],
  );
  assert.deepEqual(ancestorIds(tree, tree.idOf('big')!), []);
  const e = (type: LayerEntry['type'], mode: number, device?: LayerEntry['device']): LayerEntry => ({
    path: 'x',
    type,
    size: 0,
    mode,
    uid: 0,
    gid: 0,
    mtime: 0,
    ...(device ? { device } : {}),
  });
  assert.equal(modeString(e('dir', 0o755)), 'drwxr-xr-x');
  assert.equal(modeString(e('file', 0o4755)), '-rwsr-xr-x');
  assert.equal(modeString(e('file', 0o2644)), '-rw-r-Sr--');
  assert.equal(modeString(e('dir', 0o1777)), 'drwxrwxrwt');
  assert.equal(modeString(e('symlink', 0o777)), 'lrwxrwxrwx');
  assert.equal(modeString(e('other', 0o600, 'char')), 'crw-------');
});

test('path history and where the largest hidden copy lives (and which layer hid it)', async () => {
  const { tree, account } = await mergeLayers(SAMPLE_LAYERS);
  assert.deepEqual(
    account.entries.map((w) => [w.path, w.bytes, w.layers.join(',')]),
    [
      ['big', 5000, '0'],
      ['usr/bin/a', 1000, '0'],
      ['usr/bin/b', 500, '0'],
      ['etc/passwd', 100, '0'],
      ['usr/bin/d', 50, '1'],
    ],
  );
  const big = account.entries[0]!;
  assert.deepEqual(pathHistory(tree, tree.idOf('big')!, big), [
    { layer: 0, change: 'added', type: 'file', storedBytes: 5000, sharedBytes: 0, hidden: true },
    { layer: 1, change: 'removed', cause: 'whiteout', type: 'file', storedBytes: 0, sharedBytes: 0, hidden: false },
  ]);
  assert.deepEqual(hiddenTarget(tree, big), {
    id: tree.idOf('big'),
    layer: 0,
    bytes: 5000,
    hiddenBy: { layer: 1, change: 'removed', cause: 'whiteout' },
  });
  const passwd = account.entries.find((w) => w.path === 'etc/passwd')!;
  assert.deepEqual(hiddenTarget(tree, passwd), {
    id: tree.idOf('etc/passwd'),
    layer: 0,
    bytes: 100,
    hiddenBy: { layer: 1, change: 'modified' },
  });
  assert.deepEqual(
    pathHistory(tree, tree.idOf('etc/passwd')!, passwd).map((h) => `${h.layer}:${h.change}:${h.storedBytes}:${h.hidden}`),
    ['0:added:100:true', '1:modified:120:false'],
  );
  const d = account.entries.find((w) => w.path === 'usr/bin/d')!;
  assert.deepEqual(hiddenTarget(tree, d).hiddenBy, { layer: 2, change: 'removed', cause: 'opaque' });
});

test('a live filter typed key by key matches what the whole text matches from scratch, case and leading / included', async () => {
  const { mergeLayers: merge } = await import('../helpers/core.js');
  const names = ['usr/bin/Env', 'usr/bin/env', 'usr/lib/x.so', 'srv/usr/bin/envoy', 'opt/USR/BIN/ENV', 'usrbin', 'etc/env.d/a'];
  const { tree } = await merge([names.map((name) => ({ name, content: 1 }))]);
  const typed = new TreeView(tree);
  for (const text of ['usr/bin/env', '/usr/bin/E', 'USR', 'env.']) {
    for (let n = 1; n <= text.length; n++) {
      const parsed = parseFilter(text.slice(0, n));
      assert.ok(parsed.ok && parsed.filter);
      const fresh = new TreeView(tree).matchingIds(parsed.filter);
      assert.deepEqual(typed.matchingIds(parsed.filter), fresh, text.slice(0, n));
    }
  }
  const paths = (text: string) => {
    const parsed = parseFilter(text);
    assert.ok(parsed.ok && parsed.filter);
    return typed.matchingIds(parsed.filter).map((id) => tree.pathOf(id));
  };
  assert.deepEqual(paths('/usr/bin/E'), ['usr/bin/Env']);
  assert.deepEqual(paths('usr/bin/env'), ['usr/bin/Env', 'usr/bin/env', 'srv/usr/bin/envoy', 'opt/USR/BIN/ENV']);
  assert.deepEqual(paths('/usr/bin/env'), ['usr/bin/Env', 'usr/bin/env', 'srv/usr/bin/envoy', 'opt/USR/BIN/ENV']);
});

test('size conditions: >1kB, <=100B, combined with a name pattern or a regex; only regular files match; units', async () => {
  const { view } = await sample();
  const parse = (text: string) => {
    const parsed = parseFilter(text);
    assert.ok(parsed.ok && parsed.filter, text);
    return parsed.filter;
  };
  const matches = (text: string, layer: number) =>
    view.matchesInOrder(opts(layer, { filter: parse(text), sort: 'name' })).map((id) => view.tree.pathOf(id));
  assert.deepEqual(parse('>1MB').sizes, [{ op: '>', bytes: 1_000_000 }]);
  assert.deepEqual(parse('<10kB').sizes, [{ op: '<', bytes: 10_000 }]);
  assert.deepEqual(parse('>=1.5KiB').sizes, [{ op: '>=', bytes: 1536 }]);
  assert.deepEqual(parse('>500 lib <=2g').sizes, [
    { op: '>', bytes: 500 },
    { op: '<=', bytes: 2_000_000_000 },
  ]);
  assert.equal(parse('>500 lib <=2g').name, 'lib');
  assert.equal(parse('/a >b/').kind, 'regex', 'inside a regex, > is the pattern');
  assert.deepEqual(parse('/a >b/').sizes, []);
  assert.deepEqual(parse('/\\/[ab]$/ >600').sizes, [{ op: '>', bytes: 600 }]);
  // At L0: big 5000, usr/bin/a 1000, usr/bin/b 500, usr/bin/c symlink, etc/passwd 100, etc/hosts 10.
  assert.deepEqual(matches('>999', 0), ['big', 'usr/bin/a']);
  assert.deepEqual(matches('>=1kB', 0), ['big', 'usr/bin/a']);
  assert.deepEqual(matches('<=100B', 0), ['etc/hosts', 'etc/passwd'], 'the symlink (0 B) and the directories do not match');
  assert.deepEqual(matches('bin >600', 0), ['usr/bin/a']);
  assert.deepEqual(matches('/\\/[ab]$/ <600', 0), ['usr/bin/b']);
  assert.deepEqual(matches('>100 <1000', 0), ['usr/bin/b']);
  // At L1 etc/passwd is 120 B (modified): its size at the layer counts.
  assert.deepEqual(matches('passwd >110', 0), []);
  assert.deepEqual(matches('passwd >110', 1), ['etc/passwd']);
  // The tree shows the matches and their directories only.
  assert.deepEqual(render(view, opts(0, { filter: parse('>999'), sort: 'name' })), [
    '+big 5000 L0',
    '+usr/ 1500 L0',
    '  +bin/ 1500 L0',
    '    +a 1000 L0',
  ]);
  for (const bad of ['>', '>1XB', '<abc', '>1MB >x']) {
    const r = parseFilter(bad);
    assert.equal(r.ok, false, bad);
    assert.match(!r.ok ? r.error : '', /^bad size condition \S+: write >1MB, <10kB or >=500B/);
  }
});
