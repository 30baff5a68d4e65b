// Cluster singletons in the simulator: every node runs the real SingletonManager next to the
// phi-accrual failure detector and the split brain resolver (keep-majority). A tracker records
// every instance from its start until its stop settles (or the process dies), and checks the
// safety property at every start and every step: no two instances on nodes that are in one
// cluster (each lists the other as a member that is not Down).
import { uniqueAddressKey, type Address } from '../../src/address.js';
import { HeartbeatPlugin } from '../../src/cluster/heartbeat-plugin.js';
import { SplitBrainResolver } from '../../src/cluster/sbr/resolver.js';
import { SingletonManager } from '../../src/cluster/singleton/manager.js';
import { singletonSettings, type SingletonSettings } from '../../src/cluster/singleton/settings.js';
import { SBR_PROVIDER_CLASS } from '../../src/cluster/sbr/settings.js';
import { ClusterSim, simAddress, type SimNode } from './cluster-sim.js';
import { sbrSettings } from './partition-scenarios.js';
import { randomInt } from './prng.js';

export const STABLE_AFTER_MS = 20_000;
export const SINGLETON = 'job';

export interface InstanceRecord {
  readonly node: string;
  readonly startedAt: number;
  stoppedAt?: number;
}

export interface SingletonSim {
  readonly sim: ClusterSim;
  readonly settings: SingletonSettings;
  readonly records: InstanceRecord[];
  readonly violations: string[];
  /** Overlaps of two instances anywhere (also across clusters that downed each other). */
  readonly overlaps: string[];
  start(address: Address, seeds: readonly Address[]): SimNode;
  running(): Array<{ node: SimNode; record: InstanceRecord }>;
  /** Advances virtual time in 100 ms steps (letting promise jobs run), checking after each. */
  run(ms: number, until?: () => boolean): Promise<number | undefined>;
}

const drain = () => new Promise<void>((r) => setImmediate(r));
const key = (n: SimNode) => uniqueAddressKey(n.uniqueAddress);

function listsAsMember(viewer: SimNode, other: SimNode): boolean {
  return viewer.node.state().members.some((m) => uniqueAddressKey(m.uniqueAddress) === key(other) && m.status !== 'Down');
}

export function createSingletonSim(seed: number, maxStopMs = 2000): SingletonSim {
  const settings = singletonSettings({ removalMarginMs: STABLE_AFTER_MS });
  const records: InstanceRecord[] = [];
  const violations: string[] = [];
  const overlaps: string[] = [];
  const active = new Map<string, { node: SimNode; record: InstanceRecord }>();
  const managers = new Map<string, SingletonManager>();
  const sim: ClusterSim = new ClusterSim({
    seed,
    codec: 'none',
    settings: { downingProviderClass: SBR_PROVIDER_CLASS },
    plugins: (address) => {
      const manager = new SingletonManager(settings);
      managers.set(`${address.host}:${address.port}`, manager);
      return [new HeartbeatPlugin(), new SplitBrainResolver({ settings: sbrSettings({ name: 'keep-majority', role: '' }) }), manager];
    },
  });

  const running = () => [...active.values()].filter((a) => a.node.alive);
  const check = (starting?: SimNode) => {
    for (const [k, a] of active) {
      if (!a.node.alive && a.record.stoppedAt === undefined) {
        a.record.stoppedAt = sim.clock.now(); // the process died with its instance
        active.delete(k);
      }
    }
    const list = running();
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!.node;
        const b = list[j]!.node;
        const what = `${key(a)} and ${key(b)} at ${sim.clock.now()} ms${starting ? ` (start on ${key(starting)})` : ''}`;
        if (!overlaps.includes(what)) overlaps.push(what);
        if (listsAsMember(a, b) && listsAsMember(b, a)) violations.push(`two instances in one cluster: ${what}`);
      }
    }
  };

  const start = (address: Address, seeds: readonly Address[]): SimNode => {
    const n = sim.start(address, seeds);
    const manager = managers.get(`${address.host}:${address.port}`)!;
    manager.singleton(SINGLETON, {
      start: () => {
        const record: InstanceRecord = { node: key(n), startedAt: sim.clock.now() };
        records.push(record);
        active.set(key(n), { node: n, record });
        check(n);
      },
      // Stopping takes a random while, as a real job finishing its work would.
      stop: () =>
        new Promise<void>((resolve) => {
          sim.clock.schedule(randomInt(sim.random, 0, maxStopMs), () => {
            const a = active.get(key(n));
            if (a) {
              a.record.stoppedAt = sim.clock.now();
              active.delete(key(n));
            }
            resolve();
          });
        }),
    });
    return n;
  };

  const run = async (ms: number, until?: () => boolean): Promise<number | undefined> => {
    const t0 = sim.clock.now();
    while (sim.clock.now() - t0 < ms) {
      if (until?.()) return sim.clock.now() - t0;
      sim.run(100);
      await drain();
      check();
    }
    return until?.() ? sim.clock.now() - t0 : undefined;
  };

  return { sim, settings, records, violations, overlaps, start, running, run };
}

