// ClusterNode: the imperative shell around the pure membership core. It owns the node's phase
// (uninitialized / tryingToJoin / initialized / stopped), the local gossip and the timers, and
// feeds inbound messages and ticks into the pure functions of gossip.ts, leader.ts and
// events.ts. Time, randomness and the network are injected (spec §3, §4, §7.1, §8).
import {
  addressEquals,
  formatAddress,
  uniqueAddressEquals,
  type Address,
  type UniqueAddress,
} from '../address.js';
import { nodeKey } from './node-key.js';
import type { Cancellable, Random, Scheduler } from '../clock.js';
import type { ClusterSettings } from '../config/settings/cluster.js';
import { silentLogger, type Logger } from '../logging.js';
import type {
  ClusterApi,
  ClusterEvent,
  ClusterEventListener,
  ClusterState,
  Member,
  SubscribeOptions,
} from './api.js';
import { convergenceBlockers, hasConvergence, type MembershipState } from './convergence.js';
import { diffEvents } from './events.js';
import {
  emptyGossip,
  findMember,
  markAsDown,
  memberByAddress,
  memberIndex,
  memberKey,
  mergeGossip,
  seenDigest,
  seenMembers,
  stamp,
  updateMembers,
  withSeen,
  withSeenUnion,
  type Gossip,
} from './gossip.js';
import { randomSample, selectGossipTarget } from './gossip-target.js';
import { answerInitJoin, checkJoinConfig, DOWNING_PROVIDER_KEY, type JoinConfig } from './join-config.js';
import {
  convergedLeaderActions,
  isLeader,
  leaderOf,
  roleLeaderMap,
  weaklyUpActions,
  weaklyUpDue,
  type LeaderActionResult,
} from './leader.js';
import { isValidAppVersion, makeMember, oldestMember, rolesWithDataCenter, withStatus } from './member.js';
import type { ClusterPlugin, ClusterPluginContext, ClusterShutdownReason, PluginMessageType } from './plugin.js';
import { MESSAGE_TYPES, type ClusterMessage, type ConfigCheck } from './protocol.js';
import { changeReachability, isReachable, observersBySubject, statusByObserver, type ReachabilityStatus } from './reachability.js';
import { FirstSeedNodeProcess, JoinSeedNodeProcess, type SeedProcess } from './seed-process.js';
import { compareClocks } from './vector-clock.js';

export type NodePhase = 'uninitialized' | 'tryingToJoin' | 'initialized' | 'stopped';

/** Why an inbound message was dropped. */
export type DropReason =
  | 'malformed'
  | 'wrongSystem'
  | 'wrongUid'
  | 'unknownSender'
  | 'unreachableSender'
  | 'selfNotInGossip'
  | 'notInitialized'
  | 'unexpectedSender'
  | 'unhandled'
  | 'handlerError';

export interface NodeCounters {
  received: number;
  readonly dropped: Record<DropReason, number>;
  gossipSent: number;
  gossipStatusSent: number;
}

/** Why the cluster subsystem stopped. */
export type TerminationReason = 'exited' | 'downed' | 'shutdown';

export interface ClusterNodeOptions {
  readonly self: UniqueAddress;
  readonly settings: ClusterSettings;
  readonly transport: { send(to: Address, message: ClusterMessage): void; onMessage(h: (m: ClusterMessage) => void): void };
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

/** Ticks after which a downed node stops even if not every Down member has seen the gossip. */
const MAX_TICKS_BEFORE_SELF_SHUTDOWN = 4;
const PEERS_TO_PUSH_ON_EXIT = 5;

function emptyCounters(): NodeCounters {
  return {
    received: 0,
    dropped: {
      malformed: 0,
      wrongSystem: 0,
      wrongUid: 0,
      unknownSender: 0,
      unreachableSender: 0,
      selfNotInGossip: 0,
      notInitialized: 0,
      unexpectedSender: 0,
      unhandled: 0,
      handlerError: 0,
    },
    gossipSent: 0,
    gossipStatusSent: 0,
  };
}

/** A host containing `_` without a `.` after it is not a valid host name for joining. */
function hasInvalidHost(a: Address): boolean {
  const i = a.host.lastIndexOf('_');
  return i >= 0 && !a.host.slice(i).includes('.');
}

export class ClusterNode implements ClusterApi {
  readonly selfUniqueAddress: UniqueAddress;
  readonly selfAddress: Address;
  readonly counters: NodeCounters = emptyCounters();
  /** Resolves once the cluster subsystem has stopped. */
  readonly whenTerminated: Promise<TerminationReason>;

  private readonly settings: ClusterSettings;
  private readonly scheduler: Scheduler;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly wallClock: () => number;
  private readonly transport: ClusterNodeOptions['transport'];
  private readonly plugins: readonly ClusterPlugin[];
  private readonly joinConfig: JoinConfig;

  private phase: NodePhase = 'uninitialized';
  private started = false;
  private gossip: Gossip = emptyGossip;
  private exitingConfirmed = new Set<string>();
  private exitingTasksInProgress = false;
  private selfExitingStarted = false;
  private ticksWithoutConvergence = 0;
  private selfDownTicks: number | undefined;

  private joinTarget: Address | undefined;
  private joinDeadline: number | undefined;
  private seedNodes: readonly Address[] | undefined;
  private seedJoinDeadline: number | undefined;
  private seedProcess: SeedProcess | undefined;

