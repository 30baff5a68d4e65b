// Contact points: which discovered targets to probe (selectHosts), where to probe them, and
// whether a target is this node itself.
import { formatHost, ipBytes, type ResolvedTarget } from '../address.js';

/** This node's management endpoint as peers reach it (pekko.management.http.hostname/port/base-path). */
export interface SelfContactPoint {
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  /** Without leading or trailing slashes; empty for none. */
  readonly basePath: string;
}

/** `scheme://host:port[/base-path]`, as the status shows this node's own contact point. */
export function formatSelfContactPoint(self: SelfContactPoint): string {
  const base = normalizeBasePath(self.basePath);
  return `${self.scheme}://${formatHost(self.host)}:${self.port}${base === '' ? '' : `/${base}`}`;
}

/**
 * Spec 2.5. With a port name, or with filter-on-fallback-port off, every target is kept. Otherwise
 * a host that yields several targets, some with ports, keeps only those on the fallback port.
 */
export function selectHosts(
  targets: readonly ResolvedTarget[],
  opts: { readonly hasPortName: boolean; readonly filterOnFallbackPort: boolean; readonly fallbackPort: number },
): ResolvedTarget[] {
  if (opts.hasPortName || !opts.filterOnFallbackPort) return [...targets];
  const byHost = new Map<string, ResolvedTarget[]>();
  for (const t of targets) {
    const group = byHost.get(t.host);
    if (group) group.push(t);
    else byHost.set(t.host, [t]);
  }
  const out: ResolvedTarget[] = [];
  for (const group of byHost.values()) {
    if (group.length === 1 || group.every((t) => t.port === undefined)) out.push(...group);
    else out.push(...group.filter((t) => t.port === opts.fallbackPort));
  }
  return out;
}

/** The host with every character removed except those Pekko allows in an actor name. */
export function cleanHost(host: string): string {
  return host.replace(/[^a-zA-Z0-9\-_.*$+:@&=,!~';]/g, '');
}

/** Normalises a base path to `seg/seg` (no leading or trailing slash; blank = none). */
export function normalizeBasePath(basePath: string): string {
  return basePath.trim().replace(/^\/+|\/+$/g, '');
}

/** `{scheme}://{host}:{port ?? fallback}[/{base-path}]/bootstrap/seed-nodes`, against the host name. */
export function probeUrl(target: ResolvedTarget, self: SelfContactPoint, fallbackPort: number): string {
  const base = normalizeBasePath(self.basePath);
  const prefix = base === '' ? '' : `/${base}`;
  return `${self.scheme}://${formatHost(target.host)}:${target.port ?? fallbackPort}${prefix}/bootstrap/seed-nodes`;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Same IP whatever its text form (Java prints IPv6 uncompressed, Node compressed). */
function sameHostText(a: string, b: string): boolean {
  if (a === b) return true;
  const ba = ipBytes(a);
  const bb = ipBytes(b);
  return ba !== undefined && bb !== undefined && ba.length === bb.length && ba.every((x, i) => x === bb[i]);
}

/**
 * Spec 2.8 rule 6: host equal (as written, bracket-free, or the target's address text), and the
 * port equal too when the target has one.
 */
export function matchesSelf(target: ResolvedTarget, self: { readonly host: string; readonly port: number }): boolean {
  const bare = stripBrackets(self.host);
  const hostMatches =
    self.host === target.host ||
    sameHostText(bare, stripBrackets(target.host)) ||
    (target.address !== undefined && sameHostText(target.address, bare));
  if (!hostMatches) return false;
  return target.port === undefined || target.port === self.port;
}
