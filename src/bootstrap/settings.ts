// Typed settings of Cluster Bootstrap, read once from pekko.management.cluster.bootstrap.*
// (Pekko keys, Pekko meanings) plus the Muster-only muster.bootstrap.deadline.
import { ConfigError, type Config } from '../config/types.js';
import type { Lookup } from '../discovery/types.js';

const ROOT = 'pekko.management.cluster.bootstrap';
const CPD = `${ROOT}.contact-point-discovery`;
const CP = `${ROOT}.contact-point`;

/** The only join decider there is; Pekko's class name selects it. */
export const LOWEST_ADDRESS_JOIN_DECIDER = 'org.apache.pekko.management.cluster.bootstrap.LowestAddressJoinDecider';

/** TLS protocol names accepted in http-client.tls-version, as Node's maxVersion (undefined = no cap). */
const TLS_VERSIONS: Readonly<Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined>> = {
  TLS: undefined,
  TLSv1: 'TLSv1',
  'TLSv1.1': 'TLSv1.1',
  'TLSv1.2': 'TLSv1.2',
  'TLSv1.3': 'TLSv1.3',
};

export interface BootstrapSettings {
  /** new-cluster-enabled, or the legacy form-new-cluster when that key is present. */
  readonly newClusterEnabled: boolean;
  /** True when the legacy key decided newClusterEnabled (logged at start). */
  readonly newClusterEnabledFromLegacyKey: boolean;
  /** The lookup every coordinator tick runs (effective name, port name, protocol). */
  readonly lookup: Lookup;
  /** Discovery method name (`pekko.discovery` already resolved through pekko.discovery.method). */
  readonly discoveryMethod: string;
  readonly stableMarginMs: number;
  readonly intervalMs: number;
  readonly exponentialBackoffRandomFactor: number;
  readonly exponentialBackoffMaxMs: number;
  readonly requiredContactPointNr: number;
  readonly resolveTimeoutMs: number;
  readonly contactWithAllContactPoints: boolean;
  /** Port probed for targets without one; also the filter port of selectHosts. */
  readonly fallbackPort: number;
  readonly filterOnFallbackPort: boolean;
  readonly probingFailureTimeoutMs: number;
  readonly probeIntervalMs: number;
  readonly probeIntervalJitter: number;
  /** PEM CA bundle for https probes; undefined = the runtime's default trust store. */
  readonly httpClientCaPath: string | undefined;
  /** Highest TLS version for https probes (Java semantics: the configured version caps it). */
  readonly httpClientTlsMaxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined;
  readonly joinDeciderClass: string;
  /** pekko.cluster.seed-nodes; when non-empty bootstrap bails out. */
  readonly configuredSeedNodes: readonly string[];
  /** muster.bootstrap.deadline: the node must be a member by then or the runtime exits non-zero. */
  readonly deadlineMs: number | undefined;
  /**
   * muster.bootstrap.expected-replicas: the replicas fast path (docs/bootstrap.md). A count, or
   * `kubernetes` to read spec.replicas of this pod's owner; undefined = off (the default).
   */
  readonly expectedReplicas?: number | 'kubernetes';
  /** muster.bootstrap.kubernetes.pod-name, else $HOSTNAME: whose owner `kubernetes` reads. */
  readonly kubernetesPodName?: string;
}

/** Pekko's "defined": present, non-blank, and not the literal `<key-name>` placeholder. */
export function definedString(config: Config, path: string): string | undefined {
  if (!config.has(path)) return undefined;
  const value = config.getValue(path);
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  const keyName = path.slice(path.lastIndexOf('.') + 1);
  if (text === '' || text === `<${keyName}>`) return undefined;
  return text;
}

/** `My_Sys Name` -> `my-sys-name`, as Pekko derives the service name from the actor-system name. */
export function deriveServiceName(systemName: string): string {
  return systemName.toLowerCase().replace(/[ _]/g, '-');
}

/** The lookup name (spec 2.2): effective-name as is, else (service-name or system name) + "." + namespace. */
export function effectiveName(config: Config, systemName: string): string {
  const effective = definedString(config, `${CPD}.effective-name`);
  if (effective !== undefined) return effective;
  const base = definedString(config, `${CPD}.service-name`) ?? deriveServiceName(systemName);
  const namespace = definedString(config, `${CPD}.service-namespace`);
  return namespace === undefined ? base : `${base}.${namespace}`;
}

function nonEmpty(config: Config, path: string): string | undefined {
  if (!config.has(path)) return undefined;
  const v = config.getString(path).trim();
  return v === '' ? undefined : v;
}

