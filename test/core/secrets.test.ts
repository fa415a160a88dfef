// The secret scanner as a pure function, and through the walk: each rule finds its secret, the
// preview never holds it, look-alikes (docs' example keys, env references, headers without a key)
// are not findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { scanName, scanText } from '../../src/core/secrets.js';
import { walkLayer } from '../../src/core/walk.js';
import { packTar } from '../helpers/tar.js';

const KEY_BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACBnZXQgb2ZmIG15IGxhd24';
const TOKENS: Array<[string, string, string]> = [
  ['github-token', 'ghp_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8', 'ghp_******** (40 chars)'],
  ['gitlab-token', 'glpat-Xy12Ab34Cd56Ef78Gh90', 'glpat-******** (26 chars)'],
  ['aws-access-key-id', 'AKIAQ3EGUKSJDN4XAL7M', 'AKIA******** (20 chars)'],
  ['slack-token', 'xoxb-123456789012-abcdefABCDEF', 'xoxb-******** (30 chars)'],
  ['stripe-key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_******** (32 chars)'],
];

test('content rules: each finds its secret with a masked preview and the line; the secret is in no field', () => {
  for (const [rule, secret, preview] of TOKENS) {
    const hits = scanText('app/settings.py', `# config\nTOKEN = "${secret}"\n`);
    assert.deepEqual(hits, [{ path: 'app/settings.py', rule, preview, line: 2, count: 1 }], rule);
    assert.ok(!JSON.stringify(hits).includes(secret.slice(6)), `${rule} preview leaks`);
  }
  const pem = `-----BEGIN RSA PRIVATE KEY-----\n${KEY_BODY}\n${KEY_BODY}\n-----END RSA PRIVATE KEY-----\n`;
  const hits = scanText('etc/ssl/private/server.key', `\n\n${pem}`);
  assert.deepEqual(hits, [
    { path: 'etc/ssl/private/server.key', rule: 'private-key', preview: '-----BEGIN RSA PRIVATE KEY----- ********', line: 3, count: 1 },
  ]);
  assert.ok(!JSON.stringify(hits).includes(KEY_BODY.slice(0, 20)));
});

test('credential files: .npmrc, .netrc, .env, docker config.json, kubeconfig', () => {
  assert.deepEqual(scanText('root/.npmrc', 'registry=https://r.example/\n//r.example/:_authToken=abcdef123456\n'), [
    { path: 'root/.npmrc', rule: 'npm-token', preview: '//r.example/:_authToken=********', line: 2, count: 1 },
  ]);
  assert.deepEqual(scanText('root/.netrc', 'machine git.example.com login me password hunter22\n'), [
    { path: 'root/.netrc', rule: 'netrc', preview: 'machine git.example.com password ********', line: 1, count: 1 },
  ]);
  assert.deepEqual(scanText('app/.env', 'NODE_ENV=production\nDB_PASSWORD="s3cret"\nEMPTY=\n'), [
    { path: 'app/.env', rule: 'dotenv', preview: 'NODE_ENV=******** DB_PASSWORD=********', line: 1, count: 2 },
  ]);
  assert.deepEqual(scanText('root/.docker/config.json', '{"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}'), [
    { path: 'root/.docker/config.json', rule: 'docker-auth', preview: 'auths: registry.example.com (auth ********)', count: 1 },
  ]);
  const kube =
    'apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: https://k}\nusers:\n- name: u\n  user:\n    token: eyJhbGciOi\n';
  assert.deepEqual(scanText('root/.kube/config', kube), [
    { path: 'root/.kube/config', rule: 'kubeconfig-credentials', preview: 'users: token: ********', line: 8, count: 1 },
  ]);
  assert.deepEqual(scanName('root/.ssh/id_ed25519', 411), [
    { path: 'root/.ssh/id_ed25519', rule: 'private-key-file', preview: 'id_ed25519 (411 bytes)', count: 1 },
  ]);
});

test('look-alikes are not findings', () => {
  const clean = [
    // AWS's documented example key, an env reference in .npmrc, a PEM header with no key after it
    // (as in docs and parsers), a public key, an empty token, a .env.example.
    ['docs/aws.md', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an .npmrc's own ${VAR} syntax
    ['root/.npmrc', '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n'],
    ['usr/share/perl5/Crypt.pm', 'if ($pem =~ /-----BEGIN RSA PRIVATE KEY-----/) { ... }'],
    ['root/.ssh/id_ed25519.pub', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE me@host'],
    ['app/.env', 'EMPTY=\n# COMMENT=1\n'],
    ['root/.docker/config.json', '{"auths":{"registry.example.com":{}},"credsStore":"desktop"}'],
    ['src/tokens.ts', 'const prefix = "ghp_"; // GitHub classic tokens start with this'],
  ];
  for (const [path, text] of clean) assert.deepEqual(scanText(path!, text!), [], path);
  assert.deepEqual(scanName('root/.ssh/id_ed25519.pub', 90), []);
  assert.deepEqual(scanName('root/.ssh/id_rsa', 0), [], 'an empty file holds no key');
});

test('through the walk: a token split across chunks, a binary file skipped, a key file found once, a big file by name only', async () => {
  const token = 'ghp_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8';
  // The token starts 20 bytes before the boundary of chunks 74 and 75 (4093 bytes each; content after a 512-byte header).
  const filler = `${'x'.repeat(74 * 4093 - 512 - 21)} `;
  const layer = await packTar([
    { name: 'app/big.txt', content: Buffer.from(`${filler}${token}\n`) },
    { name: 'app/blob.bin', content: Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(token)]) },
    {
      name: 'root/.ssh/id_rsa',
      content: Buffer.from(`-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`),
    },
    { name: 'var/huge/id_dsa', content: Buffer.alloc(2 * 1024 * 1024, 0x41) },
  ]);
  // Small chunks, so the token crosses a chunk boundary.
  const chunks: Buffer[] = [];
  for (let at = 0; at < layer.length; at += 4093) chunks.push(layer.subarray(at, at + 4093));
  const summary = await walkLayer(Readable.from(chunks));
  assert.deepEqual(
    summary.contents!.secrets.map((s) => [s.path, s.rule, s.line ?? null]),
    [
      ['app/big.txt', 'github-token', 1],
      ['root/.ssh/id_rsa', 'private-key', 1],
      ['var/huge/id_dsa', 'private-key-file', null],
    ],
  );
});
