// The library entry point: builds config -> discovery -> cluster -> management -> bootstrap from
// one loaded configuration and returns a handle to the running node. `node dist/main.js` is a thin
// CLI over this; applications embed it with `start()`.
import { formatAddress, type Address } from './address.js';
import type { ClusterApi } from './cluster/api.js';
import { createCluster, transportSettings, type CreatedCluster } from './cluster/create.js';
import { CoordinatedShutdown, installSignalHandlers, Reasons, type ShutdownReason, type ShutdownResult } from './cluster/coordinated-shutdown.js';
import { addClusterShutdownTasks, CoordinatedShutdownPlugin } from './cluster/coordinated-shutdown-cluster.js';
import { HeartbeatPlugin } from './cluster/heartbeat-plugin.js';
import type { ClusterPlugin } from './cluster/plugin.js';
import { DOWNING_PROVIDER_KEY, SBR_STRATEGY_KEY, type JoinConfig } from './cluster/join-config.js';
import type { Lease } from './cluster/sbr/lease.js';
import { sbrLeaseFromConfig } from './cluster/sbr/lease-factory.js';
import { SplitBrainResolver } from './cluster/sbr/resolver.js';
import { systemScheduler } from './clock.js';
import { loadConfig, type LoadOptions } from './config/load.js';
import { readBootstrapSettings, type BootstrapSettings } from './config/settings/bootstrap.js';
import { readKubernetesApiSettings } from './config/settings/discovery.js';
import { replicasSource } from './bootstrap/replicas.js';
import type { ReplicasSource } from './bootstrap/coordinator.js';
import { clusterSettingsFromConfig } from './config/settings/cluster.js';
import { readCoordinatedShutdownSettings } from './config/settings/coordinated-shutdown.js';
import { readFailureDetectorSettings } from './config/settings/failure-detector.js';
import { managementSettingsFromConfig } from './config/settings/management.js';
import { remoteSettingsFromConfig } from './config/settings/remote.js';
import { readDowningSettings, type SbrSettings } from './config/settings/sbr.js';
import { ConfigError, type Config } from './config/types.js';
import { validateConfig } from './config/validate.js';
import { DiscoveryRegistry } from './discovery/registry.js';
import { createLogger, type Logger } from './logging.js';
import { startBootstrap, type BootstrapHandle } from './bootstrap/start.js';
import { createHttpProber } from './bootstrap/http-prober.js';
import { createMetrics, type Metrics } from './metrics.js';
import { collectNodeMetrics, countingDiscovery, countingProber } from './runtime-metrics.js';
import type { BootstrapStatus } from './bootstrap/coordinator.js';
import { bootstrapRoutes } from './bootstrap/routes.js';
import { startManagement, type ManagementServer } from './management/server.js';
import { createManagementClient, loadSecurity } from './management/security.js';
import type { NamedCheck } from './management/health.js';
import { CLUSTER_BOOTSTRAP_ROUTES_CLASS } from './config/settings/management.js';

export interface HealthChecks {
  readonly startup?: readonly NamedCheck[];
  readonly readiness?: readonly NamedCheck[];
  readonly liveness?: readonly NamedCheck[];
}

export interface StartOptions extends LoadOptions {
  /** An already loaded configuration; otherwise one is loaded from the LoadOptions fields. */
  readonly config?: Config;
  readonly logger?: Logger;
  /** Application health checks, run after the configured ones of each group. */
  readonly healthChecks?: HealthChecks;
  /** Extra cluster plugins (failure detection and the split brain resolver are added from config). */
  readonly plugins?: readonly ClusterPlugin[];
  /** The lease lease-majority uses; by default a Kubernetes Lease from pekko.coordination.lease.kubernetes.*. */
  readonly lease?: Lease;
  /** Where this node's Prometheus metrics are kept (served on /metrics); a fresh registry by default. */
  readonly metrics?: Metrics;
  /** Run coordinated shutdown on SIGTERM/SIGINT (a second signal forces exit). Default false. */
  readonly handleSignals?: boolean;
  /**
   * Called with the process exit code once coordinated shutdown has finished (whatever started it:
   * a signal, a leave, being downed, the bootstrap deadline). The CLI exits the process here.
   */
  readonly onTerminated?: (result: ShutdownResult) => void;
}

/** A running Muster node. */
export interface MusterNode {
  readonly config: Config;
  /** Membership: state snapshots, events, join/leave/down. */
  readonly cluster: ClusterApi;
  readonly selfAddress: Address;
  /** The management server's base URI (as bound) and the one this node advertises. */
  readonly managementUrl: string;
  readonly selfBaseUri: string;
  /** Why the node has (not yet) joined; phase `skipped` when pekko.cluster.seed-nodes is set. */
  bootstrapStatus(): BootstrapStatus;
  /** Runs coordinated shutdown (leave gracefully, then stop everything); resolves when done. */
  shutdown(reason?: ShutdownReason): Promise<ShutdownResult>;
  /** Resolves when coordinated shutdown has finished, whatever started it. */
  readonly whenTerminated: Promise<ShutdownResult>;
}

