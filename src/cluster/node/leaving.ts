// Leaving, downing and the node's reactions to its own status (spec §2.4, §7): Leave and Down
// commands, full-cluster-shutdown preparation, the exiting tasks handed to coordinated shutdown,
// the exit confirmation to the next leaders, and stopping once this node itself is Down.
import { formatAddress, uniqueAddressEquals, type Address, type UniqueAddress } from '../../address.js';
import { findMember, markAsDown, memberByAddress, memberIndex, memberKey, updateMembers, withSeen } from '../gossip.js';
import { leaderOf } from '../leader.js';
import { withStatus } from '../member.js';
import { isReachable } from '../reachability.js';
import { nodeKey } from '../node-key.js';
import type { ClusterShutdownReason } from '../plugin.js';
import type { NodeCore } from './core.js';

/** Ticks after which a downed node stops even if not every Down member has seen the gossip. */
const MAX_TICKS_BEFORE_SELF_SHUTDOWN = 4;
export const PEERS_TO_PUSH_ON_EXIT = 5;

/** What leaving needs from the rest of the node. */
export interface LeavingDeps {
  gossipTo(node: UniqueAddress): void;
  pushToRandomPeers(n: number): void;
  gossipRound(): void;
  /** Stops the cluster subsystem. */
  stop(reason: 'exited' | 'downed' | 'shutdown'): void;
}

export class Leaving {
  private selfExitingStarted = false;
  private selfDownTicks: number | undefined;
  private shutdownHandler: ((reason: ClusterShutdownReason) => void) | undefined;

  constructor(
    private readonly core: NodeCore,
    private readonly deps: LeavingDeps,
  ) {}

  /** Installs the coordinated-shutdown runner (see ClusterPluginContext.onShutdownRequested). */
  onShutdownRequested(handler: (reason: ClusterShutdownReason) => void): void {
    this.shutdownHandler = handler;
  }

  handleLeave(address: Address): void {
    const c = this.core;
    if (c.phase !== 'initialized') return;
    const m = memberByAddress(c.gossip, address);
    if (!m || !['Joining', 'WeaklyUp', 'Up', 'PreparingForShutdown', 'ReadyForShutdown'].includes(m.status)) return;
    c.logger.info({ node: formatAddress(address) }, 'Marked address as LEAVING');
    c.updateGossip(c.stamped(updateMembers(c.gossip, [withStatus(m, 'Leaving')])));
    this.deps.gossipRound();
  }

  handleDown(address: Address): void {
    const c = this.core;
    if (c.phase !== 'initialized') return;
    const m = memberByAddress(c.gossip, address);
    if (!m) {
      c.logger.info({ node: formatAddress(address) }, 'Ignoring down of unknown node');
      return;
    }
    if (m.status === 'Down') return;
    c.logger.info({ node: formatAddress(address) }, 'Marking node as DOWN');
    c.updateGossip(c.stamped(markAsDown(c.gossip, m)));
    if (uniqueAddressEquals(m.uniqueAddress, c.self)) this.deps.pushToRandomPeers(PEERS_TO_PUSH_ON_EXIT);
    else this.deps.gossipTo(m.uniqueAddress);
  }

  handlePrepareForShutdown(): void {
    const c = this.core;
    if (c.phase !== 'initialized') return;
    const self = findMember(c.gossip, c.self);
    if (!self || self.status !== 'Up') return;
    const changed = c.gossip.members.filter((m) => m.status === 'Up').map((m) => withStatus(m, 'PreparingForShutdown'));
    if (changed.length === 0) return;
    c.logger.info('Preparing for full cluster shutdown');
    c.updateGossip(c.stamped(updateMembers(c.gossip, changed)));
  }

  requestShutdown(reason: ClusterShutdownReason): void {
    if (this.shutdownHandler) {
      try {
        this.shutdownHandler(reason);
      } catch (e) {
        this.core.logger.error({ err: e, reason }, 'coordinated shutdown handler failed');
      }
      return;
    }
    // Without a coordinated-shutdown runner the node finishes the phases it owns itself.
    if (reason === 'cluster-leaving') this.core.scheduler.schedule(0, () => this.exitingCompleted());
    else if (reason !== 'cluster-downing') this.deps.stop('shutdown');
  }

