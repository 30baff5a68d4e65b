// Failure detection and split-brain scenarios on top of the cluster simulator: every node runs
// the heartbeat/FD plugin and the split brain resolver; helpers form a cluster, partition it,
// and check the safety property "at most one side keeps running as a cluster".
import { formatAddress, uniqueAddressKey, type Address } from '../../src/address.js';
import { HeartbeatPlugin } from '../../src/cluster/heartbeat-plugin.js';
import { SplitBrainResolver, type SbrDecisionRecord } from '../../src/cluster/sbr/resolver.js';
import type { Lease } from '../../src/cluster/sbr/lease.js';
import type { SbrSettings } from '../../src/cluster/sbr/settings.js';
import type { ClusterSettings } from '../../src/cluster/settings.js';
import { SBR_PROVIDER_CLASS } from '../../src/cluster/sbr/settings.js';
import { ClusterSim, simAddress, type SimNode } from './cluster-sim.js';
import type { NetworkFaults } from './network.js';

/** One lease shared by all simulated nodes: an in-memory store with a single holder. */
export class SimLeaseStore {
  holder: string | undefined;
  acquisitions = 0;
  lease(owner: string, name = 'sim-pekko-sbr'): Lease {
    const store = this;
    return {
      name,
      owner,
      async acquire() {
        if (store.holder === undefined || store.holder === owner) {
          store.holder = owner;
          store.acquisitions++;
          return true;
        }
        return false;
      },
      async release() {
        if (store.holder === owner) store.holder = undefined;
        return true;
      },
      checkLease: () => store.holder === owner,
    };
  }
}

export interface PartitionSimOptions {
  readonly seed: number;
  readonly size: number;
  readonly sbr: SbrSettings;
  readonly settings?: Partial<ClusterSettings>;
  readonly faults?: NetworkFaults;
  readonly leaseStore?: SimLeaseStore;
  /** Any other lease per node (owner is `system@host:port`), e.g. a real Kubernetes lease. */
  readonly leaseFor?: (owner: string) => Lease;
}

export interface PartitionSim {
  readonly sim: ClusterSim;
  readonly addresses: Address[];
  readonly decisions: Map<string, SbrDecisionRecord[]>;
  readonly resolvers: Map<string, SplitBrainResolver>;
  node(i: number): SimNode;
}

/** Settings that make simulated scenarios quick while keeping Pekko's ratios. */
export const FAST_SETTINGS: Partial<ClusterSettings> = {
  downingProviderClass: SBR_PROVIDER_CLASS,
};

export function createPartitionSim(o: PartitionSimOptions): PartitionSim {
  const decisions = new Map<string, SbrDecisionRecord[]>();
  const resolvers = new Map<string, SplitBrainResolver>();
  const sim = new ClusterSim({
    seed: o.seed,
    codec: 'none',
    ...(o.faults ? { faults: o.faults } : {}),
    settings: { ...FAST_SETTINGS, ...o.settings },
    plugins: (address) => {
      const key = formatAddress(address);
      const list: SbrDecisionRecord[] = [];
      decisions.set(key, list);
      const owner = `${address.system}@${address.host}:${address.port}`;
      const resolver = new SplitBrainResolver({
        settings: o.sbr,
        ...(o.leaseStore ? { lease: o.leaseStore.lease(owner) } : o.leaseFor ? { lease: o.leaseFor(owner) } : {}),
        onDecision: (r) => list.push(r),
      });
      resolvers.set(key, resolver);
      return [new HeartbeatPlugin(), resolver];
    },
  });
  const addresses = Array.from({ length: o.size }, (_, i) => simAddress(i + 1));
  return {
    sim,
    addresses,
    decisions,
    resolvers,
    node: (i) => sim.nodes.get(`${addresses[i]!.host}:${addresses[i]!.port}`) as SimNode,
  };
}

/** Starts all nodes with the first as seed and runs until every node sees all Up. */
export function formCluster(p: PartitionSim, maxMs = 60_000): boolean {
  for (const a of p.addresses) p.sim.start(a, [p.addresses[0]!]);
  return p.sim.runUntil(() => p.sim.allUp(), maxMs, 500) !== undefined;
}

/** Live nodes that still consider themselves part of a running cluster (initialized, not Down). */
export function runningNodes(p: PartitionSim): SimNode[] {
  return p.sim.alive().filter((n) => {
    if (n.node.nodePhase !== 'initialized') return false;
    const s = n.node.state().self.status;
    return s !== 'Down' && s !== 'Removed' && s !== 'Exiting';
  });
}

/**
 * Groups running nodes into clusters: two running nodes are in the same cluster when each
 * still lists the other as a (non-Down) member. Returns the groups as sets of address keys.
 */
export function runningClusters(p: PartitionSim): string[][] {
  const running = runningNodes(p);
  const keyOf = (n: SimNode) => uniqueAddressKey(n.uniqueAddress);
  const memberOf = new Map(
    running.map((n) => [keyOf(n), new Set(n.node.state().members.filter((m) => m.status !== 'Down').map((m) => uniqueAddressKey(m.uniqueAddress)))]),
  );
  const groups: string[][] = [];
  const seen = new Set<string>();
  for (const n of running) {
    const k = keyOf(n);
    if (seen.has(k)) continue;
    const group = [k];
    seen.add(k);
    for (const m of running) {
      const mk = keyOf(m);
      if (seen.has(mk)) continue;
      if (memberOf.get(k)?.has(mk) && memberOf.get(mk)?.has(k)) {
        group.push(mk);
        seen.add(mk);
      }
    }
    groups.push(group.sort());
  }
  return groups;
}

/**
 * Two groups of running nodes are "both running as clusters" when neither lists the other's
 * nodes as members any more... that cannot happen while they are partitioned without downing,
 * so the check is: among running nodes, no two groups exist that each still hold an Up leader
 * and consider disjoint sets of nodes alive. Returns a text per violation.
 */
export function splitBrainViolations(p: PartitionSim): string[] {
  const groups = runningClusters(p);
  if (groups.length <= 1) return [];
  // Several groups are only a problem when more than one of them has removed (or downed) the
  // others: i.e. each group believes it is the cluster without the other.
  const running = runningNodes(p);
  const byKey = new Map(running.map((n) => [uniqueAddressKey(n.uniqueAddress), n]));
  const independent = groups.filter((g) => {
    const n = byKey.get(g[0]!)!;
    const alive = new Set(n.node.state().members.filter((m) => m.status !== 'Down').map((m) => uniqueAddressKey(m.uniqueAddress)));
    // This group has given up on every node outside it.
    return groups.every((other) => other === g || other.every((k) => !alive.has(k)));
  });
  return independent.length > 1 ? [`${independent.length} independent clusters: ${independent.map((g) => `[${g.join(' ')}]`).join(' ')}`] : [];
}
