// Leader selection (spec §4.9) and the leader's periodic actions (spec §4.10). Pure: the shell
// supplies the membership state, settings and the wall-clock time and applies the result.
import { type Address, type UniqueAddress } from '../address.js';
import { nodeKey } from './node-key.js';
import type { Member } from './api.js';
import { downMemberKeys, type MembershipState } from './convergence.js';
import { memberKey, pruneTombstones, removeMembers, stamp, updateMembers, type Gossip } from './gossip.js';
import { LEADER_STATUSES, NOT_UP_NUMBER, leaderStatusRank, withStatus, withUpNumber } from './member.js';
import { aggregateStatus, isAllReachable, isReachable, withoutObservers } from './reachability.js';

function leaderAmong(members: readonly Member[], g: Gossip, self: UniqueAddress): UniqueAddress | undefined {
  const selfKey = nodeKey(self);
  const allReachable = isAllReachable(g.reachability);
  const candidates = members.filter(
    (m) =>
      m.status !== 'Down' &&
      (allReachable || memberKey(m) === selfKey || isReachable(g.reachability, m.uniqueAddress)),
  );
  const lead = candidates.find((m) => LEADER_STATUSES.has(m.status));
  if (lead) return lead.uniqueAddress;
  let best: Member | undefined;
  for (const m of candidates) if (!best || leaderStatusRank(m.status) < leaderStatusRank(best.status)) best = m;
  return best?.uniqueAddress;
}

/** The leader as this node computes it (no convergence required). */
export function leaderOf(g: Gossip, self: UniqueAddress): UniqueAddress | undefined {
  return leaderAmong(g.members, g, self);
}

export function roleLeaderOf(g: Gossip, self: UniqueAddress, role: string): UniqueAddress | undefined {
  return leaderAmong(
    g.members.filter((m) => m.roles.includes(role)),
    g,
    self,
  );
}

/** All roles present in the member set, sorted. */
export function allRoles(g: Gossip): string[] {
  const roles = new Set<string>();
  for (const m of g.members) for (const r of m.roles) roles.add(r);
  return [...roles].sort();
}

export function roleLeaderMap(g: Gossip, self: UniqueAddress): Map<string, Address | undefined> {
  return new Map(allRoles(g).map((r) => [r, roleLeaderOf(g, self, r)?.address]));
}

export function isLeader(g: Gossip, self: UniqueAddress): boolean {
  const l = leaderOf(g, self);
  return l !== undefined && nodeKey(l) === nodeKey(self);
}

export interface MinMembers {
  readonly minNrOfMembers: number;
  /** role -> minimum number of members with that role. */
  readonly roleMinNrOfMembers: ReadonlyMap<string, number>;
}

export function isMinNrOfMembersFulfilled(g: Gossip, min: MinMembers): boolean {
  if (g.members.length < min.minNrOfMembers) return false;
  for (const [role, n] of min.roleMinNrOfMembers) {
    if (g.members.filter((m) => m.roles.includes(role)).length < n) return false;
  }
  return true;
}

/** True once any member is preparing for (or ready for) a full cluster shutdown. */
export function isPreparingForShutdown(g: Gossip): boolean {
  return g.members.some((m) => m.status === 'PreparingForShutdown' || m.status === 'ReadyForShutdown');
}

export interface LeaderActionSettings extends MinMembers {
  readonly pruneTombstonesAfterMs: number;
}

export interface LeaderActionResult {
  readonly gossip: Gossip;
  readonly changed: boolean;
  readonly upped: readonly Member[];
  readonly exiting: readonly Member[];
  readonly removed: readonly Member[];
}

function unchanged(g: Gossip): LeaderActionResult {
  return { gossip: g, changed: false, upped: [], exiting: [], removed: [] };
}

