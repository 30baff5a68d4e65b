// The failure-detection plugin of a ClusterNode: answers heartbeats (always), heartbeats the
// node's monitoring receivers once it is a member, and every reaper tick turns the detector's
// verdicts into edits of this node's own reachability row (spec 5.1-5.5).
import type { Address, UniqueAddress } from '../address.js';
import { uniqueAddressEquals, uniqueAddressKey } from '../address.js';
import type { Cancellable } from '../clock.js';
import type { Member } from './api.js';
import { phiAccrualRegistry, type FailureDetectorRegistry } from './failure-detector.js';
import { HeartbeatSenderState } from './heartbeat.js';
import type { ClusterPlugin, ClusterPluginContext } from './plugin.js';
import type { FailureDetectorSettings } from './failure-detector-settings.js';
import type { Reachability, ReachabilityStatus } from './reachability.js';

export interface ReaperChanges {
  readonly unreachable: UniqueAddress[];
  readonly reachable: UniqueAddress[];
}

/**
 * The reaper's decision: members the detector gives up on become Unreachable in self's row,
 * except those that confirmed a deliberate exit; members self marked Unreachable (never
 * Terminated) whose detector recovered become Reachable.
 */
export function reaperChanges(
  self: UniqueAddress,
  members: readonly Member[],
  reachability: Reachability,
  isAvailable: (node: UniqueAddress) => boolean,
  exitedDeliberately: (node: UniqueAddress) => boolean = () => false,
): ReaperChanges {
  const unreachable: UniqueAddress[] = [];
  const reachable: UniqueAddress[] = [];
  if (members.length <= 1) return { unreachable, reachable };
  const own = new Map<string, ReachabilityStatus>();
  for (const r of reachability.records) {
    if (uniqueAddressEquals(r.observer, self)) own.set(uniqueAddressKey(r.subject), r.status);
  }
  for (const m of members) {
    const node = m.uniqueAddress;
    if (uniqueAddressEquals(node, self)) continue;
    const status = own.get(uniqueAddressKey(node)) ?? 'Reachable';
    const available = isAvailable(node);
    if (status === 'Reachable' && !available && !exitedDeliberately(node)) unreachable.push(node);
    else if (status === 'Unreachable' && available) reachable.push(node);
  }
  return { unreachable, reachable };
}

/**
 * Leader ticks during which a confirmed exit is not reported unreachable: removal needs one
 * convergence, normally reached within a few gossip rounds even while other members join or leave.
 */
const EXIT_CONFIRMED_GRACE_TICKS = 20;

/** Heartbeats, the failure detector registry and the unreachable-nodes reaper, as one plugin. */
export class HeartbeatPlugin implements ClusterPlugin {
  readonly name = 'failure-detector';
  private ctx!: ClusterPluginContext;
  private registry!: FailureDetectorRegistry;
  private sender: HeartbeatSenderState | undefined;
  private timers: Cancellable[] = [];
  private unsubscribe: (() => void) | undefined;
  private sequenceNr = 0;
  private lastTick: number | undefined;
  private stopped = false;
  /** uniqueAddressKey of removed incarnations -> virtual time from which they count as quarantined. */
  private readonly quarantined = new Map<string, number>();
  /** uniqueAddressKey of members that confirmed their exit -> virtual time this node first saw it. */
  private readonly confirmedSince = new Map<string, number>();

  /**
   * `settings` (from readFailureDetectorSettings, which also validates the detector class); by
   * default the failure-detector part of the node's ClusterSettings is used.
   */
  constructor(private readonly fdSettings?: FailureDetectorSettings) {}

  /** The detector registry (for metrics and tests); undefined before start. */
  get failureDetector(): FailureDetectorRegistry | undefined {
    return this.registry;
  }

