import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookupDelayMs, probeDelayMs } from '../../src/bootstrap/backoff.js';
import { cleanHost, matchesSelf, probeUrl, selectHosts } from '../../src/bootstrap/contact-points.js';

const backoff = { intervalMs: 1000, exponentialBackoffMaxMs: 15_000, exponentialBackoffRandomFactor: 0.2 };

test('backoff: interval * 2^n capped at the max, random factor applied after the cap', () => {
  const table: Array<[number, number, number]> = [
    [0, 1000, 1200],
    [1, 2000, 2400],
    [2, 4000, 4800],
    [3, 8000, 9600],
    [4, 15_000, 18_000],
    [10, 15_000, 18_000],
  ];
  for (const [n, lo, hi] of table) {
    assert.equal(lookupDelayMs(n, backoff, () => 0), lo, `n=${n} lower bound`);
    assert.equal(Math.round(lookupDelayMs(n, backoff, () => 0.999999999)), hi, `n=${n} upper bound`);
  }
  assert.equal(lookupDelayMs(2, backoff, () => 0.5), 4400);
  // Overflow of the exponential gives the max (plus the random factor), not Infinity or NaN.
  assert.equal(lookupDelayMs(5000, backoff, () => 0), 15_000);
  assert.equal(lookupDelayMs(5000, backoff, () => 0.5), 16_500);
});

test('probe delay: probe-interval plus up to jitter of it', () => {
  assert.equal(probeDelayMs(1000, 0.2, () => 0), 1000);
  assert.equal(probeDelayMs(1000, 0.2, () => 0.5), 1100);
  assert.equal(probeDelayMs(1000, 0, () => 0.9), 1000);
});

test('selectHosts: several targets per host keep only the fallback port; one target per host is kept', () => {
  const targets = [
    { host: 'a', port: 7626 },
    { host: 'a', port: 17355 },
    { host: 'b', port: 17355 },
    { host: 'c', port: 1 },
    { host: 'c', port: 2 },
    { host: 'd' },
    { host: 'd' },
  ];
  const opts = { hasPortName: false, filterOnFallbackPort: true, fallbackPort: 7626 };
  assert.deepEqual(selectHosts(targets, opts), [{ host: 'a', port: 7626 }, { host: 'b', port: 17355 }, { host: 'd' }, { host: 'd' }]);
  // A host with several targets of which only some have a port keeps the one on the fallback port.
  assert.deepEqual(selectHosts([{ host: 'e' }, { host: 'e', port: 7626 }], opts), [{ host: 'e', port: 7626 }]);
  assert.deepEqual(selectHosts(targets, { ...opts, hasPortName: true }), targets);
  assert.deepEqual(selectHosts(targets, { ...opts, filterOnFallbackPort: false }), targets);
});

test('probe URL: local scheme and base-path, target host name, fallback port, IPv6 in brackets', () => {
  const self = { scheme: 'http' as const, host: '10.0.0.1', port: 7626, basePath: '' };
  assert.equal(probeUrl({ host: 'pod-a.ns', port: 8558, address: '10.0.0.2' }, self, 7626), 'http://pod-a.ns:8558/bootstrap/seed-nodes');
  assert.equal(probeUrl({ host: 'b' }, { ...self, scheme: 'https', basePath: '/mgmt/v1/' }, 9000), 'https://b:9000/mgmt/v1/bootstrap/seed-nodes');
  assert.equal(probeUrl({ host: '::1', port: 7626 }, self, 7626), 'http://[::1]:7626/bootstrap/seed-nodes');
});

test('cleanHost keeps only characters Pekko allows in an actor name', () => {
  assert.equal(cleanHost('pod-a.ns.svc.cluster.local'), 'pod-a.ns.svc.cluster.local');
  assert.equal(cleanHost('[::1]'), '::1');
  assert.equal(cleanHost('a b/c?d#e%f'), 'abcdef');
});

test('matchesSelf: host, bracket-free host, address text; compressed and uncompressed IPv6 alike', () => {
  const self = { host: '10.0.0.1', port: 7626 };
  assert.equal(matchesSelf({ host: '10.0.0.1', port: 7626 }, self), true);
  assert.equal(matchesSelf({ host: '10.0.0.1', port: 7627 }, self), false);
  assert.equal(matchesSelf({ host: '10.0.0.1' }, self), true);
  assert.equal(matchesSelf({ host: 'pod', port: 7626, address: '10.0.0.1' }, self), true);
  assert.equal(matchesSelf({ host: 'pod', port: 7626, address: '10.0.0.2' }, self), false);
  assert.equal(matchesSelf({ host: '::1', port: 7626 }, { host: '[::1]', port: 7626 }), true);
  assert.equal(matchesSelf({ host: 'x', port: 7626, address: '0:0:0:0:0:0:0:1' }, { host: '[::1]', port: 7626 }), true);
  assert.equal(matchesSelf({ host: 'fe80:0:0:0:0:0:0:5', port: 7626 }, { host: 'fe80::5', port: 7626 }), true);
  assert.equal(matchesSelf({ host: 'node-a', port: 7626 }, { host: 'node-b', port: 7626 }), false);
});