  private timers: Cancellable[] = [];
  private readonly listeners = new Set<ClusterEventListener>();
  private readonly eventQueue: Array<{ listener: ClusterEventListener; event: ClusterEvent }> = [];
  private draining = false;
  private readonly pluginHandlers = new Map<PluginMessageType, (m: never) => void>();
  private shutdownHandler: ((reason: ClusterShutdownReason) => void) | undefined;
  private resolveTerminated!: (r: TerminationReason) => void;

  constructor(options: ClusterNodeOptions) {
    this.selfUniqueAddress = options.self;
    this.selfAddress = options.self.address;
    this.settings = options.settings;
    this.scheduler = options.scheduler;
    this.random = options.random;
    this.logger = options.logger ?? silentLogger;
    this.wallClock = options.wallClock ?? Date.now;
    this.transport = options.transport;
    this.plugins = options.plugins ?? [];
    this.joinConfig = { [DOWNING_PROVIDER_KEY]: this.settings.downingProviderClass, ...options.joinConfig };
    this.whenTerminated = new Promise((resolve) => (this.resolveTerminated = resolve));
  }

  // ---------------------------------------------------------------- lifecycle

  /** Installs the message handler, starts plugins and periodic tasks, and joins configured seeds. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.transport.onMessage((m) => this.receive(m));
    const ctx = this.pluginContext();
    for (const p of this.plugins) p.start(ctx);
    const s = this.settings;
    this.timers.push(
      this.scheduler.scheduleRepeatedly(
        Math.max(s.periodicTasksInitialDelayMs, s.gossipIntervalMs),
        s.gossipIntervalMs,
        () => this.safely(() => this.gossipTick()),
      ),
      this.scheduler.scheduleRepeatedly(
        Math.max(s.periodicTasksInitialDelayMs, s.leaderActionsIntervalMs),
        s.leaderActionsIntervalMs,
        () => this.safely(() => this.leaderTick()),
      ),
    );
    if (s.seedNodes.length > 0) this.joinSeedNodes(s.seedNodes);
  }

  /** Stops the cluster subsystem without leaving (subscribers see ClusterShuttingDown and removals). */
  shutdown(): void {
    this.stop('shutdown');
  }

  get nodePhase(): NodePhase {
    return this.phase;
  }

  /** The current local gossip (immutable). */
  currentGossip(): Gossip {
    return this.gossip;
  }

  membershipState(): MembershipState {
    return { gossip: this.gossip, self: this.selfUniqueAddress, exitingConfirmed: this.exitingConfirmed };
  }

  // ---------------------------------------------------------------- ClusterApi

  state(): ClusterState {
    const g = this.gossip;
    const selfKey = nodeKey(this.selfUniqueAddress);
    const idx = memberIndex(g);
    const self =
      idx.get(selfKey) ?? makeMember(this.selfUniqueAddress, 'Removed', this.settings.roles, this.settings.appVersion);
    return {
      self,
      members: g.members,
      unreachable: observersBySubject(g.reachability)
        .filter((e) => nodeKey(e.subject) !== selfKey && idx.has(nodeKey(e.subject)))
        .map((e) => ({ subject: e.subject, observedBy: e.observers })),
      seenBy: seenMembers(g).map((m) => m.uniqueAddress.address),
      leader: leaderOf(g, this.selfUniqueAddress)?.address,
      roleLeaders: roleLeaderMap(g, this.selfUniqueAddress),
      shuttingDown: g.members.some((m) => m.status === 'PreparingForShutdown' || m.status === 'ReadyForShutdown'),
    };
  }

  join(address: Address): void {
    if (hasInvalidHost(address)) throw new Error(`Cannot join [${formatAddress(address)}]: invalid host name`);
    this.safely(() => this.joinTo(address));
  }

  joinSeedNodes(seeds: readonly Address[]): void {
    const bad = seeds.find(hasInvalidHost);
    if (bad) throw new Error(`Cannot join seed node [${formatAddress(bad)}]: invalid host name`);
    const limit = this.settings.shutdownAfterUnsuccessfulJoinSeedNodesMs;
    if (limit !== undefined && this.phase !== 'initialized') this.seedJoinDeadline = this.scheduler.now() + limit;
    this.safely(() => this.startSeedJoin(seeds));
  }

  leave(address: Address): void {
    this.safely(() => this.handleLeave(address));
  }

  down(address: Address): void {
    this.safely(() => this.handleDown(address));
  }

  prepareForFullClusterShutdown(): void {
    this.safely(() => this.handlePrepareForShutdown());
  }

