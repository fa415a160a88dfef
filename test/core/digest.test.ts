import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { xxhash128 } from 'hash-wasm';
import { packTar } from '../helpers/tar.js';
import { walkLayer } from '../../src/core/walk.js';
import { LayerChanges } from '../../src/core/changes.js';
import type { ContentObserver } from '../../src/core/contentObservers.js';
import { digestOf } from '../../src/core/digest.js';

// XXH3-128 of the empty input (the reference implementation's published test vector).
const EMPTY = '99aa06d3014798d86001c324468d497f';

async function layer(): Promise<Buffer> {
  return packTar([
    { name: 'a/', type: 'directory' },
    { name: 'a/big', content: Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) & 255)) },
    { name: 'a/empty', content: '' },
    { name: 'a/odd', content: 'x'.repeat(513) },
    { name: 'a/link', type: 'link', linkname: 'a/odd' },
    { name: 'a/sym', type: 'symlink', linkname: 'odd' },
    { name: 'a/.wh.gone', content: '' },
    { name: 'a/odd', content: 'second version' },
  ]);
}

/** The layer's entries as `path digest`, digests as hex or '-'. */
function digests(changes: LayerChanges): string[] {
  const out: string[] = [];
  for (let i = 0; i < changes.length; i++) if (changes.op(i) === 0) out.push(`${changes.path(i)} ${changes.digest(i) ?? '-'}`);
  return out;
}

test('every regular file gets the xxh128 of its bytes, whatever the chunking and compression', async () => {
  const tar = await layer();
  const big = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) & 255));
  const expected = [
    'a -',
    `a/big ${await xxhash128(big)}`,
    `a/empty ${EMPTY}`,
    `a/odd ${await xxhash128('x'.repeat(513))}`,
    'a/link -',
    'a/sym -',
    `a/odd ${await xxhash128('second version')}`,
  ];
  assert.equal(await digestOf(Buffer.alloc(0)), EMPTY);
  const oneByOne = Array.from({ length: tar.length }, (_, i) => tar.subarray(i, i + 1));
  const uneven = [tar.subarray(0, 700), tar.subarray(700, 1500), tar.subarray(1500, 66_000), tar.subarray(66_000)];
  for (const chunks of [[tar], oneByOne, uneven, [gzipSync(tar)]]) {
    const s = await walkLayer(Readable.from(chunks));
    assert.deepEqual(digests(s.changes), expected);
  }
});

test('digests survive the worker transfer and the cache form', async () => {
  const s = await walkLayer(Readable.from([await layer()]));
  const moved = LayerChanges.fromTransfer(structuredClone(s.changes.toTransfer()));
  const stored = LayerChanges.fromJSON(JSON.parse(JSON.stringify(s.changes)));
  assert.deepEqual(digests(moved), digests(s.changes));
  assert.deepEqual(digests(stored), digests(s.changes));
  const rebuilt = LayerChanges.from([
    { op: 'entry', entry: { path: 'f', type: 'file', size: 1, mode: 0o644, uid: 0, gid: 0, mtime: 0, digest: EMPTY } },
  ]);
  assert.equal(rebuilt.digest(0), EMPTY);
});

test('content observers: each sees only the files it asks for, bytes in order, end per file, finish once', async () => {
  const log: string[] = [];
  const observer = (name: string, wants: (path: string) => boolean) => (): ContentObserver => {
    let bytes = '';
    return {
      begin(index, path, size) {
        if (!wants(path)) return false;
        log.push(`${name} begin ${index} ${path} ${size}`);
        bytes = '';
        return true;
      },
      data(b) {
        bytes += Buffer.from(b).toString('latin1');
      },
      end() {
        log.push(`${name} end ${bytes.length} ${bytes.slice(0, 6)}`);
      },
      finish(summary) {
        log.push(`${name} finish ${summary.changes.length}`);
      },
    };
  };
  const tar = await layer();
  const s = await walkLayer(
    Readable.from(Array.from({ length: Math.ceil(tar.length / 100) }, (_, i) => tar.subarray(i * 100, i * 100 + 100))),
    { observers: [observer('odd', (p) => p === 'a/odd'), observer('empty', (p) => p.endsWith('empty'))] },
  );
  assert.deepEqual(log, [
    'empty begin 2 a/empty 0',
    'empty end 0 ',
    'odd begin 3 a/odd 513',
    'odd end 513 xxxxxx',
    'odd begin 7 a/odd 14',
    'odd end 14 second',
    'odd finish 8',
    'empty finish 8',
  ]);
  // Without the digest observer no digests are computed.
  assert.deepEqual(
    digests(s.changes).filter((d) => !d.endsWith(' -')),
    [],
  );
});
