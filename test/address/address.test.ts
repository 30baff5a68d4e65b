import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddressParseError,
  compareAddress,
  compareResolvedTarget,
  compareUniqueAddress,
  formatAddress,
  formatHostPort,
  ipBytes,
  newUid,
  normalizeHost,
  parseAddress,
  uidHash,
  type ResolvedTarget,
} from '../../src/address.js';

test('parses and prints addresses, IPv6 in brackets and normalised', () => {
  const a = parseAddress('pekko://Main@10.0.0.1:17355');
  assert.deepEqual(a, { protocol: 'pekko', system: 'Main', host: '10.0.0.1', port: 17355 });
  assert.equal(formatAddress(a), 'pekko://Main@10.0.0.1:17355');
  assert.equal(formatHostPort(a), 'Main@10.0.0.1:17355');
  const v6 = parseAddress('pekko://s@[0:0:0:0:0:0:0:1]:7');
  assert.equal(v6.host, '::1');
  assert.equal(formatAddress(v6), 'pekko://s@[::1]:7');
  assert.equal(normalizeHost('FE80:0000:0000:0000:0202:B3FF:FE1E:8329'), 'fe80::202:b3ff:fe1e:8329');
  assert.equal(normalizeHost('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(normalizeHost('::ffff:10.0.0.1'), '::ffff:a00:1');
});

test('rejects malformed addresses with a clear error', () => {
  for (const bad of [
    '',
    'pekko://Main@host',
    'pekko://@h:1',
    'pekko://-bad@h:1',
    'pekko://s@h:70000',
    'pekko://s@[nothex]:1',
    'pekko://s@::1:1',
    'Main@h:1',
  ]) {
    assert.throws(() => parseAddress(bad), AddressParseError, bad);
  }
});

test('member ordering compares host as a plain string, then port; uid signed', () => {
  const h = (host: string, port = 1) => ({ protocol: 'pekko', system: 's', host, port });
  assert.ok(compareAddress(h('10.0.0.10'), h('10.0.0.9')) < 0);
  assert.ok(compareAddress(h('a', 2), h('a', 10)) < 0);
  const ua = (uid: bigint) => ({ address: h('a'), uid });
  assert.ok(compareUniqueAddress(ua(-5n), ua(3n)) < 0);
  assert.ok(compareUniqueAddress(ua(-(1n << 63n)), ua((1n << 63n) - 1n)) < 0);
});

test('ResolvedTarget order: signed address bytes, then host, then port', () => {
  const t = (host: string, address?: string, port?: number): ResolvedTarget => ({ host, address, port });
  assert.ok(compareResolvedTarget(t('b', '10.0.0.200'), t('a', '10.0.0.5')) < 0);
  assert.ok(compareResolvedTarget(t('x', '192.168.0.1'), t('x', '10.0.0.1')) < 0);
  assert.ok(compareResolvedTarget(t('z'), t('a', '10.0.0.1')) < 0, 'no address sorts first');
  assert.ok(compareResolvedTarget(t('a', '0.0.0.0'), t('a', '::')) < 0, 'a prefix (IPv4) sorts first');
  assert.ok(compareResolvedTarget(t('a', '::1'), t('a', '10.0.0.1')) < 0, 'bytes decide before length');
  assert.ok(compareResolvedTarget(t('a', undefined, 5), t('b', undefined, 1)) < 0);
  assert.ok(compareResolvedTarget(t('a'), t('a', undefined, 1)) < 0, 'missing port first');
  assert.equal(compareResolvedTarget(t('a', '10.0.0.1', 1), t('a', '10.0.0.1', 1)), 0);
  assert.deepEqual(ipBytes('::1')?.length, 16);
  assert.equal(ipBytes('not-an-ip'), undefined);
});

test('uids are random signed 64-bit values; hash matches Java Long.hashCode', () => {
  const seen = new Set<bigint>();
  for (let i = 0; i < 100; i++) seen.add(newUid());
  assert.equal(seen.size, 100);
  assert.equal(uidHash(0n), 0);
  assert.equal(uidHash(-1n), 0);
  assert.equal(uidHash(1n), 1);
  assert.equal(uidHash(1n << 32n), 1);
  assert.equal(uidHash(-4967350262227633432n), Number(BigInt.asIntN(32, BigInt.asUintN(64, -4967350262227633432n) ^ (BigInt.asUintN(64, -4967350262227633432n) >> 32n))));
});
