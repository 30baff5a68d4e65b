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

/**
 * Merge of two concurrent gossips (spec §4.4 with the §0.1 hardening). The result has an empty
 * seen set. A member present on one side only survives unless tombstoned, also when it is Down:
 * the other side may simply not have heard of the Down yet, and dropping it without a tombstone
 * would let an older gossip bring the uid back. A one-sided Exiting member is dropped as in Pekko
 * (it is gone on the other side) and tombstoned at `nowWallMs`, so that it cannot return either.
 */
export function mergeGossip(l: Gossip, r: Gossip, nowWallMs: number): Gossip {
  const lIdx = memberIndex(l);
  const rIdx = memberIndex(r);
  const tombstones = new Map(l.tombstones);
  for (const [k, t] of r.tombstones) if (!tombstones.has(k)) tombstones.set(k, t);
  for (const [k, m] of [...lIdx].filter(([k]) => !rIdx.has(k)).concat([...rIdx].filter(([k]) => !lIdx.has(k)))) {
    if (m.status === 'Exiting' && !tombstones.has(k)) tombstones.set(k, { node: m.uniqueAddress, timestamp: nowWallMs });
  }

  let version = mergeClocks(l.version, r.version);
  for (const t of tombstones.values()) version = pruneClock(version, clockKey(t.node));

  const merged: Member[] = [];
  for (const [k, lm] of lIdx) {
    const rm = rIdx.get(k);
    if (rm) merged.push(pickForMerge(lm, rm));
    else if (!tombstones.has(k)) merged.push(lm);
  }
  for (const [k, rm] of rIdx) if (!lIdx.has(k) && !tombstones.has(k)) merged.push(rm);
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

/** Same members (uid, status, upNumber), reachability rows and tombstones: what a version stands for. */
export function sameContent(a: Gossip, b: Gossip): boolean {
  if (a.members.length !== b.members.length || a.tombstones.size !== b.tombstones.size) return false;
  const bIdx = memberIndex(b);
  for (const m of a.members) {
    const o = bIdx.get(memberKey(m));
    if (!o || o.status !== m.status || o.upNumber !== m.upNumber) return false;
  }
  for (const k of a.tombstones.keys()) if (!b.tombstones.has(k)) return false;
  const ra = a.reachability;
  const rb = b.reachability;
  if (ra.records.length !== rb.records.length || ra.versions.size !== rb.versions.size) return false;
  for (const [k, v] of ra.versions) if (rb.versions.get(k) !== v) return false;
  return true;
}

/**
 * The local floor under any incoming gossip (spec §0.1): a uid this node holds as Down stays Down,
 * and a uid tombstoned here is not a member again. Returns `next` itself when nothing needed fixing.
 */
export function keepDownAndRemoved(local: Gossip, next: Gossip): Gossip {
  const lIdx = memberIndex(local);
  const down: Member[] = [];
  const gone = new Set<string>();
  for (const m of next.members) {
    const k = memberKey(m);
    if (local.tombstones.has(k)) gone.add(k);
    else if (m.status !== 'Down' && lIdx.get(k)?.status === 'Down') down.push(lIdx.get(k) as Member);
  }
  if (down.length === 0 && gone.size === 0) return next;
  let g = updateMembers(next, down);
  const seen = new Set([...g.seen].filter((k) => !gone.has(k) && !down.some((m) => memberKey(m) === k)));
  if (gone.size > 0) {
    const tombstones = new Map(g.tombstones);
    let version = g.version;
    for (const k of gone) {
      const t = local.tombstones.get(k) as Tombstone;
      tombstones.set(k, t);
      version = pruneClock(version, clockKey(t.node));
    }
    g = {
      members: g.members.filter((m) => !gone.has(memberKey(m))),
      seen,
      reachability: removeNodes(g.reachability, gone),
      version,
      tombstones,
    };
  } else {
    g = { ...g, seen };
  }
  return g;
}
