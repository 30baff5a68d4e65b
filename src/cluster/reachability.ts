// The reachability table (spec §5.4): each observer owns one row of records about subjects it
// cannot reach. Only the owner edits its row; gossip merges whole rows by the owner's version.
import { compareUniqueAddress, type UniqueAddress } from '../address.js';
import { nodeKey } from './node-key.js';

export type ReachabilityStatus = 'Reachable' | 'Unreachable' | 'Terminated';

export interface ReachabilityRecord {
  readonly observer: UniqueAddress;
  readonly subject: UniqueAddress;
  readonly status: ReachabilityStatus;
  readonly version: number;
}

export interface Reachability {
  readonly records: readonly ReachabilityRecord[];
  /** observer key -> version of that observer's row. */
  readonly versions: ReadonlyMap<string, number>;
}

export const emptyReachability: Reachability = { records: [], versions: new Map() };

const key = nodeKey;

function rowOf(r: Reachability, observerKey: string): ReachabilityRecord[] {
  return r.records.filter((rec) => key(rec.observer) === observerKey);
}

/**
 * Observer `observer` now sees `subject` as `status`. Returns the same object when nothing
 * changes (so callers can tell whether to stamp a new gossip version).
 */
export function changeReachability(
  r: Reachability,
  observer: UniqueAddress,
  subject: UniqueAddress,
  status: ReachabilityStatus,
): Reachability {
  const ok = key(observer);
  const sk = key(subject);
  const row = rowOf(r, ok);
  if (row.length === 0 && status === 'Reachable') return r;
  const existing = row.find((rec) => key(rec.subject) === sk);
  if (existing && (existing.status === 'Terminated' || existing.status === status)) return r;
  const version = (r.versions.get(ok) ?? 0) + 1;
  const versions = new Map(r.versions);
  versions.set(ok, version);
  const others = r.records.filter((rec) => key(rec.observer) !== ok);
  const rest = row.filter((rec) => key(rec.subject) !== sk);
  if (status === 'Reachable' && rest.every((rec) => rec.status === 'Reachable')) {
    return { records: others, versions };
  }
  return { records: [...others, ...rest, { observer, subject, status, version }], versions };
}

/** Aggregate status: Terminated if anyone says so, else Unreachable if anyone says so. */
export function aggregateStatus(r: Reachability, subject: UniqueAddress): ReachabilityStatus {
  const sk = key(subject);
  let result: ReachabilityStatus = 'Reachable';
  for (const rec of r.records) {
    if (key(rec.subject) !== sk) continue;
    if (rec.status === 'Terminated') return 'Terminated';
    if (rec.status === 'Unreachable') result = 'Unreachable';
  }
  return result;
}

/** What one observer's row says about a subject (Reachable when there is no record). */
export function statusByObserver(r: Reachability, observer: UniqueAddress, subject: UniqueAddress): ReachabilityStatus {
  const ok = key(observer);
  const sk = key(subject);
  const rec = r.records.find((x) => key(x.observer) === ok && key(x.subject) === sk);
  return rec?.status ?? 'Reachable';
}

export function isReachable(r: Reachability, subject: UniqueAddress): boolean {
  return r.records.length === 0 || aggregateStatus(r, subject) === 'Reachable';
}

export function isAllReachable(r: Reachability): boolean {
  return r.records.length === 0;
}

function distinctSubjects(r: Reachability, accept: (s: ReachabilityStatus) => boolean): UniqueAddress[] {
  const seen = new Map<string, UniqueAddress>();
  for (const rec of r.records) if (accept(rec.status)) seen.set(key(rec.subject), rec.subject);
  return [...seen.values()].sort(compareUniqueAddress);
}

/** Subjects somebody sees as Unreachable, excluding those anyone sees as Terminated. */
export function allUnreachable(r: Reachability): UniqueAddress[] {
  const terminated = new Set(distinctSubjects(r, (s) => s === 'Terminated').map(key));
  return distinctSubjects(r, (s) => s === 'Unreachable').filter((s) => !terminated.has(key(s)));
}

export function allUnreachableOrTerminated(r: Reachability): UniqueAddress[] {
  return distinctSubjects(r, (s) => s !== 'Reachable');
}

