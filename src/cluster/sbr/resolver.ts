// The split brain resolver runtime (spec 6.2): watches reachability, waits until the view has
// been stable for `stable-after`, then lets the leader of each side apply the strategy; downs
// everything when reachability keeps flapping. Decisions come from strategy.ts; this file only
// keeps time, talks to the lease and issues Down commands.
import type { UniqueAddress } from '../../address.js';
import { formatAddress, uniqueAddressEquals, uniqueAddressKey } from '../../address.js';
import type { Cancellable } from '../../clock.js';
import type { SbrSettings } from './settings.js';
import type { ClusterEvent } from '../api.js';
import type { ClusterPlugin, ClusterPluginContext } from '../plugin.js';
import type { Lease } from './lease.js';
import {
  DownAll,
  decide,
  indirectlyConnected,
  isLeaseDecision,
  nodesToDown,
  reverseDecision,
  type Decision,
  type SbrView,
} from './strategy.js';
import { viewFromGossip } from './view.js';

const TICK_MS = 1000;
/** Decisions kept in `decisions` (most recent last); a long-lived, flapping node must not grow without bound. */
export const DECISION_HISTORY_LIMIT = 100;

/** An observable record of what the resolver did, for logs, metrics and the simulator. */
export interface SbrDecisionRecord {
  readonly at: number;
  readonly decision: Decision;
  readonly downed: readonly UniqueAddress[];
  readonly leaseAcquired?: boolean;
}

type ReleaseCondition =
  | { readonly kind: 'none' }
  | { readonly kind: 'whenMembersRemoved'; readonly nodes: ReadonlySet<string> }
  | { readonly kind: 'whenTimeElapsed'; readonly deadline: number };

export interface SplitBrainResolverOptions {
  readonly settings: SbrSettings;
  /** Required for lease-majority. */
  readonly lease?: Lease;
  readonly onDecision?: (record: SbrDecisionRecord) => void;
}

export class SplitBrainResolver implements ClusterPlugin {
  readonly name = 'split-brain-resolver';
  private ctx!: ClusterPluginContext;
  private timer: Cancellable | undefined;
  private unsubscribe: (() => void) | undefined;
  private stableDeadline = 0;
  private changeCount = 0;
  private firstChangeAt = 0;
  private latestChangeAt = 0;
  private selfUpSeen = false;
  private acquiringLease = false;
  /** The unreachable records (observer>subject) at the last tick, to count table changes. */
  private lastRecords: ReadonlySet<string> = new Set();
  /** The indirectly connected nodes at the last tick. */
  private lastIndirectlyConnected = '';
  private releaseCondition: ReleaseCondition = { kind: 'none' };
  private readonly settings: SbrSettings;
  /** The most recent decisions, oldest first, at most DECISION_HISTORY_LIMIT. */
  readonly decisions: SbrDecisionRecord[] = [];

  constructor(private readonly options: SplitBrainResolverOptions) {
    this.settings = options.settings;
    if (this.settings.strategy.name === 'lease-majority' && !options.lease) {
      throw new Error('lease-majority needs a lease implementation');
    }
  }

  start(ctx: ClusterPluginContext): void {
    this.ctx = ctx;
    ctx.logger.info(
      { strategy: this.settings.strategy.name, stableAfterMs: this.settings.stableAfterMs },
      'SBR started. Config: strategy [%s], stable-after [%d ms], down-all-when-unstable [%s]',
      this.settings.strategy.name,
      this.settings.stableAfterMs,
      this.settings.downAllWhenUnstableMs === undefined ? 'off' : `${this.settings.downAllWhenUnstableMs} ms`,
    );
    this.resetStableDeadline();
    this.unsubscribe = ctx.subscribe((e) => this.onEvent(e), { initialStateAsEvents: true });
    this.timer = ctx.scheduler.scheduleRepeatedly(TICK_MS, TICK_MS, () => this.tick());
  }

