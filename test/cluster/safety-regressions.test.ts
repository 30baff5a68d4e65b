// Deterministic regressions for the split-brain and resurrection defects of issue 12 that are
// best replayed message by message on a real ClusterNode (the fault schedules that first showed
// them are scenario files in test/sim/scenarios/, run by test/sim/scenarios.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueAddressKey } from '../../src/address.js';
import type { Member } from '../../src/cluster/api.js';
import { statusOf, type Gossip } from '../../src/cluster/gossip.js';
import { HeartbeatPlugin } from '../../src/cluster/heartbeat-plugin.js';
import { joinLooksOrphaned } from '../../src/cluster/node/join.js';
import { DECISION_HISTORY_LIMIT, SplitBrainResolver } from '../../src/cluster/sbr/resolver.js';
import { decide, type SbrView } from '../../src/cluster/sbr/strategy.js';
import { SBR_PROVIDER_CLASS, type SbrSettings } from '../../src/cluster/sbr/settings.js';
import { clockKey, compareClocks, increment, pruneClock } from '../../src/cluster/vector-clock.js';
import { ClusterSim, simAddress, type SimNode } from '../sim/cluster-sim.js';

/** Three nodes all Up; node 3 then crashes and node 1 marks it Down (no failure detector, so it stays Down). */
function threeWithDownedThird(): { sim: ClusterSim; n1: SimNode; n2: SimNode; x: SimNode } {
  const sim = new ClusterSim({ seed: 5, codec: 'none' });
  const seeds = [simAddress(1)];
  const [n1, n2, x] = [1, 2, 3].map((i) => sim.start(simAddress(i), seeds)) as [SimNode, SimNode, SimNode];
  assert.ok(sim.runUntil(() => sim.allUp(), 30_000) !== undefined, 'formed');
  sim.kill(x);
  n1.node.down(x.address);
  assert.equal(statusOf(n1.node.currentGossip(), x.uniqueAddress), 'Down');
  return { sim, n1, n2, x };
}

function withStatusUnchecked(g: Gossip, who: SimNode, status: Member['status']): Gossip {
  return { ...g, members: g.members.map((m) => (uniqueAddressKey(m.uniqueAddress) === uniqueAddressKey(who.uniqueAddress) ? { ...m, status } : m)) };
}

function deliver(to: SimNode, from: SimNode, gossip: Gossip): void {
  to.node.receive({ type: 'GossipEnvelope', from: from.uniqueAddress, to: to.uniqueAddress, gossip });
}

test('B: a gossip with the same clock but the Down member still Up does not undo the Down', () => {
  const { sim, n1, n2, x } = threeWithDownedThird();
  const local = n1.node.currentGossip();
  const stale = withStatusUnchecked(local, x, 'Up');
  assert.equal(compareClocks(stale.version, local.version), 'Same');
  deliver(n1, n2, stale);
  assert.equal(statusOf(n1.node.currentGossip(), x.uniqueAddress), 'Down');
  assert.equal(compareClocks(n1.node.currentGossip().version, local.version), 'After', 'the corrected view is a new version');
  assert.deepEqual(sim.violations, []);
});

test('B: a concurrent gossip without the Down member does not drop it, so an older gossip cannot bring the uid back', () => {
  const { sim, n1, n2, x } = threeWithDownedThird();
  const local = n1.node.currentGossip();
  const n1Key = clockKey(n1.uniqueAddress);
  const n2Key = clockKey(n2.uniqueAddress);
  // n2 never heard of the Down and (in its view) x is gone: concurrent with n1's version.
  const without: Gossip = {
    ...local,
    members: local.members.filter((m) => uniqueAddressKey(m.uniqueAddress) !== uniqueAddressKey(x.uniqueAddress)),
    seen: new Set(),
    version: increment(pruneClock(local.version, n1Key), n2Key),
  };
  assert.equal(compareClocks(without.version, local.version), 'Concurrent');
  deliver(n1, n2, without);
  assert.equal(statusOf(n1.node.currentGossip(), x.uniqueAddress), 'Down', 'one-sided Down is kept');
  // A still older, concurrent gossip that carries x as Up.
  const stale: Gossip = { ...withStatusUnchecked(local, x, 'Up'), seen: new Set(), version: increment(without.version, n2Key) };
  assert.equal(compareClocks(stale.version, n1.node.currentGossip().version), 'Concurrent');
  deliver(n1, n2, stale);
  assert.equal(statusOf(n1.node.currentGossip(), x.uniqueAddress), 'Down');
  assert.deepEqual(sim.violations, []);
});