  subscribe(listener: ClusterEventListener, options: SubscribeOptions = {}): () => void {
    if (options.initialStateAsEvents) {
      const empty: MembershipState = { gossip: emptyGossip, self: this.selfUniqueAddress, exitingConfirmed: new Set() };
      for (const event of diffEvents(empty, this.membershipState())) this.eventQueue.push({ listener, event });
    }
    this.listeners.add(listener);
    this.drainEvents();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Called by coordinated shutdown (phase cluster-exiting-done), or by the node itself without one. */
  exitingCompleted(): void {
    this.safely(() => {
      if (this.phase !== 'initialized') return;
      this.exitingTasksInProgress = false;
      if (findMember(this.gossip, this.selfUniqueAddress)) {
        this.updateGossip(withSeen(this.gossip, this.selfUniqueAddress));
        this.pushToRandomPeers(PEERS_TO_PUSH_ON_EXIT);
        const others = { ...this.gossip, members: this.gossip.members.filter((m) => memberKey(m) !== this.selfKey) };
        const first = leaderOf(others, this.selfUniqueAddress);
        const rest = first
          ? { ...others, members: others.members.filter((m) => !uniqueAddressEquals(m.uniqueAddress, first)) }
          : others;
        const second = leaderOf(rest, this.selfUniqueAddress);
        for (const to of [first, second]) {
          if (to) this.send(to.address, { type: 'ExitingConfirmed', node: this.selfUniqueAddress });
        }
        this.notifyPlugins((p) => p.onExitingCompleted?.());
      }
      this.stop('exited');
    });
  }

  // ---------------------------------------------------------------- plugins

  private pluginContext(): ClusterPluginContext {
    return {
      self: this.selfUniqueAddress,
      settings: this.settings,
      scheduler: this.scheduler,
      random: this.random,
      logger: this.logger,
      send: (to, m) => this.send(to, m),
      onMessage: (type, handler) => {
        this.pluginHandlers.set(type, handler as (m: never) => void);
      },
      gossip: () => this.gossip,
      state: () => this.state(),
      isInitialized: () => this.phase === 'initialized',
      isLeader: () => isLeader(this.gossip, this.selfUniqueAddress),
      hasConvergence: () => hasConvergence(this.membershipState()),
      markUnreachable: (subjects) => this.safely(() => this.changeOwnReachability(subjects, 'Unreachable')),
      markReachable: (subjects) => this.safely(() => this.changeOwnReachability(subjects, 'Reachable')),
      markTerminated: (subjects) => this.safely(() => this.changeOwnReachability(subjects, 'Terminated')),
      down: (a) => this.down(a),
      leave: (a) => this.leave(a),
      subscribe: (l, o) => this.subscribe(l, o),
      onShutdownRequested: (h) => {
        this.shutdownHandler = h;
      },
      exitingCompleted: () => this.exitingCompleted(),
      exitingConfirmed: () => this.exitingConfirmed,
    };
  }

  private notifyPlugins(fn: (p: ClusterPlugin) => void): void {
    for (const p of this.plugins) {
      try {
        fn(p);
      } catch (e) {
        this.logger.error({ err: e, plugin: p.name }, 'cluster plugin hook failed');
      }
    }
  }

  private changeOwnReachability(subjects: readonly UniqueAddress[], status: ReachabilityStatus): void {
    if (this.phase !== 'initialized') return;
    let r = this.gossip.reachability;
    for (const s of subjects) {
      if (uniqueAddressEquals(s, this.selfUniqueAddress) || !findMember(this.gossip, s)) continue;
      r = changeReachability(r, this.selfUniqueAddress, s, status);
    }
    if (r === this.gossip.reachability) return;
    for (const s of subjects) {
      this.logger.info({ node: formatAddress(s.address), status }, `Marking node as ${status.toUpperCase()}`);
    }
    this.updateGossip(this.stamped({ ...this.gossip, reachability: r }));
  }

  // ---------------------------------------------------------------- inbound messages

  private get selfKey(): string {
    return nodeKey(this.selfUniqueAddress);
  }

  /** Runs fn; an exception is logged and counted, never propagated (the state stays as it was). */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.counters.dropped.handlerError++;
      this.logger.error({ err: e }, 'cluster node failed to handle an input; state unchanged');
    }
  }

  private drop(reason: DropReason, m: { type: string }, detail?: string): void {
    this.counters.dropped[reason]++;
    this.logger.debug({ reason, type: m.type, detail }, 'dropping cluster message');
  }

  /** Entry point for every inbound message. */
  receive(raw: ClusterMessage): void {
    this.counters.received++;
    if (this.phase === 'stopped') return;
    // The transport delivers messages its codec validated (validateMessage); this guard only
    // keeps a buggy or hostile in-process caller from reaching the handlers with a non-message.
    if (typeof raw !== 'object' || raw === null || !MESSAGE_TYPES.includes((raw as { type: ClusterMessage['type'] }).type)) {
      this.drop('malformed', { type: String((raw as { type?: unknown } | null)?.type) });
      return;
    }
    const m = raw;
    if (!this.fromOwnSystem(m)) {
      this.drop('wrongSystem', m);
      return;
    }
    this.safely(() => this.dispatch(m));
  }

  private acceptsAddress(a: Address): boolean {
    return a.system === this.selfAddress.system && this.settings.acceptProtocolNames.includes(a.protocol);
  }

  /** Every address a message names must belong to this actor system and an accepted protocol. */
  private fromOwnSystem(m: ClusterMessage): boolean {
    const addresses: Address[] = [];
    switch (m.type) {
      case 'InitJoin':
      case 'InitJoinAck':
      case 'InitJoinNack':
        addresses.push(m.from);
        break;
      case 'Join':
      case 'ExitingConfirmed':
        addresses.push(m.node.address);
        break;
      case 'Leave':
      case 'Down':
        addresses.push(m.address);
        break;
      case 'Welcome':
        addresses.push(m.from.address, ...m.gossip.members.map((x) => x.uniqueAddress.address));
        break;
      case 'GossipEnvelope':
        addresses.push(m.from.address, m.to.address, ...m.gossip.members.map((x) => x.uniqueAddress.address));
        break;
      case 'GossipStatus':
      case 'Heartbeat':
      case 'HeartbeatRsp':
        addresses.push(m.from.address);
        break;
      case 'Quarantined':
        addresses.push(m.from.address, m.to.address);
        break;
      case 'PrepareForShutdown':
        break;
    }
    return addresses.every((a) => this.acceptsAddress(a));
  }

