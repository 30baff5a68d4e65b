// Named failure scenarios in the deterministic simulator with Pekko's default timings
// (heartbeat 1 s, acceptable pause 3 s, stable-after 20 s, down-all-when-unstable 15 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, uniqueAddressKey } from '../../src/address.js';
import type { ClusterEvent } from '../../src/cluster/api.js';
import type { StrategySettings } from '../../src/cluster/sbr/strategy.js';
import { createPartitionSim, formCluster, runningClusters, runningNodes, type PartitionSim } from '../sim/partition-sim.js';
import { sbrSettings } from '../sim/partition-scenarios.js';
import type { SimNode } from '../sim/cluster-sim.js';

const KM: StrategySettings = { name: 'keep-majority', role: '' };

function sim(strategy: StrategySettings, size = 5, seed = 7): PartitionSim {
  const p = createPartitionSim({ seed, size, sbr: sbrSettings(strategy) });
  assert.ok(formCluster(p), 'cluster formed');
  return p;
}

function watch(n: SimNode, at: () => number): Array<{ at: number; e: ClusterEvent }> {
  const out: Array<{ at: number; e: ClusterEvent }> = [];
  n.node.subscribe((e) => out.push({ at: at(), e }));
  return out;
}

const lists = (n: SimNode, victim: SimNode) => n.node.state().members.some((m) => uniqueAddressKey(m.uniqueAddress) === uniqueAddressKey(victim.uniqueAddress));

test('a crashed node is unreachable everywhere after ~5 s, downed 20 s later by the leader, then removed', () => {
  const p = sim(KM);
  const victim = p.node(4);
  const rest = [0, 1, 2, 3].map((i) => p.node(i));
  const logs = rest.map((n) => watch(n, () => p.sim.clock.now()));
  const t0 = p.sim.clock.now();
  p.sim.kill(victim);
  const detected = p.sim.runUntil(() => rest.every((n) => n.node.state().unreachable.some((u) => u.subject.uid === victim.uniqueAddress.uid)), 20_000, 100);
  assert.ok(detected !== undefined && detected >= 4000 && detected <= 8000, `unreachable everywhere after ${detected} ms`);
  const removed = p.sim.runUntil(() => rest.every((n) => !lists(n, victim)), 60_000, 100);
  assert.ok(removed !== undefined);
  // Exactly one decision, by the leader (lowest address), at least stable-after after the last change.
  const decisions = [...p.decisions.values()].flat();
  assert.equal(decisions.length, 1);
  assert.equal(decisions[0]!.decision.type, 'DownUnreachable');
  assert.deepEqual(decisions[0]!.downed.map((u) => formatAddress(u.address)), [formatAddress(victim.address)]);
  assert.equal(p.decisions.get(formatAddress(p.node(0).address))?.length, 1, 'the leader decided');
  // The leader (logs[0]) decides only once its view has been stable for stable-after.
  const lastUnreachable = Math.max(...logs[0]!.filter((x) => x.e.type === 'UnreachableMember').map((x) => x.at));
  assert.ok(decisions[0]!.at - lastUnreachable >= 20_000, `decided ${decisions[0]!.at - lastUnreachable} ms after the last change`);
  assert.ok(decisions[0]!.at - t0 < 30_000);
  for (const log of logs) {
    const removal = log.find((x) => x.e.type === 'MemberRemoved');
    assert.ok(removal && removal.e.type === 'MemberRemoved' && removal.e.previousStatus === 'Down');
  }
  assert.equal(runningClusters(p).length, 1);
});

test('crash of the leader: the next node in address order becomes leader and downs it', () => {
  const p = sim(KM);
  const leader = p.node(0);
  assert.equal(formatAddress(p.node(1).node.state().leader!), formatAddress(leader.address));
  p.sim.kill(leader);
  assert.ok(p.sim.runUntil(() => [1, 2, 3, 4].every((i) => !lists(p.node(i), leader)), 60_000, 100) !== undefined);
  assert.equal(formatAddress(p.node(2).node.state().leader!), formatAddress(p.node(1).address));
  const byNewLeader = p.decisions.get(formatAddress(p.node(1).address)) ?? [];
  assert.equal(byNewLeader[0]?.decision.type, 'DownUnreachable');
});

