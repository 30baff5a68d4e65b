import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PHI_ACCRUAL_SETTINGS,
  HeartbeatHistory,
  PhiAccrualFailureDetector,
  phiAccrualRegistry,
  phiOf,
} from '../../src/cluster/failure-detector.js';
import { parseAddress } from '../../src/address.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('phi is 0 before any heartbeat and the detector is available', () => {
  const c = clock();
  const fd = new PhiAccrualFailureDetector(DEFAULT_PHI_ACCRUAL_SETTINGS, c.now);
  assert.equal(fd.phi(), 0);
  assert.equal(fd.isAvailable(), true);
  assert.equal(fd.isMonitoring, false);
});

test('phi follows the logistic approximation on both sides of the mean', () => {
  // At the mean phi is -log10(1/2).
  assert.ok(Math.abs(phiOf(1000, 1000, 100) - Math.log10(2)) < 1e-12);
  // Far beyond the mean phi grows, below it it approaches 0.
  assert.ok(phiOf(2000, 1000, 100) > 8);
  assert.ok(phiOf(0, 1000, 100) < 1e-6);
  // Monotone in delta.
  let prev = -1;
  for (let d = 0; d <= 5000; d += 100) {
    const p = phiOf(d, 4000, 250);
    assert.ok(p >= prev, `phi must not decrease (at ${d})`);
    prev = p;
  }
});

test('bootstrap history uses heartbeat-interval +-25% (mean 1000, std-dev 250)', () => {
  const h = new HeartbeatHistory(1000);
  h.add(750);
  h.add(1250);
  assert.equal(h.mean, 1000);
  assert.equal(h.stdDeviation, 250);
});

test('history keeps at most max-sample-size intervals and its running sums stay exact', () => {
  const h = new HeartbeatHistory(3);
  for (const v of [10, 20, 30, 40, 50, 60, 70]) h.add(v);
  assert.equal(h.size, 3);
  assert.equal(h.mean, 60);
  assert.ok(Math.abs(h.variance - 200 / 3) < 1e-9);
});

test('after the first heartbeat, silence is detected between 5.2 and 5.4 s (bootstrap sigma 250 ms)', () => {
  const c = clock(10_000);
  const fd = new PhiAccrualFailureDetector(DEFAULT_PHI_ACCRUAL_SETTINGS, c.now);
  fd.heartbeat();
  let detectedAt = 0;
  for (let t = 0; t <= 10_000; t += 10) {
    if (!fd.isAvailable()) {
      detectedAt = t;
      break;
    }
    c.advance(10);
  }
  assert.ok(detectedAt > 5200 && detectedAt < 5400, `detected after ${detectedAt} ms`);
});

test('with steady 1 s heartbeats the std-dev floor (100 ms) gives detection after about 4.5 s', () => {
  const c = clock();
  const fd = new PhiAccrualFailureDetector(DEFAULT_PHI_ACCRUAL_SETTINGS, c.now);
  for (let i = 0; i < 200; i++) {
    fd.heartbeat();
    c.advance(1000);
  }
  c.advance(-1000);
  let silence = 0;
  while (fd.isAvailable()) {
    c.advance(10);
    silence += 10;
  }
  assert.ok(silence > 4400 && silence < 4700, `detected after ${silence} ms`);
});

test('the first heartbeat after a suspicion is not recorded and a late one is reported', () => {
  const c = clock();
  const late: number[] = [];
  const fd = new PhiAccrualFailureDetector(DEFAULT_PHI_ACCRUAL_SETTINGS, c.now, (ms) => late.push(ms));
  fd.heartbeat();
  c.advance(1000);
  fd.heartbeat();
  c.advance(2500); // >= 2000 ms (2/3 of the acceptable pause) but still available
  fd.heartbeat();
  assert.deepEqual(late, [2500]);
  c.advance(60_000); // suspected
  assert.equal(fd.isAvailable(), false);
  fd.heartbeat();
  assert.deepEqual(late, [2500], 'interval after suspicion is neither recorded nor reported');
  assert.equal(fd.isAvailable(), true);
  // The history still has a mean near the earlier samples: 1 s later it is far from suspicion.
  c.advance(1000);
  assert.ok(fd.phi() < 1);
});

test('registry: unknown addresses are available and unmonitored; remove forgets', () => {
  const c = clock();
  const reg = phiAccrualRegistry(DEFAULT_PHI_ACCRUAL_SETTINGS, c.now);
  const a = parseAddress('pekko://sys@127.0.0.1:2551');
  const b = parseAddress('pekko://sys@127.0.0.1:2552');
  assert.equal(reg.isAvailable(a), true);
  assert.equal(reg.isMonitoring(a), false);
  reg.heartbeat(a);
  assert.equal(reg.isMonitoring(a), true);
  assert.equal(reg.isMonitoring(b), false);
  c.advance(30_000);
  assert.equal(reg.isAvailable(a), false);
  assert.equal(reg.isAvailable(b), true);
  reg.remove(a);
  assert.equal(reg.isAvailable(a), true);
  assert.equal(reg.isMonitoring(a), false);
});
