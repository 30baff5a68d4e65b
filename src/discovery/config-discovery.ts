// `config` method: endpoints listed in configuration (pekko.discovery.config.services).
import type { ConfigDiscoverySettings } from './settings.js';
import type { Lookup, Resolved, ServiceDiscovery } from './types.js';

export class ConfigServiceDiscovery implements ServiceDiscovery {
  constructor(private readonly settings: ConfigDiscoverySettings) {}

  /** Exact, case-sensitive name match; port name and protocol are ignored; unknown names give no targets. */
  lookup(lookup: Lookup): Promise<Resolved> {
    const addresses = this.settings.services.get(lookup.serviceName) ?? [];
    return Promise.resolve({ serviceName: lookup.serviceName, addresses });
  }
}
