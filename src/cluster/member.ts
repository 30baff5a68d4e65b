// Members: status lifecycle, roles with the data-center role, app-version ordering and the
// age ordering that decides the oldest member (spec §1.3–§1.5, §2).
import { compareAddress, compareUniqueAddress, type UniqueAddress } from '../address.js';
import { NOT_UP_NUMBER, type Member, type MemberStatus } from './api.js';

export { NOT_UP_NUMBER };
export type { Member, MemberStatus };

export const DC_ROLE_PREFIX = 'dc-';
export const DEFAULT_DATA_CENTER = 'default';

const ALLOWED: Record<MemberStatus, readonly MemberStatus[]> = {
  Joining: ['WeaklyUp', 'Up', 'Leaving', 'Down', 'Removed'],
  WeaklyUp: ['Up', 'Leaving', 'Down', 'Removed'],
  Up: ['Leaving', 'Down', 'Removed', 'PreparingForShutdown'],
  Leaving: ['Exiting', 'Down', 'Removed'],
  Exiting: ['Removed', 'Down'],
  Down: ['Removed'],
  PreparingForShutdown: ['ReadyForShutdown', 'Removed', 'Leaving', 'Down'],
  ReadyForShutdown: ['Removed', 'Leaving', 'Down'],
  Removed: [],
};

/** Whether `from -> to` is a legal status change (same -> same is a no-op and allowed). */
export function isAllowedTransition(from: MemberStatus, to: MemberStatus): boolean {
  return from === to || ALLOWED[from].includes(to);
}

