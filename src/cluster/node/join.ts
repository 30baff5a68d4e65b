// The join handshake (spec §3): seed-node processes and InitJoin, JoinTo with its retry and
// deadline, Welcome on the joining side, and admitting a Join on a member (incarnations,
// tombstones, data centers, app-version).
import { addressEquals, formatAddress, uniqueAddressEquals, type Address, type UniqueAddress } from '../../address.js';
import { findMember, memberByAddress, updateMembers, withSeen, type Gossip } from '../gossip.js';
import { answerInitJoin, checkJoinConfig, type JoinConfig } from '../join-config.js';
import { dataCenterOf, isValidAppVersion, makeMember, rolesWithDataCenter } from '../member.js';
import { nodeKey } from '../node-key.js';
import type { ClusterShutdownReason } from '../plugin.js';
import type { ConfigCheck } from '../protocol.js';
import { changeReachability, isReachable } from '../reachability.js';
import { FirstSeedNodeProcess, JoinSeedNodeProcess, type SeedProcess } from '../seed-process.js';
import type { NodeCore } from './core.js';

/** A host containing `_` without a `.` after it is not a valid host name for joining. */
export function hasInvalidHost(a: Address): boolean {
  const i = a.host.lastIndexOf('_');
  return i >= 0 && !a.host.slice(i).includes('.');
}

/**
 * Whether a node that joined through `welcomer` should give up its membership as a failed join
 * (spec §0.1, Muster-specific): pure, the clock is passed in. Members of its view have said,
 * since `unknownSince` and without any member's gossip (or status) reaching it in between, that they never
 * admitted this incarnation (`notifier` said so last). It gives up only while it is Joining or
 * WeaklyUp in its own view, once `boundMs` has passed, and only when the member that welcomed it
 * is itself the notifier, or is gone, Down or unreachable in its view: a fresh joiner that the
 * welcomer simply has not gossiped about yet keeps waiting.
 */
export function joinLooksOrphaned(
  g: Gossip,
  self: UniqueAddress,
  welcomer: UniqueAddress | undefined,
  notifier: UniqueAddress,
  unknownSince: number,
  now: number,
  boundMs: number,
): boolean {
  const me = findMember(g, self);
  if (!me || (me.status !== 'Joining' && me.status !== 'WeaklyUp')) return false;
  if (!welcomer || now - unknownSince < boundMs) return false;
  if (uniqueAddressEquals(notifier, welcomer)) return true;
  const w = findMember(g, welcomer);
  return !w || w.status === 'Down' || !isReachable(g.reachability, welcomer);
}

/** Default bound for giving up a join the cluster never heard of, when retry-unsuccessful-join-after is off. */
const ORPHANED_JOIN_BOUND_MS = 10_000;

export interface JoinDeps {
  gossipTo(node: UniqueAddress): void;
  down(address: Address): void;
  /** Runs the leader actions at once (a self-joined first node becomes Up without waiting a tick). */
  leaderActions(): void;
  requestShutdown(reason: ClusterShutdownReason): void;
}

export class Join {
  private joinTarget: Address | undefined;
  private joinDeadline: number | undefined;
  private seedNodes: readonly Address[] | undefined;
  private seedJoinDeadline: number | undefined;
  private seedProcess: SeedProcess | undefined;
  /** The member whose Welcome made this node initialized (undefined for a self-join). */
  private welcomer: UniqueAddress | undefined;
  /** Since when members keep saying they never admitted this incarnation (reset whenever a member gossips to it). */
  private unknownSince: number | undefined;
  private gaveUp = false;

  constructor(
    private readonly core: NodeCore,
    private readonly deps: JoinDeps,
  ) {}

  /** JoinSeedNodes (spec §3.3), with the shutdown-after-unsuccessful-join-seed-nodes deadline. */
  joinSeedNodes(seeds: readonly Address[]): void {
    const c = this.core;
    const limit = c.settings.shutdownAfterUnsuccessfulJoinSeedNodesMs;
    if (limit !== undefined && c.phase !== 'initialized') this.seedJoinDeadline = c.scheduler.now() + limit;
    c.safely(() => this.startSeedJoin(seeds));
  }

