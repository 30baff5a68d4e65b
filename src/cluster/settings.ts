// Typed settings of the membership layer: pekko.cluster.* (and the pekko.remote keys that define
// a node's identity). Read once at start-up; a missing key falls back to Pekko's default, so the
// settings also load from a config without Muster's reference layer.
import { isValidSystemName, parseAddress, type Address } from '../address.js';
import { DC_ROLE_PREFIX, isValidAppVersion, rolesWithDataCenter } from './member.js';
import { ConfigError, type Config } from '../config/types.js';

export interface FailureDetectorSettings {
  readonly heartbeatIntervalMs: number;
  readonly threshold: number;
  readonly maxSampleSize: number;
  readonly minStdDeviationMs: number;
  readonly acceptableHeartbeatPauseMs: number;
  readonly monitoredByNrOfMembers: number;
  readonly expectedResponseAfterMs: number;
}

export interface ClusterSettings {
  readonly seedNodes: readonly Address[];
  readonly seedNodeTimeoutMs: number;
  /** undefined = `off` (never retry a Join that got no Welcome). */
  readonly retryUnsuccessfulJoinAfterMs: number | undefined;
  readonly shutdownAfterUnsuccessfulJoinSeedNodesMs: number | undefined;
  /** undefined = `off` (no WeaklyUp). */
  readonly allowWeaklyUpMembersMs: number | undefined;
  /** Configured roles plus `dc-<self-data-center>`, sorted. */
  readonly roles: readonly string[];
  readonly selfDataCenter: string;
  readonly appVersion: string;
  readonly minNrOfMembers: number;
  readonly roleMinNrOfMembers: ReadonlyMap<string, number>;
  readonly periodicTasksInitialDelayMs: number;
  readonly gossipIntervalMs: number;
  readonly gossipTimeToLiveMs: number;
  readonly leaderActionsIntervalMs: number;
  readonly unreachableNodesReaperIntervalMs: number;
  readonly gossipDifferentViewProbability: number;
  readonly reduceGossipDifferentViewProbability: number;
  readonly pruneGossipTombstonesAfterMs: number;
  readonly runCoordinatedShutdownWhenDown: boolean;
  readonly downingProviderClass: string;
  readonly quarantineRemovedNodeAfterMs: number;
  readonly enforceConfigCompatOnJoin: boolean;
  readonly failureDetector: FailureDetectorSettings;
  /** pekko.remote.protocol-name */
  readonly protocol: string;
  /** pekko.remote.accept-protocol-names */
  readonly acceptProtocolNames: readonly string[];
}

const WEAKLY_UP_ON_MS = 7000;

/** Pekko's defaults; tests and the simulator start from these. */
export function defaultClusterSettings(overrides: Partial<ClusterSettings> = {}): ClusterSettings {
  return {
    seedNodes: [],
    seedNodeTimeoutMs: 5000,
    retryUnsuccessfulJoinAfterMs: 10_000,
    shutdownAfterUnsuccessfulJoinSeedNodesMs: undefined,
    allowWeaklyUpMembersMs: WEAKLY_UP_ON_MS,
    roles: rolesWithDataCenter([]),
    selfDataCenter: 'default',
    appVersion: '0.0.0',
    minNrOfMembers: 1,
    roleMinNrOfMembers: new Map(),
    periodicTasksInitialDelayMs: 1000,
    gossipIntervalMs: 1000,
    gossipTimeToLiveMs: 2000,
    leaderActionsIntervalMs: 1000,
    unreachableNodesReaperIntervalMs: 1000,
    gossipDifferentViewProbability: 0.8,
    reduceGossipDifferentViewProbability: 400,
    pruneGossipTombstonesAfterMs: 24 * 3600 * 1000,
    runCoordinatedShutdownWhenDown: true,
    downingProviderClass: '',
    quarantineRemovedNodeAfterMs: 5000,
    enforceConfigCompatOnJoin: true,
    failureDetector: {
      heartbeatIntervalMs: 1000,
      threshold: 8.0,
      maxSampleSize: 1000,
      minStdDeviationMs: 100,
      acceptableHeartbeatPauseMs: 3000,
      monitoredByNrOfMembers: 9,
      expectedResponseAfterMs: 1000,
    },
    protocol: 'pekko',
    acceptProtocolNames: ['pekko'],
    ...overrides,
  };
}

