// A virtual-time Scheduler: timers fire only when the test advances time, in due-time order
// (ties in scheduling order), so runs are deterministic and take no wall time. The async runner
// also lets promise jobs settle after each timer, for code driven by promises (bootstrap's
// discovery lookups and probes).
import type { Cancellable, Scheduler } from '../../src/clock.js';

/** Lets every pending promise job (and the jobs those start) run. */
export const drainPromiseJobs = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Scheduler {
  private time = 0;
  private seq = 0;
  private readonly heap: Timer[] = [];
  /** Timers fired so far (a cheap progress/cost measure). */
  fired = 0;

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, fn: () => void): Cancellable {
    const t: Timer = { due: this.time + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.push(t);
    return { cancel: () => (t.cancelled = true) };
  }

  scheduleRepeatedly(initialDelayMs: number, intervalMs: number, fn: () => void): Cancellable {
    let current: Cancellable | undefined;
    let cancelled = false;
    const run = (): void => {
      if (cancelled) return;
      current = this.schedule(Math.max(1, intervalMs), run);
      fn();
    };
    current = this.schedule(initialDelayMs, run);
    return {
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
    };
  }

  /** Runs every timer due up to and including `time`, then sets the clock to `time`. */
  runUntil(time: number): void {
    for (;;) {
      const next = this.heap[0];
      if (!next || next.due > time) break;
      this.pop();
      if (next.cancelled) continue;
      this.time = next.due;
      this.fired++;
      next.fn();
    }
    this.time = Math.max(this.time, time);
  }

  advance(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /** Due time of the earliest live timer, if any. */
  nextDue(): number | undefined {
    while (this.heap[0]?.cancelled) this.pop();
    return this.heap[0]?.due;
  }

  /** Number of live timers. */
  pending(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  /**
   * Like runUntil, but timer by timer with promise jobs drained after each, so promise chains
   * started by a timer finish before the next timer fires. Stops early when `stop()` holds.
   */
  async runUntilAsync(time: number, stop?: () => boolean): Promise<void> {
    await drainPromiseJobs();
    for (;;) {
      if (stop?.()) return;
      const due = this.nextDue();
      if (due === undefined || due > time) break;
      this.runUntil(due);
      await drainPromiseJobs();
    }
    if (!stop?.()) this.time = Math.max(this.time, time);
  }

  advanceAsync(ms: number, stop?: () => boolean): Promise<void> {
    return this.runUntilAsync(this.time + ms, stop);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i] as Timer, h[p] as Timer)) break;
      [h[i], h[p]] = [h[p] as Timer, h[i] as Timer];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Timer;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l] as Timer, h[m] as Timer)) m = l;
      if (r < h.length && before(h[r] as Timer, h[m] as Timer)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
      i = m;
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