test('keep-oldest: crash of the oldest (alone on its side) downs it; the rest survive', () => {
  const p = sim({ name: 'keep-oldest', downIfAlone: true, role: '' });
  const oldest = p.node(0); // first Up, upNumber 1
  assert.equal(oldest.node.state().self.upNumber, 1);
  p.sim.kill(oldest);
  assert.ok(p.sim.runUntil(() => [1, 2, 3, 4].every((i) => !lists(p.node(i), oldest)), 60_000, 100) !== undefined);
  assert.equal(runningNodes(p).length, 4);
});

test('keep-oldest: a partition keeps the side with the oldest even when it is the smaller side', () => {
  const p = sim({ name: 'keep-oldest', downIfAlone: true, role: '' });
  p.sim.network.partition([[p.addresses[0]!, p.addresses[1]!], p.addresses.slice(2)]);
  p.sim.runUntil(() => runningNodes(p).length === 2 && runningNodes(p).every((n) => n.node.state().members.length === 2), 90_000, 250);
  assert.deepEqual(runningNodes(p).map((n) => n.address.host).sort(), ['10.0.0.1', '10.0.0.2']);
});

test('asymmetric: one node that cannot hear another is indirectly connected; only such nodes are downed', () => {
  const p = sim(KM);
  // 10.0.0.3 stops receiving from 10.0.0.4 while everything else works.
  p.sim.network.block(p.addresses[3]!, p.addresses[2]!);
  p.sim.runUntil(() => [...p.decisions.values()].some((l) => l.length > 0), 60_000, 250);
  const d = [...p.decisions.values()].flat()[0]!;
  assert.equal(d.decision.type, 'DownIndirectlyConnected');
  const downed = d.downed.map((u) => u.address.host);
  assert.ok(downed.length >= 1 && downed.every((h) => h === '10.0.0.3' || h === '10.0.0.4'), downed.join(','));
  const settled = p.sim.runUntil(() => {
    const running = runningNodes(p);
    return running.length === 5 - downed.length && running.every((n) => n.node.state().members.length === running.length);
  }, 60_000, 250);
  assert.ok(settled !== undefined, 'the downed nodes stopped and were removed');
  assert.equal(runningClusters(p).length, 1);
});

test('unstable reachability for longer than stable-after + down-all-when-unstable downs everyone', () => {
  const p = sim(KM);
  const a = p.addresses;
  const [x, y, z, n4, n5] = a as [typeof a[0], typeof a[0], typeof a[0], typeof a[0], typeof a[0]];
  // Somebody is always unreachable and the set keeps changing every 6 s, so the view never gets
  // stable for 20 s and the change counters are never reset.
  const phases = [[[x, y, z, n5], [n4]], [[x, y, z], [n4, n5]], [[x, y, z, n4], [n5]], [[x, y, z], [n4, n5]]];
  for (let i = 0; i < 12 && runningNodes(p).length > 0; i++) {
    p.sim.network.heal();
    p.sim.network.partition(phases[i % phases.length]!);
    p.sim.run(6000);
  }
  const all = [...p.decisions.values()].flat();
  assert.ok(all.length > 0 && all.every((d) => d.decision.type === 'DownAll'), all.map((d) => d.decision.type).join(','));
  p.sim.network.heal();
  p.sim.run(20_000);
  assert.equal(runningNodes(p).length, 0);
});

test('manual down through the API: the node is downed and removed, it shuts down, the resolver does nothing', () => {
  const p = sim(KM);
  const target = p.node(3);
  p.node(0).node.down(target.address);
  assert.ok(p.sim.runUntil(() => target.node.nodePhase === 'stopped', 20_000, 100) !== undefined);
  assert.ok(p.sim.runUntil(() => [0, 1, 2, 4].every((i) => !lists(p.node(i), target)), 30_000, 100) !== undefined);
  assert.equal([...p.decisions.values()].flat().length, 0, 'the resolver did not need to act');
});
