// `layerscope config` and configuration errors through the real binary.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_EXAMPLE } from '../../src/app/open.js';
import { repoRoot, runLayerscope } from '../helpers/cli.js';

const h = mkdtempSync(join(tmpdir(), 'layerscope-cfgcli-'));
after(() => rmSync(h, { recursive: true, force: true }));
copyFileSync(join(repoRoot, 'test', 'fixtures', 'config', 'dive.yaml'), join(h, '.dive.yaml'));
mkdirSync(join(h, '.config', 'layerscope'), { recursive: true });
copyFileSync(join(repoRoot, 'test', 'fixtures', 'config', 'config.yaml'), join(h, '.config', 'layerscope', 'config.yaml'));

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(LAYERSCOPE_|XDG_|GITHUB_)/.test(k)) out[k] = v;
  return { ...out, HOME: h, ...extra };
}

test('layerscope config: every setting with its value and where it came from', async () => {
  const r = await runLayerscope(['config'], { cwd: h, env: env({ LAYERSCOPE_SORT: 'size' }) });
  assert.equal(r.code, 0, r.stderr);
  const file = join(h, '.config', 'layerscope', 'config.yaml');
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], `config file   ${file}`);
  assert.equal(lines[1], `dive config   ${join(h, '.dive.yaml')}`);
  const row = (key: string) => lines.find((l) => l.startsWith(`${key} `))?.replace(/\s+/g, ' ');
  assert.equal(row('defaults.theme'), `defaults.theme light ${file} defaults.theme`);
  assert.equal(row('defaults.sort'), 'defaults.sort size LAYERSCOPE_SORT');
  assert.equal(row('defaults.treeWidth'), `defaults.treeWidth 0.5 ${file} defaults.treeWidth`);
  assert.equal(row('defaults.attributes'), `defaults.attributes false ${join(h, '.dive.yaml')} filetree.show-attributes`);
  assert.equal(row('keys.toggleHelp'), `keys.toggleHelp H, ? ${file} keys.toggleHelp`);
  assert.equal(row('ci.format'), `ci.format markdown ${file} ci.format`);
  assert.equal(row('ci.rules.maxHiddenBytes'), `ci.rules.maxHiddenBytes 10MB (warn) ${file}`);
  assert.equal(row('ci.rules.lowestEfficiency'), 'ci.rules.lowestEfficiency 0.9 the default');
  assert.equal(row('ci.ignore'), `ci.ignore /var/cache/** ${file} ci.ignore`);
  assert.equal(row('ci.allowSecrets'), `ci.allowSecrets /srv/test/fake-key.pem ${file} ci.allowSecrets`);
  assert.ok(lines.includes('notes'));

  const json = JSON.parse((await runLayerscope(['config', '--json', '--theme', 'high-contrast'], { cwd: h, env: env() })).stdout);
  assert.deepEqual(json.defaults.theme, { value: 'high-contrast', source: 'flag', origin: '--theme' });
  assert.deepEqual(json.ci.rules.maxLayers, { value: '12', level: 'fail', source: 'config', origin: file });
  assert.deepEqual(json.ci.allowSecrets, ['/srv/test/fake-key.pem']);

  const secrets = await runLayerscope(['config'], { cwd: h, env: env({ LAYERSCOPE_SECRETS_MAX_BYTES: '16MiB' }) });
  assert.equal(
    secrets.stdout
      .split('\n')
      .find((l) => l.startsWith('defaults.secretsMaxBytes '))
      ?.replace(/\s+/g, ' '),
    'defaults.secretsMaxBytes 16777216 LAYERSCOPE_SECRETS_MAX_BYTES',
  );
});

test("the config's ci section drives --ci: its format, rules and ignore globs", async () => {
  const r = await runLayerscope([BUNDLED_EXAMPLE, '--ci', '--highestUserWastedPercent', 'off'], { cwd: h, env: env() });
  // maxLayers 12 passes (7 layers); maxHiddenBytes 10MB warn passes; markdown from ci.format.
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^### layerscope: .* passed$/m);
  assert.match(r.stdout, /^Ignored paths: \/var\/cache\/\\\*\\\*$/m);
  assert.match(r.stdout, /^Secrets allowed at: \/srv\/test\/fake-key\.pem$/m);
  const json = JSON.parse(
    (await runLayerscope([BUNDLED_EXAMPLE, '--ci', '--ci-format', 'json', '--allow-secret', '/opt/**'], { cwd: h, env: env() })).stdout,
  );
  assert.deepEqual(json.allowSecrets, ['/srv/test/fake-key.pem', '/opt/**']);
});

test('a bad configuration is one line on stderr and exit 2, before any image is read', async () => {
  const bad = join(h, 'bad.yaml');
  writeFileSync(bad, 'keys:\n  quit: [j]\n');
  const r = await runLayerscope([join(h, 'no-such-image.tar'), '--config', bad], { cwd: h, env: env() });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `layerscope: ${bad} keys.quit: key j is bound to both down and quit in the Browser (every pane) context\n`);
  const theme = await runLayerscope(['config'], { cwd: h, env: env({ LAYERSCOPE_THEME: 'neon' }) });
  assert.equal(theme.code, 2);
  assert.equal(theme.stderr, 'layerscope: LAYERSCOPE_THEME: "neon" is not a theme (default, light, high-contrast)\n');
});
