// Typed settings of the management HTTP layer: the Pekko keys pekko.management.http.*,
// pekko.management.health-checks.*, pekko.management.cluster.health-check.*, plus the
// Muster-only HTTPS and basic-auth section muster.management.*. Read once at start-up.
import { ConfigError, type Config } from '../config/types.js';
import { MEMBER_STATUSES, type MemberStatus } from '../cluster/api.js';

/** One `name = "FQCN"` entry of a routes or checks block that is switched on. */
export interface NamedClass {
  readonly name: string;
  readonly className: string;
}

export interface ManagementHttpSettings {
  /** Advertised host; undefined means "this machine's address" (`<hostname>` or blank). */
  readonly hostname: string | undefined;
  readonly port: number;
  /** Interface to bind; undefined means the effective hostname. */
  readonly bindHostname: string | undefined;
  /** Port to bind (0 = any free port). */
  readonly bindPort: number;
  /** Path prefix without leading or trailing slashes; '' for none. */
  readonly basePath: string;
  /** Route providers that are switched on, in configuration order. */
  readonly routes: readonly NamedClass[];
  readonly routeProvidersReadOnly: boolean;
  readonly gracefulTerminationTimeoutMs: number;
}

export interface HealthCheckSettings {
  readonly startupPath: string;
  readonly readinessPath: string;
  readonly livenessPath: string;
  readonly checkTimeoutMs: number;
  readonly startupChecks: readonly NamedClass[];
  readonly readinessChecks: readonly NamedClass[];
  readonly livenessChecks: readonly NamedClass[];
}

export interface ClusterHealthCheckSettings {
  readonly readyStates: readonly MemberStatus[];
}

export interface ManagementSecuritySettings {
  readonly https: {
    readonly enabled: boolean;
    readonly certFile: string;
    readonly keyFile: string;
    /** CA bundle the probe client trusts for peers; '' means the system CAs. */
    readonly caFile: string;
  };
  readonly basicAuth: {
    /** '' switches basic auth off. */
    readonly username: string;
    readonly passwordFile: string;
  };
}

export interface DashboardSettings {
  /** Serve the read-only /dashboard page (muster.management.dashboard.enabled). */
  readonly enabled: boolean;
}

export interface ManagementSettings {
  /** Members' app-version in the cluster JSON (muster.management.cluster-members.app-version). */
  readonly membersAppVersion: boolean;
  readonly http: ManagementHttpSettings;
  readonly healthChecks: HealthCheckSettings;
  readonly clusterHealthCheck: ClusterHealthCheckSettings;
  readonly security: ManagementSecuritySettings;
  readonly dashboard: DashboardSettings;
}

export const HEALTH_CHECK_ROUTES_CLASS = 'org.apache.pekko.management.HealthCheckRoutes';
export const CLUSTER_HTTP_ROUTES_CLASS = 'org.apache.pekko.management.cluster.ClusterHttpManagementRouteProvider';
export const CLUSTER_BOOTSTRAP_ROUTES_CLASS = 'org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap$';
export const CLUSTER_MEMBERSHIP_CHECK_CLASS = 'org.apache.pekko.management.cluster.scaladsl.ClusterMembershipCheck';

/** The values of the Pekko reference.conf files of management and management-cluster-http. */
export const DEFAULT_MANAGEMENT_SETTINGS: ManagementSettings = {
  http: {
    hostname: undefined,
    port: 7626,
    bindHostname: undefined,
    bindPort: 7626,
    basePath: '',
    routes: [
      { name: 'health-checks', className: HEALTH_CHECK_ROUTES_CLASS },
      { name: 'cluster-management', className: CLUSTER_HTTP_ROUTES_CLASS },
      { name: 'cluster-bootstrap', className: CLUSTER_BOOTSTRAP_ROUTES_CLASS },
    ],
    routeProvidersReadOnly: true,
    gracefulTerminationTimeoutMs: 5000,
  },
  healthChecks: {
    startupPath: 'startup',
    readinessPath: 'ready',
    livenessPath: 'alive',
    checkTimeoutMs: 1000,
    startupChecks: [],
    readinessChecks: [{ name: 'cluster-membership', className: CLUSTER_MEMBERSHIP_CHECK_CLASS }],
    livenessChecks: [],
  },
  clusterHealthCheck: { readyStates: ['Up', 'WeaklyUp'] },
  security: {
    https: { enabled: false, certFile: '', keyFile: '', caFile: '' },
    basicAuth: { username: '', passwordFile: '' },
  },
  dashboard: { enabled: false },
  membersAppVersion: false,
};

