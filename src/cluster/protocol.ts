// The messages Muster nodes exchange (spec §3, §4.5–§4.7, §5.2, §7.2), in two shapes:
// in memory (bigint uids, Address objects, Maps) and on the wire (JSON: uids as decimal
// strings, addresses as `protocol://system@host:port`). Every inbound value goes through
// validateMessage, which rejects anything malformed with a ProtocolError; nothing from a peer
// is trusted before that. Gossip members are an index table: seen/reachability refer to them.
import {
  AddressParseError,
  formatAddress,
  isInt64,
  parseAddress,
  type Address,
  type UniqueAddress,
} from '../address.js';
import { nodeKey } from './node-key.js';
import { MEMBER_STATUSES, type Member, type MemberStatus } from './api.js';
import type { Gossip, Tombstone } from './gossip.js';
import { memberKey } from './gossip.js';
import { makeMember } from './member.js';
import type { Reachability, ReachabilityRecord, ReachabilityStatus } from './reachability.js';
import { clockKey, type VectorClock } from './vector-clock.js';

export const PROTOCOL_VERSION = 1;

/** Upper bounds for inbound data; anything larger is rejected as hostile or broken. */
export const LIMITS = {
  members: 10_000,
  roles: 64,
  stringChars: 256,
  clockEntries: 20_000,
  reachabilityRecords: 100_000,
  tombstones: 100_000,
  configEntries: 256,
  configValueChars: 4096,
} as const;

export type ConfigCheck =
  | { readonly type: 'Unchecked' }
  | { readonly type: 'Incompatible' }
  | { readonly type: 'Compatible'; readonly config: Readonly<Record<string, string>> };

export type ClusterMessage =
  | { readonly type: 'InitJoin'; readonly from: Address; readonly config: Readonly<Record<string, string>> }
  | { readonly type: 'InitJoinAck'; readonly from: Address; readonly configCheck: ConfigCheck }
  | { readonly type: 'InitJoinNack'; readonly from: Address }
  | {
      readonly type: 'Join';
      readonly node: UniqueAddress;
      readonly roles: readonly string[];
      readonly appVersion: string;
    }
  | { readonly type: 'Welcome'; readonly from: UniqueAddress; readonly gossip: Gossip }
  | { readonly type: 'Leave'; readonly address: Address }
  | { readonly type: 'Down'; readonly address: Address }
  | { readonly type: 'PrepareForShutdown' }
  | { readonly type: 'ExitingConfirmed'; readonly node: UniqueAddress }
  | { readonly type: 'GossipEnvelope'; readonly from: UniqueAddress; readonly to: UniqueAddress; readonly gossip: Gossip }
  | {
      readonly type: 'GossipStatus';
      readonly from: UniqueAddress;
      readonly version: VectorClock;
      readonly seenDigest: string;
    }
  | { readonly type: 'Heartbeat'; readonly from: UniqueAddress; readonly sequenceNr: number; readonly creationTime: number }
  | {
      readonly type: 'HeartbeatRsp';
      readonly from: UniqueAddress;
      readonly sequenceNr: number;
      readonly creationTime: number;
    }
  /** `from` removed the incarnation `to` (stands in for Artery's quarantine notice); only `to` acts on it. */
  | { readonly type: 'Quarantined'; readonly from: UniqueAddress; readonly to: UniqueAddress }
  /**
   * `from`, a member, got gossip from the incarnation `to` that lists `from` as a member, but
   * `from` has never admitted `to` (Muster-specific); only `to` acts on it, see spec §0.1.
   */
  | { readonly type: 'UnknownIncarnation'; readonly from: UniqueAddress; readonly to: UniqueAddress }
  /** Cluster singleton hand-over between the previous and the new oldest (cluster/singleton). */
  | {
      readonly type: 'SingletonHandOver';
      readonly from: UniqueAddress;
      readonly to: UniqueAddress;
      readonly name: string;
      readonly kind: SingletonHandOverKind;
    };

export type SingletonHandOverKind = 'HandOverToMe' | 'HandOverDone';
export const SINGLETON_HAND_OVER_KINDS: readonly SingletonHandOverKind[] = ['HandOverToMe', 'HandOverDone'];

