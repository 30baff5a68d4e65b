// The async DNS resolver behind `pekko-dns` (spec §4.3): search-list candidates, nameserver
// failover, UDP with TCP retry, and a cache that never serves an answer past its TTL.
import { isIP } from 'node:net';
import type { AsyncDnsSettings, NameserverAddress, TtlSetting } from '../settings.js';
import { DnsQueryError, DnsResolveError } from '../errors.js';
import type { DiscoveryMetrics } from '../metrics.js';
import { exchange, formatNameserver, type DnsRecord, type QueryType } from './exchange.js';
import type { ResolvConf } from './resolv-conf.js';

export interface ResolverConfig {
  readonly nameservers: readonly NameserverAddress[];
  readonly searchDomains: readonly string[];
  readonly ndots: number;
  readonly resolveTimeoutMs: number;
  readonly positiveTtl: TtlSetting;
  readonly negativeTtl: TtlSetting;
}

/** Fills `default` settings from resolv.conf (glibc's fallback nameserver is 127.0.0.1). */
export function resolverConfig(settings: AsyncDnsSettings, conf: ResolvConf): ResolverConfig {
  const fromConf = conf.nameservers.length > 0 ? conf.nameservers : [{ host: '127.0.0.1', port: 53 }];
  return {
    nameservers: settings.nameservers === 'default' ? fromConf : settings.nameservers,
    searchDomains: (settings.searchDomains === 'default' ? conf.search : settings.searchDomains).map((d) =>
      d.replace(/^\.|\.$/g, '').toLowerCase(),
    ),
    ndots: settings.ndots === 'default' ? conf.ndots ?? 1 : settings.ndots,
    resolveTimeoutMs: settings.resolveTimeoutMs,
    positiveTtl: settings.positiveTtl,
    negativeTtl: settings.negativeTtl,
  };
}

export type ResolveKind = 'ip' | 'srv';

export interface DnsAnswer {
  /** The candidate name that produced the records (the queried name when all were empty). */
  readonly name: string;
  readonly records: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

interface CacheEntry {
  readonly answer: DnsAnswer;
  readonly expiresAt: number;
}

export interface ResolverDeps {
  readonly metrics: DiscoveryMetrics;
  /** Monotonic milliseconds; injected so cache expiry is testable. */
  readonly now: () => number;
}

export class AsyncDnsResolver {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    readonly config: ResolverConfig,
    private readonly deps: ResolverDeps,
  ) {}

  /** A/AAAA (kind `ip`, A first) or SRV records for name. */
  async resolve(rawName: string, kind: ResolveKind): Promise<DnsAnswer> {
    const name = rawName.replace(/\.$/, '').toLowerCase();
    const local = kind === 'ip' ? localAnswer(name) : undefined;
    if (local) return local;
    const key = `${kind} ${name}`;
    const now = this.deps.now();
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > now) {
      this.deps.metrics.dnsCacheHits.inc();
      return cached.answer;
    }
    if (cached) this.cache.delete(key);
    const answer = await this.query(name, rawName.endsWith('.'), kind);
    this.store(key, answer);
    return answer;
  }

  /** Drops expired entries; memory housekeeping only, lookups never see expired entries. */
  sweep(): void {
    const now = this.deps.now();
    for (const [k, e] of this.cache) if (e.expiresAt <= now) this.cache.delete(k);
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /** Names tried in order: with >= ndots dots the bare name first, else the search forms first. */
  candidates(name: string, absolute: boolean): string[] {
    if (absolute || this.config.searchDomains.length === 0) return [name];
    const searched = this.config.searchDomains.map((d) => `${name}.${d}`);
    const dots = name.split('.').length - 1;
    return dots >= this.config.ndots ? [name, ...searched] : [...searched, name];
  }

  private async query(name: string, absolute: boolean, kind: ResolveKind): Promise<DnsAnswer> {
    const failures: DnsQueryError[] = [];
    const candidates = this.candidates(name, absolute);
    for (const ns of this.config.nameservers) {
      try {
        for (const candidate of candidates) {
          const answer = await this.ask(ns, candidate, kind);
          if (answer.records.length > 0) return answer;
        }
        return { name, records: [], additionals: [] };
      } catch (e) {
        failures.push(
          e instanceof DnsQueryError ? e : new DnsQueryError(String((e as Error)?.message ?? e), formatNameserver(ns)),
        );
      }
    }
    throw new DnsResolveError(`${name} ${kind === 'srv' ? 'SRV' : 'A/AAAA'}`, failures);
  }

  private async ask(ns: NameserverAddress, name: string, kind: ResolveKind): Promise<DnsAnswer> {
    const types: QueryType[] = kind === 'srv' ? ['SRV'] : ['A', 'AAAA'];
    const replies = await Promise.all(types.map((t) => exchange(ns, name, t, this.config.resolveTimeoutMs, this.deps.metrics)));
    const records: DnsRecord[] = [];
    const additionals: DnsRecord[] = [];
    replies.forEach((reply, i) => {
      // A non-success rcode (NXDOMAIN, SERVFAIL, ...) counts as an empty answer, as in Pekko.
      if (reply.rcode !== 0) return;
      records.push(...reply.answers.filter((r) => r.type === types[i]));
      additionals.push(...reply.additionals);
    });
    return { name, records, additionals };
  }

  private store(key: string, answer: DnsAnswer): void {
    const ttlMs =
      answer.records.length > 0
        ? capTtl(this.config.positiveTtl, Math.min(...answer.records.map((r) => r.ttl)) * 1000)
        : capTtl(this.config.negativeTtl, Infinity);
    if (ttlMs > 0) this.cache.set(key, { answer, expiresAt: this.deps.now() + ttlMs });
  }
}

function capTtl(setting: TtlSetting, recordTtlMs: number): number {
  if (setting === 'never') return 0;
  if (setting === 'forever') return recordTtlMs;
  return Math.min(setting, recordTtlMs);
}

function localAnswer(name: string): DnsAnswer | undefined {
  const kind = isIP(name);
  if (kind !== 0) {
    return { name, records: [{ name, type: kind === 4 ? 'A' : 'AAAA', ttl: 0, data: name }], additionals: [] };
  }
  if (name === 'localhost') {
    return {
      name,
      records: [
        { name, type: 'A', ttl: 0, data: '127.0.0.1' },
        { name, type: 'AAAA', ttl: 0, data: '::1' },
      ],
      additionals: [],
    };
  }
  return undefined;
}
