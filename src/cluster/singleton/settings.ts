// Settings of cluster singletons: Pekko's `pekko.cluster.singleton.*` keys plus the removal
// margin the downing provider supplies (down-removal-margin, else the SBR's stable-after).
import { ConfigError, type Config } from '../../config/types.js';

export interface SingletonSettings {
  /** Default role for singletons that name none; "" = any member. */
  readonly role: string;
  /** HandOverToMe is resent at this interval until answered. */
  readonly handOverRetryIntervalMs: number;
  /**
   * How long a stopping instance may take before the hand-over goes on without it:
   * interval × max(min-number-of-hand-over-retries, margin / interval + 3), as Pekko derives
   * its number of retries.
   */
  readonly handOverTimeoutMs: number;
  /** After a possible holder is removed without a HandOverDone, wait this long before starting. */
  readonly removalMarginMs: number;
}

export const SINGLETON_PATH = 'pekko.cluster.singleton';

export function singletonSettings(o: { role?: string; handOverRetryIntervalMs?: number; minNumberOfHandOverRetries?: number; removalMarginMs?: number } = {}): SingletonSettings {
  const interval = o.handOverRetryIntervalMs ?? 1000;
  const margin = o.removalMarginMs ?? 0;
  const retries = Math.max(o.minNumberOfHandOverRetries ?? 15, Math.floor(margin / interval) + 3);
  return { role: o.role ?? '', handOverRetryIntervalMs: interval, handOverTimeoutMs: interval * retries, removalMarginMs: margin };
}

export function readSingletonSettings(config: Config, removalMarginMs: number | undefined): SingletonSettings {
  const p = SINGLETON_PATH;
  const retries = config.has(`${p}.min-number-of-hand-over-retries`) ? config.getInt(`${p}.min-number-of-hand-over-retries`) : 15;
  if (retries < 1) {
    const k = `${p}.min-number-of-hand-over-retries`;
    throw new ConfigError(`${k}: must be at least 1, got ${retries} (set at ${config.describeOrigin(k)})`, k, config.origin(k));
  }
  return singletonSettings({
    role: config.has(`${p}.role`) ? config.getString(`${p}.role`) : '',
    handOverRetryIntervalMs: config.has(`${p}.hand-over-retry-interval`) ? config.getDurationMs(`${p}.hand-over-retry-interval`) : 1000,
    minNumberOfHandOverRetries: retries,
    removalMarginMs: removalMarginMs ?? 0,
  });
}
