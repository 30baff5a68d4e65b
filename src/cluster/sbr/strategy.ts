// Split brain resolver decisions: pure functions from a snapshot of one node's view (members,
// who is unreachable, the unreachable records, who has seen the current gossip) to which nodes
// that node should down. Every node that is responsible computes the same answer from the same
// view, and each side of a partition reaches complementary answers.
import type { UniqueAddress } from '../../address.js';
import { compareAddress, compareUniqueAddress, formatAddress, uniqueAddressKey } from '../../address.js';
import type { Member, MemberStatus } from '../api.js';

export type StrategySettings =
  | { readonly name: 'keep-majority'; readonly role: string }
  | { readonly name: 'static-quorum'; readonly quorumSize: number; readonly role: string }
  | { readonly name: 'keep-oldest'; readonly downIfAlone: boolean; readonly role: string }
  | { readonly name: 'down-all' }
  | {
      readonly name: 'lease-majority';
      readonly role: string;
      readonly acquireLeaseDelayForMinorityMs: number;
    };

export type StrategyName = StrategySettings['name'];
export const STRATEGY_NAMES: readonly StrategyName[] = [
  'keep-majority',
  'static-quorum',
  'keep-oldest',
  'down-all',
  'lease-majority',
];

export type Decision =
  | { readonly type: 'DownReachable' }
  | { readonly type: 'DownUnreachable' }
  | { readonly type: 'DownAll' }
  | { readonly type: 'DownIndirectlyConnected' }
  | { readonly type: 'ReverseDownIndirectlyConnected' }
  | { readonly type: 'AcquireLeaseAndDownUnreachable'; readonly delayMs: number }
  | { readonly type: 'AcquireLeaseAndDownIndirectlyConnected'; readonly delayMs: number };

export const DownReachable: Decision = { type: 'DownReachable' };
export const DownUnreachable: Decision = { type: 'DownUnreachable' };
export const DownAll: Decision = { type: 'DownAll' };
export const DownIndirectlyConnected: Decision = { type: 'DownIndirectlyConnected' };
export const ReverseDownIndirectlyConnected: Decision = { type: 'ReverseDownIndirectlyConnected' };

export function isIndirectlyConnectedDecision(d: Decision): boolean {
  return (
    d.type === 'DownIndirectlyConnected' ||
    d.type === 'ReverseDownIndirectlyConnected' ||
    d.type === 'AcquireLeaseAndDownIndirectlyConnected'
  );
}

export function isLeaseDecision(d: Decision): d is Extract<Decision, { delayMs: number }> {
  return d.type === 'AcquireLeaseAndDownUnreachable' || d.type === 'AcquireLeaseAndDownIndirectlyConnected';
}

/** What to do when the lease could not be acquired. */
export function reverseDecision(d: Decision): Decision {
  switch (d.type) {
    case 'DownUnreachable':
    case 'AcquireLeaseAndDownUnreachable':
      return DownReachable;
    case 'DownReachable':
      return DownUnreachable;
    case 'DownAll':
      return DownAll;
    case 'DownIndirectlyConnected':
    case 'AcquireLeaseAndDownIndirectlyConnected':
      return ReverseDownIndirectlyConnected;
    case 'ReverseDownIndirectlyConnected':
      return DownIndirectlyConnected;
  }
}

/** An Unreachable or Terminated reachability record (Reachable records are irrelevant here). */
export interface UnreachableRecord {
  readonly observer: UniqueAddress;
  readonly subject: UniqueAddress;
}

export interface SbrView {
  readonly self: UniqueAddress;
  readonly selfDataCenter: string;
  /** Known members of any status and data center. */
  readonly members: readonly Member[];
  /** Keys (uniqueAddressKey) of members seen as unreachable, or downed. */
  readonly unreachable: ReadonlySet<string>;
  readonly records: readonly UnreachableRecord[];
  /** formatAddress of each member that has seen the current gossip. */
  readonly seenBy: ReadonlySet<string>;
}

const key = uniqueAddressKey;

/** Age ordering: lower upNumber is older; ties by member address. */
export function compareAge(a: Member, b: Member): number {
  if (a.upNumber !== b.upNumber) return a.upNumber < b.upNumber ? -1 : 1;
  return compareAddress(a.uniqueAddress.address, b.uniqueAddress.address);
}

function ownDc(v: SbrView): Member[] {
  return v.members.filter((m) => m.dataCenter === v.selfDataCenter && m.status !== 'Removed');
}

interface MemberFilter {
  /** Count Joining/WeaklyUp too (they may already be Up on the other side). */
  readonly includingPossiblyUp?: boolean;
  /** Leave out Leaving (they may already be Exiting on the other side). */
  readonly excludingPossiblyExiting?: boolean;
  readonly byAge?: boolean;
}