/**
 * The converged leader actions in one new version: promote Joining/WeaklyUp to Up with
 * upNumbers in member order, Leaving to Exiting, PreparingForShutdown to ReadyForShutdown, and
 * remove Down/Exiting members that are unreachable or confirmed their exit (with tombstones).
 * Call only when self is leader and the state has convergence.
 */
export function convergedLeaderActions(
  s: MembershipState,
  settings: LeaderActionSettings,
  nowWallMs: number,
  exitingTasksInProgress: boolean,
): LeaderActionResult {
  const g = s.gossip;
  const removeUnreachable = g.members.filter(
    (m) => (m.status === 'Down' || m.status === 'Exiting') && aggregateStatus(g.reachability, m.uniqueAddress) !== 'Reachable',
  );
  const removeConfirmed = g.members.filter((m) => m.status === 'Exiting' && s.exitingConfirmed.has(memberKey(m)));
  const removed = [...new Map([...removeUnreachable, ...removeConfirmed].map((m) => [memberKey(m), m])).values()];

  const canUp = isMinNrOfMembersFulfilled(g, settings) && !isPreparingForShutdown(g);
  let nextUp = 1 + Math.max(0, ...g.members.map((m) => (m.upNumber === NOT_UP_NUMBER ? 0 : m.upNumber)));
  const changed: Member[] = [];
  const upped: Member[] = [];
  const exiting: Member[] = [];
  for (const m of g.members) {
    if (canUp && (m.status === 'Joining' || m.status === 'WeaklyUp')) {
      const up = withUpNumber(withStatus(m, 'Up'), nextUp++);
      changed.push(up);
      upped.push(up);
    } else if (m.status === 'Leaving') {
      const ex = withStatus(m, 'Exiting');
      changed.push(ex);
      exiting.push(ex);
    } else if (m.status === 'PreparingForShutdown') {
      changed.push(withStatus(m, 'ReadyForShutdown'));
    }
  }
  if (removed.length === 0 && changed.length === 0) {
    // Tombstones age out on their own clock, not only when some member changes too.
    const pruned = pruneTombstones(g, nowWallMs - settings.pruneTombstonesAfterMs);
    if (pruned === g) return unchanged(g);
    return { gossip: stamp(pruned, s.self, exitingTasksInProgress), changed: true, upped: [], exiting: [], removed: [] };
  }
  let next = updateMembers(g, changed);
  next = removeMembers(
    next,
    removed.map((m) => m.uniqueAddress),
    nowWallMs,
  );
  next = pruneTombstones(next, nowWallMs - settings.pruneTombstonesAfterMs);
  next = stamp(next, s.self, exitingTasksInProgress);
  return { gossip: next, changed: true, upped, exiting, removed };
}

/**
 * The only promotion allowed without convergence: Joining members reachable in the table
 * (ignoring rows of Down observers) become WeaklyUp, if min-nr-of-members holds.
 */
export function weaklyUpActions(
  s: MembershipState,
  min: MinMembers,
  exitingTasksInProgress: boolean,
): LeaderActionResult {
  const g = s.gossip;
  if (!isMinNrOfMembersFulfilled(g, min) || isPreparingForShutdown(g)) return unchanged(g);
  const r = withoutObservers(g.reachability, downMemberKeys(g));
  const changed = g.members
    .filter((m) => m.status === 'Joining' && isReachable(r, m.uniqueAddress))
    .map((m) => withStatus(m, 'WeaklyUp'));
  if (changed.length === 0) return unchanged(g);
  return {
    gossip: stamp(updateMembers(g, changed), s.self, exitingTasksInProgress),
    changed: true,
    upped: changed,
    exiting: [],
    removed: [],
  };
}

/** Whether the leader has gone long enough without convergence to allow WeaklyUp. */
export function weaklyUpDue(ticksWithoutConvergence: number, intervalMs: number, allowWeaklyUpMs: number | undefined): boolean {
  return allowWeaklyUpMs !== undefined && ticksWithoutConvergence * intervalMs >= allowWeaklyUpMs;
}

