// The simulator's own building blocks: virtual time, the faulty network, determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterMessage } from '../../src/cluster/protocol.js';
import { ClusterSim, simAddress } from './cluster-sim.js';
import { SimNetwork } from './network.js';
import { seededRandom } from './prng.js';
import { PausableScheduler } from './pausable-scheduler.js';
import { VirtualClock } from './virtual-clock.js';

test('virtual clock fires timers in due order, ties in scheduling order, and honours cancel', () => {
  const clock = new VirtualClock();
  const log: string[] = [];
  clock.schedule(20, () => log.push('b'));
  clock.schedule(10, () => log.push('a1'));
  clock.schedule(10, () => log.push('a2'));
  const c = clock.schedule(15, () => log.push('never'));
  c.cancel();
  const rep = clock.scheduleRepeatedly(5, 10, () => log.push(`r${clock.now()}`));
  clock.runUntil(26);
  rep.cancel();
  clock.advance(100);
  assert.deepEqual(log, ['r5', 'a1', 'a2', 'r15', 'b', 'r25']);
  assert.equal(clock.now(), 126);
});

test('network drops, duplicates, delays and blocks links', () => {
  const clock = new VirtualClock();
  const net = new SimNetwork(clock, seededRandom(1), { dropRate: 0.5, duplicateRate: 0.5, minDelayMs: 10, maxDelayMs: 50 });
  const a = net.transport(simAddress(1));
  const b = net.transport(simAddress(2));
  const got: number[] = [];
  b.onMessage((m) => got.push(m.type === 'Heartbeat' ? m.sequenceNr : -1));
  const hb = (n: number): ClusterMessage => ({ type: 'Heartbeat', from: { address: a.localAddress, uid: 1n }, sequenceNr: n, creationTime: 0 });
  for (let i = 0; i < 200; i++) a.send(b.localAddress, hb(i));
  clock.advance(9);
  assert.equal(got.length, 0, 'nothing arrives before the minimum delay');
  clock.advance(100);
  const s = net.stats;
  assert.ok(s.dropped > 60 && s.dropped < 140, `dropped ${s.dropped}`);
  assert.ok(s.duplicated > 20, `duplicated ${s.duplicated}`);
  assert.equal(got.length, s.delivered);
  assert.ok(got.some((v, i) => i > 0 && v < (got[i - 1] as number)), 'random delays reorder');
  net.faults = { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 1 };
  net.partition([[a.localAddress], [b.localAddress]]);
  const before = got.length;
  a.send(b.localAddress, hb(1000));
  clock.advance(10);
  assert.equal(got.length, before);
  net.heal();
  a.send(b.localAddress, hb(1001));
  clock.advance(10);
  assert.equal(got.at(-1), 1001);
});

test('the same seed gives the same run', () => {
  const run = (seed: number): string => {
    const sim = new ClusterSim({ seed, faults: { dropRate: 0.05, duplicateRate: 0.05, minDelayMs: 1, maxDelayMs: 200 } });
    const seeds = [1, 2, 3, 4].map(simAddress);
    for (const s of seeds) sim.start(s, seeds);
    sim.run(20_000);
    return `${[...sim.nodes.values()].map((n) => sim.view(n)).join('|')} ${JSON.stringify(sim.network.stats)}`;
  };
  assert.equal(run(42), run(42));
  assert.notEqual(run(42), run(43));
});

test('a paused node runs nothing until the pause ends, then its due work in order (a repeated timer once)', () => {
  const clock = new VirtualClock();
  const s = new PausableScheduler(clock);
  const log: string[] = [];
  s.scheduleRepeatedly(1000, 1000, () => log.push(`tick@${clock.now()}`));
  s.schedule(2500, () => log.push(`once@${clock.now()}`));
  const cancelled = s.schedule(3000, () => log.push('cancelled'));
  clock.advance(1500);
  s.pause(4000); // 1500 .. 5500
  clock.advance(1000);
  s.run(() => log.push(`message@${clock.now()}`));
  cancelled.cancel();
  clock.advance(2000);
  assert.equal(s.paused, true);
  assert.deepEqual(log, ['tick@1000']);
  clock.advance(1000); // 5500: the pause ends
  assert.equal(s.paused, false);
  assert.deepEqual(log, ['tick@1000', 'tick@5500', 'once@5500', 'message@5500']);
  clock.advance(500);
  assert.deepEqual(log.slice(4), ['tick@6000']);
});
