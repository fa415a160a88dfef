// Docker contexts, made by the real `docker context create` in a temp DOCKER_CONFIG: layerscope
// reaches the engine the docker CLI would (--context, DOCKER_CONTEXT, currentContext), DOCKER_HOST
// still wins over the last two, and a context whose engine is not there is one line naming it.
// The reachable context points at the test engine through another socket (a forwarding proxy
// that also shows the requests really went through it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandAvailable, dockerAvailable, need } from '../helpers/env.js';
import { makeTemp, removeTemp, run } from '../helpers/docker.js';
import { runLayerscope } from '../helpers/cli.js';
import { startEngineProxy, type EngineProxy } from '../helpers/engineProxy.js';
import { engineEndpoint, unreachableMessage } from '../../src/sources/engine.js';
import { contextDirName } from '../../src/sources/dockerContext.js';

const IMAGE = 'layerscope-test/busybox:latest';
let work: string | undefined;
let proxy: EngineProxy | undefined;

before(async () => {
  if (!dockerAvailable()) return;
  work = await makeTemp('layerscope-contexts-');
  proxy = await startEngineProxy(work);
  const env = envWith();
  await run('docker', ['context', 'create', 'via-proxy', '--docker', `host=unix://${proxy.socket}`], { env });
  await run('docker', ['context', 'create', 'gone', '--docker', `host=unix://${join(work, 'missing.sock')}`], { env });
});

after(async () => {
  await proxy?.close();
  await removeTemp(work);
});

/** The test's docker config dir, no DOCKER_HOST / DOCKER_CONTEXT unless given. */
function envWith(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: join(work!, 'config'), ...extra };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT'] as const) if (extra[k] === undefined) delete env[k];
  return env;
}

/** Runs `layerscope IMAGE --json -` and says how many engine requests went through the proxy. */
async function open(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const start = proxy!.requests.length;
  const result = await runLayerscope([...args, IMAGE, '--json', '-', '--no-cache'], { env: envWith(extra) });
  return { ...result, throughProxy: proxy!.requests.length - start };
}

test('a context chosen by --context, DOCKER_CONTEXT or currentContext is where the engine is reached', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const direct = await runLayerscope([IMAGE, '--json', '-', '--no-cache'], {
    env: envWith({ DOCKER_HOST: 'unix:///var/run/docker.sock' }),
  });
  assert.equal(direct.code, 0, direct.stderr);
  const viaFlag = await open(['--context', 'via-proxy']);
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  assert.ok(viaFlag.throughProxy >= 3, `ping, inspect and save through the context's socket (${viaFlag.throughProxy})`);
  assert.equal(viaFlag.stdout, direct.stdout);
  const viaEnv = await open([], { DOCKER_CONTEXT: 'via-proxy' });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.ok(viaEnv.throughProxy >= 3);
  assert.equal(viaEnv.stdout, direct.stdout);
  // `docker context use` writes currentContext into config.json.
  await run('docker', ['context', 'use', 'via-proxy'], { env: envWith() });
  try {
    assert.match(await readFile(join(work!, 'config', 'config.json'), 'utf8'), /"currentContext": "via-proxy"/);
    const viaConfig = await open([]);
    assert.equal(viaConfig.code, 0, viaConfig.stderr);
    assert.ok(viaConfig.throughProxy >= 3);
    assert.equal(viaConfig.stdout, direct.stdout);
    // DOCKER_HOST wins over DOCKER_CONTEXT and currentContext, as in the docker CLI…
    const hostWins = await open([], { DOCKER_HOST: 'unix:///var/run/docker.sock', DOCKER_CONTEXT: 'gone' });
    assert.equal(hostWins.code, 0, hostWins.stderr);
    assert.equal(hostWins.throughProxy, 0);
    // …and `default` is the default socket.
    const byDefault = await open(['--context', 'default']);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.equal(byDefault.throughProxy, 0);
  } finally {
    await run('docker', ['context', 'use', 'default'], { env: envWith() });
  }
});

