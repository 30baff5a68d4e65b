// Time and timers are injected everywhere decisions depend on them, so the same code runs in
// real processes and in the deterministic simulator (virtual time).

export interface Cancellable {
  cancel(): void;
}

export interface Scheduler {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Runs fn once after delayMs. */
  schedule(delayMs: number, fn: () => void): Cancellable;
  /** Runs fn every intervalMs, first after initialDelayMs. */
  scheduleRepeatedly(initialDelayMs: number, intervalMs: number, fn: () => void): Cancellable;
}

/** Wall-clock scheduler backed by Node timers; timers do not keep the process alive on their own. */
export const systemScheduler: Scheduler = {
  now: () => performance.now(),
  schedule(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  scheduleRepeatedly(initialDelayMs, intervalMs, fn) {
    let interval: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      interval = setInterval(fn, Math.max(1, intervalMs));
      interval.unref();
      fn();
    }, Math.max(0, initialDelayMs));
    first.unref();
    return {
      cancel: () => {
        clearTimeout(first);
        if (interval) clearInterval(interval);
      },
    };
  },
};

/** A source of randomness in [0, 1); injected so simulations are reproducible from a seed. */
export type Random = () => number;