  start(ctx: ClusterPluginContext): void {
    this.ctx = ctx;
    const fd = this.settings();
    this.registry = phiAccrualRegistry(
      {
        threshold: fd.threshold,
        maxSampleSize: fd.maxSampleSize,
        minStdDeviationMs: fd.minStdDeviationMs,
        acceptableHeartbeatPauseMs: fd.acceptableHeartbeatPauseMs,
        firstHeartbeatEstimateMs: fd.firstHeartbeatEstimateMs,
      },
      () => ctx.scheduler.now(),
      (address, ms) => ctx.logger.warn({ node: address, intervalMs: ms }, 'heartbeat interval is growing too large: %d ms', ms),
    );
    // The receiver side answers even before this node is a member, but not once it has stopped:
    // a stopped (downed or removed) node must look dead so the others can remove it.
    ctx.onMessage('Heartbeat', (m) => {
      if (this.stopped) return;
      if (this.isQuarantined(m.from)) {
        // Stands in for Artery's quarantine notice: a removed incarnation that still runs learns
        // it is out and downs itself, so two sides that removed each other cannot both survive.
        // The notice names the uid: a new incarnation at the same host:port never acts on it.
        ctx.send(m.from.address, { type: 'Quarantined', from: ctx.self, to: m.from });
        return;
      }
      ctx.send(m.from.address, { type: 'HeartbeatRsp', from: ctx.self, sequenceNr: m.sequenceNr, creationTime: m.creationTime });
    });
    ctx.onMessage('HeartbeatRsp', (m) => this.sender?.heartbeatRsp(m.from));
    ctx.onMessage('Quarantined', (m) => {
      if (this.stopped || !uniqueAddressEquals(m.to, ctx.self) || !ctx.isInitialized()) return;
      if (!ctx.gossip().members.some((x) => uniqueAddressEquals(x.uniqueAddress, m.from))) return;
      ctx.logger.warn({ by: uniqueAddressKey(m.from) }, 'This node was quarantined by a member that removed it; downing itself');
      ctx.down(ctx.self.address);
    });
    ctx.subscribe((e) => {
      if (e.type !== 'MemberRemoved' || uniqueAddressEquals(e.member.uniqueAddress, ctx.self)) return;
      // As Pekko: quarantine at once after Down, after quarantine-removed-node-after otherwise.
      // Keyed by uid: only the removed incarnation is quarantined, never a new one at its host:port.
      const now = ctx.scheduler.now();
      const delay = e.previousStatus === 'Down' ? 0 : ctx.settings.quarantineRemovedNodeAfterMs;
      for (const [k, since] of this.quarantined) {
        if (now - since > ctx.settings.pruneGossipTombstonesAfterMs) this.quarantined.delete(k);
      }
      this.quarantined.set(uniqueAddressKey(e.member.uniqueAddress), now + delay);
    });
  }

  /** The sender is an incarnation this node removed (a new uid at the same host:port is not). */
  private isQuarantined(from: UniqueAddress): boolean {
    const since = this.quarantined.get(uniqueAddressKey(from));
    return since !== undefined && this.ctx.scheduler.now() >= since;
  }

  private settings(): FailureDetectorSettings {
    if (this.fdSettings) return this.fdSettings;
    const s = this.ctx.settings;
    return {
      ...s.failureDetector,
      firstHeartbeatEstimateMs: s.failureDetector.heartbeatIntervalMs,
      unreachableNodesReaperIntervalMs: s.unreachableNodesReaperIntervalMs,
      periodicTasksInitialDelayMs: s.periodicTasksInitialDelayMs,
    };
  }

  onInitialized(): void {
    if (this.sender) return;
    const ctx = this.ctx;
    const fd = this.settings();
    const sender = new HeartbeatSenderState(ctx.self, fd.monitoredByNrOfMembers, this.registry);
    this.sender = sender;
    const st = ctx.state();
    const dc = ctx.settings.selfDataCenter;
    sender.init(
      st.members.filter((m) => m.dataCenter === dc).map((m) => m.uniqueAddress),
      st.unreachable.map((u) => u.subject),
    );
    this.unsubscribe = ctx.subscribe((e) => {
      switch (e.type) {
        case 'MemberRemoved':
          if (uniqueAddressEquals(e.member.uniqueAddress, ctx.self)) this.stopSending();
          else sender.removeMember(e.member.uniqueAddress);
          return;
        case 'UnreachableMember':
          sender.unreachableMember(e.member.uniqueAddress);
          return;
        case 'ReachableMember':
          sender.reachableMember(e.member.uniqueAddress);
          return;
        case 'MemberJoined':
        case 'MemberWeaklyUp':
        case 'MemberUp':
        case 'MemberLeft':
        case 'MemberExited':
        case 'MemberDowned':
        case 'MemberPreparingForShutdown':
        case 'MemberReadyForShutdown':
          if (!uniqueAddressEquals(e.member.uniqueAddress, ctx.self) && e.member.dataCenter === dc) {
            sender.addMember(e.member.uniqueAddress);
          }
          return;
        default:
          return;
      }
    });
    const interval = fd.heartbeatIntervalMs;
    const initial = Math.max(fd.periodicTasksInitialDelayMs, interval);
    const reaper = fd.unreachableNodesReaperIntervalMs;
    this.timers.push(
      ctx.scheduler.scheduleRepeatedly(initial, interval, () => this.heartbeatTick()),
      ctx.scheduler.scheduleRepeatedly(initial, reaper, () => this.reaperTick()),
    );
  }

