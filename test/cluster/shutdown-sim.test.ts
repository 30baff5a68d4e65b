// Coordinated shutdown wired to a ClusterNode through the plugin seam, in the simulator
// (virtual time, Pekko's default phase timeouts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, uniqueAddressKey, type Address } from '../../src/address.js';
import { configFromObject } from '../../src/config/load.js';
import { readCoordinatedShutdownSettings } from '../../src/cluster/coordinated-shutdown-settings.js';
import { CoordinatedShutdown, Reasons, type ShutdownResult } from '../../src/cluster/coordinated-shutdown.js';
import { CoordinatedShutdownPlugin, addClusterShutdownTasks } from '../../src/cluster/coordinated-shutdown-cluster.js';
import { HeartbeatPlugin } from '../../src/cluster/heartbeat-plugin.js';
import { silentLogger } from '../../src/logging.js';
import { ClusterSim, simAddress, type SimNode } from '../sim/cluster-sim.js';

function cluster(size: number) {
  const shutdowns = new Map<string, { cs: CoordinatedShutdown; plugin: CoordinatedShutdownPlugin; result?: ShutdownResult }>();
  const settings = readCoordinatedShutdownSettings(configFromObject({}));
  const sim: ClusterSim = new ClusterSim({
    seed: 11,
    codec: 'none',
    plugins: (address: Address) => {
      const cs = new CoordinatedShutdown(settings, sim.clock, silentLogger);
      const plugin = new CoordinatedShutdownPlugin(cs);
      const entry: { cs: CoordinatedShutdown; plugin: CoordinatedShutdownPlugin; result?: ShutdownResult } = { cs, plugin };
      void cs.whenFinished.then((r) => (entry.result = r));
      shutdowns.set(formatAddress(address), entry);
      return [new HeartbeatPlugin(), plugin];
    },
  });
  const addresses = Array.from({ length: size }, (_, i) => simAddress(i + 1));
  const nodes = addresses.map((a) => sim.start(a, [addresses[0]!]));
  for (const n of nodes) {
    const e = shutdowns.get(formatAddress(n.address))!;
    addClusterShutdownTasks(e.cs, n.node, e.plugin.hooks());
  }
  assert.ok(sim.runUntil(() => sim.allUp(), 30_000, 250) !== undefined);
  return { sim, nodes, shutdowns };
}

const lists = (n: SimNode, x: SimNode) => n.node.state().members.some((m) => uniqueAddressKey(m.uniqueAddress) === uniqueAddressKey(x.uniqueAddress));
const drain = () => new Promise<void>((r) => setImmediate(r));

test('a signal-style shutdown leaves gracefully: Leaving -> Exiting -> removed everywhere, all phases done, exit code 0', async () => {
  const { sim, nodes, shutdowns } = cluster(4);
  const leaver = nodes[2]!;
  const entry = shutdowns.get(formatAddress(leaver.address))!;
  void entry.cs.run(Reasons.JvmExit);
  for (let i = 0; i < 200 && !entry.result; i++) {
    sim.run(100);
    await drain();
  }
  const r = entry.result!;
  assert.ok(r, 'shutdown finished');
  assert.equal(r.exitCode, 0);
  const byPhase = Object.fromEntries(r.phases.map((p) => [p.phase, p.result]));
  assert.equal(byPhase['cluster-leave'], 'done');
  assert.equal(byPhase['cluster-exiting'], 'done');
  assert.equal(byPhase['cluster-exiting-done'], 'done');
  assert.equal(byPhase['cluster-shutdown'], 'done');
  assert.equal(leaver.node.nodePhase, 'stopped');
  const others = nodes.filter((n) => n !== leaver);
  assert.ok(sim.runUntil(() => others.every((n) => !lists(n, leaver)), 10_000, 100) !== undefined);
  // Nobody else started shutting down.
  for (const n of others) assert.equal(shutdowns.get(formatAddress(n.address))!.cs.reason, undefined);
});

test('a node downed by others runs coordinated shutdown with the downing reason (exit code -1)', async () => {
  const { sim, nodes, shutdowns } = cluster(3);
  const victim = nodes[1]!;
  nodes[0]!.node.down(victim.address);
  const entry = shutdowns.get(formatAddress(victim.address))!;
  for (let i = 0; i < 300 && !entry.result; i++) {
    sim.run(100);
    await drain();
  }
  assert.equal(entry.result?.reason.name, 'ClusterDowningReason');
  assert.equal(entry.result?.exitCode, -1);
  assert.equal(entry.result?.processExitCode, 255);
  assert.equal(entry.result?.phases.find((p) => p.phase === 'cluster-leave')?.result, 'done', 'a downed node skips the leave');
  assert.ok(sim.runUntil(() => [nodes[0]!, nodes[2]!].every((n) => !lists(n, victim)), 20_000, 100) !== undefined);
});
