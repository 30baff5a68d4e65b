// The replicated gossip state and its operations (spec §4.1–§4.4): a sorted member set, the
// seen set, the reachability table, a vector-clock version and tombstones of removed nodes.
// Every function is pure and returns a new state.
import { createHash } from 'node:crypto';
import {
  formatAddress,
  type Address,
  type UniqueAddress,
} from '../address.js';
import { nodeKey } from './node-key.js';
import type { Member, MemberStatus } from './api.js';
import { compareMembers, pickForMerge, withStatus } from './member.js';
import { emptyReachability, mergeReachability, removeNodes, type Reachability } from './reachability.js';
import { clockKey, emptyClock, increment, mergeClocks, pruneClock, type VectorClock } from './vector-clock.js';

export interface Tombstone {
  readonly node: UniqueAddress;
  /** Wall-clock milliseconds of the removal. */
  readonly timestamp: number;
}

export interface Gossip {
  /** Sorted by UniqueAddress ordering; never contains a Removed member. */
  readonly members: readonly Member[];
  /** Keys (uniqueAddressKey) of members that have seen exactly this version. */
  readonly seen: ReadonlySet<string>;
  readonly reachability: Reachability;
  readonly version: VectorClock;
  /** uniqueAddressKey -> tombstone. */
  readonly tombstones: ReadonlyMap<string, Tombstone>;
}

export const emptyGossip: Gossip = {
  members: [],
  seen: new Set(),
  reachability: emptyReachability,
  version: emptyClock,
  tombstones: new Map(),
};

export const memberKey = (m: Member): string => nodeKey(m.uniqueAddress);

const indexCache = new WeakMap<readonly Member[], Map<string, Member>>();

/** uniqueAddressKey -> member, cached per member array. */
export function memberIndex(g: Gossip): ReadonlyMap<string, Member> {
  let idx = indexCache.get(g.members);
  if (!idx) {
    idx = new Map(g.members.map((m) => [memberKey(m), m]));
    indexCache.set(g.members, idx);
  }
  return idx;
}

export function findMember(g: Gossip, node: UniqueAddress): Member | undefined {
  return memberIndex(g).get(nodeKey(node));
}

/** Status of a node in this gossip; 'Removed' when it is not a member. */
export function statusOf(g: Gossip, node: UniqueAddress): MemberStatus {
  return findMember(g, node)?.status ?? 'Removed';
}

/** The member at the given host:port, whatever its uid (protocol and system must match too). */
export function memberByAddress(g: Gossip, address: Address): Member | undefined {
  return g.members.find(
    (m) =>
      m.uniqueAddress.address.host === address.host &&
      m.uniqueAddress.address.port === address.port &&
      m.uniqueAddress.address.system === address.system,
  );
}

/** Replaces (by UniqueAddress) or inserts the given members, keeping the set sorted. */
export function updateMembers(g: Gossip, changed: readonly Member[]): Gossip {
  if (changed.length === 0) return g;
  const byKey = new Map(memberIndex(g));
  for (const m of changed) byKey.set(memberKey(m), m);
  return { ...g, members: [...byKey.values()].sort(compareMembers) };
}

/** Marks a member Down and drops it from the seen set. */
export function markAsDown(g: Gossip, m: Member): Gossip {
  const seen = new Set(g.seen);
  seen.delete(memberKey(m));
  return { ...updateMembers(g, [withStatus(m, 'Down')]), seen };
}

/** Removes nodes: members, seen, reachability rows/records, clock entries; adds tombstones. */
export function removeMembers(g: Gossip, nodes: readonly UniqueAddress[], timestamp: number): Gossip {
  if (nodes.length === 0) return g;
  const keys = new Set(nodes.map(nodeKey));
  let version = g.version;
  const tombstones = new Map(g.tombstones);
  for (const n of nodes) {
    version = pruneClock(version, clockKey(n));
    tombstones.set(nodeKey(n), { node: n, timestamp });
  }
  return {
    members: g.members.filter((m) => !keys.has(memberKey(m))),
    seen: new Set([...g.seen].filter((k) => !keys.has(k))),
    reachability: removeNodes(g.reachability, keys),
    version,
    tombstones,
  };
}