/** The members a strategy counts: own DC, no Down/Exiting, by default no Joining/WeaklyUp, role-filtered. */
export function countedMembers(v: SbrView, role: string, f: MemberFilter = {}): Member[] {
  const ms = ownDc(v).filter((m) => {
    const s: MemberStatus = m.status;
    if (s === 'Down' || s === 'Exiting') return false;
    if (!f.includingPossiblyUp && (s === 'Joining' || s === 'WeaklyUp')) return false;
    if (f.excludingPossiblyExiting && s === 'Leaving') return false;
    return role === '' || m.roles.includes(role);
  });
  return ms.sort(f.byAge ? compareAge : (a, b) => compareUniqueAddress(a.uniqueAddress, b.uniqueAddress));
}

/** Own-DC members that a decision may down, whatever the strategy's role. */
export function downable(v: SbrView): UniqueAddress[] {
  return ownDc(v)
    .filter((m) => m.status !== 'Down' && m.status !== 'Exiting')
    .map((m) => m.uniqueAddress);
}

function isUnreachable(v: SbrView, m: Member): boolean {
  return v.unreachable.has(key(m.uniqueAddress));
}

function reachableCount(v: SbrView, ms: readonly Member[]): number {
  return ms.filter((m) => !isUnreachable(v, m)).length;
}

function unreachableCount(v: SbrView, ms: readonly Member[]): number {
  return ms.filter((m) => isUnreachable(v, m)).length;
}

function ownDcRecords(v: SbrView): UnreachableRecord[] {
  const dc = new Set(ownDc(v).map((m) => key(m.uniqueAddress)));
  return v.records.filter((r) => dc.has(key(r.observer)) && dc.has(key(r.subject)));
}

/** Nodes on both ends of an unreachability cycle (observer and subject at once). */
function cycleNodes(records: readonly UnreachableRecord[]): Set<string> {
  const observers = new Set(records.map((r) => key(r.observer)));
  return new Set(records.map((r) => key(r.subject)).filter((s) => observers.has(s)));
}

/** Both ends of records whose subject has seen the current gossip (so it is reachable via others). */
function seenCurrentGossipNodes(v: SbrView, records: readonly UnreachableRecord[]): Set<string> {
  const out = new Set<string>();
  for (const r of records) {
    if (v.seenBy.has(formatAddress(r.subject.address))) {
      out.add(key(r.observer));
      out.add(key(r.subject));
    }
  }
  return out;
}

export function indirectlyConnected(v: SbrView): Set<string> {
  const records = ownDcRecords(v);
  return new Set([...cycleNodes(records), ...seenCurrentGossipNodes(v, records)]);
}

function majorityDecision(reachable: number, unreachable: number, lowestIsUnreachable: boolean): Decision {
  if (reachable === unreachable) return lowestIsUnreachable ? DownReachable : DownUnreachable;
  return reachable > unreachable ? DownUnreachable : DownReachable;
}

function keepMajority(v: SbrView, role: string): Decision {
  if (indirectlyConnected(v).size > 0) return DownIndirectlyConnected;
  const ms = countedMembers(v, role);
  if (ms.length === 0) return DownAll;
  const d = majorityDecision(reachableCount(v, ms), unreachableCount(v, ms), isUnreachable(v, ms[0] as Member));
  if (d.type !== 'DownUnreachable') return d;
  // Edge re-check: our Leaving members may be Exiting (not counted) over there, and their
  // Joining/WeaklyUp members may already be Up. Only a decision that survives both stands.
  const noLeaving = countedMembers(v, role, { excludingPossiblyExiting: true });
  if (noLeaving.length === 0) return DownAll;
  const otherSide = unreachableCount(v, countedMembers(v, role, { includingPossiblyUp: true }));
  const again = majorityDecision(reachableCount(v, noLeaving), otherSide, isUnreachable(v, noLeaving[0] as Member));
  return again.type === 'DownUnreachable' ? d : DownAll;
}

function staticQuorum(v: SbrView, quorumSize: number, role: string): Decision {
  const ms = countedMembers(v, role);
  if (ms.length > 2 * quorumSize - 1) return DownAll;
  if (indirectlyConnected(v).size > 0) return DownIndirectlyConnected;
  return ms.length - unreachableCount(v, ms) >= quorumSize ? DownUnreachable : DownReachable;
}

function oldestDecision(oldestReachable: boolean, r: number, u: number, downIfAlone: boolean): Decision {
  if (oldestReachable) return downIfAlone && r === 1 && u >= 2 ? DownReachable : DownUnreachable;
  return downIfAlone && u === 1 && r >= 2 ? DownUnreachable : DownReachable;
}

function keepOldest(v: SbrView, downIfAlone: boolean, role: string): Decision {
  if (indirectlyConnected(v).size > 0) return DownIndirectlyConnected;
  const ms = countedMembers(v, role, { byAge: true });
  if (ms.length === 0) return DownAll;
  const d = oldestDecision(!isUnreachable(v, ms[0] as Member), reachableCount(v, ms), unreachableCount(v, ms), downIfAlone);
  if (d.type !== 'DownUnreachable') return d;
  // Edge re-check: a Leaving oldest may already be gone on the other side. The oldest (and
  // whether anyone is left) comes from the spec's `members` only; Joining/WeaklyUp members,
  // which may be Up over there, count towards the alone test when down-if-alone is on.
  const ms2 = countedMembers(v, role, { byAge: true, excludingPossiblyExiting: true });
  if (ms2.length === 0) return DownAll;
  const counted = countedMembers(v, role, { excludingPossiblyExiting: true, includingPossiblyUp: downIfAlone });
  const again = oldestDecision(
    !isUnreachable(v, ms2[0] as Member),
    reachableCount(v, counted),
    unreachableCount(v, counted),
    downIfAlone,
  );
  return again.type === 'DownUnreachable' ? d : DownAll;
}