test('B: a uid tombstoned here is not re-admitted by a gossip that still lists it', () => {
  const sim = new ClusterSim({ seed: 9, codec: 'none', settings: { downingProviderClass: '' } });
  const seeds = [simAddress(1)];
  const [n1, n2, x] = [1, 2, 3].map((i) => sim.start(simAddress(i), seeds)) as [SimNode, SimNode, SimNode];
  assert.ok(sim.runUntil(() => sim.allUp(), 30_000) !== undefined);
  const before = n1.node.currentGossip();
  x.node.leave(x.address);
  assert.ok(sim.runUntil(() => !n1.node.currentGossip().members.some((m) => uniqueAddressKey(m.uniqueAddress) === uniqueAddressKey(x.uniqueAddress)), 30_000) !== undefined);
  assert.ok(n1.node.currentGossip().tombstones.has(uniqueAddressKey(x.uniqueAddress)));
  // n2's old view (x Up) with a clock that looks concurrent.
  const stale: Gossip = { ...before, seen: new Set(), version: increment(increment(before.version, clockKey(n2.uniqueAddress)), clockKey(n2.uniqueAddress)) };
  deliver(n1, n2, { ...stale, version: increment(pruneClock(stale.version, clockKey(n1.uniqueAddress)), clockKey(n2.uniqueAddress)) });
  assert.equal(statusOf(n1.node.currentGossip(), x.uniqueAddress), 'Removed');
  assert.deepEqual(sim.violations, []);
});

test('C: keep-oldest re-check takes the oldest from Up/Leaving members only; a Joining member cannot stand in for it', () => {
  // Every Up member is Leaving: o (oldest, reachable) and p (unreachable); j is Joining and reachable.
  // The first count keeps this side (oldest here, not alone); the re-check without Leaving has no
  // member left, so the answer must be DownAll, not "keep j's side".
  const ua = (i: number) => ({ address: { ...simAddress(i), system: 'sys' }, uid: BigInt(i) });
  const [o, p, j] = [ua(1), ua(2), ua(3)];
  const m = (u: typeof o, status: Member['status'], upNumber: number): Member => ({
    uniqueAddress: u,
    status,
    roles: ['dc-default'],
    upNumber,
    appVersion: '1.0.0',
    dataCenter: 'default',
  });
  const members = [m(o, 'Leaving', 1), m(p, 'Leaving', 2), m(j, 'Joining', 2147483647)];
  const view: SbrView = {
    self: o,
    selfDataCenter: 'default',
    members,
    unreachable: new Set([uniqueAddressKey(p)]),
    records: [{ observer: o, subject: p }],
    seenBy: new Set(),
  };
  assert.equal(decide({ name: 'keep-oldest', downIfAlone: true, role: '' }, view).type, 'DownAll');
  assert.equal(decide({ name: 'keep-oldest', downIfAlone: false, role: '' }, view).type, 'DownAll');
});

test('D: a converged leader prunes old tombstones even when it has nothing else to do', () => {
  const pruneAfter = 60_000;
  const sim = new ClusterSim({ seed: 11, codec: 'none', settings: { pruneGossipTombstonesAfterMs: pruneAfter } });
  const seeds = [simAddress(1)];
  const [n1, n2, x] = [1, 2, 3].map((i) => sim.start(simAddress(i), seeds)) as [SimNode, SimNode, SimNode];
  assert.ok(sim.runUntil(() => sim.allUp(), 30_000) !== undefined);
  x.node.leave(x.address);
  const k = uniqueAddressKey(x.uniqueAddress);
  assert.ok(sim.runUntil(() => n1.node.currentGossip().tombstones.has(k) && n2.node.currentGossip().tombstones.has(k), 30_000) !== undefined);
  // Nothing changes in the membership from here on; the tombstone must still go once it is old.
  const gone = sim.runUntil(() => !n1.node.currentGossip().tombstones.has(k) && !n2.node.currentGossip().tombstones.has(k), 3 * pruneAfter, 1000);
  assert.ok(gone !== undefined && gone >= pruneAfter - 30_000, `pruned after ${gone} ms`);
  assert.deepEqual(sim.violations, []);
});

test('E: a Join from another data center is refused, not relabelled into this one', () => {
  const sim = new ClusterSim({ seed: 13, codec: 'none' });
  const n1 = sim.start(simAddress(1), [simAddress(1)]);
  assert.ok(sim.runUntil(() => sim.allUp(), 10_000) !== undefined);
  const east = { address: simAddress(9), uid: 99n };
  n1.node.receive({ type: 'Join', node: east, roles: ['dc-east', 'worker'], appVersion: '1.0.0' });
  sim.run(5000);
  assert.equal(statusOf(n1.node.currentGossip(), east), 'Removed', 'not admitted');
  // The same node configured for this data center is admitted.
  n1.node.receive({ type: 'Join', node: east, roles: ['dc-default', 'worker'], appVersion: '1.0.0' });
  assert.equal(statusOf(n1.node.currentGossip(), east), 'Joining');
});

