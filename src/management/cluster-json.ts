// The JSON bodies of the cluster HTTP API, built as Pekko emits them: keys in alphabetical
// order (spray-json sorts object keys), absent options omitted, nodeUid as a decimal string.
// Pure functions over a ClusterState snapshot.
import { compareAddress, formatAddress, formatHostPort, type Address } from '../address.js';
import type { ClusterEvent, ClusterState, Member } from '../cluster/api.js';

export interface ClusterMemberJson {
  /** Only with muster.management.cluster-members.app-version = on (not in Pekko's JSON). */
  readonly appVersion?: string;
  readonly node: string;
  readonly nodeUid: string;
  readonly roles: readonly string[];
  readonly status: string;
}

export interface ClusterMembersJson {
  readonly leader?: string;
  readonly members: readonly ClusterMemberJson[];
  readonly oldest?: string;
  readonly oldestPerRole: Readonly<Record<string, string>>;
  readonly selfNode: string;
  readonly unreachable: readonly { readonly node: string; readonly observedBy: readonly string[] }[];
}

export interface MemberJsonOptions {
  /** Add the member's app-version (a Muster extension; keys stay in alphabetical order). */
  readonly appVersion?: boolean;
}

export function memberJson(m: Member, options: MemberJsonOptions = {}): ClusterMemberJson {
  return {
    ...(options.appVersion && { appVersion: m.appVersion }),
    node: formatAddress(m.uniqueAddress.address),
    nodeUid: m.uniqueAddress.uid.toString(),
    roles: [...m.roles],
    status: m.status,
  };
}

/** Pekko's age ordering: lower up-number is older; ties by host string, then port. */
function olderFirst(a: Member, b: Member): number {
  if (a.upNumber !== b.upNumber) return a.upNumber - b.upNumber;
  return compareAddress(a.uniqueAddress.address, b.uniqueAddress.address);
}

export function clusterMembersJson(state: ClusterState, options: MemberJsonOptions = {}): ClusterMembersJson {
  const members = state.members
    .map((m) => memberJson(m, options))
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  const upSameDc = state.members
    .filter((m) => m.status === 'Up' && m.dataCenter === state.self.dataCenter)
    .sort(olderFirst);
  const oldestPerRole: Record<string, string> = {};
  const roles = [...new Set(upSameDc.flatMap((m) => m.roles))].sort();
  for (const role of roles) {
    const oldest = upSameDc.find((m) => m.roles.includes(role));
    if (oldest) oldestPerRole[role] = formatAddress(oldest.uniqueAddress.address);
  }
  const oldest = upSameDc[0];
  return {
    leader: state.leader ? formatAddress(state.leader) : undefined,
    members,
    oldest: oldest ? formatAddress(oldest.uniqueAddress.address) : undefined,
    oldestPerRole,
    selfNode: formatAddress(state.self.uniqueAddress.address),
    unreachable: (state.unreachableObserved ?? state.unreachable).map((u) => ({
      node: formatAddress(u.subject.address),
      observedBy: u.observedBy.map((o) => formatAddress(o.address)),
    })),
  };
}

/** A member named by its full address (`pekko://S@h:p`) or by `S@h:p`. */
export function findMember(state: ClusterState, given: string): Member | undefined {
  return state.members.find((m) => {
    const a = m.uniqueAddress.address;
    return formatAddress(a) === given || formatHostPort(a) === given;
  });
}

export function messageJson(message: string): { message: string } {
  return { message };
}

/** The event types the domain-events stream can carry, with the class hierarchy `type=` filters use. */
export const DOMAIN_EVENT_TYPES: Readonly<Record<string, readonly string[]>> = {
  ClusterDomainEvent: [
    'MemberJoined', 'MemberWeaklyUp', 'MemberUp', 'MemberLeft', 'MemberExited', 'MemberDowned', 'MemberRemoved',
    'LeaderChanged', 'RoleLeaderChanged', 'ClusterShuttingDown', 'UnreachableMember', 'ReachableMember',
    'UnreachableDataCenter', 'ReachableDataCenter',
  ],
  MemberEvent: ['MemberJoined', 'MemberWeaklyUp', 'MemberUp', 'MemberLeft', 'MemberExited', 'MemberDowned', 'MemberRemoved'],
  ReachabilityEvent: ['UnreachableMember', 'ReachableMember'],
  DataCenterReachabilityEvent: ['UnreachableDataCenter', 'ReachableDataCenter'],
  ...Object.fromEntries(
    [
      'MemberJoined', 'MemberWeaklyUp', 'MemberUp', 'MemberLeft', 'MemberExited', 'MemberDowned', 'MemberRemoved',
      'LeaderChanged', 'RoleLeaderChanged', 'ClusterShuttingDown', 'UnreachableMember', 'ReachableMember',
      'UnreachableDataCenter', 'ReachableDataCenter',
    ].map((t) => [t, [t]]),
  ),
};

/**
 * The concrete event types selected by the `type` query values; unknown values are ignored.
 * No values at all selects everything; only unknown values selects nothing.
 */
export function selectEventTypes(values: readonly string[]): ReadonlySet<string> {
  if (values.length === 0) return new Set(DOMAIN_EVENT_TYPES.ClusterDomainEvent);
  const out = new Set<string>();
  for (const v of values) {
    if (Object.hasOwn(DOMAIN_EVENT_TYPES, v)) for (const t of DOMAIN_EVENT_TYPES[v]!) out.add(t);
  }
  return out;
}

function eventMember(m: Member): unknown {
  return {
    dataCenter: m.dataCenter,
    roles: [...m.roles],
    status: m.status,
    uniqueAddress: { address: formatAddress(m.uniqueAddress.address), longUid: m.uniqueAddress.uid },
  };
}

function addressOrUndefined(a: Address | undefined): string | undefined {
  return a ? formatAddress(a) : undefined;
}

/**
 * The SSE payload of an event (keys alphabetical, `type` added, longUid a bare bigint), or
 * undefined for events Pekko does not stream (shutdown preparation, seen changes).
 */
export function domainEventJson(e: ClusterEvent): Record<string, unknown> | undefined {
  switch (e.type) {
    case 'MemberJoined':
    case 'MemberWeaklyUp':
    case 'MemberUp':
    case 'MemberLeft':
    case 'MemberExited':
    case 'MemberDowned':
    case 'UnreachableMember':
    case 'ReachableMember':
      return { member: eventMember(e.member), type: e.type };
    case 'MemberRemoved':
      return { member: eventMember(e.member), previousStatus: e.previousStatus, type: e.type };
    case 'LeaderChanged':
      return { address: addressOrUndefined(e.leader), type: e.type };
    case 'RoleLeaderChanged':
      return { address: addressOrUndefined(e.leader), role: e.role, type: e.type };
    case 'ClusterShuttingDown':
      return { type: e.type };
    default:
      return undefined;
  }
}