  private startSeedJoin(seeds: readonly Address[]): void {
    const c = this.core;
    if (seeds.length === 0) return;
    if (c.phase === 'initialized' || c.phase === 'stopped') {
      c.logger.info({ seeds: seeds.map(formatAddress) }, 'Trying to join seed nodes when already part of a cluster, ignoring');
      return;
    }
    this.stopSeedProcess();
    c.phase = 'uninitialized';
    this.joinTarget = undefined;
    this.seedNodes = [...seeds];
    const [first] = seeds;
    const selfIsFirst = first !== undefined && addressEquals(first, c.selfAddress);
    if (selfIsFirst && seeds.every((s) => addressEquals(s, c.selfAddress))) {
      this.joinTo(c.selfAddress);
      return;
    }
    const host = {
      scheduler: c.scheduler,
      logger: c.logger,
      selfAddress: c.selfAddress,
      sendInitJoin: (to: Address) => c.send(to, { type: 'InitJoin', from: c.selfAddress, config: c.joinConfig }),
      acceptAck: (from: Address, check: ConfigCheck) => this.acceptInitJoinAck(from, check),
      joinSelf: () => this.joinTo(c.selfAddress),
    };
    this.seedProcess = selfIsFirst
      ? new FirstSeedNodeProcess(host, seeds, c.settings.seedNodeTimeoutMs)
      : new JoinSeedNodeProcess(host, seeds, c.settings.seedNodeTimeoutMs);
  }

  stopSeedProcess(): void {
    this.seedProcess?.stop();
    this.seedProcess = undefined;
  }

  handleInitJoinAck(from: Address, check: ConfigCheck): void {
    if (this.seedProcess) this.seedProcess.onInitJoinAck(from, check);
    else this.core.drop('unexpectedSender', { type: 'InitJoinAck' });
  }

  handleInitJoinNack(from: Address): void {
    if (this.seedProcess) this.seedProcess.onInitJoinNack(from);
    else this.core.drop('unexpectedSender', { type: 'InitJoinNack' });
  }

  private acceptInitJoinAck(from: Address, check: ConfigCheck): void {
    const c = this.core;
    let compatible: boolean;
    let problems: readonly string[] = [];
    if (check.type === 'Compatible') {
      const result = checkJoinConfig(check.config, c.joinConfig);
      compatible = result.valid;
      problems = result.problems;
    } else if (check.type === 'Incompatible') {
      compatible = false;
      problems = ['the cluster reported incompatible configuration'];
    } else {
      c.logger.warn({ seed: formatAddress(from) }, 'Seed node answered without a configuration check; joining anyway');
      compatible = true;
    }
    if (!compatible) {
      if (c.settings.enforceConfigCompatOnJoin) {
        c.logger.error(
          { seed: formatAddress(from), problems },
          'Cluster configuration is incompatible with this node; shutting down (configuration-compatibility-check.enforce-on-join = on)',
        );
        this.stopSeedProcess();
        this.deps.requestShutdown('incompatible-configuration');
        return;
      }
      c.logger.warn({ seed: formatAddress(from), problems }, 'Cluster configuration is incompatible; joining anyway');
    }
    this.joinTo(from);
  }

  /** JoinTo (spec §3.5); joining self makes this node the first member. */
  joinTo(address: Address): void {
    const c = this.core;
    if (!c.acceptsAddress(address)) {
      c.logger.warn({ address: formatAddress(address) }, 'Trying to join a node of another actor system or protocol, ignoring');
      return;
    }
    if (c.phase === 'initialized' || c.phase === 'stopped') {
      c.logger.info({ address: formatAddress(address) }, 'Trying to join when already part of a cluster, ignoring');
      return;
    }
    this.stopSeedProcess();
    if (addressEquals(address, c.selfAddress)) {
      this.becomeInitialized();
      this.handleJoin(c.self, c.settings.roles, c.settings.appVersion);
      return;
    }
    const retry = c.settings.retryUnsuccessfulJoinAfterMs;
    c.phase = 'tryingToJoin';
    this.joinTarget = address;
    this.joinDeadline = retry === undefined ? undefined : c.scheduler.now() + retry;
    c.send(address, { type: 'Join', node: c.self, roles: c.settings.roles, appVersion: c.settings.appVersion });
  }

