// Feeds the node's Prometheus metrics from the layers the runtime wires together, without the
// layers knowing about metrics: discovery and the prober are wrapped, gossip counters and the
// bootstrap phase are read at scrape time.
import type { ClusterNode } from './cluster/node.js';
import type { BootstrapPhase, Prober } from './bootstrap/coordinator.js';
import { ProbeError } from './bootstrap/http-prober.js';
import { SeedNodesFormatError } from './bootstrap/seed-nodes.js';
import type { ServiceDiscovery } from './discovery/types.js';
import type { Metrics } from './metrics.js';

export function countingDiscovery(discovery: ServiceDiscovery, method: string, metrics: Metrics): ServiceDiscovery {
  return {
    async lookup(lookup, timeoutMs) {
      metrics.discoveryLookup(method);
      try {
        return await discovery.lookup(lookup, timeoutMs);
      } catch (e) {
        metrics.discoveryError(method);
        throw e;
      }
    },
    close: () => discovery.close?.(),
  };
}

/** The label a failed probe is counted under. */
export function probeErrorCause(e: unknown): string {
  if (e instanceof SeedNodesFormatError) return 'parse';
  if (e instanceof ProbeError) return e.status !== undefined ? 'status' : /timed out/.test(e.message) ? 'timeout' : 'response';
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z]+/.test(code) ? 'connection' : 'other';
}

export function countingProber(prober: Prober, metrics: Metrics): Prober {
  return {
    async probe(url, timeoutMs) {
      try {
        return await prober.probe(url, timeoutMs);
      } catch (e) {
        metrics.probeError(probeErrorCause(e));
        throw e;
      }
    },
    close: () => prober.close?.(),
  };
}

/** Turns the node's cumulative gossip counters and the bootstrap phase into metrics at each scrape. */
export function collectNodeMetrics(metrics: Metrics, node: ClusterNode, phase: () => BootstrapPhase | undefined): void {
  let sent = 0;
  let received = 0;
  let dropped = 0;
  metrics.addCollector(() => {
    const c = node.counters;
    const droppedNow = Object.values(c.dropped).reduce((a, b) => a + b, 0);
    const sentNow = c.gossipSent + c.gossipStatusSent;
    metrics.gossip('sent', sentNow - sent);
    metrics.gossip('received', c.received - received);
    metrics.gossip('dropped', droppedNow - dropped);
    [sent, received, dropped] = [sentNow, c.received, droppedNow];
    const p = phase();
    if (p !== undefined) metrics.setBootstrapPhase(p);
  });
}