  private dispatch(m: ClusterMessage): void {
    switch (m.type) {
      case 'Heartbeat':
      case 'HeartbeatRsp':
      case 'Quarantined': {
        const h = this.pluginHandlers.get(m.type);
        if (h) h(m as never);
        else this.drop('unhandled', m);
        return;
      }
      case 'InitJoin':
        return this.handleInitJoin(m.from, m.config);
      case 'InitJoinAck':
        if (this.seedProcess) this.seedProcess.onInitJoinAck(m.from, m.configCheck);
        else this.drop('unexpectedSender', m);
        return;
      case 'InitJoinNack':
        if (this.seedProcess) this.seedProcess.onInitJoinNack(m.from);
        else this.drop('unexpectedSender', m);
        return;
      case 'Welcome':
        return this.handleWelcome(m.from, m.gossip);
    }
    if (this.phase !== 'initialized') {
      this.drop('notInitialized', m);
      return;
    }
    switch (m.type) {
      case 'Join':
        return this.handleJoin(m.node, m.roles, m.appVersion);
      case 'Leave':
        return this.handleLeave(m.address);
      case 'Down':
        return this.handleDown(m.address);
      case 'PrepareForShutdown':
        return this.handlePrepareForShutdown();
      case 'ExitingConfirmed':
        if (!findMember(this.gossip, m.node)) return this.drop('unknownSender', m);
        if (!this.exitingConfirmed.has(nodeKey(m.node))) this.logger.info({ node: formatAddress(m.node.address) }, 'Exiting confirmed');
        this.exitingConfirmed.add(nodeKey(m.node));
        return;
      case 'GossipEnvelope':
        return this.handleGossip(m.from, m.to, m.gossip);
      case 'GossipStatus':
        return this.handleGossipStatus(m.from, m.version, m.seenDigest);
    }
  }

  // ---------------------------------------------------------------- joining

  private startSeedJoin(seeds: readonly Address[]): void {
    if (seeds.length === 0) return;
    if (this.phase === 'initialized' || this.phase === 'stopped') {
      this.logger.info({ seeds: seeds.map(formatAddress) }, 'Trying to join seed nodes when already part of a cluster, ignoring');
      return;
    }
    this.stopSeedProcess();
    this.phase = 'uninitialized';
    this.joinTarget = undefined;
    this.seedNodes = [...seeds];
    const [first] = seeds;
    const selfIsFirst = first !== undefined && addressEquals(first, this.selfAddress);
    if (selfIsFirst && seeds.every((s) => addressEquals(s, this.selfAddress))) {
      this.joinTo(this.selfAddress);
      return;
    }
    const host = {
      scheduler: this.scheduler,
      logger: this.logger,
      selfAddress: this.selfAddress,
      sendInitJoin: (to: Address) => this.send(to, { type: 'InitJoin', from: this.selfAddress, config: this.joinConfig }),
      acceptAck: (from: Address, check: ConfigCheck) => this.acceptInitJoinAck(from, check),
      joinSelf: () => this.joinTo(this.selfAddress),
    };
    this.seedProcess = selfIsFirst
      ? new FirstSeedNodeProcess(host, seeds, this.settings.seedNodeTimeoutMs)
      : new JoinSeedNodeProcess(host, seeds, this.settings.seedNodeTimeoutMs);
  }

  private stopSeedProcess(): void {
    this.seedProcess?.stop();
    this.seedProcess = undefined;
  }

  private acceptInitJoinAck(from: Address, check: ConfigCheck): void {
    let compatible: boolean;
    let problems: readonly string[] = [];
    if (check.type === 'Compatible') {
      const result = checkJoinConfig(check.config, this.joinConfig);
      compatible = result.valid;
      problems = result.problems;
    } else if (check.type === 'Incompatible') {
      compatible = false;
      problems = ['the cluster reported incompatible configuration'];
    } else {
      this.logger.warn({ seed: formatAddress(from) }, 'Seed node answered without a configuration check; joining anyway');
      compatible = true;
    }
    if (!compatible) {
      if (this.settings.enforceConfigCompatOnJoin) {
        this.logger.error(
          { seed: formatAddress(from), problems },
          'Cluster configuration is incompatible with this node; shutting down (configuration-compatibility-check.enforce-on-join = on)',
        );
        this.stopSeedProcess();
        this.requestShutdown('incompatible-configuration');
        return;
      }
      this.logger.warn({ seed: formatAddress(from), problems }, 'Cluster configuration is incompatible; joining anyway');
    }
    this.joinTo(from);
  }

