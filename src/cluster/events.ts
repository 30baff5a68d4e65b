// Diffing two membership states into the events applications see (spec §8.1), in Pekko's
// order: removals, member status events, unreachable, reachable, leader, role leaders, seen.
import { type Address, type UniqueAddress } from '../address.js';
import { nodeKey } from './node-key.js';
import type { ClusterEvent, Member, MemberStatus } from './api.js';
import { hasConvergence, type MembershipState } from './convergence.js';
import { memberIndex, memberKey, seenMembers } from './gossip.js';
import { allRoles, leaderOf, roleLeaderOf } from './leader.js';
import { allUnreachable, allUnreachableOrTerminated, isReachable } from './reachability.js';

function statusEvent(m: Member): ClusterEvent | undefined {
  const events: Partial<Record<MemberStatus, ClusterEvent['type']>> = {
    Joining: 'MemberJoined',
    WeaklyUp: 'MemberWeaklyUp',
    Up: 'MemberUp',
    Leaving: 'MemberLeft',
    Exiting: 'MemberExited',
    Down: 'MemberDowned',
    PreparingForShutdown: 'MemberPreparingForShutdown',
    ReadyForShutdown: 'MemberReadyForShutdown',
  };
  const type = events[m.status];
  return type ? ({ type, member: m } as ClusterEvent) : undefined;
}

function sameAddress(a: Address | undefined, b: Address | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.host === b.host && a.port === b.port && a.system === b.system && a.protocol === b.protocol;
}

const leaderAddress = (u: UniqueAddress | undefined): Address | undefined => u?.address;

/** Events that turn `from` into `to` as seen by subscribers of the node `to.self`. */
export function diffEvents(from: MembershipState, to: MembershipState): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  const oldG = from.gossip;
  const newG = to.gossip;
  const oldIdx = memberIndex(oldG);
  const newIdx = memberIndex(newG);
  const selfKey = nodeKey(to.self);

  const membersChanged = oldG.members !== newG.members;
  if (membersChanged) {
    for (const m of oldG.members) {
      if (!newIdx.has(memberKey(m))) {
        events.push({ type: 'MemberRemoved', member: { ...m, status: 'Removed' }, previousStatus: m.status });
      }
    }
    for (const m of newG.members) {
      const old = oldIdx.get(memberKey(m));
      if (!old || old.status !== m.status || old.upNumber !== m.upNumber) {
        const e = statusEvent(m);
        if (e) events.push(e);
      }
    }
  }
  const reachabilityChanged = oldG.reachability !== newG.reachability;
  if (!membersChanged && !reachabilityChanged) {
    // Leaders and reachability depend only on members and the reachability table.
    pushSeenChanged(from, to, events);
    return events;
  }

  const oldUnreachable = new Set(allUnreachableOrTerminated(oldG.reachability).map(nodeKey));
  for (const n of allUnreachableOrTerminated(newG.reachability)) {
    const k = nodeKey(n);
    const m = newIdx.get(k);
    if (m && k !== selfKey && !oldUnreachable.has(k)) events.push({ type: 'UnreachableMember', member: m });
  }
  for (const n of allUnreachable(oldG.reachability)) {
    const k = nodeKey(n);
    const m = newIdx.get(k);
    if (m && k !== selfKey && isReachable(newG.reachability, n)) events.push({ type: 'ReachableMember', member: m });
  }

  const oldLeader = leaderAddress(leaderOf(oldG, from.self));
  const newLeader = leaderAddress(leaderOf(newG, to.self));
  if (!sameAddress(oldLeader, newLeader)) events.push({ type: 'LeaderChanged', leader: newLeader });

  const roles = [...new Set([...allRoles(oldG), ...allRoles(newG)])].sort();
  for (const role of roles) {
    const before = leaderAddress(roleLeaderOf(oldG, from.self, role));
    const after = leaderAddress(roleLeaderOf(newG, to.self, role));
    if (!sameAddress(before, after)) events.push({ type: 'RoleLeaderChanged', role, leader: after });
  }

  pushSeenChanged(from, to, events);
  return events;
}

function sameSeen(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}

function pushSeenChanged(from: MembershipState, to: MembershipState, events: ClusterEvent[]): void {
  const oldG = from.gossip;
  const newG = to.gossip;
  if (oldG === newG && from.exitingConfirmed === to.exitingConfirmed) return;
  const oldConv = oldG.members.length > 0 && hasConvergence(from);
  const newConv = newG.members.length > 0 && hasConvergence(to);
  if (oldConv !== newConv || !sameSeen(oldG.seen, newG.seen)) {
    events.push({ type: 'SeenChanged', convergence: newConv, seenBy: seenMembers(newG).map((m) => m.uniqueAddress.address) });
  }
}