  /**
   * Confirms the exit to every node whose failure detector watches this one (besides the two
   * leader candidates the node itself tells): they then do not report the stopped process
   * unreachable while the leader removes it, which would only add gossip versions and delay
   * convergence (and with it the removal and every other leader action).
   */
  onExitingCompleted(): void {
    const ring = this.sender?.currentRing;
    if (!ring) return;
    for (const m of ring.monitorsOf(this.ctx.self)) this.ctx.send(m.address, { type: 'ExitingConfirmed', node: this.ctx.self });
  }

  /**
   * A member that confirmed its exit is not reported unreachable for a while: the leader removes
   * it at the next convergence. After that grace the detector's verdict counts again, so a
   * removal that never happened (the leaders missed the confirmation) still ends in one.
   */
  private exitedDeliberately(node: UniqueAddress): boolean {
    const since = this.confirmedSince.get(uniqueAddressKey(node));
    return since !== undefined && this.ctx.scheduler.now() - since < this.confirmedGraceMs();
  }

  private confirmedGraceMs(): number {
    return EXIT_CONFIRMED_GRACE_TICKS * this.ctx.settings.leaderActionsIntervalMs;
  }

  onNewMember(address: Address): void {
    this.registry?.remove(address);
  }

  onStopped(): void {
    this.stopped = true;
    this.stopSending();
  }

  private stopSending(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.sender = undefined;
  }

  private heartbeatTick(): void {
    const sender = this.sender;
    if (!sender) return;
    const ctx = this.ctx;
    const now = ctx.scheduler.now();
    const fd = this.settings();
    const interval = fd.heartbeatIntervalMs;
    if (this.lastTick !== undefined && now - this.lastTick >= 2 * interval) {
      ctx.logger.warn({ gapMs: now - this.lastTick }, 'Scheduled sending of heartbeat was delayed (%d ms); CPU starvation or GC?', now - this.lastTick);
    }
    this.lastTick = now;
    this.sequenceNr++;
    for (const to of sender.activeReceivers()) {
      if (!this.registry.isMonitoring(to.address)) {
        // Give the receiver a chance to answer; then start its detector's clock regardless.
        ctx.scheduler.schedule(fd.expectedResponseAfterMs, () => this.sender?.expectedFirstHeartbeat(to));
      }
      ctx.send(to.address, { type: 'Heartbeat', from: ctx.self, sequenceNr: this.sequenceNr, creationTime: Math.trunc(now) });
    }
  }

  private reaperTick(): void {
    if (!this.sender || !this.ctx.isInitialized()) return;
    const g = this.ctx.gossip();
    const dc = this.ctx.settings.selfDataCenter;
    const members = g.members.filter((m) => m.dataCenter === dc);
    const now = this.ctx.scheduler.now();
    const confirmed = this.ctx.exitingConfirmed();
    for (const k of confirmed) if (!this.confirmedSince.has(k)) this.confirmedSince.set(k, now);
    for (const k of this.confirmedSince.keys()) if (!confirmed.has(k)) this.confirmedSince.delete(k);
    const changes = reaperChanges(
      this.ctx.self,
      members,
      g.reachability,
      (n) => this.registry.isAvailable(n.address),
      (n) => this.exitedDeliberately(n),
    );
    if (changes.unreachable.length > 0) {
      this.ctx.logger.warn({ nodes: changes.unreachable.map(uniqueAddressKey) }, 'Marking node(s) as UNREACHABLE');
      this.ctx.markUnreachable(changes.unreachable);
    }
    if (changes.reachable.length > 0) {
      this.ctx.logger.info({ nodes: changes.reachable.map(uniqueAddressKey) }, 'Marking node(s) as REACHABLE');
      this.ctx.markReachable(changes.reachable);
    }
  }
}
