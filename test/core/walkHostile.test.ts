// The engine's tar rules (Go's archive/tar + moby's applier), one synthetic tar per rule: what
// name and size an entry ends up with, what is refused and why, and names kept as bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { walkLayer } from '../../src/core/walk.js';
import { MergedTree } from '../../src/core/merge.js';
import { escapeForTerminal, decodeNameBytes, nameBytes } from '../../src/core/paths.js';
import { WalkPool } from '../../src/core/walkPool.js';
import { LayerChanges } from '../../src/core/changes.js';
import { digestOf } from '../../src/core/digest.js';
import { MAX_SPARSE_REGIONS, SPARSE_HOLE_BUDGET } from '../../src/core/tarHeaders.js';
import { detectCompression, decompress } from '../../src/core/decompress.js';
import { END, entry, file, gnuLong, header, oldGnuSparse, pax, sparse } from '../docker/hostileTar.js';
import { listing } from '../helpers/core.js';

const walk = (...parts: Buffer[]) => walkLayer(Readable.from([Buffer.concat([...parts, END])]));
const paths = async (...parts: Buffer[]) =>
  [...(await walk(...parts)).changes].map((c) => (c.op === 'entry' ? `${c.entry.path}:${c.entry.size}` : `${c.op}:${c.path}`));
const body = (n: number) => Buffer.alloc(Math.ceil(n / 512) * 512, 0x61);

test('a GNU long name wins over a PAX path, in either order (Go applies it last)', async () => {
  const long = `dir/${'l'.repeat(150)}`;
  const h = header({ name: Buffer.from('short'), typeflag: '0', size: 3 });
  assert.deepEqual(await paths(gnuLong(Buffer.from(long)), pax([['path', 'from-pax']]), h, body(3)), [`${long}:3`]);
  assert.deepEqual(await paths(pax([['path', 'from-pax']]), gnuLong(Buffer.from(long)), h, body(3)), [`${long}:3`]);
  // An empty PAX value keeps the header's own field; a later 'x' replaces an earlier one.
  assert.deepEqual(await paths(pax([['path', '']]), h, body(3)), ['short:3']);
  assert.deepEqual(await paths(pax([['path', 'first']]), pax([['path', 'second']]), h, body(3)), ['second:3']);
});

test('a global PAX header renames nothing and drops the records read before it', async () => {
  const h = header({ name: Buffer.from('plain'), typeflag: '0', size: 2 });
  assert.deepEqual(await paths(pax([['path', 'global-name']], 'g'), h, body(2), file('next', 1)), ['plain:2', 'next:1']);
  assert.deepEqual(await paths(pax([['path', 'dropped']]), pax([['comment', 'x']], 'g'), h, body(2)), ['plain:2']);
  assert.deepEqual(await paths(gnuLong(Buffer.from('dropped-too')), pax([['comment', 'x']], 'g'), h, body(2)), ['plain:2']);
});

test('PAX sparse files 0.0, 0.1 and 1.0: the real name and the real size; the reader keeps its place', async () => {
  const regions: Array<[number, number]> = [
    [0, 100],
    [500_000, 700],
  ];
  assert.deepEqual(await paths(sparse('real.bin', 1_048_576, regions, '0.1'), file('after', 5)), ['real.bin:1048576', 'after:5']);
  assert.deepEqual(await paths(sparse('real.bin', 1_048_576, regions, '1.0'), file('after', 5)), ['real.bin:1048576', 'after:5']);
  // 0.0: repeated GNU.sparse.offset / numbytes records.
  const zero = Buffer.concat([
    pax([
      ['GNU.sparse.size', '9000'],
      ['GNU.sparse.numblocks', '2'],
      ['GNU.sparse.offset', '0'],
      ['GNU.sparse.numbytes', '10'],
      ['GNU.sparse.offset', '8000'],
      ['GNU.sparse.numbytes', '20'],
      ['GNU.sparse.name', 'zero.bin'],
    ]),
    header({ name: Buffer.from('GNUSparseFile.0/zero.bin'), typeflag: '0', size: 30 }),
    body(30),
  ]);
  assert.deepEqual(await paths(zero, file('after', 5)), ['zero.bin:9000', 'after:5']);
  // The regions must account for exactly the bytes stored, as Go's sparse reader demands.
  const short = Buffer.concat([
    pax([
      ['GNU.sparse.major', '0'],
      ['GNU.sparse.minor', '1'],
      ['GNU.sparse.realsize', '100'],
      ['GNU.sparse.numblocks', '1'],
      ['GNU.sparse.map', '0,10'],
    ]),
    header({ name: Buffer.from('odd'), typeflag: '0', size: 20 }),
    body(20),
  ]);
  await assert.rejects(walk(short), {
    message: /invalid sparse map for the entry at offset 1024: its regions hold 10 bytes but 20 are stored/,
  });
});

