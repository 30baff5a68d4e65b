// A virtual-time Scheduler for bootstrap tests and the formation simulator. Timers run in time
// order (ties in scheduling order); after each timer the promise jobs it started are drained, so
// async code driven by injected discovery and probers behaves as it would on a real event loop.
import type { Cancellable, Scheduler } from '../../src/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Lets every pending promise job (and the jobs those start) run. */
export const drainPromiseJobs = () => new Promise<void>((resolve) => setImmediate(resolve));

export class VirtualScheduler implements Scheduler {
  private time = 0;
  private seq = 0;
  private heap: Timer[] = [];

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, fn: () => void): Cancellable {
    const t: Timer = { at: this.time + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.push(t);
    return { cancel: () => void (t.cancelled = true) };
  }

  scheduleRepeatedly(initialDelayMs: number, intervalMs: number, fn: () => void): Cancellable {
    let current: Cancellable | undefined;
    let cancelled = false;
    const tick = () => {
      if (cancelled) return;
      current = this.schedule(Math.max(1, intervalMs), tick);
      fn();
    };
    current = this.schedule(initialDelayMs, tick);
    return {
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
    };
  }

  /** Number of live timers (cancelled ones excluded). */
  pending(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  /** Runs timers up to and including time `until` (absolute), then sets the clock to it. */
  async runUntil(until: number, stop?: () => boolean): Promise<void> {
    await drainPromiseJobs();
    for (;;) {
      if (stop?.()) return;
      const next = this.peek();
      if (next === undefined || next.at > until) break;
      this.pop();
      this.time = next.at;
      next.fn();
      await drainPromiseJobs();
    }
    if (!stop?.()) this.time = Math.max(this.time, until);
  }

  advance(ms: number, stop?: () => boolean): Promise<void> {
    return this.runUntil(this.time + ms, stop);
  }

  private peek(): Timer | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0];
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
