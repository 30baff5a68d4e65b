// Typed settings of downing: pekko.cluster.downing-provider-class, pekko.cluster.split-brain-resolver.*
// and, for lease-majority, the lease block the strategy points at. Unknown providers and strategy
// names are rejected at start-up so a typo never silently disables downing.
import { ConfigError, type Config } from '../../config/types.js';
import { STRATEGY_NAMES, type StrategyName, type StrategySettings } from './strategy.js';

export const SBR_PROVIDER_CLASS = 'org.apache.pekko.cluster.sbr.SplitBrainResolverProvider';

export interface SbrSettings {
  readonly strategy: StrategySettings;
  readonly stableAfterMs: number;
  /** undefined when `down-all-when-unstable = off`. */
  readonly downAllWhenUnstableMs: number | undefined;
  /** Present for lease-majority only. */
  readonly lease?: SbrLeaseSettings;
}

export interface SbrLeaseSettings {
  /** Config path of the lease implementation, e.g. "pekko.coordination.lease.kubernetes". */
  readonly implementation: string;
  readonly leaseName: string;
  readonly releaseAfterMs: number;
}

export interface DowningSettings {
  /** undefined: no automatic downing (downing-provider-class = ""). */
  readonly sbr: SbrSettings | undefined;
  /** down-removal-margin, or stable-after with the SBR; undefined when neither applies. */
  readonly downRemovalMarginMs: number | undefined;
}

const SBR = 'pekko.cluster.split-brain-resolver';

function fail(config: Config, path: string, message: string): never {
  throw new ConfigError(`${path}: ${message} (${config.describeOrigin(path)})`, path, config.origin(path));
}

function str(config: Config, path: string, fallback: string): string {
  return config.has(path) ? config.getString(path) : fallback;
}

function durMs(config: Config, path: string, fallback: number): number {
  const v = config.has(path) ? config.getDurationMs(path) : fallback;
  if (!(v >= 0)) fail(config, path, `must be a non-negative duration, got ${v}`);
  return v;
}

/** `on` = max(4 s, 3/4 of stable-after), `off` = disabled, or an explicit duration. */
function downAllWhenUnstable(config: Config, stableAfterMs: number): number | undefined {
  const path = `${SBR}.down-all-when-unstable`;
  if (!config.has(path)) return Math.max(4000, (stableAfterMs * 3) / 4);
  const raw = config.getValue(path);
  if (raw === true || (typeof raw === 'string' && ['on', 'true', 'yes'].includes(raw.trim().toLowerCase()))) {
    return Math.max(4000, (stableAfterMs * 3) / 4);
  }
  if (raw === false || (typeof raw === 'string' && ['off', 'false', 'no'].includes(raw.trim().toLowerCase()))) {
    return undefined;
  }
  return config.getDurationMs(path);
}

export function readSbrSettings(config: Config, systemName: string): SbrSettings {
  const namePath = `${SBR}.active-strategy`;
  const name = str(config, namePath, 'keep-majority');
  if (!(STRATEGY_NAMES as readonly string[]).includes(name)) {
    fail(config, namePath, `unknown split brain resolver strategy "${name}"; expected one of ${STRATEGY_NAMES.join(', ')}`);
  }
  const stableAfterMs = durMs(config, `${SBR}.stable-after`, 20_000);
  if (stableAfterMs <= 0) fail(config, `${SBR}.stable-after`, 'must be > 0');
  const role = (s: string) => str(config, `${SBR}.${s}.role`, '');
  const base = { stableAfterMs, downAllWhenUnstableMs: downAllWhenUnstable(config, stableAfterMs) };
  switch (name as StrategyName) {
    case 'keep-majority':
      return { ...base, strategy: { name: 'keep-majority', role: role('keep-majority') } };
    case 'down-all':
      return { ...base, strategy: { name: 'down-all' } };
    case 'keep-oldest': {
      const p = `${SBR}.keep-oldest.down-if-alone`;
      const downIfAlone = config.has(p) ? config.getBoolean(p) : true;
      return { ...base, strategy: { name: 'keep-oldest', downIfAlone, role: role('keep-oldest') } };
    }
    case 'static-quorum': {
      const p = `${SBR}.static-quorum.quorum-size`;
      const raw = config.has(p) ? config.getValue(p) : undefined;
      if (raw === undefined || raw === 'undefined') fail(config, p, 'must be set (>= 1) for static-quorum');
      const quorumSize = config.getInt(p);
      if (quorumSize < 1) fail(config, p, `must be >= 1, got ${quorumSize}`);
      return { ...base, strategy: { name: 'static-quorum', quorumSize, role: role('static-quorum') } };
    }
    case 'lease-majority': {
      const lm = `${SBR}.lease-majority`;
      const implementation = str(config, `${lm}.lease-implementation`, '').trim();
      if (implementation === '') fail(config, `${lm}.lease-implementation`, 'must be set for lease-majority');
      const leaseName = str(config, `${lm}.lease-name`, '').trim() || `${systemName}-pekko-sbr`;
      return {
        ...base,
        strategy: {
          name: 'lease-majority',
          role: role('lease-majority'),
          acquireLeaseDelayForMinorityMs: durMs(config, `${lm}.acquire-lease-delay-for-minority`, 2000),
        },
        lease: { implementation, leaseName, releaseAfterMs: durMs(config, `${lm}.release-after`, 40_000) },
      };
    }
  }
}

