// Runs one scenario (scenario.ts) on the real ClusterNode code in the deterministic simulator:
// every node has the phi-accrual heartbeat plugin and the split brain resolver, faults are applied
// at their virtual times, and the checker (checker.ts) watches the whole run. The result is a
// verdict: the clusters left among live nodes, who was downed, and every violation.
import type { Address } from '../../../src/address.js';
import { HeartbeatPlugin } from '../../../src/cluster/heartbeat-plugin.js';
import { SplitBrainResolver } from '../../../src/cluster/sbr/resolver.js';
import type { StrategySettings } from '../../../src/cluster/sbr/strategy.js';
import { SBR_PROVIDER_CLASS, type SbrSettings } from '../../../src/cluster/sbr/settings.js';
import { ClusterSim, simAddress, type SimNode } from '../cluster-sim.js';
import { SimLeaseStore } from '../partition-sim.js';
import { drainPromiseJobs } from '../virtual-clock.js';
import { Checker, type Incarnation } from './checker.js';
import type { Scenario, Step } from './scenario.js';

export interface Verdict {
  /** Node numbers of each cluster left running at `until` (each sorted; at most one when safe). */
  readonly clusters: number[][];
  /** Nodes of which an incarnation was marked Down and is not in a cluster at the end. */
  readonly downed: number[];
  readonly violations: string[];
  /** Virtual ms from the last step until the first check that found one settled cluster (null: never). */
  readonly settledAfterMs: number | null;
}

/** How often (virtual ms) the checker samples the running nodes. */
const CHECK_EVERY_MS = 500;

export function strategySettings(s: Scenario): StrategySettings {
  const o = s.settings;
  switch (s.strategy) {
    case 'keep-majority':
      return { name: 'keep-majority', role: o.role };
    case 'keep-oldest':
      return { name: 'keep-oldest', downIfAlone: o.downIfAlone, role: o.role };
    case 'static-quorum':
      return { name: 'static-quorum', quorumSize: o.quorumSize, role: o.role };
    case 'down-all':
      return { name: 'down-all' };
    case 'lease-majority':
      return { name: 'lease-majority', role: o.role, acquireLeaseDelayForMinorityMs: o.acquireLeaseDelayForMinorityMs };
  }
}

function sbrSettings(s: Scenario): SbrSettings {
  return {
    strategy: strategySettings(s),
    stableAfterMs: s.settings.stableAfterMs,
    downAllWhenUnstableMs: s.settings.downAllWhenUnstableMs,
    ...(s.strategy === 'lease-majority'
      ? { lease: { implementation: 'sim', leaseName: 'sim-pekko-sbr', releaseAfterMs: s.settings.releaseAfterMs } }
      : {}),
  };
}

export class ScenarioRun {
  readonly sim: ClusterSim;
  readonly checker: Checker;
  private readonly leaseStore: SimLeaseStore | undefined;
  private readonly addresses: Address[];
  private firstSeeds: Address[] | undefined;

  constructor(readonly scenario: Scenario) {
    const s = scenario;
    this.leaseStore = s.strategy === 'lease-majority' ? new SimLeaseStore() : undefined;
    const sbr = sbrSettings(s);
    this.sim = new ClusterSim({
      seed: s.seed,
      codec: 'none',
      faults: s.faults,
      settings: { downingProviderClass: SBR_PROVIDER_CLASS },
      plugins: (address) => {
        const owner = `${address.system}@${address.host}:${address.port}`;
        return [
          new HeartbeatPlugin(),
          new SplitBrainResolver({ settings: sbr, ...(this.leaseStore ? { lease: this.leaseStore.lease(owner) } : {}) }),
        ];
      },
    });
    this.addresses = Array.from({ length: s.nodes }, (_, i) => simAddress(i + 1));
    this.checker = new Checker(this.sim, (a) => this.idOf(a));
  }

  idOf(a: Address): number {
    return this.addresses.findIndex((x) => x.host === a.host && x.port === a.port) + 1;
  }

