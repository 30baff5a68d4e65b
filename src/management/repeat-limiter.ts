// Identical log lines repeated by a fast poller (a failing readiness check probed every 20 ms) are
// written at most once per interval per line, with how many were held back since the last one.
// The clock is injected so the rule can be tested without waiting.

const MAX_TRACKED = 256;

export class RepeatLimiter {
  private readonly seen = new Map<string, { writtenAt: number; heldBack: number }>();

  constructor(
    readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Whether the line with this key is written now: undefined to hold it back, otherwise how many
   * identical lines were held back since it was last written.
   */
  admit(key: string): number | undefined {
    const t = this.now();
    const entry = this.seen.get(key);
    if (entry !== undefined && t - entry.writtenAt < this.intervalMs) {
      entry.heldBack++;
      return undefined;
    }
    const heldBack = entry?.heldBack ?? 0;
    this.seen.delete(key);
    if (this.seen.size >= MAX_TRACKED) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, { writtenAt: t, heldBack: 0 });
    return heldBack;
  }
}
