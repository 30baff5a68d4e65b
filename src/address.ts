// The one address module: parsing, printing and ordering of node addresses and of
// contact-point targets. Every layer uses these; the orderings decide leaders, the oldest
// member and which node may form a new cluster, so they must match Pekko bit for bit.
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';

/** A cluster node address: `protocol://system@host:port`. */
export interface Address {
  readonly protocol: string;
  readonly system: string;
  readonly host: string;
  readonly port: number;
}

/** An address plus the 64-bit uid of one process incarnation (signed, like a Java long). */
export interface UniqueAddress {
  readonly address: Address;
  readonly uid: bigint;
}

/** A discovery answer entry (Pekko's ResolvedTarget). */
export interface ResolvedTarget {
  readonly host: string;
  readonly port?: number;
  /** The IP address the host resolved to, as text (IPv4 dotted or IPv6). */
  readonly address?: string;
}

const SYSTEM_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

export class AddressParseError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`Invalid address [${input}]: ${reason}`);
    this.name = 'AddressParseError';
  }
}

export function isValidSystemName(name: string): boolean {
  return SYSTEM_NAME.test(name);
}

/** Parses `protocol://system@host:port`; IPv6 hosts must be in brackets. */
export function parseAddress(text: string): Address {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^@/]+)@(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})$/.exec(text);
  if (!m) throw new AddressParseError(text, 'expected protocol://system@host:port');
  const [, protocol, system, rawHost, portText] = m as unknown as [string, string, string, string, string];
  if (!isValidSystemName(system)) throw new AddressParseError(text, `invalid system name [${system}]`);
  const port = Number(portText);
  if (port > 65535) throw new AddressParseError(text, `port ${port} out of range`);
  let host = rawHost;
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) throw new AddressParseError(text, `invalid IPv6 host [${host}]`);
  }
  return { protocol, system, host: normalizeHost(host), port };
}

/** Lower-cases and compresses IPv6 text so the same host always prints the same way. */
export function normalizeHost(host: string): string {
  if (isIP(host) === 6) return ipv6ToText(ipv6Bytes(host));
  return host;
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function formatAddress(a: Address): string {
  return `${a.protocol}://${a.system}@${formatHost(a.host)}:${a.port}`;
}

/** `system@host:port`, the form the management API also accepts to name a member. */
export function formatHostPort(a: Address): string {
  return `${a.system}@${formatHost(a.host)}:${a.port}`;
}

export function addressEquals(a: Address, b: Address): boolean {
  return a.host === b.host && a.port === b.port && a.system === b.system && a.protocol === b.protocol;
}

export function uniqueAddressEquals(a: UniqueAddress, b: UniqueAddress): boolean {
  return a.uid === b.uid && addressEquals(a.address, b.address);
}

/** A stable map key for a unique address. */
export function uniqueAddressKey(u: UniqueAddress): string {
  return `${formatAddress(u.address)}#${u.uid}`;
}

/** Member address ordering: host as plain UTF-16 string order, then port. Protocol and system ignored. */
export function compareAddress(a: Address, b: Address): number {
  if (a.host !== b.host) return a.host < b.host ? -1 : 1;
  return a.port - b.port;
}

/** UniqueAddress ordering: member address ordering, then uid as a signed 64-bit number. */
export function compareUniqueAddress(a: UniqueAddress, b: UniqueAddress): number {
  const c = compareAddress(a.address, b.address);
  if (c !== 0) return c;
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}

/** Full Address ordering (protocol, system, host, port), used to order seed-node lists on the wire. */
export function compareAddressFull(a: Address, b: Address): number {
  if (a.protocol !== b.protocol) return a.protocol < b.protocol ? -1 : 1;
  if (a.system !== b.system) return a.system < b.system ? -1 : 1;
  return compareAddress(a, b);
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

export function isInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/** A fresh random signed 64-bit uid for a new process incarnation (never 0). */
export function newUid(): bigint {
  for (;;) {
    const uid = randomBytes(8).readBigInt64BE(0);
    if (uid !== 0n) return uid;
  }
}

/** Java's Long.hashCode of a uid as a signed 32-bit int: (uid ^ (uid >>> 32)) truncated. */
export function uidHash(uid: bigint): number {
  const u = BigInt.asUintN(64, uid);
  return Number(BigInt.asIntN(32, u ^ (u >> 32n)));
}

/** Raw bytes of an IP address (4 for IPv4, 16 for IPv6), or undefined when the text is not an IP. */
export function ipBytes(ip: string): number[] | undefined {
  const kind = isIP(ip);
  if (kind === 4) return ip.split('.').map(Number);
  if (kind === 6) return ipv6Bytes(ip);
  return undefined;
}

function ipv6Bytes(ip: string): number[] {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    tail = last.split('.').map(Number);
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const restParts = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const missing = 8 - headParts.length - restParts.length;
  const groups = [...headParts, ...Array(rest !== undefined ? missing : 0).fill('0'), ...restParts];
  const bytes: number[] = [];
  for (const g of groups) {
    const v = parseInt(g, 16);
    bytes.push((v >> 8) & 0xff, v & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function ipv6ToText(bytes: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // Compress the longest run (length >= 2) of zero groups, leftmost on ties (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Compares IP bytes lexicographically with each byte read as signed (-128..127); a prefix sorts first. */
export function compareIpBytesSigned(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = ((a[i] as number) << 24) >> 24;
    const y = ((b[i] as number) << 24) >> 24;
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

/**
 * ResolvedTarget ordering as Pekko's bootstrap uses it: (address, host, port). A missing address
 * sorts first; addresses compare by signed raw bytes; hosts by plain string order; a missing port first.
 */
export function compareResolvedTarget(a: ResolvedTarget, b: ResolvedTarget): number {
  if (a.address !== b.address) {
    if (a.address === undefined) return -1;
    if (b.address === undefined) return 1;
    const c = compareIpBytesSigned(ipBytes(a.address) ?? [], ipBytes(b.address) ?? []);
    if (c !== 0) return c;
  }
  if (a.host !== b.host) return a.host < b.host ? -1 : 1;
  if (a.port === b.port) return 0;
  if (a.port === undefined) return -1;
  if (b.port === undefined) return 1;
  return a.port - b.port;
}

export function resolvedTargetEquals(a: ResolvedTarget, b: ResolvedTarget): boolean {
  return a.host === b.host && a.port === b.port && a.address === b.address;
}

/** `host:port`, or `host:0` without a port, as Pekko writes contact points in logs. */
export function formatTarget(t: ResolvedTarget): string {
  return `${formatHost(t.host)}:${t.port ?? 0}`;
}