/** Keeps tombstones strictly newer than `olderThan`. */
export function pruneTombstones(g: Gossip, olderThan: number): Gossip {
  let changed = false;
  const tombstones = new Map<string, Tombstone>();
  for (const [k, t] of g.tombstones) {
    if (t.timestamp > olderThan) tombstones.set(k, t);
    else changed = true;
  }
  return changed ? { ...g, tombstones } : g;
}

/**
 * The local update rule: bump self's clock entry and reset the seen set to {self}, or to {} while
 * self's exiting tasks run.
 */
export function stamp(g: Gossip, self: UniqueAddress, exitingTasksInProgress: boolean): Gossip {
  const seen = exitingTasksInProgress ? new Set<string>() : new Set([nodeKey(self)]);
  return { ...g, version: increment(g.version, clockKey(self)), seen };
}

export function seenBy(g: Gossip, node: UniqueAddress): boolean {
  return g.seen.has(nodeKey(node));
}

/** Adds a member to the seen set (no-op for non-members, keeping the invariant). */
export function withSeen(g: Gossip, node: UniqueAddress): Gossip {
  const k = nodeKey(node);
  if (g.seen.has(k) || !memberIndex(g).has(k)) return g;
  const seen = new Set(g.seen);
  seen.add(k);
  return { ...g, seen };
}

/** Union of two seen sets, restricted to members of `g`. */
export function withSeenUnion(g: Gossip, other: ReadonlySet<string>): Gossip {
  const idx = memberIndex(g);
  const seen = new Set(g.seen);
  for (const k of other) if (idx.has(k)) seen.add(k);
  return seen.size === g.seen.size ? g : { ...g, seen };
}

/** Members that have seen this version, in member order. */
export function seenMembers(g: Gossip): Member[] {
  return g.members.filter((m) => g.seen.has(memberKey(m)));
}

/** SHA-1 (hex) of the seen members' addresses in member order joined by ','. */
export function seenDigest(g: Gossip): string {
  const text = seenMembers(g)
    .map((m) => formatAddress(m.uniqueAddress.address))
    .join(',');
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** Merge of two concurrent gossips (spec §4.4). The result has an empty seen set. */
export function mergeGossip(l: Gossip, r: Gossip): Gossip {
  const lIdx = memberIndex(l);
  const rIdx = memberIndex(r);
  let lVersion = l.version;
  let rVersion = r.version;
  for (const m of l.members)
    if ((m.status === 'Down' || m.status === 'Exiting') && !rIdx.has(memberKey(m)))
      lVersion = pruneClock(lVersion, clockKey(m.uniqueAddress));
  for (const m of r.members)
    if ((m.status === 'Down' || m.status === 'Exiting') && !lIdx.has(memberKey(m)))
      rVersion = pruneClock(rVersion, clockKey(m.uniqueAddress));

  const tombstones = new Map(l.tombstones);
  for (const [k, t] of r.tombstones) if (!tombstones.has(k)) tombstones.set(k, t);

  let version = mergeClocks(lVersion, rVersion);
  for (const t of tombstones.values()) version = pruneClock(version, clockKey(t.node));

  const merged: Member[] = [];
  const keepOneSided = (m: Member, k: string): boolean =>
    !tombstones.has(k) && m.status !== 'Down' && m.status !== 'Exiting';
  for (const [k, lm] of lIdx) {
    const rm = rIdx.get(k);
    if (rm) merged.push(pickForMerge(lm, rm));
    else if (keepOneSided(lm, k)) merged.push(lm);
  }
  for (const [k, rm] of rIdx) if (!lIdx.has(k) && keepOneSided(rm, k)) merged.push(rm);
  merged.sort(compareMembers);

  const allowed = new Set(merged.map(memberKey));
  return {
    members: merged,
    seen: new Set(),
    reachability: mergeReachability(allowed, l.reachability, r.reachability),
    version,
    tombstones,
  };
}
