// The runtime's entry to Cluster Bootstrap: bail out when seed nodes are configured, otherwise
// run the coordinator, and enforce muster.bootstrap.deadline.
import { systemScheduler, type Random, type Scheduler } from '../clock.js';
import type { ClusterApi } from '../cluster/api.js';
import type { BootstrapSettings } from './settings.js';
import { formatAddress } from '../address.js';
import { formatLookup, type ServiceDiscovery } from '../discovery/types.js';
import type { Logger } from '../logging.js';
import { formatSelfContactPoint, normalizeBasePath, type SelfContactPoint } from './contact-points.js';
import { BootstrapCoordinator, type BootstrapStatus, type Prober, type ReplicasSource } from './coordinator.js';
import { createHttpProber, type HttpProberOptions } from './http-prober.js';

export interface StartBootstrapOptions {
  readonly settings: BootstrapSettings;
  /** Required unless pekko.cluster.seed-nodes is set (then bootstrap only logs that it bails out). */
  readonly discovery?: ServiceDiscovery;
  readonly cluster: ClusterApi;
  /** This node's management endpoint as peers see it (hostname/port/base-path, scheme http or https). */
  readonly selfContactPoint: SelfContactPoint;
  readonly logger: Logger;
  /** Defaults to the HTTP prober built from settings plus proberOptions. */
  readonly prober?: Prober;
  /** Headers (basic auth) and CA material for the default prober; ca-path from settings wins over `ca`. */
  readonly proberOptions?: Omit<HttpProberOptions, 'caPath' | 'tlsMaxVersion'>;
  readonly scheduler?: Scheduler;
  readonly random?: Random;
  /** Called once when muster.bootstrap.deadline passes and this node is not a member; the runtime exits non-zero. */
  readonly onDeadline?: (reason: string) => void;
  /** The expected replica count when settings.expectedReplicas is `kubernetes`. */
  readonly replicas?: ReplicasSource;
}

export interface BootstrapHandle {
  status(): BootstrapStatus;
  /** Replicas fast path: the contact points to report in seed-nodes answers (undefined = none). */
  reportedContactPoints(): readonly string[] | undefined;
  /** Stops discovery, probing and the deadline; idempotent. */
  stop(): void;
}

const MEMBER = new Set(['Joining', 'WeaklyUp', 'Up']);

export function startBootstrap(o: StartBootstrapOptions): BootstrapHandle {
  const { settings, logger } = o;
  const scheduler = o.scheduler ?? systemScheduler;
  const self: SelfContactPoint = { ...o.selfContactPoint, basePath: normalizeBasePath(o.selfContactPoint.basePath) };

  if (settings.newClusterEnabledFromLegacyKey) {
    logger.info('Old `form-new-cluster` property set. Using value of it for `new-cluster-enabled`.');
  }
  if (settings.configuredSeedNodes.length > 0) {
    logger.warn(
      `Application is configured with specific seed nodes: [${settings.configuredSeedNodes.join(', ')}], ` +
        'bailing out of the bootstrap process! If you want to use the automatic bootstrap mechanism, make sure ' +
        'to NOT set explicit seed nodes in the configuration (pekko.cluster.seed-nodes).',
    );
    const skipped: BootstrapStatus = {
      phase: 'skipped',
      lookup: formatLookup(settings.lookup),
      discoveryMethod: settings.discoveryMethod,
      selfContactPoint: formatSelfContactPoint(self),
      selfAddress: formatAddress(o.cluster.selfAddress),
      contactPoints: [],
      probes: [],
      reason: 'pekko.cluster.seed-nodes is set; the cluster joins those seed nodes without bootstrap',
    };
    return { status: () => skipped, reportedContactPoints: () => undefined, stop: () => undefined };
  }
  if (o.discovery === undefined) throw new Error('startBootstrap needs a ServiceDiscovery when no seed nodes are configured');

  const prober =
    o.prober ??
    createHttpProber({
      ...o.proberOptions,
      ...(settings.httpClientCaPath !== undefined && { caPath: settings.httpClientCaPath }),
      ...(settings.httpClientTlsMaxVersion !== undefined && { tlsMaxVersion: settings.httpClientTlsMaxVersion }),
    });
  const coordinator = new BootstrapCoordinator({
    settings,
    selfContactPoint: self,
    discovery: o.discovery,
    prober,
    cluster: o.cluster,
    scheduler,
    random: o.random ?? Math.random,
    logger,
    ...(o.replicas !== undefined && { replicas: o.replicas }),
  });

  let deadline: { cancel(): void } | undefined;
  if (settings.deadlineMs !== undefined) {
    const ms = settings.deadlineMs;
    deadline = scheduler.schedule(ms, () => {
      const status = o.cluster.state().self.status;
      if (MEMBER.has(status)) return;
      const reason =
        `not a cluster member ${ms} ms after bootstrap started (muster.bootstrap.deadline); ` +
        (coordinator.status().reason ?? `own status is ${status}`);
      logger.error({ marker: 'musterBootstrapDeadline' }, `Bootstrap deadline exceeded: ${reason}`);
      (o.onDeadline ?? (() => process.exit(1)))(reason);
    });
  }

  coordinator.start();
  let stopped = false;
  return {
    status: () => coordinator.status(),
    reportedContactPoints: () => coordinator.reportedContactPoints(),
    stop() {
      if (stopped) return;
      stopped = true;
      deadline?.cancel();
      coordinator.stop();
      if (o.prober === undefined) prober.close?.();
    },
  };
}