/** lease-majority: the minority waits before competing for the lease, so the majority usually wins it. */
export function isInMinority(v: SbrView, role: string): boolean {
  const ms = countedMembers(v, role);
  const u = unreachableCount(v, ms);
  if (ms.length === 0) return false;
  if (2 * u === ms.length) return isUnreachable(v, ms[0] as Member);
  return 2 * u > ms.length;
}

function leaseMajority(v: SbrView, role: string, delayForMinorityMs: number): Decision {
  if (indirectlyConnected(v).size > 0) return { type: 'AcquireLeaseAndDownIndirectlyConnected', delayMs: 0 };
  return { type: 'AcquireLeaseAndDownUnreachable', delayMs: isInMinority(v, role) ? delayForMinorityMs : 0 };
}

export function decide(s: StrategySettings, v: SbrView): Decision {
  switch (s.name) {
    case 'keep-majority':
      return keepMajority(v, s.role);
    case 'static-quorum':
      return staticQuorum(v, s.quorumSize, s.role);
    case 'keep-oldest':
      return keepOldest(v, s.downIfAlone, s.role);
    case 'down-all':
      return DownAll;
    case 'lease-majority':
      return leaseMajority(v, s.role, s.acquireLeaseDelayForMinorityMs);
  }
}

/**
 * The nodes this decision downs, in member order with self last (self must be downed last so
 * the others' Down is gossiped before this node stops).
 */
export function nodesToDown(s: StrategySettings, v: SbrView, d: Decision): UniqueAddress[] {
  const chosen = nodesToDownSet(s, v, d);
  const byKey = new Map(downable(v).map((n) => [key(n), n]));
  const out = [...chosen].map((k) => byKey.get(k)).filter((n): n is UniqueAddress => n !== undefined);
  out.sort(compareUniqueAddress);
  const selfKey = key(v.self);
  return [...out.filter((n) => key(n) !== selfKey), ...out.filter((n) => key(n) === selfKey)];
}

function nodesToDownSet(s: StrategySettings, v: SbrView, d: Decision): Set<string> {
  const canDown = downable(v).map(key);
  const unreachable = (k: string) => v.unreachable.has(k);
  switch (d.type) {
    case 'DownUnreachable':
    case 'AcquireLeaseAndDownUnreachable':
      return new Set(canDown.filter(unreachable));
    case 'DownReachable':
      return new Set(canDown.filter((k) => !unreachable(k)));
    case 'DownAll':
      return new Set(canDown);
    case 'ReverseDownIndirectlyConnected': {
      const ic = indirectlyConnected(v);
      return new Set(canDown.filter((k) => ic.has(k) || !unreachable(k)));
    }
    case 'DownIndirectlyConnected':
    case 'AcquireLeaseAndDownIndirectlyConnected': {
      const ic = indirectlyConnected(v);
      const extra = additionalWhenIndirectlyConnected(s, v, ic, new Set(canDown));
      return new Set(canDown.filter((k) => ic.has(k) || extra.has(k)));
    }
  }
}

/**
 * When a clean partition or crash coexists with indirectly connected nodes, re-run the strategy
 * without the observations between indirectly connected nodes and add its result. A second
 * indirect decision means the picture is too tangled: down everything.
 * The indirectly connected nodes stay in the re-run's count, as in Pekko: leaving them out lets
 * each side of a partition that follows a crash win (test/sim/scenarios/nemesis-keep-oldest-242.json).
 */
function additionalWhenIndirectlyConnected(
  s: StrategySettings,
  v: SbrView,
  ic: ReadonlySet<string>,
  canDown: ReadonlySet<string>,
): Set<string> {
  if (![...v.unreachable].some((k) => !ic.has(k))) return new Set();
  const records = ownDcRecords(v);
  const cycle = cycleNodes(records);
  const seen = seenCurrentGossipNodes(v, records);
  const kept = records.filter((r) => {
    const o = key(r.observer);
    const sub = key(r.subject);
    if (!canDown.has(o) || !canDown.has(sub)) return false;
    return !((cycle.has(o) && cycle.has(sub)) || (seen.has(o) && seen.has(sub)));
  });
  const filtered: SbrView = { ...v, records: kept, unreachable: new Set(kept.map((r) => key(r.subject))) };
  const again = decide(s, filtered);
  if (isIndirectlyConnectedDecision(again)) return new Set(canDown);
  return new Set(nodesToDown(s, filtered, again).map(key));
}