  startExitingTasks(): void {
    if (this.selfExitingStarted) return;
    this.selfExitingStarted = true;
    this.core.exitingTasksInProgress = true;
    this.core.logger.info('Exiting, starting coordinated shutdown');
    this.requestShutdown('cluster-leaving');
  }

  /** Ends the exiting phase: marks seen, confirms the exit to the next two leaders, stops. */
  exitingCompleted(): void {
    const c = this.core;
    c.safely(() => {
      if (c.phase !== 'initialized') return;
      c.exitingTasksInProgress = false;
      if (findMember(c.gossip, c.self)) {
        c.updateGossip(withSeen(c.gossip, c.self));
        this.deps.pushToRandomPeers(PEERS_TO_PUSH_ON_EXIT);
        const others = { ...c.gossip, members: c.gossip.members.filter((m) => memberKey(m) !== c.selfKey) };
        const first = leaderOf(others, c.self);
        const rest = first ? { ...others, members: others.members.filter((m) => !uniqueAddressEquals(m.uniqueAddress, first)) } : others;
        const second = leaderOf(rest, c.self);
        for (const to of [first, second]) {
          if (to) c.send(to.address, { type: 'ExitingConfirmed', node: c.self });
        }
        c.notifyPlugins((p) => p.onExitingCompleted?.());
      }
      this.deps.stop('exited');
    });
  }

  /** ExitingConfirmed from a member that finished its own exit (spec §7.2). */
  handleExitingConfirmed(node: UniqueAddress): void {
    const c = this.core;
    if (!findMember(c.gossip, node)) return c.drop('unknownSender', { type: 'ExitingConfirmed' });
    if (!c.exitingConfirmed.has(nodeKey(node))) c.logger.info({ node: formatAddress(node.address) }, 'Exiting confirmed');
    c.exitingConfirmed.add(nodeKey(node));
  }

  /** Forgets confirmations of members no longer in the gossip. */
  pruneExitingConfirmed(): void {
    const c = this.core;
    const idx = memberIndex(c.gossip);
    for (const k of [...c.exitingConfirmed]) if (!idx.has(k)) c.exitingConfirmed.delete(k);
  }

  /** After a gossip was adopted: react to self having become Exiting or Down. */
  onOwnStatus(): void {
    const self = findMember(this.core.gossip, this.core.self);
    if (self?.status === 'Exiting') this.startExitingTasks();
    if (self?.status === 'Down' && this.selfDownTicks === undefined) this.onSelfDown();
  }

  private onSelfDown(): void {
    this.selfDownTicks = 0;
    this.core.logger.warn('This node has been marked as DOWN. Shutting down the cluster subsystem once the other nodes have seen it');
  }

  /** On every leader tick while self is Down: stop once the other Down members saw it, or after a few ticks. */
  selfDownCheck(): void {
    const c = this.core;
    const self = findMember(c.gossip, c.self);
    if (self?.status !== 'Down') return;
    if (this.selfDownTicks === undefined) this.onSelfDown();
    const ticks = (this.selfDownTicks = (this.selfDownTicks ?? 0) + 1);
    const g = c.gossip;
    const allSeen = g.members
      .filter((m) => m.status === 'Down')
      .every((m) => g.seen.has(memberKey(m)) || !isReachable(g.reachability, m.uniqueAddress) || memberKey(m) === c.selfKey);
    if (allSeen || ticks >= MAX_TICKS_BEFORE_SELF_SHUTDOWN) {
      this.deps.pushToRandomPeers(PEERS_TO_PUSH_ON_EXIT);
      if (c.settings.runCoordinatedShutdownWhenDown) this.requestShutdown('cluster-downing');
      this.deps.stop('downed');
    }
  }
}
