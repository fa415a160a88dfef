import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { shellQuote } from '../../src/core/shellQuote.js';
import { decodeNameBytes } from '../../src/core/paths.js';

test('shellQuote: plain words as they are, others single-quoted, hostile ones as $-quoted bytes', () => {
  assert.equal(shellQuote('/usr/bin/env'), '/usr/bin/env');
  assert.equal(shellQuote('myapp:1.2@sha256:ab'), 'myapp:1.2@sha256:ab');
  assert.equal(shellQuote('/a b'), "'/a b'");
  assert.equal(shellQuote("/it's"), "'/it'\\''s'");
  assert.equal(shellQuote('/$(rm -rf ~)`x`'), "'/$(rm -rf ~)`x`'");
  assert.equal(shellQuote('/café'), "'/café'");
  assert.equal(shellQuote('/a\u001B[2Jb'), "$'/a\\x1b[2Jb'");
  assert.equal(shellQuote('/x\ny'), "$'/x\\ny'".replace('\\n', '\\x0a'));
  assert.equal(shellQuote("/\u202Eevil'\\"), "$'/\\xe2\\x80\\xaeevil\\'\\\\'");
  assert.equal(shellQuote(decodeNameBytes('/a\xffb')), "$'/a\\xffb'", 'a byte that is not UTF-8 comes back as that byte');
  assert.equal(shellQuote(''), "''");
});

test('shellQuote: bash reads every quoted word back to the exact bytes', () => {
  const words = ['/a b', "/it's", '/$(x)`y`', '/a\u001B[2Jb', '/x\ny\tz', "/\u202Eevil'\\", decodeNameBytes('/a\xffb'), '/é'];
  for (const w of words) {
    const r = spawnSync('bash', ['-c', `printf %s ${shellQuote(w)}`]);
    assert.equal(r.status, 0);
    const expected = Buffer.from(w.replace(/\udcff/g, ''), 'utf8');
    if (w.includes('\udcff')) assert.deepEqual(r.stdout, Buffer.from('/a\xffb', 'latin1'));
    else assert.deepEqual(r.stdout, expected, JSON.stringify(w));
  }
});