/** Subjects the given observer sees as Unreachable or Terminated. */
export function unreachableFrom(r: Reachability, observer: UniqueAddress): UniqueAddress[] {
  const ok = key(observer);
  return r.records.filter((rec) => key(rec.observer) === ok && rec.status !== 'Reachable').map((rec) => rec.subject);
}

/** subject -> observers that see it as Unreachable/Terminated, both sorted. */
export function observersBySubject(r: Reachability): Array<{ subject: UniqueAddress; observers: UniqueAddress[] }> {
  const bySubject = new Map<string, { subject: UniqueAddress; observers: UniqueAddress[] }>();
  for (const rec of r.records) {
    if (rec.status === 'Reachable') continue;
    const sk = key(rec.subject);
    let entry = bySubject.get(sk);
    if (!entry) bySubject.set(sk, (entry = { subject: rec.subject, observers: [] }));
    entry.observers.push(rec.observer);
  }
  const out = [...bySubject.values()].sort((a, b) => compareUniqueAddress(a.subject, b.subject));
  for (const e of out) e.observers.sort(compareUniqueAddress);
  return out;
}

/**
 * Pekko's observersGroupedByUnreachable, which /cluster/members lists: every subject with at
 * least one Unreachable record (self included) and the observers of those records only
 * (Terminated ones are left out), subjects and observers in UniqueAddress order.
 */
export function unreachableObservers(r: Reachability): Array<{ subject: UniqueAddress; observers: UniqueAddress[] }> {
  return observersBySubject({ records: r.records.filter((rec) => rec.status === 'Unreachable'), versions: r.versions });
}

/** The table without the rows owned by the given observers (keys). */
export function withoutObservers(r: Reachability, observerKeys: ReadonlySet<string>): Reachability {
  if (observerKeys.size === 0) return r;
  const versions = new Map([...r.versions].filter(([k]) => !observerKeys.has(k)));
  return { records: r.records.filter((rec) => !observerKeys.has(key(rec.observer))), versions };
}

/** Drops the given nodes both as observers and as subjects (member removal). */
export function removeNodes(r: Reachability, nodeKeys: ReadonlySet<string>): Reachability {
  if (nodeKeys.size === 0) return r;
  const versions = new Map([...r.versions].filter(([k]) => !nodeKeys.has(k)));
  const records = r.records.filter((rec) => !nodeKeys.has(key(rec.observer)) && !nodeKeys.has(key(rec.subject)));
  return { records, versions };
}

/**
 * Merges two tables restricted to the allowed nodes (the merged member set): per observer the
 * row of the side with the higher row version wins; on a tie the second table's row is taken.
 */
export function mergeReachability(allowed: ReadonlySet<string>, a: Reachability, b: Reachability): Reachability {
  const rowsA = groupByObserver(a);
  const rowsB = groupByObserver(b);
  const records: ReachabilityRecord[] = [];
  const versions = new Map<string, number>();
  for (const ok of allowed) {
    const va = a.versions.get(ok);
    const vb = b.versions.get(ok);
    const ra = rowsA.get(ok);
    const rb = rowsB.get(ok);
    let chosen: ReachabilityRecord[] | undefined;
    if (ra && rb) chosen = (va ?? 0) > (vb ?? 0) ? ra : rb;
    else if (ra) chosen = (va ?? 0) > (vb ?? 0) ? ra : undefined;
    else if (rb) chosen = (vb ?? 0) > (va ?? 0) ? rb : undefined;
    if (chosen) for (const rec of chosen) if (allowed.has(key(rec.subject))) records.push(rec);
    if (va !== undefined || vb !== undefined) versions.set(ok, Math.max(va ?? 0, vb ?? 0));
  }
  return { records, versions };
}

function groupByObserver(r: Reachability): Map<string, ReachabilityRecord[]> {
  const out = new Map<string, ReachabilityRecord[]>();
  for (const rec of r.records) {
    const ok = key(rec.observer);
    let row = out.get(ok);
    if (!row) out.set(ok, (row = []));
    row.push(rec);
  }
  return out;
}