  /** Join retry / unsuccessful-join deadline checks while not yet a member (runs on the gossip tick). */
  tick(): void {
    const c = this.core;
    const now = c.scheduler.now();
    if (this.seedJoinDeadline !== undefined && now >= this.seedJoinDeadline) {
      this.seedJoinDeadline = undefined;
      c.logger.warn('Joining of seed nodes was unsuccessful within shutdown-after-unsuccessful-join-seed-nodes');
      this.stopSeedProcess();
      this.deps.requestShutdown('cluster-join-unsuccessful');
      return;
    }
    if (c.phase === 'tryingToJoin' && this.joinDeadline !== undefined && now >= this.joinDeadline) {
      const target = this.joinTarget;
      c.phase = 'uninitialized';
      this.joinTarget = undefined;
      this.joinDeadline = undefined;
      if (this.seedNodes) {
        c.logger.warn('Couldn\'t join existing cluster within retry-unsuccessful-join-after; retrying through the seed nodes');
        this.startSeedJoin(this.seedNodes);
      } else if (target) {
        c.logger.warn({ target: formatAddress(target) }, 'Couldn\'t join within retry-unsuccessful-join-after; retrying');
        this.joinTo(target);
      }
    }
  }

  handleWelcome(from: UniqueAddress, g: Gossip): void {
    const c = this.core;
    if (c.phase === 'initialized' || c.phase === 'stopped') {
      c.drop('unexpectedSender', { type: 'Welcome' }, 'already initialized');
      return;
    }
    if (c.phase === 'tryingToJoin' && (!this.joinTarget || !addressEquals(from.address, this.joinTarget))) {
      c.drop('unexpectedSender', { type: 'Welcome' }, formatAddress(from.address));
      return;
    }
    if (!findMember(g, c.self) || !findMember(g, from)) {
      c.drop('selfNotInGossip', { type: 'Welcome' });
      return;
    }
    c.logger.info({ from: formatAddress(from.address) }, 'Welcome from node');
    this.becomeInitialized();
    this.welcomer = from;
    this.unknownSince = undefined;
    c.updateGossip(withSeen(g, c.self));
    this.deps.gossipTo(from);
  }

  /** A member's gossip or gossip status reached this node, so some member knows it: the unknown-incarnation clock restarts. */
  onMemberContact(): void {
    this.unknownSince = undefined;
  }

  /**
   * UnknownIncarnation from `from` (validated: addressed to this uid, sent by a member of this
   * node's view). A node that joined through a member which then went away can be left with a
   * view whose other members never admitted it; it gives up as a failed join (coordinated
   * shutdown, reason cluster-join-unsuccessful) so that it can be restarted and join afresh.
   */
  handleUnknownIncarnation(from: UniqueAddress, to: UniqueAddress): void {
    const c = this.core;
    if (!uniqueAddressEquals(to, c.self)) return c.drop('wrongUid', { type: 'UnknownIncarnation' });
    if (uniqueAddressEquals(from, c.self) || !findMember(c.gossip, from)) return c.drop('unknownSender', { type: 'UnknownIncarnation' });
    if (this.gaveUp) return;
    const now = c.scheduler.now();
    if (this.unknownSince === undefined) this.unknownSince = now;
    const bound = c.settings.retryUnsuccessfulJoinAfterMs ?? ORPHANED_JOIN_BOUND_MS;
    if (!joinLooksOrphaned(c.gossip, c.self, this.welcomer, from, this.unknownSince, now, bound)) return;
    this.gaveUp = true;
    c.logger.warn(
      { by: formatAddress(from.address), welcomer: this.welcomer && formatAddress(this.welcomer.address) },
      'Members of this node\'s view never admitted it and the node it joined through is gone; giving up the join',
    );
    this.deps.requestShutdown('cluster-join-unsuccessful');
  }

