// The library entry point: builds config -> discovery -> cluster -> management -> bootstrap from
// one loaded configuration and returns a handle to the running node. `node dist/main.js` is a thin
// CLI over this; applications embed it with `start()`.
import { formatAddress, type Address } from './address.js';
import type { ClusterApi } from './cluster/api.js';
import { createCluster, transportSettings, type CreatedCluster } from './cluster/create.js';
import { checkTlsFiles } from './cluster/tls/check.js';
import { CoordinatedShutdown, installSignalHandlers, Reasons, type ShutdownReason, type ShutdownResult } from './cluster/coordinated-shutdown.js';
import { addClusterShutdownTasks, CoordinatedShutdownPlugin } from './cluster/coordinated-shutdown-cluster.js';
import { HeartbeatPlugin } from './cluster/heartbeat-plugin.js';
import type { ClusterPlugin } from './cluster/plugin.js';
import { DOWNING_PROVIDER_KEY, SBR_STRATEGY_KEY, type JoinConfig } from './cluster/join-config.js';
import type { Lease } from './cluster/sbr/lease.js';
import { sbrLeaseFromConfig } from './cluster/sbr/lease-factory.js';
import { SplitBrainResolver } from './cluster/sbr/resolver.js';
import { addSingletonShutdownTask, SingletonManager, withSingletons, type SingletonApi } from './cluster/singleton/manager.js';
import { readSingletonSettings } from './cluster/singleton/settings.js';
import { systemScheduler } from './clock.js';
import { loadConfig, type LoadOptions } from './config/load.js';
import { readBootstrapSettings, type BootstrapSettings } from './bootstrap/settings.js';
import { clusterSettingsFromConfig, type ClusterSettings } from './cluster/settings.js';
import { readCoordinatedShutdownSettings, type CoordinatedShutdownSettings } from './cluster/coordinated-shutdown-settings.js';
import { readFailureDetectorSettings, type FailureDetectorSettings } from './cluster/failure-detector-settings.js';
import { remoteSettingsFromConfig, type RemoteSettings } from './cluster/remote-settings.js';
import { readDowningSettings, type DowningSettings, type SbrSettings } from './cluster/sbr/settings.js';
import { ConfigError, type Config } from './config/types.js';
import { validateAllKeys } from './checked-keys.js';
import { DiscoveryRegistry } from './discovery/registry.js';
import { readKubernetesApiSettings } from './discovery/settings.js';
import { replicasSource } from './bootstrap/replicas.js';
import type { ReplicasSource } from './bootstrap/coordinator.js';
import type { ServiceDiscovery } from './discovery/types.js';
import { createLogger, readLogFormat, type Logger } from './logging.js';
import { startBootstrap, type BootstrapHandle } from './bootstrap/start.js';
import { createHttpProber } from './bootstrap/http-prober.js';
import { createMetrics, type Metrics } from './metrics.js';
import { collectNodeMetrics, countingDiscovery, countingProber } from './runtime-metrics.js';
import type { BootstrapStatus } from './bootstrap/coordinator.js';
import { bootstrapRoutes, type BootstrapRoutesOptions } from './bootstrap/routes.js';
import { startManagement, type ManagementServer } from './management/server.js';
import { createManagementClient, loadSecurity, type LoadedSecurity } from './management/security.js';
import type { NamedCheck } from './management/health.js';
import type { Registrations, ResolvedManagement } from './management/configured.js';
import type { DashboardSources } from './management/dashboard-json.js';
import { applicationDir, logFindings, preflight } from './preflight.js';
import {
  appVersionFromRevision,
  createRollingUpdateApi,
  PodDeletionCostAnnotator,
  readRollingUpdateSettings,
  resolveNamespace,
  type RollingUpdateApi,
  type RollingUpdateSettings,
} from './rollingupdate/index.js';
import { CLUSTER_BOOTSTRAP_ROUTES_CLASS, managementSettingsFromConfig, type ManagementSettings } from './management/settings.js';

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
  /** Implementations of the checks the config names (by entry key or class name); see docs/library.md. */
  readonly namedHealthChecks?: Registrations['healthChecks'];
  /** Implementations of the routes pekko.management.http.routes names (by entry key or class name). */
  readonly namedRoutes?: Registrations['routes'];
  /** Compatibility warnings are errors (as muster.strict-config = on). */
  readonly strictConfig?: boolean;
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
  /** Membership: state snapshots, events, join/leave/down, and cluster singletons. */
  readonly cluster: ClusterApi & SingletonApi;
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

