// GET /metrics in Prometheus text format. Membership gauges are refreshed from the cluster
// snapshot at scrape time, so they are exact without tracking every event; convergence comes
// from the cluster's SeenChanged events.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { addressEquals } from '../address.js';
import type { ClusterApi } from '../cluster/api.js';
import type { Metrics } from '../metrics.js';

export function refreshClusterGauges(cluster: ClusterApi, metrics: Metrics): void {
  const state = cluster.state();
  const counts: Record<string, number> = {};
  for (const m of state.members) counts[m.status] = (counts[m.status] ?? 0) + 1;
  metrics.setMembersByStatus(counts);
  metrics.setUnreachable(state.unreachable.length);
  metrics.setLeader(state.leader !== undefined && addressEquals(state.leader, cluster.selfAddress));
}

/** Follows convergence changes; returns the unsubscribe function. */
export function observeCluster(cluster: ClusterApi, metrics: Metrics): () => void {
  return cluster.subscribe((e) => {
    if (e.type === 'SeenChanged') metrics.setConvergence(e.convergence);
  });
}

export function metricsRoute(metrics: Metrics, cluster: ClusterApi | undefined) {
  return async (_: FastifyRequest, reply: FastifyReply) => {
    if (cluster) refreshClusterGauges(cluster, metrics);
    const text = await metrics.text();
    return reply.code(200).header('content-type', metrics.contentType).send(text);
  };
}
