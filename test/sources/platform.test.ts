import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arch } from 'node:os';
import {
  formatPlatform,
  hostPlatform,
  noMatchingPlatform,
  normalisePlatform,
  parsePlatform,
  platformMismatch,
  platformRank,
  rankPlatforms,
  requestPlatform,
  type Platform,
} from '../../src/sources/platform.js';

const p = (text: string): Platform => {
  const [os, architecture, variant] = text.split('/') as [string, string, string | undefined];
  return { os, architecture, ...(variant ? { variant } : {}) };
};

test('parses os/arch[/variant] with containerd normalisation', () => {
  assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('Linux/X86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(parsePlatform('linux/arm/6'), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(parsePlatform('linux/armhf'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(parsePlatform('linux/amd64/v1'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/amd64/v3'), { os: 'linux', architecture: 'amd64', variant: 'v3' });
  assert.deepEqual(parsePlatform('linux/i386'), { os: 'linux', architecture: '386' });
  assert.deepEqual(parsePlatform('windows/amd64'), { os: 'windows', architecture: 'amd64' });
});

test('rejects bad --platform syntax with one clear line', () => {
  for (const bad of ['amd64', 'linux/', '/amd64', 'linux/arm/v7/extra', 'linux amd64', '']) {
    assert.throws(() => parsePlatform(bad), {
      name: 'InputError',
      message: `invalid platform "${bad}": expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7`,
    });
  }
});

test('formats platforms back', () => {
  assert.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
  assert.equal(formatPlatform({ os: 'linux', architecture: 'amd64' }), 'linux/amd64');
  assert.deepEqual(normalisePlatform(p('linux/arm64/8')), { os: 'linux', architecture: 'arm64', variant: 'v8' });
});

test('the host platform is linux with the mapped architecture', () => {
  const host = hostPlatform();
  assert.equal(host.os, 'linux');
  const expected: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
  if (expected[arch()]) assert.equal(host.architecture, expected[arch()]);
  if (arch() === 'arm64') assert.equal(host.variant, 'v8');
  assert.deepEqual(requestPlatform(undefined), { platform: host, explicit: false });
  assert.deepEqual(requestPlatform('linux/arm64'), { platform: parsePlatform('linux/arm64'), explicit: true });
});

test('matching: default variants, amd64 variant optional, older arm variants as fallbacks, never another arch', () => {
  assert.equal(platformRank(p('linux/arm64'), p('linux/arm64/v8')), 0);
  assert.equal(platformRank(p('linux/arm64/v8'), p('linux/arm64')), 0);
  assert.equal(platformRank(p('linux/arm64'), p('linux/arm64/v9')), undefined);
  assert.equal(platformRank(p('linux/arm'), p('linux/arm/v7')), 0);
  assert.equal(platformRank(p('linux/arm/v7'), p('linux/arm')), 0);
  assert.equal(platformRank(p('linux/arm/v7'), p('linux/arm/v6')), 1);
  assert.equal(platformRank(p('linux/arm/v7'), p('linux/arm/v5')), 2);
  assert.equal(platformRank(p('linux/arm/v6'), p('linux/arm/v7')), undefined);
  assert.equal(platformRank(p('linux/amd64'), p('linux/amd64')), 0);
  assert.equal(platformRank(p('linux/amd64'), p('linux/amd64/v2')), 1);
  assert.equal(platformRank(p('linux/amd64'), p('linux/amd64/v3')), 2);
  assert.equal(platformRank(p('linux/amd64/v3'), p('linux/amd64/v3')), 0);
  assert.equal(platformRank(p('linux/amd64/v3'), p('linux/amd64/v2')), 1);
  assert.equal(platformRank(p('linux/amd64/v3'), p('linux/amd64')), 2);
  assert.equal(platformRank(p('linux/amd64/v2'), p('linux/amd64/v3')), undefined);
  assert.equal(platformRank(p('linux/amd64'), p('linux/386')), undefined);
  assert.equal(platformRank(p('linux/arm64'), p('linux/arm/v7')), undefined);
  assert.equal(platformRank(p('linux/amd64'), p('windows/amd64')), undefined);
  assert.equal(platformRank(p('linux/riscv64'), p('linux/riscv64/rva22')), 1);
});

test('ranks candidates best first, index order breaking ties', () => {
  const items = ['linux/amd64/v3', 'linux/arm64', 'linux/amd64', 'linux/amd64/v2', 'unknown/unknown', 'linux/amd64'];
  assert.deepEqual(
    rankPlatforms(
      p('linux/amd64'),
      items.map((s, i) => ({ s, i })),
      (x) => p(x.s),
    ).map((x) => x.i),
    [2, 5, 3, 0],
  );
  assert.deepEqual(rankPlatforms(p('linux/arm/v7'), ['linux/arm/v6', 'linux/arm/v7', 'linux/arm/v5'], p), [
    'linux/arm/v7',
    'linux/arm/v6',
    'linux/arm/v5',
  ]);
});

test('no match: lists available platforms once each, and says how to choose', () => {
  const explicit = noMatchingPlatform(
    { platform: p('linux/s390x'), explicit: true },
    [p('linux/amd64'), p('linux/arm64/v8'), p('linux/amd64')],
    'img.tar',
  );
  assert.equal(explicit.message, 'img.tar has no image for linux/s390x (available: linux/amd64, linux/arm64/v8); pick one with --platform');
  const host = noMatchingPlatform({ platform: p('linux/s390x'), explicit: false }, [p('linux/amd64')], 'img.tar');
  assert.equal(
    host.message,
    'img.tar has no image for linux/s390x (available: linux/amd64); this host is linux/s390x; pick one with --platform',
  );
});

test('an explicit platform that a single-image archive does not have is a warning', () => {
  assert.equal(
    platformMismatch({ platform: parsePlatform('linux/arm64'), explicit: true }, p('linux/amd64'), 'a.tar'),
    'a.tar holds a single image for linux/amd64; --platform linux/arm64/v8 was ignored',
  );
  assert.equal(platformMismatch({ platform: parsePlatform('linux/arm64'), explicit: false }, p('linux/amd64'), 'a.tar'), undefined);
  assert.equal(platformMismatch({ platform: parsePlatform('linux/arm64'), explicit: true }, p('linux/arm64'), 'a.tar'), undefined);
});
