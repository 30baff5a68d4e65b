// ClusterNode: the imperative shell around the pure membership core, composed of parts that follow
// the spec's chapters, each in node/: join handshake (§3), gossip exchange (§4.5–4.7), leader
// duties (§4.10), own reachability marks (§5.4), leaving and downing (§2.4, §7), event delivery
// (§8). They share a NodeCore (phase, local gossip, primitives). This file wires them: the public
// API, message dispatch, the periodic ticks and the plugin context. Time, randomness and the
// network are injected.
import { formatAddress, type Address, type UniqueAddress } from '../address.js';
import type { Cancellable, Random, Scheduler } from '../clock.js';
import { silentLogger, type Logger } from '../logging.js';
import type { ClusterApi, ClusterEventListener, ClusterState, SubscribeOptions } from './api.js';
import { hasConvergence, type MembershipState } from './convergence.js';
import { diffEvents } from './events.js';
import { emptyGossip, findMember, memberIndex, seenMembers, type Gossip } from './gossip.js';
import { DOWNING_PROVIDER_KEY, type JoinConfig } from './join-config.js';
import { isLeader, leaderOf, roleLeaderMap } from './leader.js';
import { makeMember } from './member.js';
import { nodeKey } from './node-key.js';
import type { ClusterPlugin, ClusterPluginContext, PluginMessageType } from './plugin.js';
import { MESSAGE_TYPES, type ClusterMessage } from './protocol.js';
import { observersBySubject, unreachableObservers } from './reachability.js';
import type { ClusterSettings } from './settings.js';
import { NodeCore, type NodeCounters, type NodePhase, type NodeTransport } from './node/core.js';
import { GossipExchange } from './node/gossip-exchange.js';
import { hasInvalidHost, Join } from './node/join.js';
import { LeaderDuties } from './node/leader-duties.js';
import { Leaving } from './node/leaving.js';
import { messageAddresses } from './node/message-addresses.js';
import { markOwnReachability } from './node/reachability-marks.js';

export type { DropReason, NodeCounters, NodePhase } from './node/core.js';

/** Why the cluster subsystem stopped. */
export type TerminationReason = 'exited' | 'downed' | 'shutdown';

export interface ClusterNodeOptions {
  readonly self: UniqueAddress;
  readonly settings: ClusterSettings;
  readonly transport: NodeTransport;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly logger?: Logger;
  /** Wall-clock milliseconds for tombstones (default Date.now). */
  readonly wallClock?: () => number;
  readonly plugins?: readonly ClusterPlugin[];
  /**
   * Keys/values sent in InitJoin for the join compatibility check; the downing provider is
   * always included. The runtime adds the SBR strategy when SBR is the provider.
   */
  readonly joinConfig?: JoinConfig;
}

export class ClusterNode implements ClusterApi {
  readonly selfUniqueAddress: UniqueAddress;
  readonly selfAddress: Address;
  readonly counters: NodeCounters;
  /** Resolves once the cluster subsystem has stopped. */
  readonly whenTerminated: Promise<TerminationReason>;

  private readonly core: NodeCore;
  private readonly transport: NodeTransport;
  private readonly gossipExchange: GossipExchange;
  private readonly joining: Join;
  private readonly leaving: Leaving;
  private readonly leader: LeaderDuties;
  private readonly pluginHandlers = new Map<PluginMessageType, (m: never) => void>();
  private started = false;
  private timers: Cancellable[] = [];
  private resolveTerminated!: (r: TerminationReason) => void;

  constructor(options: ClusterNodeOptions) {
    const settings = options.settings;
    this.core = new NodeCore({
      self: options.self,
      settings,
      transport: options.transport,
      scheduler: options.scheduler,
      random: options.random,
      logger: options.logger ?? silentLogger,
      wallClock: options.wallClock ?? Date.now,
      plugins: options.plugins ?? [],
      joinConfig: { [DOWNING_PROVIDER_KEY]: settings.downingProviderClass, ...options.joinConfig },
    });
    this.selfUniqueAddress = options.self;
    this.selfAddress = options.self.address;
    this.counters = this.core.counters;
    this.transport = options.transport;
    this.gossipExchange = new GossipExchange(
      this.core,
      () => {
        this.leaving.onOwnStatus();
        this.leader.upOnConvergence();
      },
      () => this.joining.onMemberContact(),
    );
    this.leaving = new Leaving(this.core, {
      gossipTo: (n) => this.gossipExchange.gossipTo(n),
      pushToRandomPeers: (n) => this.gossipExchange.pushToRandomPeers(n),
      gossipRound: () => this.gossipExchange.round(),
      stop: (reason) => this.stop(reason),
    });
    this.leader = new LeaderDuties(this.core, {
      gossipTo: (n) => this.gossipExchange.gossipTo(n),
      startExitingTasks: () => this.leaving.startExitingTasks(),
    });
    this.joining = new Join(this.core, {
      gossipTo: (n) => this.gossipExchange.gossipTo(n),
      down: (a) => this.leaving.handleDown(a),
      leaderActions: () => this.leader.act(),
      requestShutdown: (r) => this.leaving.requestShutdown(r),
    });
    this.whenTerminated = new Promise((resolve) => (this.resolveTerminated = resolve));
  }