test("old GNU sparse ('S') with extension blocks: the reader keeps its place, then the layer is refused naming the entry", async () => {
  const regions = Array.from({ length: 30 }, (_, i): [number, number] => [i * 3000, 10]);
  await assert.rejects(walk(file('before', 1), oldGnuSparse('holes.bin', 100_000, regions), file('after', 1)), {
    name: 'LayerRefusedError',
    message: `the engine refuses this layer: entry "holes.bin" has tar type 'S' (old GNU sparse file), which its layer applier does not handle ("unhandled tar header type 83")`,
  });
});

test("types the applier does not handle refuse the layer: 'D', '7', unknown; a whiteout of any type is still a whiteout", async () => {
  for (const [flag, what, code] of [
    ['D', 'GNU dump directory', 68],
    ['7', 'contiguous file', 55],
    ['Z', 'unknown type', 90],
  ] as const) {
    await assert.rejects(walk(header({ name: Buffer.from('x'), typeflag: flag, size: 0 })), {
      message: `the engine refuses this layer: entry "x" has tar type '${flag}' (${what}), which its layer applier does not handle ("unhandled tar header type ${code}")`,
    });
  }
  assert.deepEqual(await paths(header({ name: Buffer.from('.wh.gone'), typeflag: 'Z', size: 0 })), ['whiteout:gone']);
});

test('a lone zero block followed by entries is refused; one at the very end, or none, is fine', async () => {
  await assert.rejects(walkLayer(Readable.from([Buffer.concat([file('a', 1), Buffer.alloc(512), file('b', 1), END])])), {
    message: /a zero block at offset 1024 is followed by more entries/,
  });
  assert.deepEqual(
    [...(await walkLayer(Readable.from([Buffer.concat([file('a', 1), Buffer.alloc(512)])]))).changes].map(
      (c) => c.op === 'entry' && c.entry.path,
    ),
    ['a'],
  );
  assert.deepEqual(
    [...(await walkLayer(Readable.from([file('a', 1)]))).changes].map((c) => c.op === 'entry' && c.entry.path),
    ['a'],
  );
});

test('malformed PAX records refuse the layer (Go: invalid tar header)', async () => {
  const bad = (records: string) =>
    Buffer.concat([
      header({ name: Buffer.from('p'), typeflag: 'x', size: records.length }),
      Buffer.concat([Buffer.from(records), Buffer.alloc(512 - records.length)]),
      file('f', 1),
    ]);
  await assert.rejects(walk(bad('99 path=a\n')), { message: /invalid PAX header at offset 0: a record length is wrong/ });
  await assert.rejects(walk(bad('12 path=abc-')), { message: /a record does not end in a newline/ });
  await assert.rejects(walk(bad('8 =abcd\n')), { message: /a record has no key/ });
  await assert.rejects(walk(bad('11 size=x1\n')), { message: /invalid PAX size record/ });
});

