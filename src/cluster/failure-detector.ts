// Phi accrual failure detection (Hayashibara et al.) as Pekko's cluster uses it, plus the registry
// that holds one detector per monitored node. Time comes from an injected clock so the simulator
// can drive it with virtual time.
import type { Address } from '../address.js';
import { formatAddress } from '../address.js';

export interface PhiAccrualSettings {
  readonly threshold: number;
  readonly maxSampleSize: number;
  readonly minStdDeviationMs: number;
  readonly acceptableHeartbeatPauseMs: number;
  /** Seeds the history on the first heartbeat (Pekko passes the heartbeat interval). */
  readonly firstHeartbeatEstimateMs: number;
}

export const DEFAULT_PHI_ACCRUAL_SETTINGS: PhiAccrualSettings = {
  threshold: 8.0,
  maxSampleSize: 1000,
  minStdDeviationMs: 100,
  acceptableHeartbeatPauseMs: 3000,
  firstHeartbeatEstimateMs: 1000,
};

/** A bounded window of inter-arrival intervals with running sums, so mean/variance are O(1). */
export class HeartbeatHistory {
  private readonly intervals: number[] = [];
  private start = 0;
  private sum = 0;
  private squaredSum = 0;

  constructor(readonly maxSampleSize: number) {
    if (!(maxSampleSize >= 1)) throw new RangeError('max-sample-size must be >= 1');
  }

  get size(): number {
    return this.intervals.length - this.start;
  }

  add(interval: number): void {
    if (this.size >= this.maxSampleSize) {
      const dropped = this.intervals[this.start] as number;
      this.start++;
      this.sum -= dropped;
      this.squaredSum -= dropped * dropped;
      // Compact occasionally so the backing array stays bounded.
      if (this.start >= this.maxSampleSize) {
        this.intervals.splice(0, this.start);
        this.start = 0;
      }
    }
    this.intervals.push(interval);
    this.sum += interval;
    this.squaredSum += interval * interval;
  }

  get mean(): number {
    return this.sum / this.size;
  }

  get variance(): number {
    const m = this.mean;
    return Math.max(0, this.squaredSum / this.size - m * m);
  }

  get stdDeviation(): number {
    return Math.sqrt(this.variance);
  }
}

/**
 * The phi value for a silence of `deltaMs`, given the interval mean and standard deviation
 * (acceptable pause already added to the mean by the caller). Uses the logistic approximation of
 * the normal CDF and chooses the numerically stable branch on each side of the mean.
 */
export function phiOf(deltaMs: number, meanMs: number, stdDeviationMs: number): number {
  const y = (deltaMs - meanMs) / stdDeviationMs;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return deltaMs > meanMs ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e));
}

export class PhiAccrualFailureDetector {
  private history: HeartbeatHistory;
  private lastTimestamp: number | undefined;

  constructor(
    readonly settings: PhiAccrualSettings,
    private readonly now: () => number,
    /** Called when a heartbeat arrives later than 2/3 of the acceptable pause (GC/starvation hint). */
    private readonly onLateHeartbeat?: (intervalMs: number) => void,
  ) {
    this.history = new HeartbeatHistory(settings.maxSampleSize);
  }

  /** True once at least one heartbeat has been recorded. */
  get isMonitoring(): boolean {
    return this.lastTimestamp !== undefined;
  }

  heartbeat(): void {
    const t = this.now();
    const last = this.lastTimestamp;
    if (last === undefined) {
      this.history = this.bootstrapHistory();
    } else {
      const interval = t - last;
      // The first heartbeat after a suspicion is not a representative interval.
      if (this.isAvailableAt(t)) {
        const warnAfter = Math.trunc(this.settings.acceptableHeartbeatPauseMs / 3) * 2;
        if (interval >= warnAfter) this.onLateHeartbeat?.(interval);
        this.history.add(interval);
      }
    }
    this.lastTimestamp = t;
  }

  phi(t: number = this.now()): number {
    if (this.lastTimestamp === undefined) return 0;
    const delta = t - this.lastTimestamp;
    const mean = this.history.mean + this.settings.acceptableHeartbeatPauseMs;
    const std = Math.max(this.history.stdDeviation, this.settings.minStdDeviationMs);
    return phiOf(delta, mean, std);
  }

  isAvailable(): boolean {
    return this.isAvailableAt(this.now());
  }

  private isAvailableAt(t: number): boolean {
    return this.phi(t) < this.settings.threshold;
  }

  private bootstrapHistory(): HeartbeatHistory {
    const m = this.settings.firstHeartbeatEstimateMs;
    const h = new HeartbeatHistory(this.settings.maxSampleSize);
    h.add(m - m / 4);
    h.add(m + m / 4);
    return h;
  }
}

/**
 * One detector per node, keyed by host:port (not uid, as in Pekko): an unknown node counts as
 * available and not monitored, so only nodes that are heartbeated can ever be suspected.
 */
export class FailureDetectorRegistry {
  private readonly detectors = new Map<string, PhiAccrualFailureDetector>();

  constructor(private readonly create: (address: Address) => PhiAccrualFailureDetector) {}

  heartbeat(address: Address): void {
    const key = formatAddress(address);
    let fd = this.detectors.get(key);
    if (!fd) {
      fd = this.create(address);
      this.detectors.set(key, fd);
    }
    fd.heartbeat();
  }

  isAvailable(address: Address): boolean {
    return this.detectors.get(formatAddress(address))?.isAvailable() ?? true;
  }

  isMonitoring(address: Address): boolean {
    return this.detectors.get(formatAddress(address))?.isMonitoring ?? false;
  }

  phi(address: Address): number {
    return this.detectors.get(formatAddress(address))?.phi() ?? 0;
  }

  remove(address: Address): void {
    this.detectors.delete(formatAddress(address));
  }

  reset(): void {
    this.detectors.clear();
  }
}

export function phiAccrualRegistry(
  settings: PhiAccrualSettings,
  now: () => number,
  onLateHeartbeat?: (address: Address, intervalMs: number) => void,
): FailureDetectorRegistry {
  return new FailureDetectorRegistry(
    (address) =>
      new PhiAccrualFailureDetector(settings, now, onLateHeartbeat && ((ms) => onLateHeartbeat(address, ms))),
  );
}