const C = 'pekko.cluster';

function fail(config: Config, path: string, expectation: string): never {
  throw new ConfigError(`${path} ${expectation} (${config.describeOrigin(path)})`, path, config.origin(path));
}

/** `on` means 7s, `off` disables, anything else is a duration. */
function weaklyUp(config: Config, path: string, fallback: number | undefined): number | undefined {
  if (!config.has(path)) return fallback;
  const v = config.getValue(path);
  if (v === true || (typeof v === 'string' && ['on', 'true', 'yes'].includes(v.trim()))) return WEAKLY_UP_ON_MS;
  if (v === false || (typeof v === 'string' && ['off', 'false', 'no'].includes(v.trim()))) return undefined;
  return config.getDurationMs(path);
}

export function clusterSettingsFromConfig(config: Config): ClusterSettings {
  const d = defaultClusterSettings();
  const dur = (path: string, fallback: number): number => (config.has(path) ? config.getDurationMs(path) : fallback);
  const optDur = (path: string, fallback: number | undefined): number | undefined =>
    config.has(path) ? config.getOptionalDurationMs(path, { allowOff: true }) : fallback;
  const int = (path: string, fallback: number): number => (config.has(path) ? config.getInt(path) : fallback);
  const num = (path: string, fallback: number): number => (config.has(path) ? config.getNumber(path) : fallback);
  const bool = (path: string, fallback: boolean): boolean => (config.has(path) ? config.getBoolean(path) : fallback);
  const string = (path: string, fallback: string): string => (config.has(path) ? config.getString(path) : fallback);
  const list = (path: string, fallback: readonly string[]): string[] =>
    config.has(path) ? config.getStringList(path) : [...fallback];

  const seedNodes = list(`${C}.seed-nodes`, []).map((s) => {
    try {
      return parseAddress(s);
    } catch (e) {
      return fail(config, `${C}.seed-nodes`, `contains an invalid address: ${(e as Error).message}`);
    }
  });
  for (const a of seedNodes) {
    if (!isValidSystemName(a.system)) fail(config, `${C}.seed-nodes`, `has an invalid system name [${a.system}]`);
  }

  const configuredRoles = list(`${C}.roles`, []);
  for (const r of configuredRoles) {
    if (r.startsWith(DC_ROLE_PREFIX)) fail(config, `${C}.roles`, `must not contain roles starting with '${DC_ROLE_PREFIX}' (found '${r}')`);
  }
  const selfDataCenter = string(`${C}.multi-data-center.self-data-center`, d.selfDataCenter);

  const appVersion = string(`${C}.app-version`, d.appVersion);
  if (!isValidAppVersion(appVersion)) fail(config, `${C}.app-version`, `is not a valid version [${appVersion}]`);

  const minNrOfMembers = int(`${C}.min-nr-of-members`, d.minNrOfMembers);
  if (minNrOfMembers < 1) fail(config, `${C}.min-nr-of-members`, 'must be > 0');
  const roleMinNrOfMembers = new Map<string, number>();
  for (const role of config.keys(`${C}.role`)) {
    const path = `${C}.role."${role}".min-nr-of-members`;
    const alt = `${C}.role.${role}.min-nr-of-members`;
    const p = config.has(path) ? path : alt;
    if (config.has(p)) roleMinNrOfMembers.set(role, config.getInt(p));
  }

  const fdPath = `${C}.failure-detector`;
  const failureDetector: FailureDetectorSettings = {
    heartbeatIntervalMs: dur(`${fdPath}.heartbeat-interval`, d.failureDetector.heartbeatIntervalMs),
    threshold: num(`${fdPath}.threshold`, d.failureDetector.threshold),
    maxSampleSize: int(`${fdPath}.max-sample-size`, d.failureDetector.maxSampleSize),
    minStdDeviationMs: dur(`${fdPath}.min-std-deviation`, d.failureDetector.minStdDeviationMs),
    acceptableHeartbeatPauseMs: dur(`${fdPath}.acceptable-heartbeat-pause`, d.failureDetector.acceptableHeartbeatPauseMs),
    monitoredByNrOfMembers: int(`${fdPath}.monitored-by-nr-of-members`, d.failureDetector.monitoredByNrOfMembers),
    expectedResponseAfterMs: dur(`${fdPath}.expected-response-after`, d.failureDetector.expectedResponseAfterMs),
  };

  const settings: ClusterSettings = {
    seedNodes,
    seedNodeTimeoutMs: dur(`${C}.seed-node-timeout`, d.seedNodeTimeoutMs),
    retryUnsuccessfulJoinAfterMs: optDur(`${C}.retry-unsuccessful-join-after`, d.retryUnsuccessfulJoinAfterMs),
    shutdownAfterUnsuccessfulJoinSeedNodesMs: optDur(
      `${C}.shutdown-after-unsuccessful-join-seed-nodes`,
      d.shutdownAfterUnsuccessfulJoinSeedNodesMs,
    ),
    allowWeaklyUpMembersMs: weaklyUp(config, `${C}.allow-weakly-up-members`, d.allowWeaklyUpMembersMs),
    roles: rolesWithDataCenter(configuredRoles, selfDataCenter),
    selfDataCenter,
    appVersion,
    minNrOfMembers,
    roleMinNrOfMembers,
    periodicTasksInitialDelayMs: dur(`${C}.periodic-tasks-initial-delay`, d.periodicTasksInitialDelayMs),
    gossipIntervalMs: dur(`${C}.gossip-interval`, d.gossipIntervalMs),
    gossipTimeToLiveMs: dur(`${C}.gossip-time-to-live`, d.gossipTimeToLiveMs),
    leaderActionsIntervalMs: dur(`${C}.leader-actions-interval`, d.leaderActionsIntervalMs),
    unreachableNodesReaperIntervalMs: dur(`${C}.unreachable-nodes-reaper-interval`, d.unreachableNodesReaperIntervalMs),
    gossipDifferentViewProbability: num(`${C}.gossip-different-view-probability`, d.gossipDifferentViewProbability),
    reduceGossipDifferentViewProbability: int(
      `${C}.reduce-gossip-different-view-probability`,
      d.reduceGossipDifferentViewProbability,
    ),
    pruneGossipTombstonesAfterMs: dur(`${C}.prune-gossip-tombstones-after`, d.pruneGossipTombstonesAfterMs),
    runCoordinatedShutdownWhenDown: bool(`${C}.run-coordinated-shutdown-when-down`, d.runCoordinatedShutdownWhenDown),
    downingProviderClass: string(`${C}.downing-provider-class`, d.downingProviderClass),
    quarantineRemovedNodeAfterMs: dur(`${C}.quarantine-removed-node-after`, d.quarantineRemovedNodeAfterMs),
    enforceConfigCompatOnJoin: bool(`${C}.configuration-compatibility-check.enforce-on-join`, d.enforceConfigCompatOnJoin),
    failureDetector,
    protocol: string('pekko.remote.protocol-name', d.protocol),
    acceptProtocolNames: list('pekko.remote.accept-protocol-names', d.acceptProtocolNames),
  };
  for (const [path, v] of [
    ['gossip-interval', settings.gossipIntervalMs],
    ['leader-actions-interval', settings.leaderActionsIntervalMs],
    ['unreachable-nodes-reaper-interval', settings.unreachableNodesReaperIntervalMs],
    ['seed-node-timeout', settings.seedNodeTimeoutMs],
  ] as const) {
    if (v <= 0) fail(config, `${C}.${path}`, 'must be > 0');
  }
  return settings;
}