export type ClusterMessageType = ClusterMessage['type'];

export const MESSAGE_TYPES: readonly ClusterMessageType[] = [
  'InitJoin',
  'InitJoinAck',
  'InitJoinNack',
  'Join',
  'Welcome',
  'Leave',
  'Down',
  'PrepareForShutdown',
  'ExitingConfirmed',
  'GossipEnvelope',
  'GossipStatus',
  'Heartbeat',
  'HeartbeatRsp',
  'Quarantined',
  'UnknownIncarnation',
  'SingletonHandOver',
];

// ---------- wire shapes ----------

export interface WireUniqueAddress {
  address: string;
  uid: string;
}

export interface WireMember extends WireUniqueAddress {
  status: MemberStatus;
  upNumber: number;
  roles: string[];
  appVersion: string;
}

export interface WireReachabilityRow {
  /** Index into members. */
  observer: number;
  version: number;
  records: Array<{ subject: number; status: ReachabilityStatus; version: number }>;
}

export interface WireGossip {
  members: WireMember[];
  /** Indexes into members. */
  seen: number[];
  reachability: WireReachabilityRow[];
  /**
   * Vector clock entries `[node, counter]`; `node` is a member index when the entry belongs to a
   * member (the usual case, and much shorter), else the 32-hex-digit clock key.
   */
  version: Array<[number | string, number]>;
  tombstones: Array<WireUniqueAddress & { timestamp: number }>;
}

export type WireMessage = { v: number; type: ClusterMessageType } & Record<string, unknown>;

