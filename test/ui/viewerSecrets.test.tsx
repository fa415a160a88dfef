// A copy that holds a secret opens masked in the viewer; U shows the values (and masks them
// again); the hex view shows nothing while masked. From the Secrets pane, Enter goes to the
// stored copy, hidden ones included (a key deleted by a later layer).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { eventually, tick, plain } from '../helpers/ui.js';
import { writeImageFixtures } from '../helpers/image.js';
import { packTar } from '../helpers/tar.js';
import { Viewer } from '../../src/ui/Viewer.js';
import { copyAt, viewerTarget } from '../../src/ui/viewerTarget.js';
import { openAnalysed } from '../../src/app/open.js';
import { createModel } from '../../src/ui/model.js';
import { createReducer, cursorNode, initialState } from '../../src/ui/state.js';

const BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW';
const KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${BODY}\n${BODY}\n-----END OPENSSH PRIVATE KEY-----\n`;
const ENV = 'NODE_ENV=production\nDB_PASSWORD="hunter22hunter22"\n';

async function image() {
  const fx = await writeImageFixtures({
    layers: [
      await packTar([{ name: 'bin/sh', content: 100 }]),
      await packTar([
        { name: 'root/.ssh/id_ed25519', content: KEY },
        { name: 'app/.env', content: ENV },
      ]),
      await packTar([{ name: 'root/.ssh/.wh.id_ed25519', content: '' }]),
    ],
  });
  after(() => fx.cleanup());
  const open = await openAnalysed(fx.legacyTar, { cache: false });
  after(() => open.close());
  return open;
}

test('the viewer opens a secret masked; U shows it and masks it again; the hex view shows no byte while masked', async () => {
  const open = await image();
  const { tree } = open.analysis;
  const copy = copyAt(tree, tree.idOf('app/.env')!, 1)!;
  const target = viewerTarget(tree, copy, open.content, open.analysis.secrets)!;
  assert.deepEqual(target.secrets, ['dotenv']);
  const r = render(<Viewer target={target} size={{ columns: 100, rows: 10 }} onClose={() => {}} onQuit={() => {}} />);
  try {
    const frame = plain(await eventually(r.lastFrame, (f) => /DB_PASSWORD/.test(plain(f))));
    const lines = frame.split('\n');
    assert.equal(lines[0], '/app/.env  layer 1 (visible copy)  51 bytes, text  — dotenv masked (U: show)');
    assert.equal(lines[1], '1 │ NODE_ENV=**********');
    assert.equal(lines[2], '2 │ DB_PASSWORD=******************');
    assert.doesNotMatch(frame, /hunter22|production/);
    r.stdin.write('U');
    const shown = plain(await eventually(r.lastFrame, (f) => /hunter22/.test(plain(f))));
    assert.equal(shown.split('\n')[2], '2 │ DB_PASSWORD="hunter22hunter22"');
    assert.match(shown, /showing the secret values: anyone who pulls the image can read them too/);
    assert.doesNotMatch(shown.split('\n')[0]!, /masked/);
    r.stdin.write('U');
    const again = plain(await eventually(r.lastFrame, (f) => /secret values masked/.test(plain(f))));
    assert.doesNotMatch(again, /hunter22/);
    r.stdin.write('x');
    const hex = plain(await eventually(r.lastFrame, (f) => /the hex view shows every byte/.test(plain(f))));
    assert.doesNotMatch(hex, /68 75 6e 74|^00000000/m, 'no hex row while masked');
  } finally {
    r.unmount();
  }
  // A copy without a finding is not masked.
  const sh = viewerTarget(tree, copyAt(tree, tree.idOf('bin/sh')!, 0)!, open.content, open.analysis.secrets)!;
  assert.equal(sh.secrets, undefined);
});

test("the deleted key's hidden copy: Enter in the Secrets pane selects its layer and the file; the viewer masks the key material", async () => {
  const open = await image();
  const model = createModel(open.analysis);
  const reducer = createReducer(model);
  let s = initialState(model, { columns: 120, rows: 30 });
  for (const type of ['toggleSecrets', 'activate'] as const) s = reducer(s, { type });
  const first = open.analysis.secrets[0]!;
  assert.deepEqual([first.path, first.layer, first.rule, first.visible], ['root/.ssh/id_ed25519', 1, 'private-key', false]);
  assert.equal(s.mainView, 'tree');
  assert.equal(s.layers.cursor, 1);
  assert.equal(open.analysis.tree.pathOf(cursorNode(model, s)!), 'root/.ssh/id_ed25519');
  assert.equal(s.message?.text, '/root/.ssh/id_ed25519: the copy stored in L1');
  const { tree } = open.analysis;
  const target = viewerTarget(tree, copyAt(tree, tree.idOf('root/.ssh/id_ed25519')!, 1)!, open.content, open.analysis.secrets)!;
  assert.equal(target.hidden, true);
  const r = render(<Viewer target={target} size={{ columns: 100, rows: 10 }} onClose={() => {}} onQuit={() => {}} />);
  try {
    const frame = plain(await eventually(r.lastFrame, (f) => /BEGIN OPENSSH/.test(plain(f))));
    assert.deepEqual(frame.split('\n').slice(1, 5), [
      '1 │ -----BEGIN OPENSSH PRIVATE KEY-----',
      `2 │ ${'*'.repeat(BODY.length)}`,
      `3 │ ${'*'.repeat(BODY.length)}`,
      '4 │ -----END OPENSSH PRIVATE KEY-----',
    ]);
    assert.ok(!frame.includes(BODY.slice(0, 16)));
    await tick(10);
  } finally {
    r.unmount();
  }
});
