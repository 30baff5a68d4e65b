// Delay before the next discovery lookup (spec 2.4). The random factor is applied after the cap,
// as Pekko does, so a delay may exceed the cap by up to the random factor.
import type { Random } from '../clock.js';

export interface BackoffSettings {
  readonly intervalMs: number;
  readonly exponentialBackoffMaxMs: number;
  readonly exponentialBackoffRandomFactor: number;
}

/** delay(n) = min(max, interval * 2^n) * (1 + random * factor); an overflowing product gives max. */
export function lookupDelayMs(failures: number, s: BackoffSettings, random: Random): number {
  const exponential = s.intervalMs * 2 ** failures;
  const capped = Number.isFinite(exponential) ? Math.min(s.exponentialBackoffMaxMs, exponential) : s.exponentialBackoffMaxMs;
  return capped * (1 + random() * s.exponentialBackoffRandomFactor);
}

/** Delay before the next probe of one contact point: probe-interval plus up to jitter of it. */
export function probeDelayMs(probeIntervalMs: number, jitter: number, random: Random): number {
  return probeIntervalMs + probeIntervalMs * jitter * random();
}