  private becomeInitialized(): void {
    const c = this.core;
    c.phase = 'initialized';
    this.joinTarget = undefined;
    this.joinDeadline = undefined;
    this.seedJoinDeadline = undefined;
    this.stopSeedProcess();
    c.notifyPlugins((p) => p.onInitialized?.());
  }

  handleInitJoin(from: Address, config: JoinConfig): void {
    const c = this.core;
    const status = findMember(c.gossip, c.self)?.status;
    if (c.phase !== 'initialized' || status === 'Down' || status === 'Exiting') {
      c.send(from, { type: 'InitJoinNack', from: c.selfAddress });
      return;
    }
    const configCheck = answerInitJoin(config, c.joinConfig);
    if (configCheck.type === 'Incompatible') {
      c.logger.info({ from: formatAddress(from) }, 'Joining node has incompatible cluster configuration');
    }
    c.send(from, { type: 'InitJoinAck', from: c.selfAddress, configCheck });
  }

  /** A Join received by a member, or self's own join (spec §3.6). */
  handleJoin(node: UniqueAddress, roles: readonly string[], appVersion: string): void {
    const c = this.core;
    const self = findMember(c.gossip, c.self);
    if (self && (self.status === 'Down' || self.status === 'Exiting' || self.status === 'PreparingForShutdown' || self.status === 'ReadyForShutdown')) {
      c.logger.info({ node: formatAddress(node.address), status: self.status }, 'Ignoring Join: this node is leaving or down');
      return;
    }
    if (!isValidAppVersion(appVersion)) {
      c.drop('malformed', { type: 'Join' }, `invalid app-version ${appVersion}`);
      return;
    }
    if (c.gossip.tombstones.has(nodeKey(node))) {
      c.logger.info({ node: formatAddress(node.address) }, 'Ignoring Join from a removed incarnation');
      return;
    }
    const dataCenter = dataCenterOf(roles);
    if (dataCenter !== c.settings.selfDataCenter) {
      // Muster runs one data center; relabelling the joiner would put a node into this DC's
      // counts (SBR majority, oldest) that its own configuration says belongs elsewhere.
      c.logger.warn(
        { node: formatAddress(node.address), dataCenter, selfDataCenter: c.settings.selfDataCenter },
        'Ignoring Join from another data center',
      );
      return;
    }
    const existing = memberByAddress(c.gossip, node.address);
    if (existing && uniqueAddressEquals(existing.uniqueAddress, node)) {
      if (!uniqueAddressEquals(node, c.self)) {
        c.send(node.address, { type: 'Welcome', from: c.self, gossip: c.gossip });
      }
      return;
    }
    if (existing) {
      if (existing.status !== 'Down') {
        c.logger.info(
          { node: formatAddress(node.address), oldUid: String(existing.uniqueAddress.uid), newUid: String(node.uid) },
          'New incarnation of existing member is trying to join; existing will be removed from the cluster and then the new one can join',
        );
        const reachability = changeReachability(c.gossip.reachability, c.self, existing.uniqueAddress, 'Terminated');
        c.updateGossip(c.stamped({ ...c.gossip, reachability }));
        this.deps.down(existing.uniqueAddress.address);
      }
      return;
    }
    c.notifyPlugins((p) => p.onNewMember?.(node.address));
    const selfJoin = uniqueAddressEquals(node, c.self);
    const emptyBefore = c.gossip.members.length === 0;
    const added = [makeMember(node, 'Joining', rolesWithDataCenter(roles, c.settings.selfDataCenter), appVersion)];
    if (!self && !selfJoin) added.push(makeMember(c.self, 'Joining', c.settings.roles, c.settings.appVersion));
    c.logger.info({ node: formatAddress(node.address), roles: added[0]?.roles, appVersion }, 'Node is JOINING');
    c.updateGossip(c.stamped(updateMembers(c.gossip, added)));
    if (selfJoin && emptyBefore) this.deps.leaderActions();
    else if (!selfJoin) c.send(node.address, { type: 'Welcome', from: c.self, gossip: c.gossip });
  }
}