function nonNegative(config: Config, path: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${path} must be a number >= 0, got ${value} (${config.describeOrigin(path)})`, path);
  }
  return value;
}

function positiveDuration(config: Config, path: string): number {
  const ms = config.getDurationMs(path);
  if (!(ms > 0)) throw new ConfigError(`${path} must be a positive duration (${config.describeOrigin(path)})`, path);
  return ms;
}

function port(config: Config, path: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) {
    throw new ConfigError(`${path} must be a port number 0..65535, got [${text}] (${config.describeOrigin(path)})`, path);
  }
  return n;
}

/** Bootstrap with seed nodes configured never looks anything up, so it needs no method then. */
function discoveryMethodName(config: Config, bailingOut: boolean): string {
  const path = `${CPD}.discovery-method`;
  const value = definedString(config, path) ?? 'pekko.discovery';
  if (value !== 'pekko.discovery') return value;
  const method = definedString(config, 'pekko.discovery.method');
  if (method === undefined) {
    if (bailingOut) return value;
    throw new ConfigError(
      `${path} = pekko.discovery means "the default method", but pekko.discovery.method is not set ` +
        '(set it, or set discovery-method to kubernetes-api, pekko-dns, config or aggregate)',
      'pekko.discovery.method',
    );
  }
  return method;
}

export function readBootstrapSettings(config: Config): BootstrapSettings {
  const systemName = config.has('muster.system-name') ? config.getString('muster.system-name') : 'default';

  const legacy = `${ROOT}.form-new-cluster`;
  const newClusterEnabledFromLegacyKey = config.has(legacy);
  const newClusterEnabled = newClusterEnabledFromLegacyKey
    ? config.getBoolean(legacy)
    : config.getBoolean(`${ROOT}.new-cluster-enabled`);

  const intervalMs = positiveDuration(config, `${CPD}.interval`);
  const exponentialBackoffMaxMs = config.getDurationMs(`${CPD}.exponential-backoff-max`);
  if (exponentialBackoffMaxMs < intervalMs) {
    throw new ConfigError(
      `${CPD}.exponential-backoff-max (${exponentialBackoffMaxMs} ms) must be >= ${CPD}.interval (${intervalMs} ms)`,
      `${CPD}.exponential-backoff-max`,
    );
  }

  const fallbackPath = `${CP}.fallback-port`;
  const fallbackText = definedString(config, fallbackPath);
  const fallbackPort =
    fallbackText !== undefined
      ? port(config, fallbackPath, fallbackText)
      : port(config, 'pekko.management.http.port', String(config.getValue('pekko.management.http.port') ?? 7626));

  const requiredPath = `${CPD}.required-contact-point-nr`;
  const requiredContactPointNr = config.getInt(requiredPath);
  nonNegative(config, requiredPath, requiredContactPointNr);

  const tlsPath = `${CP}.http-client.tls-version`;
  const tlsVersion = config.has(tlsPath) ? config.getString(tlsPath).trim() : 'TLSv1.2';
  if (!(tlsVersion in TLS_VERSIONS)) {
    throw new ConfigError(
      `${tlsPath} must be one of ${Object.keys(TLS_VERSIONS).join(', ')}, got [${tlsVersion}]`,
      tlsPath,
    );
  }

  // Another join-decider.class (a JVM class) is reported by config/compat.ts; the lowest-address decider runs.

  const deadlinePath = 'muster.bootstrap.deadline';
  const deadlineMs = config.has(deadlinePath)
    ? config.getOptionalDurationMs(deadlinePath, { allowOff: true })
    : undefined;

  const expectedReplicas = readExpectedReplicas(config);
  const podName = nonEmpty(config, 'muster.bootstrap.kubernetes.pod-name') ?? process.env['HOSTNAME']?.trim();

  const configuredSeedNodes = config.has('pekko.cluster.seed-nodes') ? config.getStringList('pekko.cluster.seed-nodes') : [];

  return {
    newClusterEnabled,
    newClusterEnabledFromLegacyKey,
    lookup: {
      serviceName: effectiveName(config, systemName),
      ...(nonEmpty(config, `${CPD}.port-name`) !== undefined ? { portName: nonEmpty(config, `${CPD}.port-name`) } : {}),
      ...(nonEmpty(config, `${CPD}.protocol`) !== undefined ? { protocol: nonEmpty(config, `${CPD}.protocol`) } : {}),
    },
    discoveryMethod: discoveryMethodName(config, configuredSeedNodes.length > 0),
    stableMarginMs: config.getDurationMs(`${CPD}.stable-margin`),
    intervalMs,
    exponentialBackoffRandomFactor: nonNegative(
      config,
      `${CPD}.exponential-backoff-random-factor`,
      config.getNumber(`${CPD}.exponential-backoff-random-factor`),
    ),
    exponentialBackoffMaxMs,
    requiredContactPointNr,
    resolveTimeoutMs: positiveDuration(config, `${CPD}.resolve-timeout`),
    contactWithAllContactPoints: config.getBoolean(`${CPD}.contact-with-all-contact-points`),
    fallbackPort,
    filterOnFallbackPort: config.getBoolean(`${CP}.filter-on-fallback-port`),
    probingFailureTimeoutMs: positiveDuration(config, `${CP}.probing-failure-timeout`),
    probeIntervalMs: positiveDuration(config, `${CP}.probe-interval`),
    probeIntervalJitter: nonNegative(config, `${CP}.probe-interval-jitter`, config.getNumber(`${CP}.probe-interval-jitter`)),
    httpClientCaPath: nonEmpty(config, `${CP}.http-client.ca-path`),
    httpClientTlsMaxVersion: TLS_VERSIONS[tlsVersion],
    joinDeciderClass: LOWEST_ADDRESS_JOIN_DECIDER,
    configuredSeedNodes,
    deadlineMs: deadlineMs !== undefined && deadlineMs > 0 ? deadlineMs : undefined,
    ...(expectedReplicas !== undefined && { expectedReplicas }),
    ...(expectedReplicas === 'kubernetes' && podName !== undefined && podName !== '' && { kubernetesPodName: podName }),
  };
}

/** `off` (default), a positive count, or `kubernetes`. */
function readExpectedReplicas(config: Config): number | 'kubernetes' | undefined {
  const path = 'muster.bootstrap.expected-replicas';
  if (!config.has(path)) return undefined;
  const value = config.getValue(path);
  const text = String(value).trim();
  if (value === false || text === 'off' || text === 'false' || text === '') return undefined;
  if (text === 'kubernetes') return text;
  if (/^\d+$/.test(text) && Number(text) >= 1) return Number(text);
  throw new ConfigError(
    `${path} must be off, a replica count >= 1 or kubernetes, got [${text}] (${config.describeOrigin(path)})`,
    path,
  );
}