test('an entry under a symlink made earlier in the same layer is written through it, inside the root', async () => {
  const lower = await walk(entry('etc/', '5'), file('etc/passwd', 100));
  const upper = await walk(entry('etc/', '5'), entry('a', '2', '../../../etc'), file('a/passwd', 7), file('a/new', 3));
  assert.deepEqual(
    [...upper.changes].map((c) => c.op === 'entry' && `${c.entry.path}:${c.entry.type}`),
    ['etc:dir', 'a:symlink', 'etc/passwd:file', 'etc/new:file'],
  );
  assert.deepEqual(upper.warnings, [
    {
      kind: 'throughSymlink',
      path: '/etc/passwd',
      message: 'entry "a/passwd" is written through a symlink of the same layer, as the engine does: it lands at /etc/passwd',
    },
  ]);
  const tree = new MergedTree([lower, upper]);
  assert.deepEqual(listing(tree), ['/a symlink 0 L1', '/etc dir 0 L1', '/etc/new file 3 L1', '/etc/passwd file 7 L1']);
  // A symlink of a lower layer is not followed: the layer makes a directory there (MkdirAll).
  const third = await walk(file('a/x', 1));
  assert.deepEqual(listing(new MergedTree([lower, upper, third])).slice(0, 2), ['/a dir 0 L2', '/a/x file 1 L2']);
  // A link that leads nowhere in this layer, or loops: the engine's unpack fails.
  await assert.rejects(walk(entry('s', '2', 'missing'), file('s/x', 1)), {
    name: 'LayerRefusedError',
    message: /goes through the symlink \/s → missing/,
  });
  await assert.rejects(walk(entry('l1', '2', 'l2'), entry('l2', '2', 'l1'), file('l1/x', 1)), { message: /symlinks that loop/ });
});

test('names climbing above the root land on it, with a warning; whiteouts in directories not there yet create them', async () => {
  const s = await walk(file('../x', 1), file('/../y', 2), file('a/../../z', 3), file('q/r/.wh.gone', 0), file('o/.wh..wh..opq', 0));
  assert.deepEqual(
    [...s.changes].map((c) => (c.op === 'entry' ? c.entry.path : `${c.op}:${c.path}`)),
    ['x', 'y', 'z', 'whiteout:q/r/gone', 'opaque:o'],
  );
  assert.deepEqual(
    s.warnings.map((w) => `${w.kind} ${w.path}`),
    ['nameClimbsRoot /x', 'nameClimbsRoot /y', 'nameClimbsRoot /z'],
  );
  assert.deepEqual(listing(new MergedTree([s])), [
    '/o dir 0 L0',
    '/q dir 0 L0',
    '/q/r dir 0 L0',
    '/x file 1 L0',
    '/y file 2 L0',
    '/z file 3 L0',
  ]);
});

test('non-UTF-8 names stay distinct bytes end to end, never equal to a literal escape, also across the walk pool', async () => {
  const names = [Buffer.from([0x61, 0xff, 0x62]), Buffer.from([0x61, 0xfe, 0x62]), Buffer.from('a\\xffb'), Buffer.from('a\u00ffb')];
  const tar = Buffer.concat([...names.map((n) => file(n, n.length)), END]);
  const pool = new WalkPool();
  for (const s of [await walkLayer(Readable.from([tar])), await pool.walk(Readable.from([tar]))]) {
    const got = [...s.changes].map((c) => (c.op === 'entry' ? c.entry.path : ''));
    assert.equal(new Set(got).size, 4);
    assert.deepEqual(
      got.map((p) => nameBytes(p).toString('hex')),
      names.map((n) => n.toString('hex')),
    );
    assert.deepEqual(
      got.map((p) => escapeForTerminal(p)),
      ['a\\xffb', 'a\\xfeb', 'a\\xffb', 'a\u00ffb'],
    );
  }
  assert.equal(decodeNameBytes(Buffer.from([0xed, 0xb3, 0xbf]).toString('latin1')), '\udced\udcb3\udcbf');
});

