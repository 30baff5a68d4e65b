// Graceful hand-over of a cluster singleton with the runtime's wiring (coordinated shutdown with
// the cluster tasks and the singleton-exiting task, phi-accrual heartbeats), in virtual time and
// with no removal margin (manual downing): the leaving holder's slow stop completes before the
// next oldest starts, and the leaving process waits for it before it exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, uniqueAddressKey, type Address } from '../../src/address.js';
import { configFromObject } from '../../src/config/load.js';
import { readCoordinatedShutdownSettings } from '../../src/cluster/coordinated-shutdown-settings.js';
import { CoordinatedShutdown, Reasons } from '../../src/cluster/coordinated-shutdown.js';
import { CoordinatedShutdownPlugin, addClusterShutdownTasks } from '../../src/cluster/coordinated-shutdown-cluster.js';
import { HeartbeatPlugin } from '../../src/cluster/heartbeat-plugin.js';
import { addSingletonShutdownTask, SingletonManager } from '../../src/cluster/singleton/manager.js';
import { singletonSettings } from '../../src/cluster/singleton/settings.js';
import { silentLogger } from '../../src/logging.js';
import { ClusterSim, simAddress, type SimNode } from './cluster-sim.js';

const STOP_MS = 3000;
const drain = () => new Promise<void>((r) => setImmediate(r));

interface Event {
  readonly node: string;
  readonly what: 'start' | 'stop-called' | 'stop-done' | 'process-finished';
  readonly at: number;
}

function harness(seed: number) {
  const csSettings = readCoordinatedShutdownSettings(configFromObject({}));
  const perAddress = new Map<string, { cs: CoordinatedShutdown; plugin: CoordinatedShutdownPlugin; manager: SingletonManager }>();
  const events: Event[] = [];
  const sim: ClusterSim = new ClusterSim({
    seed,
    plugins: (address: Address) => {
      const cs = new CoordinatedShutdown(csSettings, sim.clock, silentLogger);
      const plugin = new CoordinatedShutdownPlugin(cs);
      const manager = new SingletonManager(singletonSettings({ removalMarginMs: 0 }));
      perAddress.set(formatAddress(address), { cs, plugin, manager });
      return [new HeartbeatPlugin(), plugin, manager];
    },
  });
  const start = (address: Address, seeds: readonly Address[]): SimNode & { cs: CoordinatedShutdown } => {
    const n = sim.start(address, seeds);
    const { cs, plugin, manager } = perAddress.get(formatAddress(address))!;
    addClusterShutdownTasks(cs, n.node, plugin.hooks());
    addSingletonShutdownTask(cs, n.node, manager);
    const node = uniqueAddressKey(n.uniqueAddress);
    void cs.whenFinished.then(() => events.push({ node, what: 'process-finished', at: sim.clock.now() }));
    manager.singleton('job', {
      start: () => void events.push({ node, what: 'start', at: sim.clock.now() }),
      stop: () => {
        events.push({ node, what: 'stop-called', at: sim.clock.now() });
        return new Promise<void>((resolve) =>
          sim.clock.schedule(STOP_MS, () => {
            events.push({ node, what: 'stop-done', at: sim.clock.now() });
            resolve();
          }),
        );
      },
    });
    return Object.assign(n, { cs });
  };
  const runFor = async (ms: number, until?: () => boolean): Promise<number | undefined> => {
    const t0 = sim.clock.now();
    while (sim.clock.now() - t0 < ms) {
      if (until?.()) return sim.clock.now() - t0;
      sim.run(100);
      await drain();
    }
    return until?.() ? sim.clock.now() - t0 : undefined;
  };
  return { sim, start, runFor, events };
}

for (const seed of [1, 2, 3]) {
  test(`graceful leave of the holder (seed ${seed}): its stop completes before the next oldest starts`, async () => {
    const h = harness(seed);
    const addresses = [1, 2, 3].map(simAddress);
    const nodes = addresses.map((a) => h.start(a, [addresses[0]!]));
    const key = (n: SimNode) => uniqueAddressKey(n.uniqueAddress);
    const starts = () => h.events.filter((e) => e.what === 'start');
    assert.ok((await h.runFor(60_000, () => h.sim.allUp() && starts().length === 1)) !== undefined, 'formed, one instance');
    assert.equal(starts()[0]!.node, key(nodes[0]!), 'the oldest runs it');

    void nodes[0]!.cs.run(Reasons.JvmExit); // SIGTERM
    assert.ok((await h.runFor(60_000, () => starts().length === 2)) !== undefined, 'the next oldest took over');
    const next = starts()[1]!;
    assert.equal(next.node, key(nodes[1]!));
    const stopDone = h.events.find((e) => e.what === 'stop-done' && e.node === key(nodes[0]!));
    assert.ok(stopDone, 'the leaving holder ran stop to completion');
    assert.ok(stopDone.at <= next.at, `stop done at ${stopDone.at}, successor started at ${next.at}`);
    assert.ok((await h.runFor(30_000, () => h.events.some((e) => e.what === 'process-finished' && e.node === key(nodes[0]!)))) !== undefined);
    const finished = h.events.find((e) => e.what === 'process-finished' && e.node === key(nodes[0]!))!;
    assert.ok(finished.at >= stopDone.at, 'the process exits only after its singleton stopped');
    // Nobody else ever started or stopped it.
    assert.deepEqual(h.events.filter((e) => e.node === key(nodes[2]!) && e.what !== 'process-finished'), []);
  });
}