export interface TrialResult {
  readonly seed: number;
  /** Singleton safety violations. */
  readonly violations: string[];
  /** Membership violations the simulator itself records (status moving backwards). */
  readonly membershipViolations: string[];
  readonly overlaps: string[];
  readonly starts: number;
  readonly log: string[];
  /** Live nodes at the end, and how many instances run among them after the quiet period. */
  readonly liveAtEnd: number;
  readonly runningAtEnd: number;
}

/**
 * One randomized trial: 5 nodes form a cluster, then 12 random operations a few seconds apart
 * (join a new node, graceful leave, crash, partition, heal), then the network heals and the
 * cluster gets a quiet period to settle.
 */
export async function singletonTrial(seed: number): Promise<TrialResult> {
  const s = createSingletonSim(seed);
  const { sim } = s;
  const log: string[] = [];
  let next = 1;
  const addresses = Array.from({ length: 5 }, () => simAddress(next++));
  for (const a of addresses) s.start(a, [addresses[0]!]);
  await s.run(40_000, () => sim.allUp());
  for (let i = 0; i < 12; i++) {
    const alive = sim.alive().filter((n) => n.node.nodePhase === 'initialized');
    const pick = () => alive[randomInt(sim.random, 0, alive.length - 1)]!;
    const r = sim.random();
    if (r < 0.25 || alive.length < 3) {
      const a = simAddress(next++);
      const seeds = alive.length > 0 ? [alive[0]!.address] : [a];
      s.start(a, seeds);
      log.push(`${sim.clock.now()}: join ${a.host}`);
    } else if (r < 0.45) {
      const n = pick();
      n.node.leave(n.address);
      log.push(`${sim.clock.now()}: leave ${n.address.host}`);
    } else if (r < 0.7) {
      // Crash, preferring the current holder half of the time.
      const holder = s.running()[0]?.node;
      const n = holder && sim.random() < 0.5 ? holder : pick();
      sim.kill(n);
      log.push(`${sim.clock.now()}: crash ${n.address.host}${n === holder ? ' (holder)' : ''}`);
    } else if (r < 0.85) {
      const shuffled = [...alive].sort(() => sim.random() - 0.5);
      const cut = randomInt(sim.random, 1, Math.max(1, shuffled.length - 1));
      sim.network.partition([shuffled.slice(0, cut).map((n) => n.address), shuffled.slice(cut).map((n) => n.address)]);
      log.push(`${sim.clock.now()}: partition at ${cut} of ${shuffled.length}`);
    } else {
      sim.network.heal();
      log.push(`${sim.clock.now()}: heal`);
    }
    await s.run(randomInt(sim.random, 2000, 15_000));
  }
  sim.network.heal();
  log.push(`${sim.clock.now()}: heal (final)`);
  await s.run(120_000);
  const live = sim.alive().filter((n) => n.node.nodePhase === 'initialized' && n.node.state().self.status === 'Up');
  return {
    seed,
    violations: s.violations,
    membershipViolations: sim.violations,
    overlaps: s.overlaps,
    starts: s.records.length,
    log,
    liveAtEnd: live.length,
    runningAtEnd: s.running().length,
  };
}