const HTTP = 'pekko.management.http';
const HC = 'pekko.management.health-checks';

export function managementSettingsFromConfig(config: Config): ManagementSettings {
  const d = DEFAULT_MANAGEMENT_SETTINGS;
  const port = checkedPort(config, `${HTTP}.port`, numberOr(config, `${HTTP}.port`, d.http.port));
  const bindPortText = config.has(`${HTTP}.bind-port`) ? String(config.getValue(`${HTTP}.bind-port`)).trim() : '';
  const bindPort = bindPortText === '' ? port : checkedPort(config, `${HTTP}.bind-port`, parseWhole(config, `${HTTP}.bind-port`, bindPortText));
  const http: ManagementHttpSettings = {
    hostname: hostOrUndefined(stringOr(config, `${HTTP}.hostname`, '<hostname>'), '<hostname>'),
    port,
    bindHostname: hostOrUndefined(stringOr(config, `${HTTP}.bind-hostname`, ''), undefined),
    bindPort,
    basePath: trimSlashes(stringOr(config, `${HTTP}.base-path`, '')),
    routes: config.has(`${HTTP}.routes`) ? namedClasses(config, `${HTTP}.routes`) : d.http.routes,
    routeProvidersReadOnly: config.has(`${HTTP}.route-providers-read-only`)
      ? config.getBoolean(`${HTTP}.route-providers-read-only`)
      : d.http.routeProvidersReadOnly,
    gracefulTerminationTimeoutMs: positiveDuration(config, `${HTTP}.graceful-termination-timeout`, d.http.gracefulTerminationTimeoutMs),
  };
  const healthChecks: HealthCheckSettings = {
    startupPath: trimSlashes(stringOr(config, `${HC}.startup-path`, d.healthChecks.startupPath)),
    readinessPath: trimSlashes(stringOr(config, `${HC}.readiness-path`, d.healthChecks.readinessPath)),
    livenessPath: trimSlashes(stringOr(config, `${HC}.liveness-path`, d.healthChecks.livenessPath)),
    checkTimeoutMs: positiveDuration(config, `${HC}.check-timeout`, d.healthChecks.checkTimeoutMs),
    startupChecks: config.has(`${HC}.startup-checks`) ? namedClasses(config, `${HC}.startup-checks`) : [],
    readinessChecks: config.has(`${HC}.readiness-checks`)
      ? namedClasses(config, `${HC}.readiness-checks`)
      : d.healthChecks.readinessChecks,
    livenessChecks: config.has(`${HC}.liveness-checks`) ? namedClasses(config, `${HC}.liveness-checks`) : [],
  };
  const readyPath = 'pekko.management.cluster.health-check.ready-states';
  const clusterHealthCheck: ClusterHealthCheckSettings = {
    readyStates: config.has(readyPath)
      ? parseReadyStates(config.getStringList(readyPath), config.describeOrigin(readyPath))
      : d.clusterHealthCheck.readyStates,
  };
  const M = 'muster.management';
  const security: ManagementSecuritySettings = {
    https: {
      enabled: config.has(`${M}.https.enabled`) ? config.getBoolean(`${M}.https.enabled`) : false,
      certFile: stringOr(config, `${M}.https.cert-file`, ''),
      keyFile: stringOr(config, `${M}.https.key-file`, ''),
      caFile: stringOr(config, `${M}.https.ca-file`, ''),
    },
    basicAuth: {
      username: stringOr(config, `${M}.basic-auth.username`, ''),
      passwordFile: stringOr(config, `${M}.basic-auth.password-file`, ''),
    },
  };
  validateSecurity(security);
  const dashboard: DashboardSettings = {
    enabled: config.has(`${M}.dashboard.enabled`) ? config.getBoolean(`${M}.dashboard.enabled`) : d.dashboard.enabled,
  };
  const membersAppVersion = config.has(`${M}.cluster-members.app-version`)
    ? config.getBoolean(`${M}.cluster-members.app-version`)
    : d.membersAppVersion;
  return { http, healthChecks, clusterHealthCheck, security, dashboard, membersAppVersion };
}