test('a PAX sparse file gets the content digest of its expanded content (zeros in the holes, as Go reads it), in 0.0, 0.1 and 1.0', async () => {
  const regions: Array<[number, number]> = [
    [0, 100],
    [500_000, 700],
  ];
  const expanded = Buffer.alloc(1_048_576);
  expanded.fill(0x61, 0, 100);
  expanded.fill(0x61 + (500_000 % 26), 500_000, 500_700);
  const want = await digestOf(expanded);
  const digests = async (...parts: Buffer[]) => {
    const s = await walk(...parts);
    return [...s.changes].map((c, i) => (c.op === 'entry' ? `${c.entry.path}:${s.changes.digest(i) ?? 'none'}` : c.op));
  };
  const pool = new WalkPool(1);
  try {
    for (const format of ['0.1', '1.0'] as const) {
      const tar = Buffer.concat([sparse('real.bin', 1_048_576, regions, format), file('plain.bin', expanded), END]);
      assert.deepEqual(await digests(sparse('real.bin', 1_048_576, regions, format), file('plain.bin', expanded)), [
        `real.bin:${want}`,
        `plain.bin:${want}`,
      ]);
      const pooled = await pool.walk(Readable.from([tar]));
      assert.equal(pooled.changes.digest(0), want, `${format} through the pool`);
    }
  } finally {
    await pool.close();
  }
  // 0.0, a region at the end of the file, and a file that is all hole.
  const zero = Buffer.concat([
    pax([
      ['GNU.sparse.size', '9000'],
      ['GNU.sparse.numblocks', '2'],
      ['GNU.sparse.offset', '0'],
      ['GNU.sparse.numbytes', '10'],
      ['GNU.sparse.offset', '8980'],
      ['GNU.sparse.numbytes', '20'],
      ['GNU.sparse.name', 'zero.bin'],
    ]),
    header({ name: Buffer.from('GNUSparseFile.0/zero.bin'), typeflag: '0', size: 30 }),
    body(30),
  ]);
  const zeroContent = Buffer.alloc(9000);
  zeroContent.fill(0x61, 0, 10);
  zeroContent.fill(0x61, 8980, 9000);
  const hole = sparse('hole.bin', 4096, [], '0.1');
  assert.deepEqual(await digests(zero, hole, file('after', 5)), [
    `zero.bin:${await digestOf(zeroContent)}`,
    `hole.bin:${await digestOf(Buffer.alloc(4096))}`,
    `after:${await digestOf(Buffer.alloc(5, 'x'))}`,
  ]);
  // Past the layer's budget of hole bytes (a "terabyte" of holes): no digest, nothing expanded,
  // and the files after it are read as before.
  const huge = sparse('huge.bin', SPARSE_HOLE_BUDGET + 101, [[0, 100]], '0.1');
  assert.deepEqual(await digests(huge, file('after', 5)), ['huge.bin:none', `after:${await digestOf(Buffer.alloc(5, 'x'))}`]);
  // A 1.0 map with more regions than are kept: the file begun is dropped, the next one is digested.
  const many = Array.from({ length: MAX_SPARSE_REGIONS + 1 }, (_, i): [number, number] => [2 * i, 1]);
  assert.deepEqual(await digests(sparse('many.bin', 2 * many.length, many, '1.0'), file('after', 5)), [
    'many.bin:none',
    `after:${await digestOf(Buffer.alloc(5, 'x'))}`,
  ]);
});

test('an entry under a file of the same layer refuses it (the engine: "not a directory"); under a lower file it replaces it', async () => {
  await assert.rejects(walk(file('f', 3), file('f/a/b', 4)), {
    message: `the engine refuses this layer: entry "f/a/b" is under /f, a regular file earlier in this layer (the engine's unpack fails: not a directory)`,
  });
  // A file that replaced a directory of the layer: what was listed below it is gone too.
  await assert.rejects(walk(entry('d/', '5'), entry('d/e/', '5'), file('d', 3), file('d/e/x', 4)), {
    message: /entry "d\/e\/x" is under \/d, a regular file earlier/,
  });
  // A directory that replaced the file: fine, as is a directory over a file of a lower layer.
  assert.deepEqual(await paths(file('f', 3), entry('f/', '5'), file('f/x', 4)), ['f:3', 'f:0', 'f/x:4']);
  const s = await walk(file('o', 5), file('o/.wh..wh..opq', 0));
  assert.deepEqual(
    [...s.changes].map((c) => (c.op === 'entry' ? `${c.entry.path}:${c.entry.type}` : c.op)),
    ['o:file'],
  );
  assert.deepEqual(s.warnings, [
    {
      kind: 'opaqueOnFile',
      path: '/o',
      message: `ignored opaque marker "o/.wh..wh..opq": /o is not a directory in this layer (the engine's mark on it changes nothing)`,
    },
  ]);
});

