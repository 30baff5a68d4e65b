// Rolling-update situations found by the Kubernetes end-to-end runs, reproduced in the simulator
// with the runtime's plugins (phi-accrual heartbeats + coordinated shutdown, default timeouts):
// a new incarnation at the host:port of a removed member (pod IP reuse), and a graceful leave
// that overlaps a join.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, uniqueAddressKey, type Address } from '../../src/address.js';
import type { ClusterEvent } from '../../src/cluster/api.js';
import { configFromObject } from '../../src/config/load.js';
import { readCoordinatedShutdownSettings } from '../../src/cluster/coordinated-shutdown-settings.js';
import { CoordinatedShutdown, Reasons, type ShutdownResult } from '../../src/cluster/coordinated-shutdown.js';
import { CoordinatedShutdownPlugin, addClusterShutdownTasks } from '../../src/cluster/coordinated-shutdown-cluster.js';
import { HeartbeatPlugin } from '../../src/cluster/heartbeat-plugin.js';
import { silentLogger } from '../../src/logging.js';
import { ClusterSim, simAddress, type SimNode } from './cluster-sim.js';

interface Process {
  cs: CoordinatedShutdown;
  result?: ShutdownResult;
}

/** A simulator whose nodes carry the runtime's plugins; `startNode` wires coordinated shutdown like the runtime. */
function runtimeLikeSim(seed: number) {
  const settings = readCoordinatedShutdownSettings(configFromObject({}));
  const pending = new Map<string, { cs: CoordinatedShutdown; plugin: CoordinatedShutdownPlugin }>();
  const processes = new Map<string, Process>();
  const sim: ClusterSim = new ClusterSim({
    seed,
    recordEvents: true,
    plugins: (address: Address) => {
      const cs = new CoordinatedShutdown(settings, sim.clock, silentLogger);
      const plugin = new CoordinatedShutdownPlugin(cs);
      pending.set(formatAddress(address), { cs, plugin });
      return [new HeartbeatPlugin(), plugin];
    },
  });
  const startNode = (address: Address, seeds: readonly Address[]): SimNode => {
    const n = sim.start(address, seeds);
    const { cs, plugin } = pending.get(formatAddress(address))!;
    addClusterShutdownTasks(cs, n.node, plugin.hooks());
    const p: Process = { cs };
    void cs.whenFinished.then((r) => (p.result = r));
    processes.set(uniqueAddressKey(n.uniqueAddress), p);
    return n;
  };
  const processOf = (n: SimNode): Process => processes.get(uniqueAddressKey(n.uniqueAddress))!;
  return { sim, startNode, processOf };
}

const drain = () => new Promise<void>((r) => setImmediate(r));

/** Advances virtual time in 100 ms steps, letting promise jobs (coordinated shutdown) run between steps. */
async function runFor(sim: ClusterSim, ms: number, until?: () => boolean): Promise<number | undefined> {
  const start = sim.clock.now();
  while (sim.clock.now() - start < ms) {
    if (until?.()) return sim.clock.now() - start;
    sim.run(100);
    await drain();
  }
  return until?.() ? sim.clock.now() - start : undefined;
}

const key = (n: SimNode) => uniqueAddressKey(n.uniqueAddress);
const lists = (viewer: SimNode, n: SimNode) => viewer.node.state().members.some((m) => uniqueAddressKey(m.uniqueAddress) === key(n));
const statusIn = (viewer: SimNode, n: SimNode) =>
  viewer.node.state().members.find((m) => uniqueAddressKey(m.uniqueAddress) === key(n))?.status;
const eventsAbout = (viewers: readonly SimNode[], n: SimNode, type: ClusterEvent['type']) =>
  viewers.flatMap((v) => v.events.filter((e) => e.type === type && 'member' in e && uniqueAddressKey(e.member.uniqueAddress) === key(n)));

async function formCluster(size: number, seed: number) {
  const h = runtimeLikeSim(seed);
  const addresses = Array.from({ length: size }, (_, i) => simAddress(i + 1));
  const nodes = addresses.map((a) => h.startNode(a, [addresses[0]!]));
  assert.ok((await runFor(h.sim, 30_000, () => h.sim.allUp())) !== undefined, 'cluster formed');
  return { ...h, nodes, addresses };
}