test('E: the resolver keeps a bounded history of its decisions', () => {
  const decided: number[] = [];
  let resolver: SplitBrainResolver | undefined;
  const sbr: SbrSettings = { strategy: { name: 'keep-majority', role: '' }, stableAfterMs: 2000, downAllWhenUnstableMs: undefined };
  const sim = new ClusterSim({
    seed: 17,
    codec: 'none',
    settings: { downingProviderClass: SBR_PROVIDER_CLASS },
    plugins: (address) => {
      const r = new SplitBrainResolver({ settings: sbr, onDecision: () => decided.push(sim.clock.now()) });
      if (address.host === simAddress(1).host) resolver = r;
      return [new HeartbeatPlugin(), r];
    },
  });
  const seeds = [simAddress(1)];
  sim.start(simAddress(1), seeds);
  sim.start(simAddress(2), seeds);
  assert.ok(sim.runUntil(() => sim.allUp(), 30_000) !== undefined);
  // Each round a third node joins, crashes and is downed by the leader (node 1): one decision per round.
  for (let round = 0; round < DECISION_HISTORY_LIMIT + 5; round++) {
    const x = sim.start(simAddress(3), [simAddress(1), simAddress(2)]);
    assert.ok(sim.runUntil(() => sim.allUp(), 60_000, 500) !== undefined, `round ${round}: joined`);
    sim.kill(x);
    assert.ok(sim.runUntil(() => sim.allUp(), 60_000, 500) !== undefined, `round ${round}: crashed node removed`);
  }
  assert.ok(decided.length > DECISION_HISTORY_LIMIT, `${decided.length} decisions`);
  assert.equal(resolver?.decisions.length, DECISION_HISTORY_LIMIT);
  assert.equal(resolver?.decisions.at(-1)?.at, decided.at(-1), 'the most recent decisions are the ones kept');
});

test('F: a joiner welcomed by a member that then goes away gives up once the members of its view say they never admitted it', () => {
  const sim = new ClusterSim({ seed: 23, codec: 'none', plugins: () => [new HeartbeatPlugin()] });
  const seeds = [simAddress(1)];
  const [n1, n2, n3] = [1, 2, 3].map((i) => sim.start(simAddress(i), seeds)) as [SimNode, SimNode, SimNode];
  assert.ok(sim.runUntil(() => sim.allUp(), 30_000) !== undefined, 'formed');
  // Node 1 can no longer reach 2 and 3, so they never hear of node 4, which joins through 1.
  sim.network.block(n1.address, n2.address);
  sim.network.block(n1.address, n3.address);
  const n4 = sim.start(simAddress(4), seeds);
  assert.ok(sim.runUntil(() => statusOf(n4.node.currentGossip(), n4.uniqueAddress) !== 'Removed', 10_000, 10) !== undefined, 'welcomed');
  assert.equal(statusOf(n4.node.currentGossip(), n2.uniqueAddress), 'Up', 'its view lists node 2');
  // The transient case: 2 and 3 say they do not know it, but its welcomer is alive and reachable.
  sim.run(40_000);
  assert.ok(n4.alive, 'does not give up while the member that welcomed it is reachable');
  assert.equal(statusOf(n2.node.currentGossip(), n4.uniqueAddress), 'Removed');
  // The welcomer crashes: 4 is left with a view whose other members never admitted it.
  sim.kill(n1);
  assert.ok(sim.runUntil(() => !n4.alive, 60_000) !== undefined, `node 4 gave up: ${sim.view(n4)}`);
  assert.ok(n2.alive && n3.alive);
  assert.equal(statusOf(n2.node.currentGossip(), n4.uniqueAddress), 'Removed');
  assert.equal(statusOf(n3.node.currentGossip(), n4.uniqueAddress), 'Removed');
});

test('F: joinLooksOrphaned waits for the bound and for the welcomer to be gone, and never touches a member that is Up', () => {
  const { n1, n2, x } = threeWithDownedThird();
  const g = n1.node.currentGossip();
  const joining = withStatusUnchecked(g, n2, 'WeaklyUp');
  // n2 "joined through" x, which is Down in this view; n1 says it never admitted n2.
  assert.equal(joinLooksOrphaned(joining, n2.uniqueAddress, x.uniqueAddress, n1.uniqueAddress, 0, 9_999, 10_000), false, 'before the bound');
  assert.equal(joinLooksOrphaned(joining, n2.uniqueAddress, x.uniqueAddress, n1.uniqueAddress, 0, 10_000, 10_000), true);
  assert.equal(joinLooksOrphaned(g, n2.uniqueAddress, x.uniqueAddress, n1.uniqueAddress, 0, 60_000, 10_000), false, 'an Up member never gives up');
  assert.equal(joinLooksOrphaned(joining, n2.uniqueAddress, undefined, n1.uniqueAddress, 0, 60_000, 10_000), false, 'a self-joined node never gives up');
  // Welcomed by n1, which is Up and reachable: others saying so is the normal transient case.
  assert.equal(joinLooksOrphaned(joining, n2.uniqueAddress, n1.uniqueAddress, x.uniqueAddress, 0, 60_000, 10_000), false);
  assert.equal(joinLooksOrphaned(joining, n2.uniqueAddress, n1.uniqueAddress, n1.uniqueAddress, 0, 60_000, 10_000), true, 'the welcomer itself does not know it');
});