  private joinTo(address: Address): void {
    if (!this.acceptsAddress(address)) {
      this.logger.warn({ address: formatAddress(address) }, 'Trying to join a node of another actor system or protocol, ignoring');
      return;
    }
    if (this.phase === 'initialized' || this.phase === 'stopped') {
      this.logger.info({ address: formatAddress(address) }, 'Trying to join when already part of a cluster, ignoring');
      return;
    }
    this.stopSeedProcess();
    if (addressEquals(address, this.selfAddress)) {
      this.becomeInitialized();
      this.handleJoin(this.selfUniqueAddress, this.settings.roles, this.settings.appVersion);
      return;
    }
    const retry = this.settings.retryUnsuccessfulJoinAfterMs;
    this.phase = 'tryingToJoin';
    this.joinTarget = address;
    this.joinDeadline = retry === undefined ? undefined : this.scheduler.now() + retry;
    this.send(address, {
      type: 'Join',
      node: this.selfUniqueAddress,
      roles: this.settings.roles,
      appVersion: this.settings.appVersion,
    });
  }

  /** Join retry / unsuccessful-join deadline checks while not yet a member (runs on the gossip tick). */
  private joinTick(): void {
    const now = this.scheduler.now();
    if (this.seedJoinDeadline !== undefined && now >= this.seedJoinDeadline) {
      this.seedJoinDeadline = undefined;
      this.logger.warn('Joining of seed nodes was unsuccessful within shutdown-after-unsuccessful-join-seed-nodes');
      this.stopSeedProcess();
      this.requestShutdown('cluster-join-unsuccessful');
      return;
    }
    if (this.phase === 'tryingToJoin' && this.joinDeadline !== undefined && now >= this.joinDeadline) {
      const target = this.joinTarget;
      this.phase = 'uninitialized';
      this.joinTarget = undefined;
      this.joinDeadline = undefined;
      if (this.seedNodes) {
        this.logger.warn('Couldn\'t join existing cluster within retry-unsuccessful-join-after; retrying through the seed nodes');
        this.startSeedJoin(this.seedNodes);
      } else if (target) {
        this.logger.warn({ target: formatAddress(target) }, 'Couldn\'t join within retry-unsuccessful-join-after; retrying');
        this.joinTo(target);
      }
    }
  }

  private handleWelcome(from: UniqueAddress, g: Gossip): void {
    if (this.phase === 'initialized' || this.phase === 'stopped') {
      this.drop('unexpectedSender', { type: 'Welcome' }, 'already initialized');
      return;
    }
    if (this.phase === 'tryingToJoin' && (!this.joinTarget || !addressEquals(from.address, this.joinTarget))) {
      this.drop('unexpectedSender', { type: 'Welcome' }, formatAddress(from.address));
      return;
    }
    if (!findMember(g, this.selfUniqueAddress) || !findMember(g, from)) {
      this.drop('selfNotInGossip', { type: 'Welcome' });
      return;
    }
    this.logger.info({ from: formatAddress(from.address) }, 'Welcome from node');
    this.becomeInitialized();
    this.updateGossip(withSeen(g, this.selfUniqueAddress));
    this.gossipTo(from);
  }

  private becomeInitialized(): void {
    this.phase = 'initialized';
    this.joinTarget = undefined;
    this.joinDeadline = undefined;
    this.seedJoinDeadline = undefined;
    this.stopSeedProcess();
    this.notifyPlugins((p) => p.onInitialized?.());
  }

  private handleInitJoin(from: Address, config: JoinConfig): void {
    const status = findMember(this.gossip, this.selfUniqueAddress)?.status;
    if (this.phase !== 'initialized' || status === 'Down' || status === 'Exiting') {
      this.send(from, { type: 'InitJoinNack', from: this.selfAddress });
      return;
    }
    const configCheck = answerInitJoin(config, this.joinConfig);
    if (configCheck.type === 'Incompatible') {
      this.logger.info({ from: formatAddress(from) }, 'Joining node has incompatible cluster configuration');
    }
    this.send(from, { type: 'InitJoinAck', from: this.selfAddress, configCheck });
  }

  private handleJoin(node: UniqueAddress, roles: readonly string[], appVersion: string): void {
    const self = findMember(this.gossip, this.selfUniqueAddress);
    if (self && (self.status === 'Down' || self.status === 'Exiting' || self.status === 'PreparingForShutdown' || self.status === 'ReadyForShutdown')) {
      this.logger.info({ node: formatAddress(node.address), status: self.status }, 'Ignoring Join: this node is leaving or down');
      return;
    }
    if (!isValidAppVersion(appVersion)) {
      this.drop('malformed', { type: 'Join' }, `invalid app-version ${appVersion}`);
      return;
    }
    if (this.gossip.tombstones.has(nodeKey(node))) {
      this.logger.info({ node: formatAddress(node.address) }, 'Ignoring Join from a removed incarnation');
      return;
    }
    const existing = memberByAddress(this.gossip, node.address);
    if (existing && uniqueAddressEquals(existing.uniqueAddress, node)) {
      if (!uniqueAddressEquals(node, this.selfUniqueAddress)) {
        this.send(node.address, { type: 'Welcome', from: this.selfUniqueAddress, gossip: this.gossip });
      }
      return;
    }
    if (existing) {
      if (existing.status !== 'Down') {
        this.logger.info(
          { node: formatAddress(node.address), oldUid: String(existing.uniqueAddress.uid), newUid: String(node.uid) },
          'New incarnation of existing member is trying to join; existing will be removed from the cluster and then the new one can join',
        );
        const reachability = changeReachability(this.gossip.reachability, this.selfUniqueAddress, existing.uniqueAddress, 'Terminated');
        this.updateGossip(this.stamped({ ...this.gossip, reachability }));
        this.handleDown(existing.uniqueAddress.address);
      }
      return;
    }
    this.notifyPlugins((p) => p.onNewMember?.(node.address));
    const selfJoin = uniqueAddressEquals(node, this.selfUniqueAddress);
    const emptyBefore = this.gossip.members.length === 0;
    const added = [makeMember(node, 'Joining', rolesWithDataCenter(roles, this.settings.selfDataCenter), appVersion)];
    if (!self && !selfJoin) added.push(makeMember(this.selfUniqueAddress, 'Joining', this.settings.roles, this.settings.appVersion));
    this.logger.info({ node: formatAddress(node.address), roles: added[0]?.roles, appVersion }, 'Node is JOINING');
    this.updateGossip(this.stamped(updateMembers(this.gossip, added)));
    if (selfJoin && emptyBefore) this.leaderActions();
    else if (!selfJoin) this.send(node.address, { type: 'Welcome', from: this.selfUniqueAddress, gossip: this.gossip });
  }

