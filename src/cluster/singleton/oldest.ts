// Who may hold a cluster singleton, decided from one node's membership view (spec §1.4, §7.5).
// Pure functions: the manager feeds them the current state and acts on the answer.
import { uniqueAddressEquals, type UniqueAddress } from '../../address.js';
import { NOT_UP_NUMBER, type Member, type MemberStatus } from '../api.js';
import { compareAge, DC_ROLE_PREFIX } from '../member.js';

/** Self statuses in which a node may run (keep running) a singleton it holds. */
const HOLDING_STATUSES: ReadonlySet<MemberStatus> = new Set<MemberStatus>(['Up', 'Leaving', 'PreparingForShutdown', 'ReadyForShutdown']);

export interface SingletonScope {
  /** Only members with this role may hold it; undefined = any member. */
  readonly role: string | undefined;
  readonly dataCenter: string;
}

export function inScope(m: Member, scope: SingletonScope): boolean {
  return m.roles.includes(DC_ROLE_PREFIX + scope.dataCenter) && (scope.role === undefined || m.roles.includes(scope.role));
}

/**
 * Members that count for "the oldest", oldest first: in scope, moved Up at least once (WeaklyUp
 * and Joining have no age yet), and not Exiting (an exiting member is handing over). A Down
 * member stays until it is removed: it may still be running the instance on its side of a
 * partition, which is what the removal margin after its removal is for.
 */
export function singletonCandidates(members: readonly Member[], scope: SingletonScope): Member[] {
  return members
    .filter((m) => inScope(m, scope) && m.upNumber !== NOT_UP_NUMBER && m.status !== 'Exiting' && m.status !== 'Removed')
    .sort(compareAge);
}

/** Whether `self` is the one that should run the singleton in this view. */
export function shouldHold(members: readonly Member[], self: UniqueAddress, scope: SingletonScope): boolean {
  const oldest = singletonCandidates(members, scope)[0];
  return oldest !== undefined && uniqueAddressEquals(oldest.uniqueAddress, self) && HOLDING_STATUSES.has(oldest.status);
}

/**
 * Members that may still run an instance from before self became the oldest: every other
 * in-scope member that is older than self (whatever its status, Exiting and Down included).
 * Self must hear HandOverDone from each, or see it removed, before it starts.
 */
export function olderInScope(members: readonly Member[], self: UniqueAddress, scope: SingletonScope): Member[] {
  const me = members.find((m) => uniqueAddressEquals(m.uniqueAddress, self));
  if (!me) return [];
  return members.filter(
    (m) => !uniqueAddressEquals(m.uniqueAddress, self) && inScope(m, scope) && m.upNumber !== NOT_UP_NUMBER && compareAge(m, me) < 0,
  );
}
