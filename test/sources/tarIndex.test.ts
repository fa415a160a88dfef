import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { packTar } from '../helpers/tar.js';
import { ImageWorkspace } from '../helpers/image.js';
import { isTarHeader, openTarFile } from '../../src/sources/tarIndex.js';

/** A raw tar header, for what tar-stream's packer never writes (GNU long names, base-256 sizes…). */
function rawHeader(h: {
  name: string;
  size?: number;
  type?: string;
  linkname?: string;
  magic?: 'ustar' | 'gnu';
  prefixField?: Buffer;
  base256?: boolean;
}): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 100, 'utf8');
  b.write('0000644\0', 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  const size = h.size ?? 0;
  if (h.base256) {
    b[124] = 0x80;
    b.writeUIntBE(size, 130, 6);
  } else {
    b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  }
  b.write('00000000000\0', 136, 'latin1');
  b.write('        ', 148, 'latin1');
  b.write(h.type ?? '0', 156, 'latin1');
  if (h.linkname) b.write(h.linkname, 157, 100, 'utf8');
  if ((h.magic ?? 'ustar') === 'ustar') b.write('ustar\u000000', 257, 'latin1');
  else b.write('ustar  \0', 257, 'latin1');
  if (h.prefixField) h.prefixField.copy(b, 345);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

const END = Buffer.alloc(1024);

function withWorkspace(fn: (ws: ImageWorkspace) => Promise<void>): () => Promise<void> {
  return async () => {
    const ws = new ImageWorkspace();
    try {
      await fn(ws);
    } finally {
      ws.cleanup();
    }
  };
}

function write(ws: ImageWorkspace, name: string, data: Buffer): string {
  const path = join(ws.dir, name);
  writeFileSync(path, data);
  return path;
}

test(
  'indexes ustar-prefix and PAX long names, dirs excluded, reads members by name',
  withWorkspace(async (ws) => {
    const splittable = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`; // > 100: ustar prefix
    const unsplittable = `dir/${'f'.repeat(120)}`; // basename > 100: PAX path
    const path = write(
      ws,
      'a.tar',
      await packTar([
        { name: 'dir/', type: 'directory' },
        { name: './manifest.json', content: '[{"a":1}]' },
        { name: splittable, content: 'prefix' },
        { name: unsplittable, content: 'pax' },
        { name: 'unicodé.txt', content: 'ü', pax: { comment: 'forces a PAX header' } },
      ]),
    );
    const tar = await openTarFile(path);
    try {
      assert.deepEqual([...tar.entries.keys()], ['manifest.json', splittable, unsplittable, 'unicodé.txt']);
      assert.equal(await tar.readText(splittable), 'prefix');
      assert.equal(await tar.readText(unsplittable), 'pax');
      assert.equal(await tar.readText('/unicodé.txt'), 'ü');
      assert.deepEqual(await tar.readJson('manifest.json'), [{ a: 1 }]);
      assert.equal(tar.has('dir'), false);
      assert.equal(tar.size('manifest.json'), 9);
    } finally {
      await tar.close();
    }
  }),
);

test(
  'streams a member straight from its offset, and an empty member as an empty stream',
  withWorkspace(async (ws) => {
    const big = Buffer.alloc(200_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const path = write(
      ws,
      'b.tar',
      await packTar([
        { name: 'first', content: 'abc' },
        { name: 'big.bin', content: big },
        { name: 'empty', content: '' },
      ]),
    );
    const tar = await openTarFile(path);
    try {
      const chunks: Buffer[] = [];
      for await (const c of tar.createReadStream('big.bin')) chunks.push(c as Buffer);
      assert.ok(Buffer.concat(chunks).equals(big));
      assert.equal(await text(tar.createReadStream('empty')), '');
      assert.equal(await text(tar.createReadStream('first')), 'abc');
      assert.equal(tar.entries.get('big.bin')!.offset, 1024 + 512);
    } finally {
      await tar.close();
    }
  }),
);

test(
  'follows hard links and relative symlinks (legacy docker save links duplicate layers)',
  withWorkspace(async (ws) => {
    const path = write(
      ws,
      'c.tar',
      await packTar([
        { name: 'aaa/layer.tar', content: 'layer bytes' },
        { name: 'bbb/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
        { name: 'ccc/layer.tar', type: 'link', linkname: 'aaa/layer.tar' },
        { name: 'ddd/layer.tar', type: 'symlink', linkname: '../bbb/layer.tar' },
        { name: 'loop1', type: 'symlink', linkname: 'loop2' },
        { name: 'loop2', type: 'symlink', linkname: 'loop1' },
        { name: 'escape', type: 'symlink', linkname: '../../etc/passwd' },
      ]),
    );
    const tar = await openTarFile(path);
    try {
      assert.equal(await tar.readText('bbb/layer.tar'), 'layer bytes');
      assert.equal(await tar.readText('ccc/layer.tar'), 'layer bytes');
      assert.equal(await text(tar.createReadStream('ddd/layer.tar')), 'layer bytes');
      assert.equal(tar.has('loop1'), false);
      assert.equal(tar.has('escape'), false);
    } finally {
      await tar.close();
    }
  }),
);

test(
  'a later member with the same name wins',
  withWorkspace(async (ws) => {
    const path = write(
      ws,
      'd.tar',
      await packTar([
        { name: 'x', content: 'old' },
        { name: 'x', content: 'newer' },
      ]),
    );
    const tar = await openTarFile(path);
    try {
      assert.equal(await tar.readText('x'), 'newer');
    } finally {
      await tar.close();
    }
  }),
);

test(
  'reads GNU long names, base-256 sizes, PAX sizes; ignores the old-GNU prefix area; tolerates a missing end marker',
  withWorkspace(async (ws) => {
    const longName = `blobs/sha256/${'a'.repeat(120)}`;
    const paxRecord = (key: string, value: string) => {
      const body = ` ${key}=${value}\n`;
      let len = body.length + 1;
      if (String(len).length + body.length !== len) len = String(len + 1).length + body.length;
      return `${len}${body}`;
    };
    const pax = Buffer.from(paxRecord('size', '5'));
    const data = Buffer.concat([
      rawHeader({ name: '././@LongLink', type: 'L', size: longName.length + 1, magic: 'gnu' }),
      padded(Buffer.from(`${longName}\0`)),
      rawHeader({ name: longName.slice(0, 99), size: 4, magic: 'gnu' }),
      padded(Buffer.from('long')),
      rawHeader({ name: 'b256', size: 6, base256: true }),
      padded(Buffer.from('base256')).subarray(0, 512),
      rawHeader({ name: 'gnu-times', size: 3, magic: 'gnu', prefixField: Buffer.from('14540272712\0') }),
      padded(Buffer.from('gnu')),
      rawHeader({ name: 'PaxHeaders/p', type: 'x', size: pax.length }),
      padded(pax),
      rawHeader({ name: 'p', size: 0 }),
      padded(Buffer.from('sized')),
    ]);
    const tar = await openTarFile(write(ws, 'e.tar', data));
    try {
      assert.deepEqual([...tar.entries.keys()], [longName, 'b256', 'gnu-times', 'p']);
      assert.equal(await tar.readText(longName), 'long');
      assert.equal(await tar.readText('b256'), 'base25');
      assert.equal(await tar.readText('gnu-times'), 'gnu');
      assert.equal(await tar.readText('p'), 'sized');
    } finally {
      await tar.close();
    }
  }),
);

test(
  'a truncated archive is an InputError naming the file and the member',
  withWorkspace(async (ws) => {
    const full = await packTar([
      { name: 'manifest.json', content: '[]' },
      { name: 'blobs/sha256/big', content: 4000 },
    ]);
    const path = write(ws, 'cut.tar', full.subarray(0, 1024 + 512 + 1000));
    await assert.rejects(openTarFile(path), {
      name: 'InputError',
      message: `${path} is truncated: member blobs/sha256/big needs 5536 bytes but the file has 2536`,
    });
    const midHeader = write(ws, 'cut2.tar', full.subarray(0, 1024 + 100));
    await assert.rejects(openTarFile(midHeader), {
      name: 'InputError',
      message: `${midHeader} is truncated: the next header needs 1536 bytes but the file has 1124`,
    });
  }),
);

test(
  'a corrupt header, a non-tar file and a missing file are InputErrors',
  withWorkspace(async (ws) => {
    const good = await packTar([
      { name: 'a', content: 'x' },
      { name: 'b', content: 'y' },
    ]);
    const bad = Buffer.from(good);
    bad[1024 + 10] = 0x41; // second header's name, checksum now wrong
    const badPath = write(ws, 'bad.tar', bad);
    await assert.rejects(openTarFile(badPath), {
      name: 'InputError',
      message: `${badPath} is corrupt: bad tar header checksum at offset 1024`,
    });

    const notTar = write(ws, 'not.tar', Buffer.alloc(2048, 'hello '));
    await assert.rejects(openTarFile(notTar), { name: 'InputError', message: `${notTar} is not a tar archive` });
    assert.equal(isTarHeader(Buffer.alloc(512, 'hello ')), false);
    assert.equal(isTarHeader(good.subarray(0, 512)), true);

    const missing = join(ws.dir, 'nope.tar');
    await assert.rejects(openTarFile(missing), { name: 'InputError', message: `no such file: ${missing}` });
  }),
);

test(
  'bad JSON and missing members are InputErrors naming the member',
  withWorkspace(async (ws) => {
    const path = write(ws, 'j.tar', Buffer.concat([await packTar([{ name: 'manifest.json', content: '[{"Config": ' }]), END]));
    const tar = await openTarFile(path);
    try {
      await assert.rejects(tar.readJson('manifest.json'), (e: Error) => {
        assert.equal(e.name, 'InputError');
        assert.match(e.message, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: manifest\\.json is not valid JSON \\(.+\\)$`));
        return true;
      });
      await assert.rejects(tar.readText('index.json'), { name: 'InputError', message: `${path}: missing index.json` });
    } finally {
      await tar.close();
    }
  }),
);

test(
  'close() destroys open streams and releases the descriptor; it is idempotent',
  withWorkspace(async (ws) => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const path = write(ws, 'f.tar', await packTar([{ name: 'big', content: 1_000_000 }]));
    const before = fds();
    const tar = await openTarFile(path);
    assert.equal(fds(), before + 1);
    const stream = tar.createReadStream('big');
    await new Promise((resolve) => stream.once('open', resolve));
    assert.equal(fds(), before + 2);
    const closed = new Promise((resolve) => stream.once('close', resolve));
    await tar.close();
    await tar.close();
    assert.equal(stream.destroyed, true);
    await closed;
    assert.equal(fds(), before);
    assert.throws(() => tar.createReadStream('big'), /is closed/);
  }),
);
