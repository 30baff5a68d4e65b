// The body of GET /bootstrap/seed-nodes (spec 2.7). The route belongs to bootstrap; the shape
// lives here with the other management JSON. Keys alphabetical; nodeUid is a bare JSON number
// written exactly (write it with stringifyWithBigInt, read it with parseWithBigInt and
// bigintKeys ['nodeUid']).
import { compareAddressFull, compareUniqueAddress, formatAddress, type Address } from '../address.js';
import type { ClusterState, Member } from '../cluster/api.js';
import { stringifyWithBigInt } from '../json.js';

export interface SeedNodeJson {
  readonly node: string;
  readonly nodeUid: bigint;
  readonly roles: readonly string[];
  readonly status: string;
}

export interface SeedNodesJson {
  readonly seedNodes: readonly SeedNodeJson[];
  readonly selfNode: string;
}

const SEED_STATUSES = new Set(['Up', 'WeaklyUp', 'Joining']);
const MAX_SEED_NODES = 5;

/**
 * Reachable members in Up, WeaklyUp or Joining; the first 5 in member order, then listed by
 * full address order. Empty while this node is not a member.
 */
export function seedNodesJson(state: ClusterState, selfAddress: Address): SeedNodesJson {
  const unreachable = state.unreachable.map((u) => u.subject);
  const candidates: Member[] = state.members
    .filter((m) => SEED_STATUSES.has(m.status))
    .filter((m) => !unreachable.some((u) => compareUniqueAddress(u, m.uniqueAddress) === 0))
    .sort((a, b) => compareUniqueAddress(a.uniqueAddress, b.uniqueAddress))
    .slice(0, MAX_SEED_NODES)
    .sort((a, b) => compareAddressFull(a.uniqueAddress.address, b.uniqueAddress.address));
  return {
    seedNodes: candidates.map((m) => ({
      node: formatAddress(m.uniqueAddress.address),
      nodeUid: m.uniqueAddress.uid,
      roles: [...m.roles],
      status: m.status,
    })),
    selfNode: formatAddress(selfAddress),
  };
}

/** The exact response text. */
export function seedNodesBody(state: ClusterState, selfAddress: Address): string {
  return stringifyWithBigInt(seedNodesJson(state, selfAddress));
}
