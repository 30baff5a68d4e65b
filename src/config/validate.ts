// Type checks of the keys Muster reads, run once after loading so that a wrong value fails at
// start-up (before any port is bound) with key, value, expected type and origin. The layers'
// settings readers do the finer, key-specific checks; this table catches type mistakes early
// and lets `check-config` report them without starting anything.
import { ConfigError, type Config } from './types.js';

type Kind = 'duration' | 'duration-or-off' | 'int' | 'port' | 'boolean' | 'number' | 'string' | 'string-list' | 'object';

const P = 'pekko';
const MGMT = `${P}.management`;
const BOOT = `${MGMT}.cluster.bootstrap`;
const CPD = `${BOOT}.contact-point-discovery`;
const CP = `${BOOT}.contact-point`;
const CL = `${P}.cluster`;
const SBR = `${CL}.split-brain-resolver`;
const K8S = `${P}.discovery.kubernetes-api`;
const DNS = `${P}.io.dns.async-dns`;
const ART = `${P}.remote.artery`;
const SSL = `${ART}.ssl`;
const CS = `${P}.coordinated-shutdown`;
const SGL = `${CL}.singleton`;
const RU = `${P}.rollingupdate.kubernetes`;

export const CHECKED_KEYS: ReadonlyArray<readonly [string, Kind]> = [
  ['muster.system-name', 'string'],
  ['muster.management.https.enabled', 'boolean'],
  ['muster.management.https.cert-file', 'string'],
  ['muster.management.https.key-file', 'string'],
  ['muster.management.https.ca-file', 'string'],
  ['muster.management.basic-auth.username', 'string'],
  ['muster.management.basic-auth.password-file', 'string'],
  ['muster.management.dashboard.enabled', 'boolean'],
  ['muster.management.cluster-members.app-version', 'boolean'],
  ['muster.bootstrap.deadline', 'duration-or-off'],
  ['muster.bootstrap.kubernetes.pod-name', 'string'],
  ['muster.hocon.allow-url-includes', 'boolean'],
  ['muster.log.format', 'string'],
  ['muster.accept-akka-namespace', 'boolean'],
  ['muster.strict-config', 'boolean'],
  ['muster.rollingupdate.pod-deletion-cost.enabled', 'boolean'],
  ['muster.rollingupdate.app-version-from-revision', 'boolean'],

  [`${MGMT}.http.hostname`, 'string'],
  [`${MGMT}.http.port`, 'port'],
  [`${MGMT}.http.bind-hostname`, 'string'],
  [`${MGMT}.http.bind-port`, 'string'],
  [`${MGMT}.http.base-path`, 'string'],
  [`${MGMT}.http.routes`, 'object'],
  [`${MGMT}.http.route-providers-read-only`, 'boolean'],
  [`${MGMT}.http.graceful-termination-timeout`, 'duration'],
  [`${MGMT}.health-checks.startup-path`, 'string'],
  [`${MGMT}.health-checks.readiness-path`, 'string'],
  [`${MGMT}.health-checks.liveness-path`, 'string'],
  [`${MGMT}.health-checks.check-timeout`, 'duration'],
  [`${MGMT}.health-checks.startup-checks`, 'object'],
  [`${MGMT}.health-checks.readiness-checks`, 'object'],
  [`${MGMT}.health-checks.liveness-checks`, 'object'],
  [`${MGMT}.cluster.health-check.ready-states`, 'string-list'],

  [`${BOOT}.new-cluster-enabled`, 'boolean'],
  [`${CPD}.service-name`, 'string'],
  [`${CPD}.port-name`, 'string'],
  [`${CPD}.protocol`, 'string'],
  [`${CPD}.service-namespace`, 'string'],
  [`${CPD}.effective-name`, 'string'],
  [`${CPD}.discovery-method`, 'string'],
  [`${CPD}.stable-margin`, 'duration'],
  [`${CPD}.interval`, 'duration'],
  [`${CPD}.exponential-backoff-random-factor`, 'number'],
  [`${CPD}.exponential-backoff-max`, 'duration'],
  [`${CPD}.required-contact-point-nr`, 'int'],
  [`${CPD}.resolve-timeout`, 'duration'],
  [`${CPD}.contact-with-all-contact-points`, 'boolean'],
  [`${CP}.fallback-port`, 'string'],
  [`${CP}.filter-on-fallback-port`, 'boolean'],
  [`${CP}.probing-failure-timeout`, 'duration'],
  [`${CP}.probe-interval`, 'duration'],
  [`${CP}.probe-interval-jitter`, 'number'],
  [`${CP}.http-client.ca-path`, 'string'],
  [`${CP}.http-client.tls-version`, 'string'],
  [`${BOOT}.join-decider.class`, 'string'],

  [`${P}.discovery.method`, 'string'],
  [`${P}.discovery.config.services-path`, 'string'],
  [`${P}.discovery.aggregate.discovery-methods`, 'string-list'],
  [`${K8S}.api-ca-path`, 'string'],
  [`${K8S}.api-token-path`, 'string'],
  [`${K8S}.api-service-host-env-name`, 'string'],
  [`${K8S}.api-service-port-env-name`, 'string'],
  [`${K8S}.pod-namespace-path`, 'string'],
  [`${K8S}.pod-namespace`, 'string'],
  [`${K8S}.pod-domain`, 'string'],
  [`${K8S}.pod-label-selector`, 'string'],
  [`${K8S}.use-raw-ip`, 'boolean'],
  [`${K8S}.container-name`, 'string'],
  [`${DNS}.resolve-timeout`, 'duration'],
  [`${DNS}.cache-cleanup-interval`, 'duration'],

  [`${P}.remote.protocol-name`, 'string'],
  [`${P}.remote.accept-protocol-names`, 'string-list'],
  [`${ART}.canonical.hostname`, 'string'],
  [`${ART}.canonical.port`, 'port'],
  [`${ART}.bind.hostname`, 'string'],
  [`${ART}.bind.port`, 'string'],
  [`${ART}.bind.bind-timeout`, 'duration'],
  [`${ART}.transport`, 'string'],
  [`${SSL}.ssl-engine-provider`, 'string'],
  [`${SSL}.config-ssl-engine.key-store`, 'string'],
  [`${SSL}.config-ssl-engine.key-store-password`, 'string'],
  [`${SSL}.config-ssl-engine.key-password`, 'string'],
  [`${SSL}.config-ssl-engine.trust-store`, 'string'],
  [`${SSL}.config-ssl-engine.trust-store-password`, 'string'],
  [`${SSL}.config-ssl-engine.protocol`, 'string'],
  [`${SSL}.config-ssl-engine.enabled-algorithms`, 'string-list'],
  [`${SSL}.config-ssl-engine.require-mutual-authentication`, 'boolean'],
  [`${SSL}.config-ssl-engine.hostname-verification`, 'boolean'],
  [`${SSL}.rotating-keys-engine.secret-mount-point`, 'string'],
  [`${SSL}.rotating-keys-engine.key-file`, 'string'],
  [`${SSL}.rotating-keys-engine.cert-file`, 'string'],
  [`${SSL}.rotating-keys-engine.ca-cert-file`, 'string'],
  [`${SSL}.rotating-keys-engine.protocol`, 'string'],
  [`${SSL}.rotating-keys-engine.enabled-algorithms`, 'string-list'],
  [`${SSL}.rotating-keys-engine.ssl-context-cache-ttl`, 'duration'],

  [`${CL}.seed-nodes`, 'string-list'],
  [`${CL}.seed-node-timeout`, 'duration'],
  [`${CL}.retry-unsuccessful-join-after`, 'duration-or-off'],
  [`${CL}.shutdown-after-unsuccessful-join-seed-nodes`, 'duration-or-off'],
  [`${CL}.down-removal-margin`, 'duration-or-off'],
  [`${CL}.downing-provider-class`, 'string'],
  [`${CL}.quarantine-removed-node-after`, 'duration'],
  [`${CL}.roles`, 'string-list'],
  [`${CL}.run-coordinated-shutdown-when-down`, 'boolean'],
  [`${CL}.app-version`, 'string'],
  [`${CL}.min-nr-of-members`, 'int'],
  [`${CL}.periodic-tasks-initial-delay`, 'duration'],
  [`${CL}.gossip-interval`, 'duration'],
  [`${CL}.gossip-time-to-live`, 'duration'],
  [`${CL}.leader-actions-interval`, 'duration'],
  [`${CL}.unreachable-nodes-reaper-interval`, 'duration'],
  [`${CL}.gossip-different-view-probability`, 'number'],
  [`${CL}.reduce-gossip-different-view-probability`, 'int'],
  [`${CL}.prune-gossip-tombstones-after`, 'duration'],
  [`${CL}.failure-detector.heartbeat-interval`, 'duration'],
  [`${CL}.failure-detector.threshold`, 'number'],
  [`${CL}.failure-detector.max-sample-size`, 'int'],
  [`${CL}.failure-detector.min-std-deviation`, 'duration'],
  [`${CL}.failure-detector.acceptable-heartbeat-pause`, 'duration'],
  [`${CL}.failure-detector.monitored-by-nr-of-members`, 'int'],
  [`${CL}.failure-detector.expected-response-after`, 'duration'],
  [`${CL}.multi-data-center.self-data-center`, 'string'],
  [`${SBR}.active-strategy`, 'string'],
  [`${SBR}.stable-after`, 'duration'],
  [`${SBR}.keep-majority.role`, 'string'],
  [`${SBR}.static-quorum.role`, 'string'],
  [`${SBR}.keep-oldest.down-if-alone`, 'boolean'],
  [`${SBR}.keep-oldest.role`, 'string'],
  [`${SBR}.lease-majority.acquire-lease-delay-for-minority`, 'duration'],
  [`${SBR}.lease-majority.release-after`, 'duration'],

  [`${SGL}.role`, 'string'],
  [`${SGL}.hand-over-retry-interval`, 'duration'],
  [`${SGL}.min-number-of-hand-over-retries`, 'int'],

  [`${RU}.api-ca-path`, 'string'],
  [`${RU}.api-token-path`, 'string'],
  [`${RU}.api-service-host`, 'string'],
  [`${RU}.api-service-port`, 'port'],
  [`${RU}.api-service-request-timeout`, 'duration'],
  [`${RU}.namespace-path`, 'string'],
  [`${RU}.namespace`, 'string'],
  [`${RU}.pod-name`, 'string'],
  [`${RU}.secure-api-server`, 'boolean'],
  [`${RU}.pod-deletion-cost.annotated-pods-nr`, 'int'],
  [`${RU}.pod-deletion-cost.retry-delay`, 'duration'],
  [`${RU}.custom-resource.enabled`, 'boolean'],

  [`${CS}.default-phase-timeout`, 'duration'],
  [`${CS}.exit-jvm`, 'boolean'],
  [`${CS}.exit-code`, 'int'],
  [`${CS}.run-by-jvm-shutdown-hook`, 'boolean'],
  [`${CS}.phases`, 'object'],
];

function check(config: Config, path: string, kind: Kind): void {
  switch (kind) {
    case 'duration': config.getDurationMs(path); return;
    case 'duration-or-off': config.getOptionalDurationMs(path); return;
    case 'int': config.getInt(path); return;
    case 'number': config.getNumber(path); return;
    case 'boolean': config.getBoolean(path); return;
    case 'string': config.getString(path); return;
    case 'string-list': config.getStringList(path); return;
    case 'object': config.getObject(path); return;
    case 'port': {
      const port = config.getInt(path);
      if (port < 0 || port > 65535) {
        throw new ConfigError(
          `${path}: expected a port number 0..65535, got ${port} (set at ${config.describeOrigin(path)})`,
          path,
          config.origin(path),
        );
      }
    }
  }
}

/**
 * Check the type of every key Muster reads. A key that is absent is skipped (the layer's reader
 * decides whether it is required); a present key of the wrong type throws a ConfigError.
 */
export function validateConfig(config: Config): void {
  for (const [path, kind] of CHECKED_KEYS) {
    if (!config.has(path)) continue;
    check(config, path, kind);
  }
}