/** What the /dashboard page reads from bootstrap and the split brain resolver. */
function dashboardSources(
  sbr: SbrSettings | undefined,
  resolver: SplitBrainResolver | undefined,
  stableMarginMs: number,
  bootstrapStatus: () => BootstrapStatus | undefined,
): DashboardSources {
  return {
    bootstrapStatus,
    stableMarginMs,
    ...(sbr &&
      resolver && {
        splitBrainResolver: () => ({
          strategy: sbr.strategy.name,
          stableAfterMs: sbr.stableAfterMs,
          decisions: resolver.decisions,
          now: systemScheduler.now(),
        }),
      }),
  };
}

function splitBrainResolver(sbr: SbrSettings | undefined, lease: Lease | undefined): SplitBrainResolver[] {
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

/** Every layer's typed settings, read before anything listens: a bad value fails here. */
interface NodeSettings {
  readonly remote: RemoteSettings;
  readonly cluster: ClusterSettings;
  readonly management: ManagementSettings;
  readonly bootstrap: BootstrapSettings;
  readonly downing: DowningSettings;
  readonly shutdown: CoordinatedShutdownSettings;
  readonly security: LoadedSecurity;
  readonly failureDetector: FailureDetectorSettings;
  /** Health checks and routes the config names, resolved (registered, JS module, or skipped). */
  readonly configured: ResolvedManagement;
  readonly rollingUpdate: RollingUpdateSettings;
}

/** Starts a node. Configuration errors reject before any port is bound. */
export async function start(options: StartOptions = {}): Promise<MusterNode> {
  const { config, logger, settings } = await loadSettings(options);
  const metrics = options.metrics ?? createMetrics();
  const { discoveryRegistry, discovery } = selectDiscovery(config, settings.bootstrap, metrics, logger);
  const lease = options.lease ?? (await leaseFromConfig(config, settings, logger));
  const { cs, csPlugin } = createCoordinatedShutdown(settings, logger);
  const resolvers = splitBrainResolver(settings.downing.sbr, lease);
  const singletons = new SingletonManager(readSingletonSettings(config, settings.downing.downRemovalMarginMs));
  const plugins = clusterPlugins(settings, csPlugin, singletons, resolvers, options.plugins);
  const rolling = await rollingUpdateClient(settings, logger);

  let created: CreatedCluster | undefined;
  let mgmt: ManagementServer | undefined;
  let bootstrap: BootstrapHandle;
  try {
    created = await startCluster(config, { ...settings, cluster: rolling.clusterSettings }, plugins, logger);
    const routes = bootstrapRouteOptions(created.node, logger);
    const dashboard = dashboardSources(settings.downing.sbr, resolvers[0], settings.bootstrap.stableMarginMs, () => routes.status?.());
    mgmt = await startManagementServer(settings, created.node, routes, dashboard, metrics, options, logger);
    bootstrap = startClusterBootstrap(config, settings, created.node, mgmt, discovery, metrics, cs, logger);
    routes.status = () => bootstrap.status();
    routes.reportedContactPoints = () => bootstrap.reportedContactPoints();
  } catch (err) {
    rolling.api?.close();
    await mgmt?.close();
    await created?.stop();
    await discoveryRegistry.close();
    throw err;
  }

  collectNodeMetrics(metrics, created.node, () => bootstrap.status().phase);
  addShutdownTasks(cs, csPlugin, { bootstrap, created, mgmt, discoveryRegistry });
  startPodDeletionCost(settings, rolling, created.node, cs);
  addSingletonShutdownTask(cs, created.node, singletons);
  const whenTerminated = handleTermination(cs, options, logger);

  logger.info(
    { selfAddress: formatAddress(created.node.selfAddress), management: mgmt.url, bootstrap: Boolean(discovery) },
    'Muster node started',
  );
  return {
    config,
    cluster: withSingletons(created.node, singletons),
    selfAddress: created.node.selfAddress,
    managementUrl: mgmt.url,
    selfBaseUri: mgmt.selfBaseUri,
    bootstrapStatus: () => bootstrap.status(),
    shutdown: (reason = Reasons.ActorSystemTerminate) => cs.run(reason),
    whenTerminated,
  };
}

/** Load config: the configuration (given or loaded), its type checks, and every layer's settings. */
async function loadSettings(options: StartOptions): Promise<{ config: Config; logger: Logger; settings: NodeSettings }> {
  const config = options.config ?? (await loadConfig(options));
  validateAllKeys(config);
  const logger = options.logger ?? createLogger({ format: readLogFormat(config) });
  const checked = await preflight(config, {
    registrations: { ...(options.namedHealthChecks && { healthChecks: options.namedHealthChecks }), ...(options.namedRoutes && { routes: options.namedRoutes }) },
    baseDir: applicationDir(options),
    ...(options.strictConfig !== undefined && { strict: options.strictConfig }),
  });
  logFindings(logger.child({ component: 'config' }), checked.findings);
  const remote = remoteSettingsFromConfig(config);
  if (remote.tls) checkTlsFiles(remote.tls, config);
  const cluster = clusterSettingsFromConfig(config);
  const management = managementSettingsFromConfig(config);
  const bootstrap = readBootstrapSettings(config);
  const downing = readDowningSettings(config, remote.systemName);
  const shutdown = readCoordinatedShutdownSettings(config);
  const security = loadSecurity(management.security);
  const failureDetector = readFailureDetectorSettings(config);
  const rollingUpdate = readRollingUpdateSettings(config);
  return {
    config,
    logger,
    settings: {
      remote,
      cluster,
      management,
      bootstrap,
      downing,
      shutdown,
      security,
      failureDetector,
      configured: checked.management,
      rollingUpdate,
    },
  };
}

/** Discovery: the method bootstrap looks up contact points with; none when seed-nodes are configured. */
function selectDiscovery(
  config: Config,
  bootstrap: BootstrapSettings,
  metrics: Metrics,
  logger: Logger,
): { discoveryRegistry: DiscoveryRegistry; discovery: ServiceDiscovery | undefined } {
  const discoveryRegistry = new DiscoveryRegistry(config, { logger: logger.child({ component: 'discovery' }) });
  const usesBootstrap = bootstrap.configuredSeedNodes.length === 0;
  const selected = usesBootstrap ? discoveryRegistry.select(bootstrap.discoveryMethod) : undefined;
  return { discoveryRegistry, discovery: selected && countingDiscovery(selected.discovery, selected.name, metrics) };
}

/** The configured SBR lease, owned by this node's canonical address; undefined without one. */
async function leaseFromConfig(config: Config, settings: NodeSettings, logger: Logger): Promise<Lease | undefined> {
  return sbrLeaseFromConfig(config, settings.downing.sbr, (await transportSettings(settings.remote)).canonical, {
    scheduler: systemScheduler,
    logger: logger.child({ component: 'lease' }),
  });
}

/** Coordinated shutdown, and the cluster plugin through which membership changes start it. */
function createCoordinatedShutdown(settings: NodeSettings, logger: Logger): { cs: CoordinatedShutdown; csPlugin: CoordinatedShutdownPlugin } {
  const cs = new CoordinatedShutdown(settings.shutdown, systemScheduler, logger.child({ component: 'coordinated-shutdown' }));
  return { cs, csPlugin: new CoordinatedShutdownPlugin(cs, settings.cluster.runCoordinatedShutdownWhenDown) };
}

/** Failure detection, coordinated shutdown and the split brain resolver, then the application's. */
function clusterPlugins(
  settings: NodeSettings,
  csPlugin: CoordinatedShutdownPlugin,
  singletons: SingletonManager,
  resolvers: readonly SplitBrainResolver[],
  extra: readonly ClusterPlugin[] = [],
): ClusterPlugin[] {
  return [new HeartbeatPlugin(settings.failureDetector), csPlugin, singletons, ...resolvers, ...extra];
}

interface RollingUpdateClient {
  /** One Kubernetes API client for the revision and the annotations, when either is on. */
  readonly api: RollingUpdateApi | undefined;
  readonly annotate: boolean;
  /** Cluster settings with the app-version taken from the revision when configured. */
  readonly clusterSettings: ClusterSettings;
  readonly logger: Logger;
}

/** Pekko's rolling-update module: the API client, and the app-version from the pod's revision. */
async function rollingUpdateClient(settings: NodeSettings, logger: Logger): Promise<RollingUpdateClient> {
  const ru = settings.rollingUpdate;
  const log = logger.child({ component: 'rolling-update' });
  const annotate = ru.podDeletionCost && ru.podName !== '';
  if (ru.podDeletionCost && !annotate) {
    log.warn(
      'No configuration found to extract the pod name from. Be sure to provide the pod name with `pekko.rollingupdate.kubernetes.pod-name` or by setting ENV variable `KUBERNETES_POD_NAME`.',
    );
  }
  let api: RollingUpdateApi | undefined;
  if (annotate || ru.appVersionFromRevision) {
    try {
      api = createRollingUpdateApi(ru, resolveNamespace(ru));
    } catch (err) {
      log.error({ err }, `Unable to set up the Kubernetes API client of the rolling-update module (CA ${ru.apiCaPath})`);
    }
  }
  const clusterSettings =
    ru.appVersionFromRevision && api
      ? { ...settings.cluster, appVersion: await appVersionFromRevision(api, ru.podName, settings.cluster.appVersion, log) }
      : settings.cluster;
  return { api, annotate, clusterSettings, logger: log };
}

/** The pod-deletion-cost annotator (when on), stopped with the cluster; the API client closed last. */
function startPodDeletionCost(settings: NodeSettings, rolling: RollingUpdateClient, cluster: ClusterApi, cs: CoordinatedShutdown): void {
  const { api } = rolling;
  if (!api) return;
  if (rolling.annotate) {
    const ru = settings.rollingUpdate;
    const annotator = new PodDeletionCostAnnotator({
      cluster,
      api,
      podName: ru.podName,
      annotatedPodsNr: ru.annotatedPodsNr,
      retryDelayMs: ru.retryDelayMs,
      scheduler: systemScheduler,
      logger: rolling.logger,
    });
    annotator.start();
    cs.addTask('cluster-shutdown', 'stop-pod-deletion-cost', () => annotator.stop());
  }
  cs.addTask('before-actor-system-terminate', 'close-rolling-update-client', () => api.close());
}

/** Transport and cluster: binds the cluster port and starts the membership node with its plugins. */
function startCluster(config: Config, settings: NodeSettings, plugins: ClusterPlugin[], logger: Logger): Promise<CreatedCluster> {
  return createCluster(
    { remote: settings.remote, cluster: settings.cluster },
    { logger, plugins, joinConfig: joinConfigOf(config, settings.downing.sbr) },
  );
}

/** What the bootstrap routes serve; `status` is set once bootstrap runs (until then: stopped). */
function bootstrapRouteOptions(
  cluster: ClusterApi,
  logger: Logger,
): { cluster: ClusterApi; logger: Logger; status?: () => BootstrapStatus; reportedContactPoints?: () => readonly string[] | undefined } {
  return { cluster, logger: logger.child({ component: 'bootstrap' }) };
}

/** Management: the HTTP server, with the bootstrap routes when the route provider is configured. */
function startManagementServer(
  settings: NodeSettings,
  cluster: ClusterApi,
  routes: BootstrapRoutesOptions,
  dashboard: DashboardSources,
  metrics: Metrics,
  options: StartOptions,
  logger: Logger,
): Promise<ManagementServer> {
  const bootstrapRoutesOn = settings.management.http.routes.some((r) => r.className === CLUSTER_BOOTSTRAP_ROUTES_CLASS);
  return startManagement({
    settings: settings.configured.settings,
    configuredChecks: settings.configured.checks,
    cluster,
    security: settings.security,
    metrics,
    logger: logger.child({ component: 'management' }),
    healthChecks: {
      startup: [...(options.healthChecks?.startup ?? [])],
      readiness: [...(options.healthChecks?.readiness ?? [])],
      liveness: [...(options.healthChecks?.liveness ?? [])],
    },
    dashboard,
    routeProviders: [
      ...settings.configured.routeProviders,
      ...(bootstrapRoutesOn
        ? [
            {
              name: 'cluster-bootstrap',
              classNames: [CLUSTER_BOOTSTRAP_ROUTES_CLASS],
              register: (app: Parameters<typeof bootstrapRoutes>[0]) => bootstrapRoutes(app, routes),
            },
          ]
        : []),
    ],
  });
}

/**
 * Bootstrap: discovers and probes contact points and joins or forms the cluster. With seed-nodes
 * configured it only logs that it bails out and reports phase `skipped`.
 */
function startClusterBootstrap(
  config: Config,
  settings: NodeSettings,
  cluster: ClusterApi,
  server: ManagementServer,
  discovery: ServiceDiscovery | undefined,
  metrics: Metrics,
  cs: CoordinatedShutdown,
  logger: Logger,
): BootstrapHandle {
  const { bootstrap: bootstrapSettings, management, security } = settings;
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
  const bootstrap = startBootstrap({
    prober,
    settings: bootstrapSettings,
    ...(discovery ? { discovery } : {}),
    cluster,
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
  client.close();
  cs.addTask('before-service-unbind', 'close-prober', () => prober.close?.());
  return bootstrap;
}

/** Shutdown: coordinated shutdown stops every part in Pekko's phase order. */
function addShutdownTasks(
  cs: CoordinatedShutdown,
  csPlugin: CoordinatedShutdownPlugin,
  parts: { bootstrap: BootstrapHandle; created: CreatedCluster; mgmt: ManagementServer; discoveryRegistry: DiscoveryRegistry },
): void {
  const { bootstrap, created, mgmt, discoveryRegistry } = parts;
  cs.addTask('before-service-unbind', 'stop-bootstrap', () => bootstrap.stop());
  addClusterShutdownTasks(cs, created.node, csPlugin.hooks());
  cs.addTask('cluster-shutdown', 'stop-cluster', () => created.stop());
  // Management keeps answering (/ready turns 500 while leaving) until the cluster part is done.
  cs.addTask('before-actor-system-terminate', 'stop-management', () => mgmt.close());
  cs.addTask('before-actor-system-terminate', 'close-discovery', () => discoveryRegistry.close());
  // A node whose membership ended for another reason (e.g. removed while unreachable) stops too.
  void created.node.whenTerminated.then((reason) => {
    if (cs.reason === undefined) void cs.run(reason === 'downed' ? Reasons.ClusterDowning : Reasons.ClusterLeaving);
  });
}

/** Signals and termination: resolves once coordinated shutdown has finished, whatever started it. */
function handleTermination(cs: CoordinatedShutdown, options: StartOptions, logger: Logger): Promise<ShutdownResult> {
  // The exit waits one macrotask so that whenTerminated (its final log line, onTerminated) settles
  // first: both continue from the same shutdown run, and the signal handler's continuation is first.
  const removeSignalHandlers = options.handleSignals
    ? installSignalHandlers(cs, { log: logger, exit: (code) => setImmediate(() => process.exit(code)) })
    : () => undefined;
  // Whoever starts coordinated shutdown, its first phase runs; run() then hands back that same run
  // (asked on the next microtask: the first tasks start before run() has stored its promise).
  return new Promise<ShutdownResult>((resolve) => {
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
}
