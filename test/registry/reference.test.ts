// The pieces of the registry source that need no network: references with Docker's defaults,
// WWW-Authenticate parsing, Retry-After, and where credentials come from (a temp DOCKER_CONFIG).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { credentialKey, dockerConfigPath, dockerCredentials, parseChallenges } from '../../src/sources/registry/auth.js';
import { retryAfter } from '../../src/sources/registry/client.js';
import { isLoopback, manifestReference, parseReference } from '../../src/sources/registry/reference.js';

const temp = mkdtempSync(join(tmpdir(), 'layerscope-registry-unit-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const DIGEST = `sha256:${'ab'.repeat(32)}`;

test('references: Docker Hub defaults (library/, registry-1.docker.io, latest)', () => {
  assert.deepEqual(parseReference('nginx'), {
    registry: 'docker.io',
    endpoint: 'registry-1.docker.io',
    repository: 'library/nginx',
    tag: 'latest',
    name: 'docker.io/library/nginx:latest',
  });
  assert.deepEqual(parseReference('bitnami/redis:7.2'), {
    registry: 'docker.io',
    endpoint: 'registry-1.docker.io',
    repository: 'bitnami/redis',
    tag: '7.2',
    name: 'docker.io/bitnami/redis:7.2',
  });
  assert.equal(parseReference('docker.io/nginx:1').name, 'docker.io/library/nginx:1');
  assert.equal(parseReference('index.docker.io/library/nginx').name, 'docker.io/library/nginx:latest');
  assert.equal(parseReference('registry-1.docker.io/x/y').endpoint, 'registry-1.docker.io');
});

test('references: registries with ports, IPv6, localhost, digests', () => {
  assert.deepEqual(parseReference('ghcr.io/org/app:1.2'), {
    registry: 'ghcr.io',
    endpoint: 'ghcr.io',
    repository: 'org/app',
    tag: '1.2',
    name: 'ghcr.io/org/app:1.2',
  });
  assert.deepEqual(parseReference(`127.0.0.1:5000/a/b/c@${DIGEST}`), {
    registry: '127.0.0.1:5000',
    endpoint: '127.0.0.1:5000',
    repository: 'a/b/c',
    digest: DIGEST,
    name: `127.0.0.1:5000/a/b/c@${DIGEST}`,
  });
  // name:tag@digest: the digest wins.
  const both = parseReference(`localhost/app:1@${DIGEST}`);
  assert.equal(manifestReference(both), DIGEST);
  assert.equal(both.registry, 'localhost');
  assert.equal(manifestReference(parseReference('localhost:5000/app')), 'latest');
  assert.equal(parseReference('[::1]:5000/app:2').endpoint, '[::1]:5000');
  assert.equal(parseReference('[::1]:5000/app:2').tag, '2');
  // No slash: `localhost:5000` is a Docker Hub name with a tag, as in Docker.
  assert.equal(parseReference('localhost:5000').name, 'docker.io/library/localhost:5000');
});

test('references: invalid ones are InputErrors that say why', () => {
  const cases: Array<[string, string]> = [
    ['Org/App', 'invalid image reference "Org/App": repository names must be lowercase'],
    ['ghcr.io/org/App', 'invalid image reference "ghcr.io/org/App": repository names must be lowercase'],
    ['app@sha256:123', 'invalid image reference "app@sha256:123": "sha256:123" is not a digest (expected sha256:<64 hex digits>)'],
    ['app:-bad', 'invalid image reference "app:-bad": "-bad" is not a valid tag'],
    ['ghcr.io/', 'invalid image reference "ghcr.io/": "" is not a valid repository name component'],
    ['reg_istry.io/app', 'invalid image reference "reg_istry.io/app": "reg_istry.io" is not a valid registry host'],
    [':tag', 'invalid image reference ":tag": no repository name'],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseReference(text),
      (e: unknown) => e instanceof InputError && e.message === message,
      text,
    );
  }
});

test('loopback hosts may use plain HTTP', () => {
  for (const host of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000'])
    assert.equal(isLoopback(host), true, host);
  for (const host of ['ghcr.io', '10.0.0.1:5000', 'localhost.example.com', '[::2]:5000']) assert.equal(isLoopback(host), false, host);
});

test('WWW-Authenticate: Bearer and Basic challenges, quoted values, several challenges in one header', () => {
  assert.deepEqual(
    parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'),
    [
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
      },
    ],
  );
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm", Bearer realm=https://x/token, error="insufficient_scope"'), [
    { scheme: 'basic', params: { realm: 'Registry Realm' } },
    { scheme: 'bearer', params: { realm: 'https://x/token', error: 'insufficient_scope' } },
  ]);
  assert.deepEqual(parseChallenges('Bearer realm="a\\"b", scope="repository:a:pull repository:b:pull"'), [
    { scheme: 'bearer', params: { realm: 'a"b', scope: 'repository:a:pull repository:b:pull' } },
  ]);
  assert.deepEqual(parseChallenges(null), []);
  assert.deepEqual(parseChallenges(''), []);
});