  // ---------------------------------------------------------------- leave / down / shutdown

  private handleLeave(address: Address): void {
    if (this.phase !== 'initialized') return;
    const m = memberByAddress(this.gossip, address);
    if (!m || !['Joining', 'WeaklyUp', 'Up', 'PreparingForShutdown', 'ReadyForShutdown'].includes(m.status)) return;
    this.logger.info({ node: formatAddress(address) }, 'Marked address as LEAVING');
    this.updateGossip(this.stamped(updateMembers(this.gossip, [withStatus(m, 'Leaving')])));
    this.gossipRound();
  }

  private handleDown(address: Address): void {
    if (this.phase !== 'initialized') return;
    const m = memberByAddress(this.gossip, address);
    if (!m) {
      this.logger.info({ node: formatAddress(address) }, 'Ignoring down of unknown node');
      return;
    }
    if (m.status === 'Down') return;
    this.logger.info({ node: formatAddress(address) }, 'Marking node as DOWN');
    this.updateGossip(this.stamped(markAsDown(this.gossip, m)));
    if (uniqueAddressEquals(m.uniqueAddress, this.selfUniqueAddress)) this.pushToRandomPeers(PEERS_TO_PUSH_ON_EXIT);
    else this.gossipTo(m.uniqueAddress);
  }

  private handlePrepareForShutdown(): void {
    if (this.phase !== 'initialized') return;
    const self = findMember(this.gossip, this.selfUniqueAddress);
    if (!self || self.status !== 'Up') return;
    const changed = this.gossip.members.filter((m) => m.status === 'Up').map((m) => withStatus(m, 'PreparingForShutdown'));
    if (changed.length === 0) return;
    this.logger.info('Preparing for full cluster shutdown');
    this.updateGossip(this.stamped(updateMembers(this.gossip, changed)));
  }

  private requestShutdown(reason: ClusterShutdownReason): void {
    if (this.shutdownHandler) {
      try {
        this.shutdownHandler(reason);
      } catch (e) {
        this.logger.error({ err: e, reason }, 'coordinated shutdown handler failed');
      }
      return;
    }
    // Without a coordinated-shutdown runner the node finishes the phases it owns itself.
    if (reason === 'cluster-leaving') this.scheduler.schedule(0, () => this.exitingCompleted());
    else if (reason !== 'cluster-downing') this.stop('shutdown');
  }

  private startExitingTasks(): void {
    if (this.selfExitingStarted) return;
    this.selfExitingStarted = true;
    this.exitingTasksInProgress = true;
    this.logger.info('Exiting, starting coordinated shutdown');
    this.requestShutdown('cluster-leaving');
  }

  /** Stops the cluster subsystem: timers off, ClusterShuttingDown, then removals of everyone. */
  private stop(reason: TerminationReason): void {
    if (this.phase === 'stopped') return;
    const before = this.membershipState();
    this.phase = 'stopped';
    this.stopSeedProcess();
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.gossip = emptyGossip;
    this.exitingConfirmed = new Set();
    for (const l of this.listeners) this.eventQueue.push({ listener: l, event: { type: 'ClusterShuttingDown' } });
    this.enqueue(diffEvents(before, this.membershipState()));
    this.drainEvents();
    this.notifyPlugins((p) => p.onStopped?.());
    this.logger.info({ reason }, 'Cluster node stopped');
    this.resolveTerminated(reason);
  }

  // ---------------------------------------------------------------- gossip

  private stamped(g: Gossip): Gossip {
    return stamp(g, this.selfUniqueAddress, this.exitingTasksInProgress);
  }

  /** Whether self's own reachability row flags the node (gossip to/from it is suppressed). */
  private flaggedBySelf(node: UniqueAddress): boolean {
    return statusByObserver(this.gossip.reachability, this.selfUniqueAddress, node) !== 'Reachable';
  }

  private send(to: Address, m: ClusterMessage): void {
    try {
      this.transport.send(to, m);
    } catch (e) {
      this.logger.warn({ err: e, to: formatAddress(to), type: m.type }, 'transport send failed');
    }
  }