function splitBrainResolver(sbr: SbrSettings | undefined, lease: Lease | undefined): ClusterPlugin[] {
  if (!sbr) return [];
  if (sbr.strategy.name === 'lease-majority' && !lease) {
    throw new ConfigError(
      'pekko.cluster.split-brain-resolver.active-strategy = lease-majority needs a lease: pass `lease` to start()',
      'pekko.cluster.split-brain-resolver.active-strategy',
    );
  }
  return [new SplitBrainResolver({ settings: sbr, ...(lease ? { lease } : {}) })];
}

/** What a joining node and the cluster must agree on (Pekko's built-in join config check). */
function joinConfigOf(config: Config, sbr: SbrSettings | undefined): JoinConfig {
  const provider = config.has(DOWNING_PROVIDER_KEY) ? config.getString(DOWNING_PROVIDER_KEY) : '';
  return { [DOWNING_PROVIDER_KEY]: provider, ...(sbr ? { [SBR_STRATEGY_KEY]: sbr.strategy.name } : {}) };
}

/** The replicas fast path's count from the pod's owner; the reader module loads on first use. */
function kubernetesReplicas(config: Config, settings: BootstrapSettings, logger: Logger): ReplicasSource {
  const podName = settings.kubernetesPodName;
  const k8s = readKubernetesApiSettings(config);
  return replicasSource(async () => {
    if (podName === undefined) throw new Error('no pod name: set muster.bootstrap.kubernetes.pod-name or HOSTNAME');
    const { readOwnerReplicas } = await import('./discovery/kubernetes-replicas.js');
    const r = await readOwnerReplicas({ settings: k8s, podName, timeoutMs: settings.resolveTimeoutMs });
    return { replicas: r.replicas, describe: `spec.replicas of ${r.kind} ${r.name}` };
  }, logger);
}

