// Prometheus metrics for every layer. This module imports nothing from the project, so any
// layer (discovery, cluster, bootstrap, management) may count things here without breaking
// the one-way layering. Each node gets its own registry, so several nodes in one process
// (tests, the simulator) do not mix their figures; `defaultMetrics` serves the usual one-node process.
import { Counter, Gauge, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();

  readonly membersByStatus = new Gauge({
    name: 'muster_cluster_members',
    help: 'Members in this node\'s view of the cluster, by member status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly unreachableMembers = new Gauge({
    name: 'muster_cluster_unreachable_members',
    help: 'Members that at least one observer sees as unreachable',
    registers: [this.registry],
  });
  readonly isLeader = new Gauge({
    name: 'muster_cluster_is_leader',
    help: '1 when this node is the cluster leader, else 0',
    registers: [this.registry],
  });
  readonly convergence = new Gauge({
    name: 'muster_cluster_convergence',
    help: '1 when gossip has converged (every member has seen the current state), else 0',
    registers: [this.registry],
  });
  readonly gossipMessages = new Counter({
    name: 'muster_gossip_messages_total',
    help: 'Cluster messages: gossip sent (full and status), messages received, received messages dropped as invalid',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  readonly bootstrapPhase = new Gauge({
    name: 'muster_bootstrap_phase',
    help: 'Current cluster bootstrap phase: 1 for the current phase, 0 for phases seen before',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  readonly discoveryLookups = new Counter({
    name: 'muster_discovery_lookups_total',
    help: 'Service discovery lookups, by discovery method',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  readonly discoveryErrors = new Counter({
    name: 'muster_discovery_lookup_errors_total',
    help: 'Failed service discovery lookups, by discovery method',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  readonly probeErrors = new Counter({
    name: 'muster_bootstrap_probe_errors_total',
    help: 'Failed contact-point probes, by cause (e.g. timeout, connection, status, parse)',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  private readonly phasesSeen = new Set<string>();
  private readonly collectors: (() => void)[] = [];

  /** Runs `collect` before every scrape, for figures read from elsewhere (e.g. cumulative counters). */
  addCollector(collect: () => void): void {
    this.collectors.push(collect);
  }

  /** Replaces the member counts; statuses absent from `counts` read 0 once they were seen. */
  setMembersByStatus(counts: Readonly<Record<string, number>>): void {
    this.membersByStatus.reset();
    for (const [status, n] of Object.entries(counts)) this.membersByStatus.set({ status }, n);
  }

  setUnreachable(n: number): void {
    this.unreachableMembers.set(n);
  }

  setLeader(isLeader: boolean): void {
    this.isLeader.set(isLeader ? 1 : 0);
  }

  setConvergence(converged: boolean): void {
    this.convergence.set(converged ? 1 : 0);
  }

  gossip(direction: 'sent' | 'received' | 'dropped', n = 1): void {
    this.gossipMessages.inc({ direction }, n);
  }

  setBootstrapPhase(phase: string): void {
    for (const p of this.phasesSeen) this.bootstrapPhase.set({ phase: p }, 0);
    this.phasesSeen.add(phase);
    this.bootstrapPhase.set({ phase }, 1);
  }

  discoveryLookup(method: string): void {
    this.discoveryLookups.inc({ method });
  }

  discoveryError(method: string): void {
    this.discoveryErrors.inc({ method });
  }

  probeError(cause: string): void {
    this.probeErrors.inc({ cause });
  }

  /** Prometheus text exposition format. */
  text(): Promise<string> {
    for (const collect of this.collectors) collect();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export function createMetrics(): Metrics {
  return new Metrics();
}

/** The process-wide instance used when a layer is not handed one explicitly. */
export const defaultMetrics = new Metrics();
