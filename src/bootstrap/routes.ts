// The bootstrap HTTP routes (provider `cluster-bootstrap`): GET /bootstrap/seed-nodes, which peers
// probe, and the Muster-only GET /bootstrap/status, which says why a node has not joined yet.
import type { FastifyInstance } from 'fastify';
import type { ClusterApi } from '../cluster/api.js';
import type { Logger } from '../logging.js';
import { methodRoute, sendJson } from '../management/http.js';
import { seedNodesJson } from '../management/seed-nodes-json.js';
import type { BootstrapStatus } from './coordinator.js';

export interface BootstrapRoutesOptions {
  readonly cluster: Pick<ClusterApi, 'state' | 'selfAddress'>;
  /** The bootstrap status snapshot; absent when bootstrap is not running in this process. */
  readonly status?: () => BootstrapStatus;
  /** Replicas fast path: the contact points to report while bootstrapping (`muster.contactPoints`). */
  readonly reportedContactPoints?: () => readonly string[] | undefined;
  readonly logger: Logger;
}

/** Registers the routes on app (already under the management base-path prefix). */
export function bootstrapRoutes(app: FastifyInstance, opts: BootstrapRoutesOptions): void {
  methodRoute(app, '/bootstrap/seed-nodes', {
    GET: (request, reply) => {
      const state = opts.cluster.state();
      const view = seedNodesJson(state, opts.cluster.selfAddress);
      opts.logger.info(
        `Bootstrap request from ${request.ip}: Contact Point returning ${view.seedNodes.length} seed-nodes [${view.seedNodes.map((s) => s.node).join(', ')}]`,
      );
      const contactPoints = opts.reportedContactPoints?.();
      return sendJson(reply, 200, contactPoints === undefined ? view : { ...view, muster: { contactPoints } });
    },
  });
  methodRoute(app, '/bootstrap/status', {
    GET: (_request, reply) =>
      sendJson(reply, 200, opts.status?.() ?? { phase: 'stopped', reason: 'cluster bootstrap is not running in this node' }),
  });
}
