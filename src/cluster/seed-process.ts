// The two seed-node processes that find an existing cluster (spec §3.4). Only the first seed
// node may ever form a new cluster by joining itself; every other node keeps asking the seeds
// with InitJoin until one that is a member answers with InitJoinAck.
import { addressEquals, formatAddress, type Address } from '../address.js';
import type { Cancellable, Scheduler } from '../clock.js';
import type { Logger } from '../logging.js';
import type { ConfigCheck } from './protocol.js';

export interface SeedProcessHost {
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly selfAddress: Address;
  sendInitJoin(to: Address): void;
  /** Accepts (validates config) the first InitJoinAck and joins the acking node. */
  acceptAck(from: Address, check: ConfigCheck): void;
  /** Form a new cluster: join self. */
  joinSelf(): void;
}

export interface SeedProcess {
  onInitJoinAck(from: Address, check: ConfigCheck): void;
  onInitJoinNack(from: Address): void;
  stop(): void;
}

/** Not the first seed: InitJoin to every seed, resent after each `timeoutMs` of silence; never self-joins. */
export class JoinSeedNodeProcess implements SeedProcess {
  private timer: Cancellable | undefined;
  private attempt = 0;
  private done = false;
  private readonly targets: Address[];

  constructor(
    private readonly host: SeedProcessHost,
    seeds: readonly Address[],
    private readonly timeoutMs: number,
  ) {
    this.targets = seeds.filter((s) => !addressEquals(s, host.selfAddress));
    this.sendAll();
  }

  private sendAll(): void {
    if (this.done) return;
    this.attempt++;
    if (this.attempt > 1) {
      this.host.logger.warn(
        { attempt: this.attempt, seeds: this.targets.map(formatAddress) },
        `Couldn't join seed nodes after [${this.attempt - 1}] attempts, will try again.`,
      );
    }
    for (const s of this.targets) this.host.sendInitJoin(s);
    this.armIdleTimeout();
  }

  private armIdleTimeout(): void {
    this.timer?.cancel();
    this.timer = this.host.scheduler.schedule(this.timeoutMs, () => this.sendAll());
  }

  onInitJoinAck(from: Address, check: ConfigCheck): void {
    if (this.done) return;
    this.done = true;
    this.timer?.cancel();
    this.host.acceptAck(from, check);
  }

  onInitJoinNack(): void {
    if (!this.done) this.armIdleTimeout();
  }

  stop(): void {
    this.done = true;
    this.timer?.cancel();
  }
}

/**
 * Self is the first seed: ask the others every second until `timeoutMs` has passed; if they all
 * answer Nack (not members) or nobody answers in time, form a new cluster. Any Ack wins instead,
 * so a restarted first seed rejoins the existing cluster rather than creating an island.
 */
export class FirstSeedNodeProcess implements SeedProcess {
  private readonly ticker: Cancellable;
  private readonly pending: Address[];
  private readonly deadline: number;
  private done = false;

  constructor(
    private readonly host: SeedProcessHost,
    seeds: readonly Address[],
    timeoutMs: number,
  ) {
    this.pending = seeds.filter((s) => !addressEquals(s, host.selfAddress));
    this.deadline = host.scheduler.now() + timeoutMs;
    for (const s of this.pending) host.sendInitJoin(s);
    this.ticker = host.scheduler.scheduleRepeatedly(1000, 1000, () => this.tick());
  }

  private tick(): void {
    if (this.done) return;
    if (this.host.scheduler.now() >= this.deadline) {
      this.finish();
      this.host.joinSelf();
      return;
    }
    for (const s of this.pending) this.host.sendInitJoin(s);
  }

  private finish(): void {
    this.done = true;
    this.ticker.cancel();
  }

  onInitJoinAck(from: Address, check: ConfigCheck): void {
    if (this.done) return;
    this.finish();
    this.host.acceptAck(from, check);
  }

  onInitJoinNack(from: Address): void {
    if (this.done) return;
    const i = this.pending.findIndex((p) => addressEquals(p, from));
    if (i >= 0) this.pending.splice(i, 1);
    if (this.pending.length === 0) {
      this.finish();
      this.host.joinSelf();
    }
  }

  stop(): void {
    this.finish();
  }
}