/** Checks that the files a switched-on feature needs are named. */
export function validateSecurity(s: ManagementSecuritySettings): void {
  if (s.https.enabled && (s.https.certFile.trim() === '' || s.https.keyFile.trim() === '')) {
    throw new ConfigError(
      'muster.management.https.enabled = on needs muster.management.https.cert-file and key-file',
      'muster.management.https',
    );
  }
  if (s.basicAuth.username !== '' && s.basicAuth.passwordFile.trim() === '') {
    throw new ConfigError(
      'muster.management.basic-auth.username is set, so muster.management.basic-auth.password-file must name the file holding the password',
      'muster.management.basic-auth.password-file',
    );
  }
}

/**
 * Maps ready-states case-insensitively to member statuses. The shutdown-preparation
 * statuses are refused, as in Pekko, because a node in them is on its way out.
 */
export function parseReadyStates(values: readonly string[], origin = 'ready-states'): MemberStatus[] {
  const allowed = MEMBER_STATUSES.filter((s) => s !== 'PreparingForShutdown' && s !== 'ReadyForShutdown');
  return values.map((v) => {
    const found = allowed.find((s) => s.toLowerCase() === v.trim().toLowerCase());
    if (!found) {
      throw new ConfigError(
        `pekko.management.cluster.health-check.ready-states: [${v}] is not a valid member status (${origin}); ` +
          `expected one of ${allowed.join(', ')}`,
        'pekko.management.cluster.health-check.ready-states',
      );
    }
    return found;
  });
}

/** `name = "FQCN"` entries in HOCON order; "", null and "null" switch an entry off. */
function namedClasses(config: Config, path: string): NamedClass[] {
  const obj = config.getObject(path);
  const out: NamedClass[] = [];
  for (const [name, value] of Object.entries(obj)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') {
      throw new ConfigError(`${path}.${name} must be a class name string or "" (${config.describeOrigin(path)})`, `${path}.${name}`);
    }
    const className = value.trim();
    if (className === '' || className === 'null') continue;
    out.push({ name, className });
  }
  return out;
}

function stringOr(config: Config, path: string, fallback: string): string {
  return config.has(path) ? config.getString(path) : fallback;
}

function numberOr(config: Config, path: string, fallback: number): number {
  return config.has(path) ? config.getInt(path) : fallback;
}

function parseWhole(config: Config, path: string, text: string): number {
  if (!/^-?\d+$/.test(text)) {
    throw new ConfigError(`${path} must be empty or a port number, got [${text}] (${config.describeOrigin(path)})`, path);
  }
  return Number(text);
}

function checkedPort(config: Config, path: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${path} must be within 0..65535, got ${port} (${config.describeOrigin(path)})`, path);
  }
  return port;
}

function positiveDuration(config: Config, path: string, fallback: number): number {
  const ms = config.has(path) ? config.getDurationMs(path) : fallback;
  if (!(ms > 0)) throw new ConfigError(`${path} must be greater than 0 (${config.describeOrigin(path)})`, path);
  return ms;
}

function hostOrUndefined(value: string, placeholder: string | undefined): string | undefined {
  const t = value.trim();
  return t === '' || t === placeholder ? undefined : t;
}

function trimSlashes(p: string): string {
  return p.trim().replace(/^\/+|\/+$/g, '');
}
