// The package database parsers as pure functions over (path, bytes), and an RPM database made
// with node:sqlite itself holding header blobs as rpm writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { dpkgListPackage, parseDpkgList, parseDpkgStatus } from '../../../src/core/packages/dpkg.js';
import { parseApkInstalled } from '../../../src/core/packages/apk.js';
import { encodeRpmHeader, parseRpmdb, parseRpmHeader } from '../../../src/core/packages/rpm.js';
import { parsePipRecord } from '../../../src/core/packages/pip.js';
import { isNpmManifest, parseNpmManifest } from '../../../src/core/packages/npm.js';

test('dpkg: installed stanzas only (not config-files or half-installed), continuation lines skipped; .list paths', () => {
  const status = [
    'Package: gcc-12\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.2.0-14\nDescription: GNU C\n the compiler\n Version: not-a-field',
    'Package: old\nStatus: deinstall ok config-files\nVersion: 1',
    'Package: half\nStatus: install reinstreq half-installed\nVersion: 2',
    'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nVersion: 2.36-9',
  ].join('\n\n');
  assert.deepEqual(parseDpkgStatus(status), [
    { name: 'gcc-12', version: '12.2.0-14', arch: 'amd64' },
    { name: 'libc6', version: '2.36-9', arch: 'amd64' },
  ]);
  assert.deepEqual(parseDpkgList('/.\n/usr\n/usr/bin\n/usr/bin/gcc-12\n\n'), ['usr', 'usr/bin', 'usr/bin/gcc-12']);
  assert.equal(dpkgListPackage('var/lib/dpkg/info/libc6:amd64.list'), 'libc6:amd64');
  assert.equal(dpkgListPackage('var/lib/dpkg/info/gcc-12.md5sums'), undefined);
  assert.equal(dpkgListPackage('var/lib/dpkg/info/x/y.list'), undefined);
});

test('apk: packages with their files under the F: directories', () => {
  const db =
    'C:Q1=\nP:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\nP:busybox\nV:1.36\nF:bin\nR:busybox\nF:etc\nR:securetty\n';
  assert.deepEqual(parseApkInstalled(db), [
    { name: 'musl', version: '1.2.4-r2', arch: 'x86_64', files: ['lib/ld-musl-x86_64.so.1', 'lib/libc.musl-x86_64.so.1'] },
    { name: 'busybox', version: '1.36', files: ['bin/busybox', 'etc/securetty'] },
  ]);
});

test('rpm: header blobs in a Packages table of an sqlite database; gpg-pubkey skipped; a bad blob is an error', () => {
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  insert.run(
    encodeRpmHeader({
      name: 'bash',
      version: '5.2.26',
      release: '3.fc40',
      arch: 'x86_64',
      files: ['/usr/bin/bash', '/usr/bin/sh', '/etc/skel/.bashrc'],
    }),
  );
  insert.run(encodeRpmHeader({ name: 'gpg-pubkey', version: 'a15b79cc', release: '63d04c2c', arch: '', files: [] }));
  insert.run(encodeRpmHeader({ name: 'tzdata', version: '2024a', release: '5.fc40', arch: 'noarch', files: ['/usr/share/zoneinfo/UTC'] }));
  const bytes = db.serialize();
  db.close();
  assert.deepEqual(parseRpmdb(bytes), [
    { name: 'bash', version: '5.2.26-3.fc40', arch: 'x86_64', files: ['usr/bin/bash', 'usr/bin/sh', 'etc/skel/.bashrc'] },
    { name: 'tzdata', version: '2024a-5.fc40', arch: 'noarch', files: ['usr/share/zoneinfo/UTC'] },
  ]);
  assert.throws(() => parseRpmHeader(Buffer.from([0, 0, 0, 9, 0, 0, 0, 1])), /sizes do not match/);
  assert.throws(() => parseRpmdb(Buffer.from('not a database')));
});

test('pip: RECORD paths relative to site-packages, scripts outside it, climbing out of the image dropped', () => {
  const record = 'requests/__init__.py,sha256=abc,600\n"requests/we,ird.py",,\n../../../bin/req,,\n../../../../../../../etc/x,,\n';
  assert.deepEqual(parsePipRecord('usr/lib/python3/site-packages/requests-2.31.0.dist-info/RECORD', record), {
    name: 'requests',
    version: '2.31.0',
    files: ['usr/lib/python3/site-packages/requests/__init__.py', 'usr/lib/python3/site-packages/requests/we,ird.py', 'usr/bin/req'],
  });
  assert.equal(parsePipRecord('usr/lib/python3/RECORD', ''), undefined);
});

test('npm: installed manifests and the app’s own, with its devDependencies', () => {
  assert.equal(isNpmManifest('app/node_modules/left-pad/package.json'), true);
  assert.equal(isNpmManifest('app/node_modules/@types/node/package.json'), true);
  assert.equal(isNpmManifest('app/package.json'), true);
  assert.equal(isNpmManifest('app/node_modules/left-pad/lib/package.json'), false, 'a marker file inside a package');
  assert.deepEqual(parseNpmManifest('app/node_modules/@types/node/package.json', '{"name":"@types/node","version":"24.1.0"}'), {
    kind: 'npm',
    path: 'app/node_modules/@types/node/package.json',
    name: '@types/node',
    version: '24.1.0',
    app: false,
  });
  assert.deepEqual(parseNpmManifest('app/package.json', '{"name":"app","devDependencies":{"typescript":"5","tsx":"4"}}'), {
    kind: 'npm',
    path: 'app/package.json',
    name: 'app',
    version: '',
    app: true,
    devDependencies: ['typescript', 'tsx'],
  });
  assert.equal(parseNpmManifest('app/package.json', '{not json'), undefined);
});