export class IllegalTransitionError extends Error {
  constructor(readonly from: MemberStatus, readonly to: MemberStatus) {
    super(`Invalid member status transition ${from} -> ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Status precedence used when merging two copies of a member (higher wins). */
export const MERGE_RANK: Record<MemberStatus, number> = {
  Joining: 0,
  WeaklyUp: 1,
  Up: 2,
  PreparingForShutdown: 3,
  Leaving: 4,
  Exiting: 5,
  Down: 6,
  ReadyForShutdown: 7,
  Removed: 8,
};

/** Data center of a set of roles: the first `dc-` role, else the default. */
export function dataCenterOf(roles: readonly string[]): string {
  const r = roles.find((x) => x.startsWith(DC_ROLE_PREFIX));
  return r === undefined ? DEFAULT_DATA_CENTER : r.slice(DC_ROLE_PREFIX.length);
}

/** Sorted roles with the data-center role added (the role set every node advertises). */
export function rolesWithDataCenter(roles: readonly string[], dataCenter: string = DEFAULT_DATA_CENTER): string[] {
  const set = new Set(roles.filter((r) => !r.startsWith(DC_ROLE_PREFIX)));
  set.add(DC_ROLE_PREFIX + dataCenter);
  return [...set].sort();
}

export function makeMember(
  node: UniqueAddress,
  status: MemberStatus,
  roles: readonly string[],
  appVersion: string,
  upNumber: number = NOT_UP_NUMBER,
): Member {
  const sorted = [...new Set(roles)].sort();
  return { uniqueAddress: node, status, roles: sorted, upNumber, appVersion, dataCenter: dataCenterOf(sorted) };
}

/** A copy with a new status; throws on a transition the lifecycle does not allow. */
export function withStatus(m: Member, status: MemberStatus): Member {
  if (!isAllowedTransition(m.status, status)) throw new IllegalTransitionError(m.status, status);
  return m.status === status ? m : { ...m, status };
}

export function withUpNumber(m: Member, upNumber: number): Member {
  return { ...m, upNumber };
}

export function compareMembers(a: Member, b: Member): number {
  return compareUniqueAddress(a.uniqueAddress, b.uniqueAddress);
}

/** Age ordering: lower upNumber is older; equal upNumbers fall back to address (uid ignored). */
export function isOlderThan(a: Member, b: Member): boolean {
  if (a.upNumber !== b.upNumber) return a.upNumber < b.upNumber;
  return compareAddress(a.uniqueAddress.address, b.uniqueAddress.address) < 0;
}

export function compareAge(a: Member, b: Member): number {
  if (isOlderThan(a, b)) return -1;
  if (isOlderThan(b, a)) return 1;
  return 0;
}

/** The oldest of the given members, or undefined when empty. */
export function oldestMember(members: readonly Member[]): Member | undefined {
  let oldest: Member | undefined;
  for (const m of members) if (oldest === undefined || isOlderThan(m, oldest)) oldest = m;
  return oldest;
}

/** Which of two copies of the same member survives a merge: higher status rank, else the older copy. */
export function pickForMerge(a: Member, b: Member): Member {
  if (a.status === b.status) return isOlderThan(b, a) ? b : a;
  return MERGE_RANK[a.status] > MERGE_RANK[b.status] ? a : b;
}

/** Leader-status ordering (spec §1.3.5): regular statuses first, then WeaklyUp, Joining, Exiting, Down. */
export function leaderStatusRank(status: MemberStatus): number {
  switch (status) {
    case 'WeaklyUp':
      return 1;
    case 'Joining':
      return 2;
    case 'Exiting':
      return 3;
    case 'Down':
      return 4;
    default:
      return 0;
  }
}

/** Statuses whose holders count as full members for leadership and convergence. */
export const LEADER_STATUSES: ReadonlySet<MemberStatus> = new Set<MemberStatus>([
  'Up',
  'Leaving',
  'PreparingForShutdown',
  'ReadyForShutdown',
]);

// ---------- app-version (Pekko's Version ordering) ----------

export class VersionFormatError extends Error {
  constructor(readonly version: string) {
    super(`Invalid version [${version}]: expected 1 to 3 dot-separated numbers with an optional qualifier`);
    this.name = 'VersionFormatError';
  }
}

interface ParsedVersion {
  readonly numbers: [number, number, number];
  readonly rest: string;
  /** Set when the whole version is a single non-numeric segment. */
  readonly alpha?: string;
}

function parseVersion(v: string): ParsedVersion {
  const segments = v.split('.');
  if (segments.length > 3 || v.length === 0) throw new VersionFormatError(v);
  const numbers: [number, number, number] = [0, 0, 0];
  let rest = '';
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string;
    const last = i === segments.length - 1;
    if (/^\d+$/.test(seg)) {
      numbers[i] = Number(seg);
      continue;
    }
    if (!last) throw new VersionFormatError(v);
    const m = /^(\d+)([-+].*)$/.exec(seg);
    if (m) {
      numbers[i] = Number(m[1]);
      rest = m[2] as string;
    } else if (segments.length === 1) {
      return { numbers, rest: '', alpha: seg };
    } else {
      throw new VersionFormatError(v);
    }
  }
  return { numbers, rest };
}

/** Splits a qualifier: dynver `+N-hash` gives a numeric part compared as a number. */
function compareQualifier(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1; // no qualifier sorts after a qualified version
  if (b === '') return -1;
  const da = /^\+(\d+)(-.*)?$/.exec(a);
  const db = /^\+(\d+)(-.*)?$/.exec(b);
  if (da && db) {
    const na = Number(da[1]);
    const nb = Number(db[1]);
    if (na !== nb) return na < nb ? -1 : 1;
    const ra = da[2] ?? '';
    const rb = db[2] ?? '';
    return ra === rb ? 0 : ra < rb ? -1 : 1;
  }
  return a < b ? -1 : 1;
}

/** Compares app versions like Pekko's Version: numbers, then qualifier. */
export function compareAppVersion(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa.alpha !== undefined || pb.alpha !== undefined) {
    const sa = pa.alpha ?? a;
    const sb = pb.alpha ?? b;
    return sa === sb ? 0 : sa < sb ? -1 : 1;
  }
  for (let i = 0; i < 3; i++) {
    const x = pa.numbers[i] as number;
    const y = pb.numbers[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return compareQualifier(pa.rest, pb.rest);
}

export function isValidAppVersion(v: string): boolean {
  try {
    parseVersion(v);
    return true;
  } catch {
    return false;
  }
}