export function readDowningSettings(config: Config, systemName: string): DowningSettings {
  const providerPath = 'pekko.cluster.downing-provider-class';
  const provider = str(config, providerPath, '').trim();
  const marginPath = 'pekko.cluster.down-removal-margin';
  const margin = config.has(marginPath) ? config.getOptionalDurationMs(marginPath, { allowOff: true }) : undefined;
  if (provider === '') return { sbr: undefined, downRemovalMarginMs: margin };
  if (provider !== SBR_PROVIDER_CLASS) {
    fail(config, providerPath, `unsupported downing provider "${provider}"; use "" (manual downing) or "${SBR_PROVIDER_CLASS}"`);
  }
  const sbr = readSbrSettings(config, systemName);
  return { sbr, downRemovalMarginMs: margin ?? sbr.stableAfterMs };
}

/** Which resource a Kubernetes lease uses: coordination.k8s.io/v1 or Pekko's custom resource. */
export type KubernetesLeaseClass = 'native' | 'custom-resource';

export const NATIVE_LEASE_CLASS = 'org.apache.pekko.coordination.lease.kubernetes.NativeKubernetesLease';
export const CRD_LEASE_CLASS = 'org.apache.pekko.coordination.lease.kubernetes.KubernetesLease';

export interface KubernetesLeaseSettings {
  readonly leaseClass: KubernetesLeaseClass;
  readonly apiCaPath: string;
  readonly apiTokenPath: string;
  readonly apiServiceHost: string;
  readonly apiServicePort: number;
  /** undefined: read from namespacePath ("default" when missing). */
  readonly namespace: string | undefined;
  readonly namespacePath: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly apiServerRequestTimeoutMs: number;
  readonly secureApiServer: boolean;
  readonly tlsVersion: string;
  readonly leaseOperationTimeoutMs: number;
  readonly leaseNameMaxLength: number;
  readonly onTruncateAddHashLength: number;
}

/**
 * Reads the lease block a lease-majority `lease-implementation` points at (normally
 * pekko.coordination.lease.kubernetes). Keys Pekko's reference.conf sets from the environment
 * (api-service-host/port) fall back to KUBERNETES_SERVICE_HOST/PORT here as well.
 */
export function readKubernetesLeaseSettings(config: Config, path: string, env: NodeJS.ProcessEnv = process.env): KubernetesLeaseSettings {
  const p = (k: string) => `${path}.${k}`;
  const blankable = (k: string) => (config.has(p(k)) ? String(config.getValue(p(k)) ?? '').trim() : '');
  const cls = str(config, p('lease-class'), CRD_LEASE_CLASS);
  let leaseClass: KubernetesLeaseClass;
  if (cls === NATIVE_LEASE_CLASS) leaseClass = 'native';
  else if (cls === CRD_LEASE_CLASS) leaseClass = 'custom-resource';
  else fail(config, p('lease-class'), `unsupported lease class "${cls}"; use "${NATIVE_LEASE_CLASS}" or "${CRD_LEASE_CLASS}"`);
  const heartbeatTimeoutMs = durMs(config, p('heartbeat-timeout'), 120_000);
  const leaseOperationTimeoutMs = durMs(config, p('lease-operation-timeout'), 5000);
  const hb = blankable('heartbeat-interval');
  const heartbeatIntervalMs = hb === '' ? Math.max(5000, heartbeatTimeoutMs / 10) : config.getDurationMs(p('heartbeat-interval'));
  if (heartbeatIntervalMs >= heartbeatTimeoutMs) fail(config, p('heartbeat-interval'), 'must be less than heartbeat-timeout');
  const rt = blankable('api-server-request-timeout');
  const apiServerRequestTimeoutMs = rt === '' ? (leaseOperationTimeoutMs * 2) / 5 : config.getDurationMs(p('api-server-request-timeout'));
  if (apiServerRequestTimeoutMs > leaseOperationTimeoutMs) {
    fail(config, p('api-server-request-timeout'), 'must not be greater than lease-operation-timeout');
  }
  const ns = blankable('namespace');
  const portRaw = config.has(p('api-service-port')) ? config.getInt(p('api-service-port')) : Number(env.KUBERNETES_SERVICE_PORT ?? 8080);
  return {
    leaseClass,
    apiCaPath: str(config, p('api-ca-path'), '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
    apiTokenPath: str(config, p('api-token-path'), '/var/run/secrets/kubernetes.io/serviceaccount/token'),
    apiServiceHost: config.has(p('api-service-host')) ? config.getString(p('api-service-host')) : env.KUBERNETES_SERVICE_HOST ?? 'localhost',
    apiServicePort: portRaw,
    namespace: ns === '' || ns === '<namespace>' ? undefined : ns,
    namespacePath: str(config, p('namespace-path'), '/var/run/secrets/kubernetes.io/serviceaccount/namespace'),
    heartbeatIntervalMs,
    heartbeatTimeoutMs,
    apiServerRequestTimeoutMs,
    secureApiServer: config.has(p('secure-api-server')) ? config.getBoolean(p('secure-api-server')) : true,
    tlsVersion: str(config, p('tls-version'), 'TLSv1.2'),
    leaseOperationTimeoutMs,
    leaseNameMaxLength: config.has(p('lease-name-max-length')) ? config.getInt(p('lease-name-max-length')) : 63,
    onTruncateAddHashLength: config.has(p('on-truncate-add-hash-length')) ? config.getInt(p('on-truncate-add-hash-length')) : 8,
  };
}