test('Retry-After: seconds or an HTTP date', () => {
  assert.equal(retryAfter('0'), 0);
  assert.equal(retryAfter('7'), 7000);
  assert.equal(retryAfter(null), undefined);
  assert.equal(retryAfter('soon'), undefined);
  assert.equal(retryAfter(new Date(Date.now() - 10_000).toUTCString()), 0);
  const later = retryAfter(new Date(Date.now() + 120_000).toUTCString())!;
  assert.ok(later > 100_000 && later <= 120_000, String(later));
});

function configDir(name: string, config: unknown): string {
  const dir = join(temp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

test('credentials: DOCKER_CONFIG overrides ~/.docker; auths by host (any scheme or path), Docker Hub under its v1 URL', async () => {
  assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/x/y' }), join('/x/y', 'config.json'));
  assert.equal(dockerConfigPath({ HOME: '/home/u' }).endsWith(join('.docker', 'config.json')), true);
  assert.equal(credentialKey('docker.io'), 'https://index.docker.io/v1/');
  assert.equal(credentialKey('ghcr.io'), 'ghcr.io');
  const dir = configDir('auths', {
    auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hub:pw').toString('base64') },
      'http://reg.example:5000/v2/': { username: 'u', password: 'p' },
      'ghcr.io': { identitytoken: 'refresh-me' },
      'empty.example': {},
    },
  });
  const path = join(dir, 'config.json');
  const warnings: string[] = [];
  const lookup = dockerCredentials(warnings, { DOCKER_CONFIG: dir, PATH: process.env.PATH });
  assert.deepEqual(await lookup('docker.io'), { from: path, username: 'hubuser', password: 'hub:pw' });
  assert.deepEqual(await lookup('reg.example:5000'), { from: path, username: 'u', password: 'p' });
  assert.deepEqual(await lookup('ghcr.io'), { from: path, identityToken: 'refresh-me' });
  assert.equal(await lookup('empty.example'), undefined);
  assert.equal(await lookup('other.example'), undefined);
  assert.deepEqual(warnings, []);
});

test('credentials: helpers by host, then credsStore; "not found", missing helpers and bad JSON fall back with a warning', async () => {
  const bin = join(temp, 'bin');
  mkdirSync(bin, { recursive: true });
  const log = join(temp, 'helper.log');
  const script = (name: string, body: string) => {
    const path = join(bin, `docker-credential-${name}`);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
  };
  script('good', `printf '%s|' "$(cat)" >> '${log}'\necho '{"ServerURL":"s","Username":"helper-user","Secret":"helper-pw"}'`);
  script('token', `cat >/dev/null\necho '{"ServerURL":"s","Username":"<token>","Secret":"id-token"}'`);
  script('none', `cat >/dev/null\necho 'credentials not found in native keychain'\nexit 1`);
  script('broken', `cat >/dev/null\necho 'not json'`);
  const env = (dir: string) => ({ DOCKER_CONFIG: dir, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` });

  const dir = configDir('helpers', {
    credsStore: 'good',
    credHelpers: { 'tok.example': 'token', 'none.example': 'none', 'broken.example': 'broken', 'gone.example': 'missing' },
    auths: { 'none.example': { username: 'file-user', password: 'file-pw' } },
  });
  const warnings: string[] = [];
  const lookup = dockerCredentials(warnings, env(dir));
  assert.deepEqual(await lookup('docker.io'), { from: 'docker-credential-good', username: 'helper-user', password: 'helper-pw' });
  assert.deepEqual(await lookup('reg.example:5000'), { from: 'docker-credential-good', username: 'helper-user', password: 'helper-pw' });
  assert.equal(readFileSync(log, 'utf8'), 'https://index.docker.io/v1/|reg.example:5000|');
  assert.deepEqual(await lookup('tok.example'), { from: 'docker-credential-token', identityToken: 'id-token' });
  // Nothing in the helper: the file's own entry still counts.
  assert.deepEqual(await lookup('none.example'), { from: join(dir, 'config.json'), username: 'file-user', password: 'file-pw' });
  assert.deepEqual(warnings, []);
  assert.equal(await lookup('broken.example'), undefined);
  assert.equal(await lookup('gone.example'), undefined);
  assert.deepEqual(warnings, [
    'credential helper docker-credential-broken printed something that is not JSON; pulling without its credentials',
    'credential helper docker-credential-missing failed (not found on PATH); pulling without its credentials',
  ]);

  const bad: string[] = [];
  assert.equal(await dockerCredentials(bad, env(configDir('bad', '{ nope')))('x.example'), undefined);
  assert.deepEqual(bad, [`${join(temp, 'bad', 'config.json')} is not valid JSON; pulling without credentials`]);
  const absent: string[] = [];
  assert.equal(await dockerCredentials(absent, env(join(temp, 'nowhere')))('x.example'), undefined);
  assert.deepEqual(absent, []);
});
