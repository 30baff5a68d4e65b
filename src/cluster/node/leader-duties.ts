// The leader's actions (spec §4.10), run on each leader tick by whichever node is leader: with
// convergence, Joining/WeaklyUp -> Up, Leaving -> Exiting, removal of Exiting and Down members and
// tombstone pruning; without it, only Joining -> WeaklyUp once allowed.
import { formatAddress, type UniqueAddress } from '../../address.js';
import type { Member } from '../api.js';
import { convergenceBlockers, hasConvergence } from '../convergence.js';
import { memberKey } from '../gossip.js';
import { convergedLeaderActions, isLeader, weaklyUpActions, weaklyUpDue, type LeaderActionResult } from '../leader.js';
import { oldestMember } from '../member.js';
import type { NodeCore } from './core.js';

export interface LeaderDeps {
  gossipTo(node: UniqueAddress): void;
  /** Self was moved to Exiting: start this node's own exiting tasks. */
  startExitingTasks(): void;
}

export class LeaderDuties {
  private ticksWithoutConvergence = 0;

  constructor(
    private readonly core: NodeCore,
    private readonly deps: LeaderDeps,
  ) {}

  /** Performs the leader actions when self is leader; a no-op otherwise. */
  act(): void {
    const c = this.core;
    if (!isLeader(c.gossip, c.self)) return;
    const state = c.membershipState();
    let result: LeaderActionResult;
    if (hasConvergence(state)) {
      this.ticksWithoutConvergence = 0;
      result = convergedLeaderActions(
        state,
        { ...c.settings, pruneTombstonesAfterMs: c.settings.pruneGossipTombstonesAfterMs },
        c.wallClock(),
        c.exitingTasksInProgress,
      );
    } else {
      this.ticksWithoutConvergence++;
      if (c.logger.isLevelEnabled('debug')) {
        c.logger.debug({ ticks: this.ticksWithoutConvergence, ...convergenceBlockers(state) }, 'Leader: no convergence');
      }
      if (this.ticksWithoutConvergence === 20 || (this.ticksWithoutConvergence > 20 && this.ticksWithoutConvergence % 60 === 20)) {
        c.logger.info({ ticks: this.ticksWithoutConvergence }, "Leader can't perform its duties: no convergence");
      }
      if (!weaklyUpDue(this.ticksWithoutConvergence, c.settings.leaderActionsIntervalMs, c.settings.allowWeaklyUpMembersMs)) {
        return;
      }
      result = weaklyUpActions(state, c.settings, c.exitingTasksInProgress);
    }
    if (!result.changed) return;
    for (const m of result.upped) c.logger.info({ node: formatAddress(m.uniqueAddress.address), status: m.status }, `Leader is moving node to [${m.status}]`);
    for (const m of result.exiting) c.logger.info({ node: formatAddress(m.uniqueAddress.address) }, 'Leader is moving node to [Exiting]');
    for (const m of result.removed) c.logger.info({ node: formatAddress(m.uniqueAddress.address), previous: m.status }, 'Leader is removing node');
    for (const m of result.removed) c.exitingConfirmed.delete(memberKey(m));
    c.updateGossip(result.gossip);
    if (result.exiting.length > 0) {
      if (result.exiting.some((m) => memberKey(m) === c.selfKey)) this.deps.startExitingTasks();
      this.pushToOldest();
    }
  }

  /**
   * Beyond Pekko's fixed tick: when gossip brings convergence and members wait in Joining or
   * WeaklyUp, the leader moves them Up at once instead of up to leader-actions-interval later.
   * The same converged leader actions run, so nothing moves that the tick would not have moved.
   * Only while nobody is leaving or down: removals and exits stay on the tick.
   */
  upOnConvergence(): void {
    const c = this.core;
    if (c.phase !== 'initialized' || !isLeader(c.gossip, c.self)) return;
    const members = c.gossip.members;
    if (!members.some((m) => m.status === 'Joining' || m.status === 'WeaklyUp')) return;
    if (!members.every((m) => m.status === 'Joining' || m.status === 'WeaklyUp' || m.status === 'Up')) return;
    if (!hasConvergence(c.membershipState())) return;
    this.act();
  }

  /** After moving members to Exiting, tell the two oldest members first (they may take over). */
  private pushToOldest(): void {
    const c = this.core;
    const candidates = c.gossip.members.filter((m) => memberKey(m) !== c.selfKey && m.status !== 'Exiting');
    const oldest: Member[] = [];
    for (let i = 0; i < 2; i++) {
      const o = oldestMember(candidates.filter((m) => !oldest.includes(m)));
      if (o) oldest.push(o);
    }
    for (const m of oldest) this.deps.gossipTo(m.uniqueAddress);
  }
}