export class ProtocolError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Invalid cluster message at ${path}: ${reason}`);
    this.name = 'ProtocolError';
  }
}

// ---------- encoding ----------

function wireUnique(u: UniqueAddress): WireUniqueAddress {
  return { address: formatAddress(u.address), uid: u.uid.toString() };
}

export function gossipToWire(g: Gossip): WireGossip {
  const index = new Map<string, number>();
  const clockIndex = new Map<string, number>();
  g.members.forEach((m, i) => {
    index.set(memberKey(m), i);
    clockIndex.set(clockKey(m.uniqueAddress), i);
  });
  const members = g.members.map((m) => ({
    ...wireUnique(m.uniqueAddress),
    status: m.status,
    upNumber: m.upNumber,
    roles: [...m.roles],
    appVersion: m.appVersion,
  }));
  const seen: number[] = [];
  for (const k of g.seen) {
    const i = index.get(k);
    if (i !== undefined) seen.push(i);
  }
  seen.sort((a, b) => a - b);
  const rows = new Map<number, WireReachabilityRow>();
  for (const [ok, version] of g.reachability.versions) {
    const i = index.get(ok);
    if (i !== undefined) rows.set(i, { observer: i, version, records: [] });
  }
  for (const r of g.reachability.records) {
    const row = rows.get(index.get(nodeKey(r.observer)) ?? -1);
    const subject = index.get(nodeKey(r.subject));
    if (row && subject !== undefined) row.records.push({ subject, status: r.status, version: r.version });
  }
  return {
    members,
    seen,
    reachability: [...rows.values()].sort((a, b) => a.observer - b.observer),
    version: [...g.version].map(([k, n]): [number | string, number] => [clockIndex.get(k) ?? k, n]),
    tombstones: [...g.tombstones.values()].map((t) => ({ ...wireUnique(t.node), timestamp: t.timestamp })),
  };
}

/** The JSON-able wire form of a message. */
export function toWire(m: ClusterMessage): WireMessage {
  const head = { v: PROTOCOL_VERSION, type: m.type };
  switch (m.type) {
    case 'InitJoin':
      return { ...head, from: formatAddress(m.from), config: { ...m.config } };
    case 'InitJoinAck':
      return {
        ...head,
        from: formatAddress(m.from),
        configCheck: m.configCheck.type === 'Compatible' ? { type: 'Compatible', config: { ...m.configCheck.config } } : { type: m.configCheck.type },
      };
    case 'InitJoinNack':
      return { ...head, from: formatAddress(m.from) };
    case 'Join':
      return { ...head, node: wireUnique(m.node), roles: [...m.roles], appVersion: m.appVersion };
    case 'Welcome':
      return { ...head, from: wireUnique(m.from), gossip: gossipToWire(m.gossip) };
    case 'Leave':
    case 'Down':
      return { ...head, address: formatAddress(m.address) };
    case 'PrepareForShutdown':
      return { ...head };
    case 'ExitingConfirmed':
      return { ...head, node: wireUnique(m.node) };
    case 'GossipEnvelope':
      return { ...head, from: wireUnique(m.from), to: wireUnique(m.to), gossip: gossipToWire(m.gossip) };
    case 'GossipStatus':
      return { ...head, from: wireUnique(m.from), version: Object.fromEntries(m.version), seenDigest: m.seenDigest };
    case 'Heartbeat':
    case 'HeartbeatRsp':
      return { ...head, from: wireUnique(m.from), sequenceNr: m.sequenceNr, creationTime: m.creationTime };
    case 'Quarantined':
    case 'UnknownIncarnation':
      return { ...head, from: wireUnique(m.from), to: wireUnique(m.to) };
    case 'SingletonHandOver':
      return { ...head, from: wireUnique(m.from), to: wireUnique(m.to), name: m.name, kind: m.kind };
  }
}

/** JSON text of a message. */
export function encodeMessage(m: ClusterMessage): string {
  return JSON.stringify(toWire(m));
}

// ---------- validation / decoding ----------

type Obj = Record<string, unknown>;

function fail(path: string, reason: string): never {
  throw new ProtocolError(path, reason);
}

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object');
  return v as Obj;
}

function arr(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, 'expected an array');
  if (v.length > max) fail(path, `more than ${max} entries`);
  return v;
}

function str(v: unknown, path: string, maxChars: number = LIMITS.stringChars): string {
  if (typeof v !== 'string') fail(path, 'expected a string');
  if (v.length > maxChars) fail(path, `longer than ${maxChars} characters`);
  return v;
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'expected an integer');
  if (v < min || v > max) fail(path, `out of range [${min}, ${max}]`);
  return v;
}

function address(v: unknown, path: string): Address {
  const text = str(v, path);
  try {
    return parseAddress(text);
  } catch (e) {
    if (e instanceof AddressParseError) fail(path, e.message);
    throw e;
  }
}

function uid(v: unknown, path: string): bigint {
  const text = str(v, path, 20);
  if (!/^-?\d{1,19}$/.test(text)) fail(path, 'expected a decimal 64-bit integer');
  const n = BigInt(text);
  if (!isInt64(n)) fail(path, 'uid outside the signed 64-bit range');
  return n;
}

function uniqueAddress(v: unknown, path: string): UniqueAddress {
  const o = obj(v, path);
  return { address: address(o.address, `${path}.address`), uid: uid(o.uid, `${path}.uid`) };
}

function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(path, `expected one of ${allowed.join(', ')}`);
  return v as T;
}

function stringRecord(v: unknown, path: string): Record<string, string> {
  const o = obj(v, path);
  const entries = Object.entries(o);
  if (entries.length > LIMITS.configEntries) fail(path, `more than ${LIMITS.configEntries} entries`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, val] of entries) {
    str(k, `${path} key`);
    out[k] = str(val, `${path}.${k}`, LIMITS.configValueChars);
  }
  return { ...out };
}

const MAX_COUNTER = Number.MAX_SAFE_INTEGER;
// Version counters must leave room for local increments to stay exact integers, so a hostile
// peer cannot push a clock to where it would no longer round-trip.
const MAX_VERSION = 2 ** 52;
const MAX_UP_NUMBER = 2147483647;
const CLOCK_KEY = /^[0-9a-f]{32}$/;
const REACHABILITY_STATUSES: readonly ReachabilityStatus[] = ['Reachable', 'Unreachable', 'Terminated'];
const MEMBER_STATUSES_NO_REMOVED = MEMBER_STATUSES.filter((s) => s !== 'Removed');

function clock(v: unknown, path: string): VectorClock {
  const o = obj(v, path);
  const entries = Object.entries(o);
  if (entries.length > LIMITS.clockEntries) fail(path, `more than ${LIMITS.clockEntries} entries`);
  const out = new Map<string, number>();
  for (const [k, val] of entries) {
    if (!CLOCK_KEY.test(k)) fail(`${path} key`, 'expected 32 lowercase hex digits');
    out.set(k, int(val, `${path}.${k}`, 0, MAX_VERSION));
  }
  return out;
}

function member(v: unknown, path: string): Member {
  const o = obj(v, path);
  const node = uniqueAddress(o, path);
  const status = oneOf(o.status, `${path}.status`, MEMBER_STATUSES_NO_REMOVED);
  const upNumber = int(o.upNumber, `${path}.upNumber`, 0, MAX_UP_NUMBER);
  const roles = arr(o.roles, `${path}.roles`, LIMITS.roles).map((r, i) => str(r, `${path}.roles[${i}]`));
  const appVersion = str(o.appVersion, `${path}.appVersion`);
  return makeMember(node, status, roles, appVersion, upNumber);
}

export function gossipFromWire(v: unknown, path = 'gossip'): Gossip {
  const o = obj(v, path);
  const members = arr(o.members, `${path}.members`, LIMITS.members).map((m, i) => member(m, `${path}.members[${i}]`));
  const keys = members.map(memberKey);
  if (new Set(keys).size !== keys.length) fail(`${path}.members`, 'duplicate member');
  const ref = (x: unknown, p: string): number => int(x, p, 0, members.length - 1);
  const seen = new Set(arr(o.seen, `${path}.seen`, LIMITS.members).map((x, i) => keys[ref(x, `${path}.seen[${i}]`)] as string));

  const rows = arr(o.reachability, `${path}.reachability`, LIMITS.members);
  const records: ReachabilityRecord[] = [];
  const versions = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const p = `${path}.reachability[${i}]`;
    const row = obj(rows[i], p);
    const oi = ref(row.observer, `${p}.observer`);
    const observerKey = keys[oi] as string;
    if (versions.has(observerKey)) fail(`${p}.observer`, 'duplicate observer row');
    versions.set(observerKey, int(row.version, `${p}.version`, 0, MAX_VERSION));
    const recs = arr(row.records, `${p}.records`, LIMITS.members);
    if (records.length + recs.length > LIMITS.reachabilityRecords) fail(p, 'too many reachability records');
    const subjects = new Set<number>();
    for (let j = 0; j < recs.length; j++) {
      const rp = `${p}.records[${j}]`;
      const rec = obj(recs[j], rp);
      const si = ref(rec.subject, `${rp}.subject`);
      if (subjects.has(si)) fail(`${rp}.subject`, 'duplicate subject in row');
      subjects.add(si);
      records.push({
        observer: (members[oi] as Member).uniqueAddress,
        subject: (members[si] as Member).uniqueAddress,
        status: oneOf(rec.status, `${rp}.status`, REACHABILITY_STATUSES),
        version: int(rec.version, `${rp}.version`, 0, MAX_VERSION),
      });
    }
  }
  const reachability: Reachability = { records, versions };

  const tombstones = new Map<string, Tombstone>();
  arr(o.tombstones, `${path}.tombstones`, LIMITS.tombstones).forEach((t, i) => {
    const p = `${path}.tombstones[${i}]`;
    const node = uniqueAddress(t, p);
    const timestamp = int(obj(t, p).timestamp, `${p}.timestamp`, 0, MAX_COUNTER);
    tombstones.set(nodeKey(node), { node, timestamp });
  });

  const version = new Map<string, number>();
  const entries = arr(o.version, `${path}.version`, LIMITS.clockEntries);
  entries.forEach((e, i) => {
    const p = `${path}.version[${i}]`;
    const pair = arr(e, p, 2);
    if (pair.length !== 2) fail(p, 'expected [node, counter]');
    const ref = pair[0];
    let key: string;
    if (typeof ref === 'number') {
      const m = Number.isInteger(ref) ? members[ref] : undefined;
      if (!m) fail(`${p}[0]`, 'no such member');
      key = clockKey(m.uniqueAddress);
    } else if (typeof ref === 'string' && CLOCK_KEY.test(ref)) key = ref;
    else fail(`${p}[0]`, 'expected a member index or 32 lowercase hex digits');
    if (version.has(key)) fail(`${p}[0]`, 'duplicate clock entry');
    version.set(key, int(pair[1], `${p}[1]`, 0, MAX_VERSION));
  });
  return { members, seen, reachability, version, tombstones };
}

/**
 * Validates a parsed wire value and returns the in-memory message; throws ProtocolError on a
 * wrong or unknown version/type, wrong field types, bad addresses, out-of-range integers or
 * oversized lists.
 */
export function validateMessage(value: unknown): ClusterMessage {
  const o = obj(value, 'message');
  if (o.v !== PROTOCOL_VERSION) fail('message.v', `unsupported protocol version (expected ${PROTOCOL_VERSION})`);
  const type = oneOf(o.type, 'message.type', MESSAGE_TYPES);
  switch (type) {
    case 'InitJoin':
      return { type, from: address(o.from, 'from'), config: stringRecord(o.config, 'config') };
    case 'InitJoinAck': {
      const c = obj(o.configCheck, 'configCheck');
      const kind = oneOf(c.type, 'configCheck.type', ['Unchecked', 'Incompatible', 'Compatible'] as const);
      const configCheck: ConfigCheck =
        kind === 'Compatible' ? { type: kind, config: stringRecord(c.config, 'configCheck.config') } : { type: kind };
      return { type, from: address(o.from, 'from'), configCheck };
    }
    case 'InitJoinNack':
      return { type, from: address(o.from, 'from') };
    case 'Join':
      return {
        type,
        node: uniqueAddress(o.node, 'node'),
        roles: arr(o.roles, 'roles', LIMITS.roles).map((r, i) => str(r, `roles[${i}]`)),
        appVersion: str(o.appVersion, 'appVersion'),
      };
    case 'Welcome':
      return { type, from: uniqueAddress(o.from, 'from'), gossip: gossipFromWire(o.gossip) };
    case 'Leave':
    case 'Down':
      return { type, address: address(o.address, 'address') };
    case 'PrepareForShutdown':
      return { type };
    case 'ExitingConfirmed':
      return { type, node: uniqueAddress(o.node, 'node') };
    case 'GossipEnvelope':
      return {
        type,
        from: uniqueAddress(o.from, 'from'),
        to: uniqueAddress(o.to, 'to'),
        gossip: gossipFromWire(o.gossip),
      };
    case 'GossipStatus':
      return {
        type,
        from: uniqueAddress(o.from, 'from'),
        version: clock(o.version, 'version'),
        seenDigest: str(o.seenDigest, 'seenDigest', 64),
      };
    case 'Heartbeat':
    case 'HeartbeatRsp':
      return {
        type,
        from: uniqueAddress(o.from, 'from'),
        sequenceNr: int(o.sequenceNr, 'sequenceNr', 0, MAX_COUNTER),
        creationTime: int(o.creationTime, 'creationTime', -MAX_COUNTER, MAX_COUNTER),
      };
    case 'Quarantined':
    case 'UnknownIncarnation':
      return { type, from: uniqueAddress(o.from, 'from'), to: uniqueAddress(o.to, 'to') };
    case 'SingletonHandOver':
      return {
        type,
        from: uniqueAddress(o.from, 'from'),
        to: uniqueAddress(o.to, 'to'),
        name: str(o.name, 'name'),
        kind: oneOf(o.kind, 'kind', SINGLETON_HAND_OVER_KINDS),
      };
  }
}

/** Parses JSON text (or UTF-8 bytes) or an already parsed value, then validates it. */
export function fromWire(json: string | Buffer | unknown): ClusterMessage {
  let value: unknown = json;
  if (typeof json === 'string' || Buffer.isBuffer(json)) {
    try {
      value = JSON.parse(typeof json === 'string' ? json : json.toString('utf8'));
    } catch (e) {
      fail('message', `not JSON (${(e as Error).message})`);
    }
  }
  return validateMessage(value);
}
