// `pekko-dns` method (spec §4): SRV when the lookup has both a port name and a protocol,
// otherwise A and AAAA, through our own async resolver.
import { normalizeHost, type ResolvedTarget } from '../address.js';
import type { Cancellable, Scheduler } from '../clock.js';
import type { Logger } from '../logging.js';
import { withTimeout } from './errors.js';
import type { AsyncDnsResolver } from './dns/resolver.js';
import type { DnsRecord } from './dns/exchange.js';
import type { Lookup, Resolved, ServiceDiscovery } from './types.js';

export interface DnsDiscoveryDeps {
  readonly logger: Logger;
  readonly scheduler: Scheduler;
}

export class DnsServiceDiscovery implements ServiceDiscovery {
  private readonly sweeper: Cancellable;

  constructor(
    private readonly resolver: AsyncDnsResolver,
    cacheCleanupIntervalMs: number,
    private readonly deps: DnsDiscoveryDeps,
  ) {
    this.sweeper = deps.scheduler.scheduleRepeatedly(cacheCleanupIntervalMs, cacheCleanupIntervalMs, () => resolver.sweep());
  }

  lookup(lookup: Lookup, timeoutMs: number): Promise<Resolved> {
    return withTimeout(this.resolveLookup(lookup), lookup, timeoutMs, 'pekko-dns');
  }

  close(): void {
    this.sweeper.cancel();
  }

  private async resolveLookup(lookup: Lookup): Promise<Resolved> {
    if (lookup.portName !== undefined && lookup.protocol !== undefined) {
      const srvName = `_${lookup.portName}._${lookup.protocol}.${lookup.serviceName}`;
      this.deps.logger.debug({ query: srvName }, `Lookup [${srvName}] translated to SRV query`);
      const answer = await this.resolver.resolve(srvName, 'srv');
      const targets: ResolvedTarget[] = [];
      for (const srv of answer.records) {
        if (srv.type !== 'SRV') continue;
        targets.push(...(await this.srvTargets(srv.data, answer.additionals)));
      }
      return { serviceName: srvName, addresses: targets };
    }
    this.deps.logger.debug({ query: lookup.serviceName }, `Lookup [${lookup.serviceName}] translated to A/AAAA query`);
    const answer = await this.resolver.resolve(lookup.serviceName, 'ip');
    return { serviceName: lookup.serviceName, addresses: ipTargets(answer.records) };
  }

  /** Addresses from the additional section; if it has none for the target, the target is resolved. */
  private async srvTargets(srv: { target: string; port: number }, additionals: readonly DnsRecord[]): Promise<ResolvedTarget[]> {
    let ips = additionals.filter((a) => (a.type === 'A' || a.type === 'AAAA') && a.name === srv.target);
    if (ips.length === 0) {
      try {
        ips = [...(await this.resolver.resolve(`${srv.target}.`, 'ip')).records];
      } catch (e) {
        this.deps.logger.debug({ err: e }, `Could not resolve SRV target [${srv.target}]; returning it without an address`);
      }
    }
    if (ips.length === 0) return [{ host: srv.target, port: srv.port }];
    return ips.map((ip) => ({ host: srv.target, port: srv.port, address: normalizeHost(String(ip.data)) }));
  }
}

function ipTargets(records: readonly DnsRecord[]): ResolvedTarget[] {
  const a = records.filter((r) => r.type === 'A');
  const aaaa = records.filter((r) => r.type === 'AAAA');
  return [...a, ...aaaa].map((r) => {
    const ip = normalizeHost(String(r.data));
    return { host: ip, address: ip };
  });
}
