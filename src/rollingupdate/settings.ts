// Settings of Pekko Management's rolling-update-kubernetes module (`pekko.rollingupdate.kubernetes`,
// Pekko's names and defaults) and the Muster switches that start its parts, which Pekko starts
// in code (`muster.rollingupdate.*`).
import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../config/types.js';

export const ROLLING_UPDATE_PATH = 'pekko.rollingupdate.kubernetes';
export const MUSTER_ROLLING_UPDATE_PATH = 'muster.rollingupdate';

export interface RollingUpdateSettings {
  readonly apiCaPath: string;
  readonly apiTokenPath: string;
  readonly apiServiceHost: string;
  readonly apiServicePort: number;
  readonly requestTimeoutMs: number;
  /** Explicit namespace, or undefined to read namespacePath (then "default"). */
  readonly namespace: string | undefined;
  readonly namespacePath: string;
  readonly podName: string;
  readonly secure: boolean;
  readonly annotatedPodsNr: number;
  readonly retryDelayMs: number;
  /** muster.rollingupdate.pod-deletion-cost.enabled */
  readonly podDeletionCost: boolean;
  /** muster.rollingupdate.app-version-from-revision */
  readonly appVersionFromRevision: boolean;
}

function defined(config: Config, path: string, placeholder: string): string | undefined {
  if (!config.has(path)) return undefined;
  const v = config.getString(path).trim();
  return v === '' || v === placeholder ? undefined : v;
}

export function readRollingUpdateSettings(config: Config): RollingUpdateSettings {
  const p = ROLLING_UPDATE_PATH;
  const m = MUSTER_ROLLING_UPDATE_PATH;
  const bool = (k: string, d: boolean) => (config.has(k) ? config.getBoolean(k) : d);
  const str = (k: string, d: string) => (config.has(k) ? config.getString(k) : d);
  const annotatedPodsNr = config.has(`${p}.pod-deletion-cost.annotated-pods-nr`) ? config.getInt(`${p}.pod-deletion-cost.annotated-pods-nr`) : 3;
  if (annotatedPodsNr < 0) {
    const k = `${p}.pod-deletion-cost.annotated-pods-nr`;
    throw new ConfigError(`${k}: must not be negative, got ${annotatedPodsNr} (set at ${config.describeOrigin(k)})`, k, config.origin(k));
  }
  const podDeletionCost = bool(`${m}.pod-deletion-cost.enabled`, false);
  if (podDeletionCost && bool(`${p}.custom-resource.enabled`, false)) {
    const k = `${p}.custom-resource.enabled`;
    throw new ConfigError(
      `${k}: the PodCost custom resource is not supported by Muster; annotate pods directly (RBAC: patch pods) (set at ${config.describeOrigin(k)})`,
      k,
      config.origin(k),
    );
  }
  const port = config.has(`${p}.api-service-port`) ? config.getInt(`${p}.api-service-port`) : 8080;
  return {
    apiCaPath: str(`${p}.api-ca-path`, '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
    apiTokenPath: str(`${p}.api-token-path`, '/var/run/secrets/kubernetes.io/serviceaccount/token'),
    apiServiceHost: str(`${p}.api-service-host`, 'localhost'),
    apiServicePort: port,
    requestTimeoutMs: config.has(`${p}.api-service-request-timeout`) ? config.getDurationMs(`${p}.api-service-request-timeout`) : 2000,
    namespace: defined(config, `${p}.namespace`, '<namespace>'),
    namespacePath: str(`${p}.namespace-path`, '/var/run/secrets/kubernetes.io/serviceaccount/namespace'),
    podName: str(`${p}.pod-name`, '').trim(),
    secure: bool(`${p}.secure-api-server`, true),
    annotatedPodsNr,
    retryDelayMs: config.has(`${p}.pod-deletion-cost.retry-delay`) ? config.getDurationMs(`${p}.pod-deletion-cost.retry-delay`) : 5000,
    podDeletionCost,
    appVersionFromRevision: bool(`${m}.app-version-from-revision`, false),
  };
}

/** The namespace: the configured one, else the service account's namespace file, else "default". */
export function resolveNamespace(s: RollingUpdateSettings): string {
  if (s.namespace !== undefined) return s.namespace;
  try {
    const ns = readFileSync(s.namespacePath, 'utf8').trim();
    if (ns !== '') return ns;
  } catch {
    // Outside Kubernetes: fall through to Pekko's default.
  }
  return 'default';
}