/** Starts a node. Configuration errors reject before any port is bound. */
export async function start(options: StartOptions = {}): Promise<MusterNode> {
  const config = options.config ?? (await loadConfig(options));
  validateConfig(config);
  const logger = options.logger ?? createLogger();

  // Read every setting first: a bad value must fail before anything listens.
  const remote = remoteSettingsFromConfig(config);
  const clusterSettings = clusterSettingsFromConfig(config);
  const management = managementSettingsFromConfig(config);
  const bootstrapSettings = readBootstrapSettings(config);
  const downing = readDowningSettings(config, remote.systemName);
  const shutdownSettings = readCoordinatedShutdownSettings(config);
  const security = loadSecurity(management.security);
  const bootstrapRoutesOn = management.http.routes.some((r) => r.className === CLUSTER_BOOTSTRAP_ROUTES_CLASS);
  const discoveryRegistry = new DiscoveryRegistry(config, { logger: logger.child({ component: 'discovery' }) });
  const metrics = options.metrics ?? createMetrics();
  const usesBootstrap = bootstrapSettings.configuredSeedNodes.length === 0;
  const selected = usesBootstrap ? discoveryRegistry.select(bootstrapSettings.discoveryMethod) : undefined;
  const discovery = selected && countingDiscovery(selected.discovery, selected.name, metrics);
  const failureDetector = readFailureDetectorSettings(config);
  const lease =
    options.lease ??
    sbrLeaseFromConfig(config, downing.sbr, (await transportSettings(remote)).canonical, {
      scheduler: systemScheduler,
      logger: logger.child({ component: 'lease' }),
    });

  const cs = new CoordinatedShutdown(shutdownSettings, systemScheduler, logger.child({ component: 'coordinated-shutdown' }));
  const csPlugin = new CoordinatedShutdownPlugin(cs, clusterSettings.runCoordinatedShutdownWhenDown);
  const plugins = [
    new HeartbeatPlugin(failureDetector),
    csPlugin,
    ...splitBrainResolver(downing.sbr, lease),
    ...(options.plugins ?? []),
  ];
  let created: CreatedCluster | undefined;
  let server: ManagementServer | undefined;
  let bootstrap: BootstrapHandle | undefined;
  // The seed-nodes route serves from the start; the status route learns of bootstrap once it runs.
  const routeOptions: {
    cluster: ClusterApi;
    logger: Logger;
    status?: () => BootstrapStatus;
    reportedContactPoints?: () => readonly string[] | undefined;
  } = {
    cluster: undefined as unknown as ClusterApi,
    logger: logger.child({ component: 'bootstrap' }),
  };
  try {
    created = await createCluster(
      { remote, cluster: clusterSettings },
      { logger, plugins, joinConfig: joinConfigOf(config, downing.sbr) },
    );
    const node = created.node;
    routeOptions.cluster = node;
    server = await startManagement({
      settings: management,
      cluster: node,
      security,
      metrics,
      logger: logger.child({ component: 'management' }),
      healthChecks: {
        startup: [...(options.healthChecks?.startup ?? [])],
        readiness: [...(options.healthChecks?.readiness ?? [])],
        liveness: [...(options.healthChecks?.liveness ?? [])],
      },
      routeProviders: bootstrapRoutesOn
        ? [
            {
              name: 'cluster-bootstrap',
              classNames: [CLUSTER_BOOTSTRAP_ROUTES_CLASS],
              register: (app) => bootstrapRoutes(app, routeOptions),
            },
          ]
        : [],
    });
    {
      // With seed-nodes configured bootstrap only logs that it bails out and reports phase `skipped`.
      const selfUri = new URL(server.selfBaseUri);
      const client = createManagementClient(security);
      const prober = countingProber(
        createHttpProber({
          headers: client.headers,
          ...(security.tls?.ca ? { ca: security.tls.ca } : {}),
          ...(bootstrapSettings.httpClientCaPath !== undefined && { caPath: bootstrapSettings.httpClientCaPath }),
          ...(bootstrapSettings.httpClientTlsMaxVersion !== undefined && { tlsMaxVersion: bootstrapSettings.httpClientTlsMaxVersion }),
        }),
        metrics,
      );
      bootstrap = startBootstrap({
        prober,
        settings: bootstrapSettings,
        ...(discovery ? { discovery } : {}),
        cluster: node,
        selfContactPoint: {
          scheme: selfUri.protocol === 'https:' ? 'https' : 'http',
          host: selfUri.hostname.replace(/^\[|\]$/g, ''),
          port: management.http.port,
          basePath: management.http.basePath,
        },
        logger: logger.child({ component: 'bootstrap' }),
        onDeadline: () => void cs.run(Reasons.ClusterJoinUnsuccessful),
        ...(bootstrapSettings.expectedReplicas === 'kubernetes' && {
          replicas: kubernetesReplicas(config, bootstrapSettings, logger.child({ component: 'bootstrap' })),
        }),
      });
      const running = bootstrap;
      routeOptions.status = () => running.status();
      routeOptions.reportedContactPoints = () => running.reportedContactPoints();
      client.close();
      cs.addTask('before-service-unbind', 'close-prober', () => prober.close?.());
    }
  } catch (err) {
    await server?.close();
    await created?.stop();
    await discoveryRegistry.close();
    throw err;
  }

  const { node } = created;
  const mgmt = server;
  const boot = bootstrap!;
  collectNodeMetrics(metrics, node, () => boot.status().phase);
  cs.addTask('before-service-unbind', 'stop-bootstrap', () => boot.stop());
  addClusterShutdownTasks(cs, node, csPlugin.hooks());
  cs.addTask('cluster-shutdown', 'stop-cluster', () => created!.stop());
  // Management keeps answering (/ready turns 500 while leaving) until the cluster part is done.
  cs.addTask('before-actor-system-terminate', 'stop-management', () => mgmt.close());
  cs.addTask('before-actor-system-terminate', 'close-discovery', () => discoveryRegistry.close());
  // A node whose membership ended for another reason (e.g. removed while unreachable) stops too.
  void node.whenTerminated.then((reason) => {
    if (cs.reason === undefined) void cs.run(reason === 'downed' ? Reasons.ClusterDowning : Reasons.ClusterLeaving);
  });

  // The exit waits one macrotask so that whenTerminated (its final log line, onTerminated) settles
  // first: both continue from the same shutdown run, and the signal handler's continuation is first.
  const removeSignalHandlers = options.handleSignals
    ? installSignalHandlers(cs, { log: logger, exit: (code) => setImmediate(() => process.exit(code)) })
    : () => undefined;
  // Whoever starts coordinated shutdown, its first phase runs; run() then hands back that same run
  // (asked on the next microtask: the first tasks start before run() has stored its promise).
  const whenTerminated = new Promise<ShutdownResult>((resolve) => {
    cs.addTask('before-service-unbind', 'observe-termination', async () => {
      await Promise.resolve();
      void cs.run(Reasons.Unknown).then((result) => {
        removeSignalHandlers();
        logger.info({ reason: result.reason.name, exitCode: result.processExitCode }, 'Muster node stopped');
        resolve(result);
        options.onTerminated?.(result);
      });
    });
  });

  logger.info(
    { selfAddress: formatAddress(node.selfAddress), management: mgmt.url, bootstrap: Boolean(discovery) },
    'Muster node started',
  );
  return {
    config,
    cluster: node,
    selfAddress: node.selfAddress,
    managementUrl: mgmt.url,
    selfBaseUri: mgmt.selfBaseUri,
    bootstrapStatus: () => boot.status(),
    shutdown: (reason = Reasons.ActorSystemTerminate) => cs.run(reason),
    whenTerminated,
  };
}
