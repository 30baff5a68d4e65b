// Discovery methods by name, selected as Pekko does: a method name N is implemented by the class
// in pekko.discovery.N.class, which we map to a built-in implementation. One instance per name,
// created on first use and cached.
import { systemScheduler, type Scheduler } from '../clock.js';
import {
  KNOWN_DISCOVERY_CLASSES,
  methodClassName,
  readAggregateDiscoverySettings,
  readAsyncDnsSettings,
  readConfigDiscoverySettings,
  readKubernetesApiSettings,
  resolveMethodName,
  type DiscoveryImplementation,
} from './settings.js';
import { ConfigError, type Config } from '../config/types.js';
import { silentLogger, type Logger } from '../logging.js';
import { AggregateServiceDiscovery } from './aggregate.js';
import { ConfigServiceDiscovery } from './config-discovery.js';
import { DnsServiceDiscovery } from './dns-discovery.js';
import { AsyncDnsResolver, resolverConfig } from './dns/resolver.js';
import { readResolvConf } from './dns/resolv-conf.js';
import { KubernetesApiServiceDiscovery } from './kubernetes-api.js';
import { discoveryMetrics, type DiscoveryMetrics } from './metrics.js';
import type { ServiceDiscovery } from './types.js';

export interface DiscoveryDeps {
  readonly logger?: Logger;
  readonly metrics?: DiscoveryMetrics;
  readonly scheduler?: Scheduler;
  /** Environment for the Kubernetes API host/port variables; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** resolv.conf used for `default` nameservers, search domains and ndots. */
  readonly resolvConfPath?: string;
  /** Extra implementations by class name, for methods Muster does not ship. */
  readonly classes?: Readonly<Record<string, (registry: DiscoveryRegistry) => ServiceDiscovery>>;
}

export class DiscoveryRegistry {
  private readonly instances = new Map<string, ServiceDiscovery>();
  private readonly creating = new Set<string>();
  readonly logger: Logger;
  readonly metrics: DiscoveryMetrics;
  readonly scheduler: Scheduler;

  constructor(
    readonly config: Config,
    private readonly deps: DiscoveryDeps = {},
  ) {
    this.logger = deps.logger ?? silentLogger;
    this.metrics = deps.metrics ?? discoveryMetrics;
    this.scheduler = deps.scheduler ?? systemScheduler;
  }

  /** The method a bootstrap-style `discovery-method` value selects (`pekko.discovery` = the default). */
  select(discoveryMethod?: string): { readonly name: string; readonly discovery: ServiceDiscovery } {
    const name = resolveMethodName(this.config, discoveryMethod);
    return { name, discovery: this.get(name) };
  }

  /** The instance for method `name`, created on first use. */
  get(name: string): ServiceDiscovery {
    const existing = this.instances.get(name);
    if (existing) return existing;
    if (this.creating.has(name)) {
      throw new ConfigError(
        `Discovery method [${name}] refers to itself through pekko.discovery.aggregate.discovery-methods`,
        'pekko.discovery.aggregate.discovery-methods',
      );
    }
    this.creating.add(name);
    try {
      const created = this.create(name);
      this.instances.set(name, created);
      return created;
    } finally {
      this.creating.delete(name);
    }
  }

  async close(): Promise<void> {
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(all.map((d) => d.close?.()));
  }

  private create(name: string): ServiceDiscovery {
    const className = methodClassName(this.config, name);
    const custom = this.deps.classes?.[className];
    if (custom) return custom(this);
    const impl: DiscoveryImplementation | undefined = KNOWN_DISCOVERY_CLASSES[className];
    if (impl === undefined) {
      const path = `pekko.discovery.${name}.class`;
      throw new ConfigError(
        `${path} = "${className}" (${this.config.describeOrigin(path)}) is not a discovery implementation ` +
          `Muster provides; use one of: ${Object.keys(KNOWN_DISCOVERY_CLASSES).join(', ')}`,
        path,
      );
    }
    this.logger.debug({ method: name, className }, `Creating discovery method [${name}] (${impl})`);
    switch (impl) {
      case 'config':
        return new ConfigServiceDiscovery(readConfigDiscoverySettings(this.config));
      case 'aggregate': {
        const { discoveryMethods } = readAggregateDiscoverySettings(this.config);
        return new AggregateServiceDiscovery(
          discoveryMethods.map((m) => ({ name: m, discovery: this.get(m) })),
          this.logger,
        );
      }
      case 'kubernetes-api':
        return new KubernetesApiServiceDiscovery(readKubernetesApiSettings(this.config), {
          logger: this.logger,
          metrics: this.metrics,
          ...(this.deps.env ? { env: this.deps.env } : {}),
        });
      case 'pekko-dns': {
        const settings = readAsyncDnsSettings(this.config);
        const resolver = new AsyncDnsResolver(resolverConfig(settings, readResolvConf(this.deps.resolvConfPath)), {
          metrics: this.metrics,
          now: () => this.scheduler.now(),
        });
        return new DnsServiceDiscovery(resolver, settings.cacheCleanupIntervalMs, {
          logger: this.logger,
          scheduler: this.scheduler,
        });
      }
    }
  }
}

/** The ServiceDiscovery for a bootstrap-style method value (default: pekko.discovery.method). */
export function createDiscovery(config: Config, deps: DiscoveryDeps = {}, discoveryMethod?: string): ServiceDiscovery {
  return new DiscoveryRegistry(config, deps).select(discoveryMethod).discovery;
}