test('a new incarnation at the host:port of a gracefully removed member joins and stays Up (pod IP reuse)', async () => {
  const { sim, nodes, startNode, processOf } = await formCluster(4, 3);
  const old = nodes[2]!;
  void processOf(old).cs.run(Reasons.JvmExit);
  const others = nodes.filter((n) => n !== old);
  assert.ok((await runFor(sim, 20_000, () => others.every((n) => !lists(n, old)))) !== undefined, 'old incarnation removed');
  assert.equal(processOf(old).result?.exitCode, 0);
  // Well past quarantine-removed-node-after (5 s): the old uid is quarantined everywhere.
  await runFor(sim, 30_000);

  // The node it joins through is slow to gossip to two members (as in the Kubernetes run, where
  // a member got the new incarnation's first heartbeat before any gossip naming it).
  const [first, second, fourth] = others as [SimNode, SimNode, SimNode];
  for (const n of [second, fourth]) sim.network.block(first.address, n.address);
  const reborn = startNode(old.address, [first.address]);
  assert.notEqual(key(reborn), key(old));
  assert.ok((await runFor(sim, 10_000, () => statusIn(first, reborn) === 'Joining')) !== undefined, 'Welcome');
  await runFor(sim, 2_500);
  for (const n of [second, fourth]) sim.network.unblock(first.address, n.address);
  const all = [...others, reborn];
  assert.ok((await runFor(sim, 30_000, () => sim.allUp(all))) !== undefined, 'new incarnation Up everywhere');
  // It stays: heartbeats from the new uid are answered, not met with the old uid's quarantine.
  await runFor(sim, 30_000);
  assert.equal(reborn.node.nodePhase, 'initialized');
  assert.equal(processOf(reborn).cs.reason, undefined, 'the new incarnation never started shutting down');
  assert.ok(sim.allUp(all), 'still Up everywhere');
  assert.deepEqual(eventsAbout(all, reborn, 'MemberDowned'), []);
  assert.deepEqual(eventsAbout(all, reborn, 'UnreachableMember'), []);
  assert.deepEqual(sim.violations, []);
});

test('a removed incarnation that still runs is told it is quarantined and downs itself; the cluster keeps going', async () => {
  const { sim, nodes } = await formCluster(4, 5);
  const [a, b, c, d] = nodes as [SimNode, SimNode, SimNode, SimNode];
  // d is cut off, downed and removed by the majority, then the partition heals.
  sim.network.partition([[a.address, b.address, c.address], [d.address]]);
  await runFor(sim, 3_000);
  a.node.down(d.address);
  assert.ok((await runFor(sim, 20_000, () => [a, b, c].every((n) => !lists(n, d)))) !== undefined, 'd removed by the majority');
  assert.ok(d.alive, 'd did not see its own Down');
  sim.network.heal();
  assert.ok((await runFor(sim, 20_000, () => !d.alive)) !== undefined, 'd learnt it was quarantined and stopped');
  assert.equal(eventsAbout([d], d, 'MemberDowned').length, 1, 'd downed itself');
  assert.ok(sim.allUp([a, b, c]));
});

test('rolling update (surge 1): each leaver is removed on its ExitingConfirmed, never reported unreachable; joiners go Joining -> Up', async () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const { sim, nodes, startNode, processOf } = await formCluster(5, seed);
    const old = [...nodes];
    const fresh: SimNode[] = [];
    let next = 6;
    const startFresh = () => {
      const n = startNode(simAddress(next++), [...old, ...fresh].map((x) => x.address));
      fresh.push(n);
      return n;
    };
    let joiner = startFresh();
    for (let step = 0; step < 5; step++) {
      // Kubernetes terminates an old pod once the new one is Ready, and starts the next new one.
      assert.ok((await runFor(sim, 20_000, () => joiner.node.state().self.status === 'Up')) !== undefined, `seed ${seed}: joiner ready`);
      const leaver = old.shift()!;
      void processOf(leaver).cs.run(Reasons.JvmExit);
      if (step < 4) joiner = startFresh();
      const survivors = [...old, ...fresh];
      assert.ok((await runFor(sim, 20_000, () => survivors.every((n) => !lists(n, leaver)))) !== undefined, `seed ${seed}: leaver ${step} removed`);
      const exitedAt = sim.stoppedAt(key(leaver));
      assert.ok(exitedAt !== undefined, `seed ${seed}: leaver ${step} exited`);
      // Removed everywhere a few leader ticks after the process exited, long before the
      // confirmed-exit grace (20 ticks) would let the failure detector's verdict count.
      assert.ok(sim.clock.now() - exitedAt! < 8_000, `seed ${seed}: leaver ${step} removed ${sim.clock.now() - exitedAt!} ms after exiting`);
      assert.equal(processOf(leaver).result?.exitCode, 0);
      assert.deepEqual(eventsAbout(survivors, leaver, 'UnreachableMember'), [], `seed ${seed}: leaver ${step} reported unreachable`);
    }
    assert.ok((await runFor(sim, 20_000, () => sim.allUp(fresh))) !== undefined, `seed ${seed}: all new nodes Up`);
    for (const n of fresh) assert.deepEqual(eventsAbout(fresh, n, 'MemberWeaklyUp'), [], `seed ${seed}: a joiner went WeaklyUp`);
    assert.deepEqual(sim.violations, [], `seed ${seed}`);
  }
});
