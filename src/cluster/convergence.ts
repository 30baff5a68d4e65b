// The convergence predicate (spec §4.8): leader actions that need a consistent view run only
// when every member that must have seen the current version has, and no member that still
// counts is unreachable. Single data center.
import { type UniqueAddress } from '../address.js';
import { nodeKey } from './node-key.js';
import { memberIndex, memberKey, type Gossip } from './gossip.js';
import { LEADER_STATUSES, type MemberStatus } from './member.js';
import { allUnreachableOrTerminated, withoutObservers } from './reachability.js';

/** A node's local view: its gossip plus the Exiting nodes that confirmed their exit to it. */
export interface MembershipState {
  readonly gossip: Gossip;
  readonly self: UniqueAddress;
  /** uniqueAddressKeys of members that sent ExitingConfirmed. */
  readonly exitingConfirmed: ReadonlySet<string>;
}

const BOOTSTRAP_MUST_SEE: ReadonlySet<MemberStatus> = new Set<MemberStatus>([...LEADER_STATUSES, 'Joining', 'WeaklyUp']);

/** True when no member has a leader-eligible status: the first member is still forming the cluster. */
export function isFirstMemberInDc(g: Gossip): boolean {
  return !g.members.some((m) => LEADER_STATUSES.has(m.status));
}

/** Keys of members with status Down (their reachability observations are ignored). */
export function downMemberKeys(g: Gossip): Set<string> {
  return new Set(g.members.filter((m) => m.status === 'Down').map(memberKey));
}

/**
 * Observers whose rows convergence ignores: Down and Exiting members. An Exiting member stops
 * without clearing its row; kept, its stale records would block the very convergence its own
 * removal needs (found by the nemesis: test/sim/scenarios/nemesis-keep-majority-3773.json).
 */
function departedObserverKeys(g: Gossip): Set<string> {
  return new Set(g.members.filter((m) => m.status === 'Down' || m.status === 'Exiting').map(memberKey));
}

export function hasConvergence(s: MembershipState): boolean {
  const g = s.gossip;
  const mustHaveSeen = isFirstMemberInDc(g) ? BOOTSTRAP_MUST_SEE : LEADER_STATUSES;
  for (const m of g.members) {
    const k = memberKey(m);
    if (mustHaveSeen.has(m.status) && !g.seen.has(k) && !s.exitingConfirmed.has(k)) return false;
  }
  const selfKey = nodeKey(s.self);
  const idx = memberIndex(g);
  const r = withoutObservers(g.reachability, departedObserverKeys(g));
  for (const n of allUnreachableOrTerminated(r)) {
    const k = nodeKey(n);
    if (k === selfKey || s.exitingConfirmed.has(k)) continue;
    const status = idx.get(k)?.status ?? 'Removed';
    if (status !== 'Down' && status !== 'Exiting') return false;
  }
  return true;
}

/** What keeps convergence from holding (for diagnostics): members yet to see the version, bad unreachable nodes. */
export function convergenceBlockers(s: MembershipState): { notSeen: string[]; unreachable: string[] } {
  const g = s.gossip;
  const mustHaveSeen = isFirstMemberInDc(g) ? BOOTSTRAP_MUST_SEE : LEADER_STATUSES;
  const notSeen = g.members
    .filter((m) => mustHaveSeen.has(m.status) && !g.seen.has(memberKey(m)) && !s.exitingConfirmed.has(memberKey(m)))
    .map(memberKey);
  const selfKey = nodeKey(s.self);
  const idx = memberIndex(g);
  const unreachable = allUnreachableOrTerminated(withoutObservers(g.reachability, departedObserverKeys(g)))
    .map(nodeKey)
    .filter((k) => k !== selfKey && !s.exitingConfirmed.has(k) && !['Down', 'Exiting'].includes(idx.get(k)?.status ?? 'Removed'));
  return { notSeen, unreachable };
}
