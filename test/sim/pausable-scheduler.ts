// A per-node view of the shared VirtualClock that can be paused, to simulate a stalled event loop
// (a long GC, a blocking call): while paused, nothing of the node runs; timers that come due and
// messages that arrive are queued and run, in arrival order, the moment the pause ends. A repeated
// timer that came due several times runs once, as Node's setInterval does after a stall.
import type { Cancellable, Scheduler } from '../../src/clock.js';
import type { VirtualClock } from './virtual-clock.js';

export class PausableScheduler implements Scheduler {
  private pausedUntil = -1;
  private queue: Array<() => void> = [];

  constructor(private readonly clock: VirtualClock) {}

  now(): number {
    return this.clock.now();
  }

  get paused(): boolean {
    return this.clock.now() < this.pausedUntil;
  }

  /** Runs fn now, or when the pause ends. */
  run(fn: () => void): void {
    if (this.paused) this.queue.push(fn);
    else fn();
  }

  schedule(delayMs: number, fn: () => void): Cancellable {
    let cancelled = false;
    const inner = this.clock.schedule(delayMs, () => this.run(() => cancelled || fn()));
    return {
      cancel: () => {
        cancelled = true;
        inner.cancel();
      },
    };
  }

  scheduleRepeatedly(initialDelayMs: number, intervalMs: number, fn: () => void): Cancellable {
    let cancelled = false;
    let queued = false;
    const inner = this.clock.scheduleRepeatedly(initialDelayMs, intervalMs, () => {
      if (!this.paused) return fn();
      if (queued) return;
      queued = true;
      this.queue.push(() => {
        queued = false;
        if (!cancelled) fn();
      });
    });
    return {
      cancel: () => {
        cancelled = true;
        inner.cancel();
      },
    };
  }

  /** Stalls the node for `ms` (overlapping pauses extend each other). */
  pause(ms: number): void {
    const until = this.clock.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.clock.schedule(ms, () => this.resume());
  }

  private resume(): void {
    if (this.paused) return;
    const q = this.queue;
    this.queue = [];
    for (const fn of q) fn();
  }
}