test('a context whose engine is not there, or no such context: exit 2, one line naming the context', async (t) => {
  if (!need(t, 'docker', dockerAvailable())) return;
  const missing = join(work!, 'missing.sock');
  for (const [args, extra, origin] of [
    [['--context', 'gone'], {}, '--context'],
    [[], { DOCKER_CONTEXT: 'gone' }, 'DOCKER_CONTEXT'],
  ] as const) {
    const r = await open([...args], extra);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `layerscope: "${IMAGE}" is not a file here, and the Docker engine cannot be reached at unix://${missing} ` +
        `(docker context "gone", from ${origin}): connect ENOENT ${missing}; ` +
        'start that engine, choose another context (--context NAME, or docker context use NAME), or set DOCKER_HOST\n',
    );
  }
  const unknown = await open(['--context', 'nosuch']);
  assert.equal(unknown.code, 2);
  const meta = join(work!, 'config', 'contexts', 'meta', contextDirName('nosuch'), 'meta.json');
  assert.equal(
    unknown.stderr,
    `layerscope: docker context "nosuch" (from --context) does not exist (no ${meta}); list the contexts with docker context ls\n`,
  );
});

test('a tcp context with TLS material: https to its host with the PEM files docker context create stored', async (t) => {
  if (!need(t, 'docker', dockerAvailable()) || !need(t, 'openssl', commandAvailable('openssl'))) return;
  const dir = join(work!, 'tls');
  await run('mkdir', ['-p', dir]);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=layerscope-test',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  await writeFile(join(dir, 'ca.pem'), await readFile(join(dir, 'cert.pem')));
  const env = envWith();
  await run(
    'docker',
    [
      'context',
      'create',
      'remote-tls',
      '--docker',
      `host=tcp://10.11.12.13:2376,ca=${join(dir, 'ca.pem')},cert=${join(dir, 'cert.pem')},key=${join(dir, 'key.pem')}`,
    ],
    { env },
  );
  await run('docker', ['context', 'create', 'remote-plain', '--docker', 'host=tcp://10.11.12.14:2375'], { env });
  const tls = engineEndpoint('docker', env, () => false, 'remote-tls');
  const options = tls.options as Record<string, unknown>;
  assert.deepEqual([options.host, options.port, options.protocol], ['10.11.12.13', 2376, 'https']);
  assert.deepEqual(options.ca, await readFile(join(dir, 'ca.pem')));
  assert.deepEqual(options.cert, await readFile(join(dir, 'cert.pem')));
  assert.deepEqual(options.key, await readFile(join(dir, 'key.pem')));
  assert.equal(options.agent, undefined);
  assert.deepEqual(tls.context, { name: 'remote-tls', origin: '--context' });
  const plain = engineEndpoint('docker', { ...env, DOCKER_CONTEXT: 'remote-plain' }, () => false);
  assert.deepEqual(plain.options, { host: '10.11.12.14', port: 2375, protocol: 'http' });
  assert.equal(
    unreachableMessage(plain, 'connect ETIMEDOUT'),
    'cannot reach the Docker engine at tcp://10.11.12.14:2375 (docker context "remote-plain", from DOCKER_CONTEXT): connect ETIMEDOUT; ' +
      'start that engine, choose another context (--context NAME, or docker context use NAME), or set DOCKER_HOST',
  );
  // DOCKER_HOST wins over DOCKER_CONTEXT, not over an explicit --context (as in the docker CLI).
  assert.equal(
    engineEndpoint('docker', { ...env, DOCKER_HOST: 'tcp://1.2.3.4:2375', DOCKER_CONTEXT: 'remote-plain' }).address,
    'tcp://1.2.3.4:2375',
  );
  assert.equal(
    engineEndpoint('docker', { ...env, DOCKER_HOST: 'tcp://1.2.3.4:2375' }, () => false, 'remote-plain').address,
    'tcp://10.11.12.14:2375',
  );
  // Podman is not reached through Docker contexts: naming one for it is refused.
  assert.throws(() => engineEndpoint('podman', env, () => false, 'remote-plain'), {
    name: 'InputError',
    message: '--context remote-plain names a Docker context; the Podman service is found through CONTAINER_HOST',
  });
  await run('docker', ['context', 'rm', 'remote-tls', 'remote-plain'], { env });
});
