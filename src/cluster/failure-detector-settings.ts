// Typed settings of failure detection: pekko.cluster.failure-detector.* and the reaper/periodic
// task intervals that drive it. Missing keys fall back to Pekko's reference values.
import { ConfigError, type Config } from '../config/types.js';
import type { PhiAccrualSettings } from './failure-detector.js';

export const PHI_ACCRUAL_CLASS = 'org.apache.pekko.remote.PhiAccrualFailureDetector';

export interface FailureDetectorSettings extends PhiAccrualSettings {
  readonly heartbeatIntervalMs: number;
  readonly monitoredByNrOfMembers: number;
  readonly expectedResponseAfterMs: number;
  readonly unreachableNodesReaperIntervalMs: number;
  readonly periodicTasksInitialDelayMs: number;
}

export const DEFAULT_FAILURE_DETECTOR_SETTINGS: FailureDetectorSettings = {
  threshold: 8.0,
  maxSampleSize: 1000,
  minStdDeviationMs: 100,
  acceptableHeartbeatPauseMs: 3000,
  firstHeartbeatEstimateMs: 1000,
  heartbeatIntervalMs: 1000,
  monitoredByNrOfMembers: 9,
  expectedResponseAfterMs: 1000,
  unreachableNodesReaperIntervalMs: 1000,
  periodicTasksInitialDelayMs: 1000,
};

const FD = 'pekko.cluster.failure-detector';

function positive(config: Config, path: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ConfigError(
      `${path} must be ${allowZero ? '>= 0' : '> 0'}, got ${value} (${config.describeOrigin(path)})`,
      path,
      config.origin(path),
    );
  }
  return value;
}

export function readFailureDetectorSettings(config: Config): FailureDetectorSettings {
  const d = DEFAULT_FAILURE_DETECTOR_SETTINGS;
  const dur = (path: string, fallback: number, allowZero = false) =>
    positive(config, path, config.has(path) ? config.getDurationMs(path) : fallback, allowZero);
  const num = (path: string, fallback: number) => positive(config, path, config.has(path) ? config.getNumber(path) : fallback);
  const int = (path: string, fallback: number) => positive(config, path, config.has(path) ? config.getInt(path) : fallback);

  const cls = `${FD}.implementation-class`;
  if (config.has(cls) && config.getString(cls) !== PHI_ACCRUAL_CLASS) {
    throw new ConfigError(
      `${cls} = "${config.getString(cls)}" is not supported; only "${PHI_ACCRUAL_CLASS}" is (${config.describeOrigin(cls)})`,
      cls,
      config.origin(cls),
    );
  }
  const heartbeatIntervalMs = dur(`${FD}.heartbeat-interval`, d.heartbeatIntervalMs);
  return {
    threshold: num(`${FD}.threshold`, d.threshold),
    maxSampleSize: int(`${FD}.max-sample-size`, d.maxSampleSize),
    minStdDeviationMs: dur(`${FD}.min-std-deviation`, d.minStdDeviationMs),
    acceptableHeartbeatPauseMs: dur(`${FD}.acceptable-heartbeat-pause`, d.acceptableHeartbeatPauseMs, true),
    // Pekko seeds each detector's history with the heartbeat interval.
    firstHeartbeatEstimateMs: heartbeatIntervalMs,
    heartbeatIntervalMs,
    monitoredByNrOfMembers: int(`${FD}.monitored-by-nr-of-members`, d.monitoredByNrOfMembers),
    expectedResponseAfterMs: dur(`${FD}.expected-response-after`, d.expectedResponseAfterMs),
    unreachableNodesReaperIntervalMs: dur('pekko.cluster.unreachable-nodes-reaper-interval', d.unreachableNodesReaperIntervalMs),
    periodicTasksInitialDelayMs: dur('pekko.cluster.periodic-tasks-initial-delay', d.periodicTasksInitialDelayMs, true),
  };
}