  private gossipTo(node: UniqueAddress): void {
    if (uniqueAddressEquals(node, this.selfUniqueAddress) || this.flaggedBySelf(node)) return;
    if (!findMember(this.gossip, node)) return;
    this.counters.gossipSent++;
    this.send(node.address, { type: 'GossipEnvelope', from: this.selfUniqueAddress, to: node, gossip: this.gossip });
  }

  private gossipStatusTo(node: UniqueAddress): void {
    if (uniqueAddressEquals(node, this.selfUniqueAddress) || this.flaggedBySelf(node)) return;
    this.counters.gossipStatusSent++;
    this.send(node.address, {
      type: 'GossipStatus',
      from: this.selfUniqueAddress,
      version: this.gossip.version,
      seenDigest: seenDigest(this.gossip),
    });
  }

  private pushToRandomPeers(n: number): void {
    const peers = this.gossip.members.filter((m) => memberKey(m) !== this.selfKey).map((m) => m.uniqueAddress);
    for (const p of randomSample(peers, n, this.random)) this.gossipTo(p);
  }

  private gossipTick(): void {
    if (this.phase !== 'initialized') {
      this.joinTick();
      return;
    }
    this.gossipRound();
    if (this.needsSpeedUp()) {
      const third = this.settings.gossipIntervalMs / 3;
      for (const delay of [third, 2 * third]) {
        this.scheduler.schedule(delay, () =>
          this.safely(() => {
            if (this.phase === 'initialized' && this.needsSpeedUp()) this.gossipRound();
          }),
        );
      }
    }
  }

  private needsSpeedUp(): boolean {
    const g = this.gossip;
    return g.members.some((m) => m.status === 'Down') || g.seen.size < Math.floor(g.members.length / 2);
  }

  /** One gossip round to one peer chosen per spec §4.6. */
  private gossipRound(): void {
    if (this.gossip.members.length <= 1) return;
    const target = selectGossipTarget(
      this.gossip,
      this.selfUniqueAddress,
      this.random,
      this.settings.gossipDifferentViewProbability,
      this.settings.reduceGossipDifferentViewProbability,
      this.exitingConfirmed,
    );
    if (!target) return;
    if (this.gossip.seen.has(memberKey(target))) this.gossipStatusTo(target.uniqueAddress);
    else this.gossipTo(target.uniqueAddress);
  }

  private handleGossipStatus(from: UniqueAddress, version: Gossip['version'], digest: string): void {
    if (!findMember(this.gossip, from)) return this.drop('unknownSender', { type: 'GossipStatus' });
    if (this.flaggedBySelf(from)) return this.drop('unreachableSender', { type: 'GossipStatus' });
    if (digest !== seenDigest(this.gossip)) return this.gossipTo(from);
    const cmp = compareClocks(version, this.gossip.version);
    if (cmp === 'Same') return;
    if (cmp === 'After') this.gossipStatusTo(from);
    else this.gossipTo(from);
  }

  private handleGossip(from: UniqueAddress, to: UniqueAddress, remote: Gossip): void {
    const type = { type: 'GossipEnvelope' };
    if (!uniqueAddressEquals(to, this.selfUniqueAddress)) return this.drop('wrongUid', type);
    if (!findMember(this.gossip, from)) return this.drop('unknownSender', type);
    if (this.flaggedBySelf(from)) return this.drop('unreachableSender', type);
    if (!findMember(remote, this.selfUniqueAddress)) return this.drop('selfNotInGossip', type);

    const local = this.gossip;
    const remoteSeenSelf = remote.seen.has(this.selfKey);
    let next: Gossip;
    let talkBack: boolean;
    switch (compareClocks(remote.version, local.version)) {
      case 'Same':
        next = withSeenUnion(remote, local.seen);
        talkBack = !this.exitingTasksInProgress && !remoteSeenSelf;
        break;
      case 'Before':
        next = local;
        talkBack = true;
        break;
      case 'After':
        next = remote;
        talkBack = !this.exitingTasksInProgress && !remoteSeenSelf;
        break;
      case 'Concurrent':
        next = mergeGossip(local, remote);
        talkBack = true;
        break;
    }
    if (!this.exitingTasksInProgress) next = withSeen(next, this.selfUniqueAddress);
    if (this.plugins.some((p) => p.onNewMember)) {
      const before = memberIndex(local);
      for (const m of next.members) {
        if (!before.has(memberKey(m))) this.notifyPlugins((p) => p.onNewMember?.(m.uniqueAddress.address));
      }
    }
    this.updateGossip(next);
    if (talkBack) this.gossipTo(from);
    const self = findMember(this.gossip, this.selfUniqueAddress);
    if (self?.status === 'Exiting') this.startExitingTasks();
    if (self?.status === 'Down' && this.selfDownTicks === undefined) this.onSelfDown();
    this.upOnConvergence();
  }

  // ---------------------------------------------------------------- leader

  /**
   * Beyond Pekko's fixed tick: when gossip brings convergence and members wait in Joining or
   * WeaklyUp, the leader moves them Up at once instead of up to leader-actions-interval later.
   * The same converged leader actions run, so nothing moves that the tick would not have moved.
   * Only while nobody is leaving or down: removals and exits stay on the tick.
   */
  private upOnConvergence(): void {
    if (this.phase !== 'initialized' || !isLeader(this.gossip, this.selfUniqueAddress)) return;
    const members = this.gossip.members;
    if (!members.some((m) => m.status === 'Joining' || m.status === 'WeaklyUp')) return;
    if (!members.every((m) => m.status === 'Joining' || m.status === 'WeaklyUp' || m.status === 'Up')) return;
    if (!hasConvergence(this.membershipState())) return;
    this.leaderActions();
  }