  // ---------------------------------------------------------------- lifecycle

  /** Installs the message handler, starts plugins and periodic tasks, and joins configured seeds. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.transport.onMessage((m) => this.receive(m));
    const ctx = this.pluginContext();
    for (const p of this.core.plugins) p.start(ctx);
    const s = this.core.settings;
    this.timers.push(
      this.core.scheduler.scheduleRepeatedly(Math.max(s.periodicTasksInitialDelayMs, s.gossipIntervalMs), s.gossipIntervalMs, () =>
        this.core.safely(() => this.gossipTick()),
      ),
      this.core.scheduler.scheduleRepeatedly(Math.max(s.periodicTasksInitialDelayMs, s.leaderActionsIntervalMs), s.leaderActionsIntervalMs, () =>
        this.core.safely(() => this.leaderTick()),
      ),
    );
    if (s.seedNodes.length > 0) this.joinSeedNodes(s.seedNodes);
  }

  /** Stops the cluster subsystem without leaving (subscribers see ClusterShuttingDown and removals). */
  shutdown(): void {
    this.stop('shutdown');
  }

  get nodePhase(): NodePhase {
    return this.core.phase;
  }

  /** The current local gossip (immutable). */
  currentGossip(): Gossip {
    return this.core.gossip;
  }

  membershipState(): MembershipState {
    return this.core.membershipState();
  }

  // ---------------------------------------------------------------- ClusterApi

  state(): ClusterState {
    const c = this.core;
    const g = c.gossip;
    const idx = memberIndex(g);
    const self = idx.get(c.selfKey) ?? makeMember(c.self, 'Removed', c.settings.roles, c.settings.appVersion);
    return {
      self,
      members: g.members,
      unreachable: observersBySubject(g.reachability)
        .filter((e) => nodeKey(e.subject) !== c.selfKey && idx.has(nodeKey(e.subject)))
        .map((e) => ({ subject: e.subject, observedBy: e.observers })),
      unreachableObserved: unreachableObservers(g.reachability).map((e) => ({ subject: e.subject, observedBy: e.observers })),
      seenBy: seenMembers(g).map((m) => m.uniqueAddress.address),
      leader: leaderOf(g, c.self)?.address,
      roleLeaders: roleLeaderMap(g, c.self),
      shuttingDown: g.members.some((m) => m.status === 'PreparingForShutdown' || m.status === 'ReadyForShutdown'),
    };
  }

  join(address: Address): void {
    if (hasInvalidHost(address)) throw new Error(`Cannot join [${formatAddress(address)}]: invalid host name`);
    this.core.safely(() => this.joining.joinTo(address));
  }

  joinSeedNodes(seeds: readonly Address[]): void {
    const bad = seeds.find(hasInvalidHost);
    if (bad) throw new Error(`Cannot join seed node [${formatAddress(bad)}]: invalid host name`);
    this.joining.joinSeedNodes(seeds);
  }

  leave(address: Address): void {
    this.core.safely(() => this.leaving.handleLeave(address));
  }

  down(address: Address): void {
    this.core.safely(() => this.leaving.handleDown(address));
  }

  prepareForFullClusterShutdown(): void {
    this.core.safely(() => this.leaving.handlePrepareForShutdown());
  }

  subscribe(listener: ClusterEventListener, options: SubscribeOptions = {}): () => void {
    const empty: MembershipState = { gossip: emptyGossip, self: this.core.self, exitingConfirmed: new Set() };
    return this.core.events.add(listener, options.initialStateAsEvents ? diffEvents(empty, this.membershipState()) : []);
  }

  /** Called by coordinated shutdown (phase cluster-exiting-done), or by the node itself without one. */
  exitingCompleted(): void {
    this.leaving.exitingCompleted();
  }

  // ---------------------------------------------------------------- plugins