  onStopped(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private now(): number {
    return this.ctx.scheduler.now();
  }

  private resetStableDeadline(): void {
    this.stableDeadline = this.now() + this.settings.stableAfterMs;
  }

  private resetChangeStats(): void {
    this.changeCount = 0;
    this.firstChangeAt = 0;
    this.latestChangeAt = 0;
  }

  private countChange(): void {
    const now = this.now();
    if (this.changeCount === 0) this.firstChangeAt = now;
    this.latestChangeAt = now;
    this.changeCount++;
  }

  private isSelf(e: { member: { uniqueAddress: UniqueAddress } }): boolean {
    return uniqueAddressEquals(e.member.uniqueAddress, this.ctx.self);
  }

  private onEvent(e: ClusterEvent): void {
    switch (e.type) {
      case 'UnreachableMember':
      case 'ReachableMember':
        this.countChange();
        this.resetStableDeadline();
        // As Pekko: the last unreachable member coming back (or its observer leaving) ends the
        // instability; left counted, down-all-when-unstable would later down a healthy cluster.
        if (e.type === 'ReachableMember') this.resetStatsIfAllUnreachableDowned();
        return;
      case 'MemberDowned':
        this.resetStableDeadline();
        this.resetStatsIfAllUnreachableDowned();
        return;
      case 'MemberUp':
      case 'MemberWeaklyUp':
        if (this.isSelf(e)) this.selfUpSeen = true;
        if (e.type === 'MemberUp') this.resetStableDeadline();
        return;
      case 'MemberExited':
        this.resetStableDeadline();
        this.resetStatsIfAllUnreachableDowned();
        return;
      case 'MemberRemoved':
        if (this.isSelf(e)) this.onStopped();
        else this.onMemberRemoved(e.member.uniqueAddress);
        this.resetStatsIfAllUnreachableDowned();
        return;
      default:
        return;
    }
  }

  private onMemberRemoved(node: UniqueAddress): void {
    const c = this.releaseCondition;
    if (c.kind !== 'whenMembersRemoved') return;
    const nodes = new Set(c.nodes);
    nodes.delete(uniqueAddressKey(node));
    this.releaseCondition = { kind: 'whenMembersRemoved', nodes };
  }

  /** Counters restart once every unreachable member is Down or Exiting (or none remain). */
  private resetStatsIfAllUnreachableDowned(): void {
    if (this.changeCount === 0) return;
    const g = this.ctx.gossip();
    const status = new Map(g.members.map((m) => [uniqueAddressKey(m.uniqueAddress), m.status]));
    const view = this.view();
    const pending = [...view.unreachable].some((k) => {
      const s = status.get(k);
      return s !== undefined && s !== 'Down' && s !== 'Exiting';
    });
    if (!pending) this.resetChangeStats();
  }

  private view(): SbrView {
    return viewFromGossip(this.ctx.self, this.ctx.settings.selfDataCenter, this.ctx.gossip());
  }

  /** Leader of this side, and this node has been Up (or WeaklyUp) at some point. */
  private isResponsible(): boolean {
    const s = this.ctx.state().self.status;
    if (s === 'Up' || s === 'WeaklyUp') this.selfUpSeen = true;
    return this.ctx.isInitialized() && this.selfUpSeen && this.ctx.isLeader();
  }

  private tick(): void {
    if (!this.ctx.isInitialized()) return;
    this.checkLeaseRelease();
    if (this.acquiringLease) return;
    const now = this.now();
    // Any change of the table counts as instability, also new observers of already unreachable
    // nodes. The decision reads the records, not only who is unreachable, so stable-after also
    // restarts when a record goes away (an observer clearing its row while others still flag the
    // same subjects: a heal in progress) or the indirectly connected set changes; deciding on such
    // a half-updated view let both sides of a partition keep themselves.
    const view = this.view();
    const records = new Set(view.records.map((r) => `${uniqueAddressKey(r.observer)}>${uniqueAddressKey(r.subject)}`));
    const ic = [...indirectlyConnected(view)].sort().join(',');
    if (!sameSet(records, this.lastRecords)) {
      const cleared = [...this.lastRecords].some((r) => !records.has(r));
      if (cleared || ic !== this.lastIndirectlyConnected) this.resetStableDeadline();
      this.lastRecords = records;
      this.countChange();
      this.resetStatsIfAllUnreachableDowned();
    }
    this.lastIndirectlyConnected = ic;
    if (this.changeCount > 0) {
      const unstable = this.settings.downAllWhenUnstableMs;
      if (unstable !== undefined && now - this.firstChangeAt > this.settings.stableAfterMs + unstable) {
        this.ctx.logger.warn(
          { changes: this.changeCount },
          'SBR: reachability has been unstable for too long (%d changes); downing all nodes',
          this.changeCount,
        );
        this.act(DownAll, this.view());
        return;
      }
      if (unstable === undefined && now - this.latestChangeAt > 2 * this.settings.stableAfterMs) this.resetChangeStats();
    }
    if (!this.isResponsible() || now < this.stableDeadline) return;
    if (!this.hasDownableUnreachable(view)) return;
    const decision = decide(this.settings.strategy, view);
    if (isLeaseDecision(decision)) this.decideWithLease(decision, view);
    else this.act(decision, view);
  }

  private hasDownableUnreachable(v: SbrView): boolean {
    return v.members.some(
      (m) =>
        m.dataCenter === v.selfDataCenter &&
        m.status !== 'Down' &&
        m.status !== 'Exiting' &&
        v.unreachable.has(uniqueAddressKey(m.uniqueAddress)),
    );
  }

  private decideWithLease(decision: Extract<Decision, { delayMs: number }>, view: SbrView): void {
    const lease = this.options.lease as Lease;
    if (lease.checkLease()) {
      this.act(decision, view, true);
      return;
    }
    this.acquiringLease = true;
    const attempt = () => {
      lease
        .acquire((err) => this.ctx.logger.warn({ err }, 'SBR lease [%s] lost', lease.name))
        .catch((err: unknown) => {
          this.ctx.logger.warn({ err }, 'SBR failed to acquire lease [%s]', lease.name);
          return false;
        })
        .then((acquired) => {
          this.acquiringLease = false;
          if (!this.timer) return; // stopped meanwhile
          this.act(acquired ? decision : reverseDecision(decision), view, acquired);
        });
    };
    if (decision.delayMs > 0) {
      this.ctx.logger.info({ delayMs: decision.delayMs }, 'SBR: minority side, waiting %d ms before acquiring the lease', decision.delayMs);
      this.ctx.scheduler.schedule(decision.delayMs, attempt);
    } else {
      attempt();
    }
  }

  private act(decision: Decision, view: SbrView, leaseAcquired?: boolean): void {
    const downed = nodesToDown(this.settings.strategy, view, decision);
    const record: SbrDecisionRecord = { at: this.now(), decision, downed, ...(leaseAcquired !== undefined ? { leaseAcquired } : {}) };
    this.decisions.push(record);
    if (this.decisions.length > DECISION_HISTORY_LIMIT) this.decisions.splice(0, this.decisions.length - DECISION_HISTORY_LIMIT);
    if (downed.length > 0) {
      this.ctx.logger.warn(
        { decision: decision.type, downing: downed.map((n) => formatAddress(n.address)) },
        'SBR took decision %s and is downing [%s]',
        decision.type,
        downed.map((n) => formatAddress(n.address)).join(', '),
      );
    }
    // nodesToDown puts self last, so the others' Down is in the gossip before this node stops.
    for (const n of downed) this.ctx.down(n.address);
    if (leaseAcquired) {
      this.releaseCondition =
        downed.length > 0
          ? { kind: 'whenMembersRemoved', nodes: new Set(downed.map(uniqueAddressKey)) }
          : { kind: 'whenTimeElapsed', deadline: this.now() + (this.settings.lease?.releaseAfterMs ?? 0) };
    }
    this.resetChangeStats();
    this.resetStableDeadline();
    this.options.onDecision?.(record);
  }

  private checkLeaseRelease(): void {
    const c = this.releaseCondition;
    const lease = this.options.lease;
    if (!lease || c.kind === 'none') return;
    if (c.kind === 'whenMembersRemoved') {
      if (c.nodes.size === 0) {
        this.releaseCondition = { kind: 'whenTimeElapsed', deadline: this.now() + (this.settings.lease?.releaseAfterMs ?? 0) };
      }
      return;
    }
    if (this.now() >= c.deadline) {
      this.releaseCondition = { kind: 'none' };
      lease.release().catch((err: unknown) => this.ctx.logger.warn({ err }, 'SBR failed to release lease [%s]', lease.name));
    }
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