test('non-UTF-8 symlink targets stay byte-exact across the walk pool and the summary cache (header, GNU K, PAX linkpath)', async () => {
  const targets = [
    Buffer.from([0x61, 0xff, 0x62]),
    Buffer.from([0x61, 0xfe, 0x62]),
    Buffer.from('a\\xffb'),
    Buffer.from([0x2e, 0x2e, 0x2f, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
    Buffer.concat([Buffer.from('long/'.repeat(30)), Buffer.from([0x80, 0x81])]),
    Buffer.concat([Buffer.from('pax/'.repeat(30)), Buffer.from([0xf8, 0x88, 0x80])]),
  ];
  const tar = Buffer.concat([
    entry('l0', '2', targets[0]),
    entry('l1', '2', targets[1]),
    entry('l2', '2', targets[2]),
    entry('l3', '2', targets[3]),
    gnuLong(targets[4]!, 'K'),
    entry('l4', '2', 'ignored'),
    pax([['linkpath', targets[5]!]]),
    entry('l5', '2', 'ignored'),
    END,
  ]);
  const pool = new WalkPool(1);
  try {
    const direct = await walkLayer(Readable.from([tar]));
    const pooled = await pool.walk(Readable.from([tar]));
    const cached = { ...pooled, changes: LayerChanges.fromJSON(JSON.parse(JSON.stringify(pooled.changes.toJSON()))) };
    for (const s of [direct, pooled, cached]) {
      const links = [...s.changes].map((c) => (c.op === 'entry' ? c.entry.linkTarget! : ''));
      assert.deepEqual(
        links.map((l) => nameBytes(l).toString('hex')),
        targets.map((t) => t.toString('hex')),
      );
      assert.equal(new Set(links).size, 6);
      assert.deepEqual(
        links.slice(0, 4).map((l) => escapeForTerminal(l)),
        ['a\\xffb', 'a\\xfeb', 'a\\xffb', '../\\xc3(\\xed\\xa0\\x80'],
      );
    }
    assert.deepEqual([...pooled.changes], [...direct.changes]);
  } finally {
    await pool.close();
  }
});

test('bidi controls and other invisible format characters are escaped like control characters', () => {
  assert.equal(escapeForTerminal('invoice\u202Efdp.exe'), 'invoice\\u{202e}fdp.exe');
  assert.equal(
    escapeForTerminal('\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069\u200B\u200F\u2028\uFEFF\u{E0041}x'),
    '\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{2066}\\u{2067}\\u{2068}\\u{2069}\\u{200b}\\u{200f}\\u{2028}\\u{feff}\\u{e0041}x',
  );
  assert.equal(escapeForTerminal('café ☃ 日本'), 'café ☃ 日本');
});

test('a zstd frame declaring a 1.9 GiB window is refused at once with a clear message', async () => {
  // Magic, frame header descriptor (no single segment), window descriptor exponent 20 mantissa 7
  // (1 GiB × 15/8), then a raw block.
  const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa7]), Buffer.from([0x19, 0x00, 0x00]), Buffer.from('abc')]);
  assert.equal(detectCompression(frame), 'zstd');
  await assert.rejects(
    (async () => {
      for await (const _ of decompress(Readable.from([frame]), () => undefined)) {
        // nothing
      }
    })(),
    {
      message:
        /^the zstd frame needs a window larger than 128 MiB \(the decoder's limit, zstd's own default\); refused rather than allocated$/,
    },
  );
});