  private leaderTick(): void {
    if (this.phase !== 'initialized') return;
    this.leaderActions();
    for (const k of [...this.exitingConfirmed]) if (!memberIndex(this.gossip).has(k)) this.exitingConfirmed.delete(k);
    const self = findMember(this.gossip, this.selfUniqueAddress);
    if (self?.status === 'Up' && this.gossip.members.some((m) => m.status === 'PreparingForShutdown' || m.status === 'ReadyForShutdown')) {
      this.handlePrepareForShutdown();
    }
    this.selfDownCheck();
  }

  private leaderActions(): void {
    if (!isLeader(this.gossip, this.selfUniqueAddress)) return;
    const state = this.membershipState();
    let result: LeaderActionResult;
    if (hasConvergence(state)) {
      this.ticksWithoutConvergence = 0;
      result = convergedLeaderActions(
        state,
        { ...this.settings, pruneTombstonesAfterMs: this.settings.pruneGossipTombstonesAfterMs },
        this.wallClock(),
        this.exitingTasksInProgress,
      );
    } else {
      this.ticksWithoutConvergence++;
      if (this.logger.isLevelEnabled('debug')) {
        this.logger.debug({ ticks: this.ticksWithoutConvergence, ...convergenceBlockers(state) }, 'Leader: no convergence');
      }
      if (this.ticksWithoutConvergence === 20 || (this.ticksWithoutConvergence > 20 && this.ticksWithoutConvergence % 60 === 20)) {
        this.logger.info({ ticks: this.ticksWithoutConvergence }, "Leader can't perform its duties: no convergence");
      }
      if (!weaklyUpDue(this.ticksWithoutConvergence, this.settings.leaderActionsIntervalMs, this.settings.allowWeaklyUpMembersMs)) {
        return;
      }
      result = weaklyUpActions(state, this.settings, this.exitingTasksInProgress);
    }
    if (!result.changed) return;
    for (const m of result.upped) this.logger.info({ node: formatAddress(m.uniqueAddress.address), status: m.status }, `Leader is moving node to [${m.status}]`);
    for (const m of result.exiting) this.logger.info({ node: formatAddress(m.uniqueAddress.address) }, 'Leader is moving node to [Exiting]');
    for (const m of result.removed) this.logger.info({ node: formatAddress(m.uniqueAddress.address), previous: m.status }, 'Leader is removing node');
    for (const m of result.removed) this.exitingConfirmed.delete(memberKey(m));
    this.updateGossip(result.gossip);
    if (result.exiting.length > 0) {
      if (result.exiting.some((m) => memberKey(m) === this.selfKey)) this.startExitingTasks();
      this.pushToOldest();
    }
  }

  /** After moving members to Exiting, tell the two oldest members first (they may take over). */
  private pushToOldest(): void {
    const candidates = this.gossip.members.filter((m) => memberKey(m) !== this.selfKey && m.status !== 'Exiting');
    const oldest: Member[] = [];
    for (let i = 0; i < 2; i++) {
      const o = oldestMember(candidates.filter((m) => !oldest.includes(m)));
      if (o) oldest.push(o);
    }
    for (const m of oldest) this.gossipTo(m.uniqueAddress);
  }

  // ---------------------------------------------------------------- self down

  private onSelfDown(): void {
    this.selfDownTicks = 0;
    this.logger.warn('This node has been marked as DOWN. Shutting down the cluster subsystem once the other nodes have seen it');
  }

  private selfDownCheck(): void {
    const self = findMember(this.gossip, this.selfUniqueAddress);
    if (self?.status !== 'Down') return;
    if (this.selfDownTicks === undefined) this.onSelfDown();
    const ticks = (this.selfDownTicks = (this.selfDownTicks ?? 0) + 1);
    const g = this.gossip;
    const allSeen = g.members
      .filter((m) => m.status === 'Down')
      .every((m) => g.seen.has(memberKey(m)) || !isReachable(g.reachability, m.uniqueAddress) || memberKey(m) === this.selfKey);
    if (allSeen || ticks >= MAX_TICKS_BEFORE_SELF_SHUTDOWN) {
      this.pushToRandomPeers(PEERS_TO_PUSH_ON_EXIT);
      if (this.settings.runCoordinatedShutdownWhenDown) this.requestShutdown('cluster-downing');
      this.stop('downed');
    }
  }

  // ---------------------------------------------------------------- state + events

  private updateGossip(next: Gossip): void {
    const before = this.membershipState();
    this.gossip = next;
    this.enqueue(diffEvents(before, this.membershipState()));
    this.drainEvents();
  }

  private enqueue(events: readonly ClusterEvent[]): void {
    for (const event of events) for (const listener of this.listeners) this.eventQueue.push({ listener, event });
  }

  /** Delivers queued events in order; listeners that call back into the node only append. */
  private drainEvents(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let item = this.eventQueue.shift(); item; item = this.eventQueue.shift()) {
        if (!this.listeners.has(item.listener)) continue;
        try {
          item.listener(item.event);
        } catch (e) {
          this.logger.error({ err: e, event: item.event.type }, 'cluster event listener failed');
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