  private pluginContext(): ClusterPluginContext {
    const c = this.core;
    return {
      self: c.self,
      settings: c.settings,
      scheduler: c.scheduler,
      random: c.random,
      logger: c.logger,
      send: (to, m) => c.send(to, m),
      onMessage: (type, handler) => {
        this.pluginHandlers.set(type, handler as (m: never) => void);
      },
      gossip: () => c.gossip,
      state: () => this.state(),
      isInitialized: () => c.phase === 'initialized',
      isLeader: () => isLeader(c.gossip, c.self),
      hasConvergence: () => hasConvergence(c.membershipState()),
      markUnreachable: (subjects) => c.safely(() => markOwnReachability(c, subjects, 'Unreachable')),
      markReachable: (subjects) => c.safely(() => markOwnReachability(c, subjects, 'Reachable')),
      markTerminated: (subjects) => c.safely(() => markOwnReachability(c, subjects, 'Terminated')),
      down: (a) => this.down(a),
      leave: (a) => this.leave(a),
      subscribe: (l, o) => this.subscribe(l, o),
      onShutdownRequested: (h) => this.leaving.onShutdownRequested(h),
      exitingCompleted: () => this.exitingCompleted(),
      exitingConfirmed: () => c.exitingConfirmed,
    };
  }

  // ---------------------------------------------------------------- inbound messages

  /** Entry point for every inbound message. */
  receive(raw: ClusterMessage): void {
    const c = this.core;
    c.counters.received++;
    if (c.phase === 'stopped') return;
    // The transport delivers messages its codec validated (validateMessage); this guard only
    // keeps a buggy or hostile in-process caller from reaching the handlers with a non-message.
    if (typeof raw !== 'object' || raw === null || !MESSAGE_TYPES.includes((raw as { type: ClusterMessage['type'] }).type)) {
      c.drop('malformed', { type: String((raw as { type?: unknown } | null)?.type) });
      return;
    }
    const m = raw;
    if (!messageAddresses(m).every((a) => c.acceptsAddress(a))) {
      c.drop('wrongSystem', m);
      return;
    }
    c.safely(() => this.dispatch(m));
  }

  private dispatch(m: ClusterMessage): void {
    switch (m.type) {
      case 'Heartbeat':
      case 'HeartbeatRsp':
      case 'Quarantined':
      case 'SingletonHandOver': {
        const h = this.pluginHandlers.get(m.type);
        if (h) h(m as never);
        else this.core.drop('unhandled', m);
        return;
      }
      case 'InitJoin':
        return this.joining.handleInitJoin(m.from, m.config);
      case 'InitJoinAck':
        return this.joining.handleInitJoinAck(m.from, m.configCheck);
      case 'InitJoinNack':
        return this.joining.handleInitJoinNack(m.from);
      case 'Welcome':
        return this.joining.handleWelcome(m.from, m.gossip);
    }
    if (this.core.phase !== 'initialized') {
      this.core.drop('notInitialized', m);
      return;
    }
    switch (m.type) {
      case 'Join':
        return this.joining.handleJoin(m.node, m.roles, m.appVersion);
      case 'Leave':
        return this.leaving.handleLeave(m.address);
      case 'Down':
        return this.leaving.handleDown(m.address);
      case 'PrepareForShutdown':
        return this.leaving.handlePrepareForShutdown();
      case 'ExitingConfirmed':
        return this.leaving.handleExitingConfirmed(m.node);
      case 'GossipEnvelope':
        return this.gossipExchange.handleGossip(m.from, m.to, m.gossip);
      case 'GossipStatus':
        return this.gossipExchange.handleStatus(m.from, m.version, m.seenDigest);
      case 'UnknownIncarnation':
        return this.joining.handleUnknownIncarnation(m.from, m.to);
    }
  }

  // ---------------------------------------------------------------- periodic tasks

  private gossipTick(): void {
    if (this.core.phase === 'initialized') this.gossipExchange.tick();
    else this.joining.tick();
  }

  private leaderTick(): void {
    const c = this.core;
    if (c.phase !== 'initialized') return;
    this.leader.act();
    this.leaving.pruneExitingConfirmed();
    const self = findMember(c.gossip, c.self);
    if (self?.status === 'Up' && c.gossip.members.some((m) => m.status === 'PreparingForShutdown' || m.status === 'ReadyForShutdown')) {
      this.leaving.handlePrepareForShutdown();
    }
    this.leaving.selfDownCheck();
  }

  /** Stops the cluster subsystem: timers off, ClusterShuttingDown, then removals of everyone. */
  private stop(reason: TerminationReason): void {
    const c = this.core;
    if (c.phase === 'stopped') return;
    const before = c.membershipState();
    c.phase = 'stopped';
    this.joining.stopSeedProcess();
    for (const t of this.timers) t.cancel();
    this.timers = [];
    c.gossip = emptyGossip;
    c.exitingConfirmed = new Set();
    c.events.publish([{ type: 'ClusterShuttingDown' }, ...diffEvents(before, c.membershipState())]);
    c.notifyPlugins((p) => p.onStopped?.());
    c.logger.info({ reason }, 'Cluster node stopped');
    this.resolveTerminated(reason);
  }
}