  private address(id: number): Address {
    return this.addresses[id - 1] as Address;
  }

  private current(id: number): SimNode | undefined {
    const a = this.address(id);
    return this.sim.nodes.get(`${a.host}:${a.port}`);
  }

  private live(id: number): SimNode | undefined {
    const n = this.current(id);
    return n?.alive ? n : undefined;
  }

  private startNode(id: number, restart: boolean): void {
    const a = this.address(id);
    // The first start names the seed nodes (lowest first, so exactly one node may form a new
    // cluster). Later starts and restarts join through every other node and never self-join:
    // a restarted seed that formed a fresh cluster alone would be a configuration error
    // (Pekko documents it), not the protocol fault the simulator looks for.
    let seeds: Address[];
    if (!this.firstSeeds) seeds = this.firstSeeds = [a];
    else seeds = this.addresses.filter((x) => x !== a);
    const prev = this.current(id);
    if (prev?.alive && restart) this.checker.crashed(prev);
    if (prev?.alive && !restart) return;
    const n = this.sim.start(a, seeds);
    this.checker.started(n as Incarnation);
  }

  apply(step: Step): void {
    const net = this.sim.network;
    if ('start' in step) {
      const ids = [...step.start].sort((x, y) => x - y);
      if (!this.firstSeeds) {
        this.firstSeeds = ids.map((i) => this.address(i));
        for (const id of ids) {
          const a = this.address(id);
          const n = this.sim.start(a, this.firstSeeds);
          this.checker.started(n as Incarnation);
        }
      } else {
        for (const id of ids) this.startNode(id, false);
      }
    } else if ('block' in step) net.block(this.address(step.block.from), this.address(step.block.to));
    else if ('unblock' in step) net.unblock(this.address(step.unblock.from), this.address(step.unblock.to));
    else if ('partition' in step) net.partition(step.partition.map((g) => g.map((i) => this.address(i))));
    else if ('heal' in step) net.heal();
    else if ('crash' in step) {
      const n = this.live(step.crash);
      if (n) {
        this.checker.crashed(n);
        this.sim.kill(n);
      }
    } else if ('restart' in step) this.startNode(step.restart, true);
    else if ('pause' in step) this.live(step.pause.node)?.scheduler.pause(step.pause.forMs);
    else if ('leave' in step) {
      const n = this.live(step.leave);
      if (n) n.node.leave(n.address);
    } else if ('faults' in step) net.faults = step.faults;
  }

  private async advanceTo(t: number, stop: () => boolean = () => false): Promise<void> {
    const clock = this.sim.clock;
    while (clock.now() < t && !stop()) {
      const next = Math.min(t, (Math.floor(clock.now() / CHECK_EVERY_MS) + 1) * CHECK_EVERY_MS);
      clock.runUntil(next);
      // Lease calls settle through promise jobs: let them run between virtual-time slices.
      if (this.leaseStore) await drainPromiseJobs();
      if (clock.now() % CHECK_EVERY_MS === 0) this.checker.sample();
    }
  }

  /**
   * Runs the steps, then until `until`; with `quietMs`, stops earlier once the live nodes have
   * been one settled cluster for that long (the soak's shortcut; scenario files run to `until`).
   */
  async run(quietMs?: number): Promise<Verdict> {
    const s = this.scenario;
    for (const step of s.steps) {
      await this.advanceTo(step.atMs);
      this.apply(step);
    }
    const lastStep = (s.steps[s.steps.length - 1] as Step).atMs;
    this.checker.settlingFrom(lastStep);
    const quiet = () => {
      const since = this.checker.settledSince;
      return quietMs !== undefined && since !== undefined && this.sim.clock.now() - since >= quietMs;
    };
    await this.advanceTo(s.untilMs, quiet);
    return this.checker.verdict();
  }
}

export function runScenario(s: Scenario, quietMs?: number): Promise<Verdict> {
  return new ScenarioRun(s).run(quietMs);
}
