// Typed settings of the discovery layer, read from the Pekko keys pekko.discovery.*,
// pekko.io.dns.async-dns.* and the Muster-only muster.discovery.*. Each reader is called when the
// method that needs it is first created, as Pekko does, so an unused method's settings never fail.
import { isIP } from 'node:net';
import { ConfigError, type Config } from '../config/types.js';
import type { ResolvedTarget } from '../address.js';

/** Pekko's "defined": present, non-blank, and not the `<key-name>` placeholder of its own key. */
function optionalDefined(config: Config, path: string): string | undefined {
  if (!config.has(path)) return undefined;
  const v = config.getValue(path);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' || t === `<${path.slice(path.lastIndexOf('.') + 1)}>` ? undefined : t;
}

function stringOr(config: Config, path: string, fallback: string): string {
  return config.has(path) ? config.getString(path) : fallback;
}

/** Which implementation a `pekko.discovery.<name>.class` value selects. */
export type DiscoveryImplementation = 'config' | 'aggregate' | 'pekko-dns' | 'kubernetes-api';

/** Pekko class names accepted in `pekko.discovery.<name>.class`, mapped to our implementations. */
export const KNOWN_DISCOVERY_CLASSES: Readonly<Record<string, DiscoveryImplementation>> = {
  'org.apache.pekko.discovery.config.ConfigServiceDiscovery': 'config',
  'org.apache.pekko.discovery.aggregate.AggregateServiceDiscovery': 'aggregate',
  'org.apache.pekko.discovery.dns.DnsServiceDiscovery': 'pekko-dns',
  'org.apache.pekko.discovery.kubernetes.KubernetesApiServiceDiscovery': 'kubernetes-api',
};

/** The special discovery-method value meaning "use pekko.discovery.method". */
export const DEFAULT_METHOD_ALIAS = 'pekko.discovery';

/**
 * Resolves a bootstrap-style discovery-method value to a method name: `pekko.discovery` (or
 * absent) means the default method in pekko.discovery.method, anything else is the name itself.
 */
export function resolveMethodName(config: Config, discoveryMethod: string | undefined): string {
  if (discoveryMethod !== undefined && discoveryMethod !== DEFAULT_METHOD_ALIAS) return discoveryMethod;
  const method = optionalDefined(config, 'pekko.discovery.method');
  if (method === undefined) {
    throw new ConfigError(
      'No default service discovery method is configured: set pekko.discovery.method ' +
        '(for example "kubernetes-api", "pekko-dns", "config" or "aggregate")',
      'pekko.discovery.method',
    );
  }
  return method;
}

/** The class configured for method `name` (pekko.discovery.<name>.class). */
export function methodClassName(config: Config, name: string): string {
  const path = `pekko.discovery.${quoteKey(name)}.class`;
  const value = config.has(path) ? config.getValue(path) : undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(
      `${path} must point to a discovery implementation class, ` +
        `one of: ${Object.keys(KNOWN_DISCOVERY_CLASSES).join(', ')}`,
      path,
    );
  }
  return value.trim();
}

function quoteKey(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}

// ---------------------------------------------------------------- config

export interface ConfigDiscoverySettings {
  /** Service name -> endpoints, in configuration order. Targets never carry an address. */
  readonly services: ReadonlyMap<string, readonly ResolvedTarget[]>;
}

export function readConfigDiscoverySettings(config: Config): ConfigDiscoverySettings {
  const servicesPath = stringOr(config, 'pekko.discovery.config.services-path', 'pekko.discovery.config.services');
  const tree = config.has(servicesPath) ? config.getObject(servicesPath) : {};
  const services = new Map<string, ResolvedTarget[]>();
  for (const [name, service] of Object.entries(tree)) {
    const where = `${servicesPath}."${name}"`;
    const endpoints = isObject(service) ? service['endpoints'] : undefined;
    if (!Array.isArray(endpoints)) {
      throw new ConfigError(
        `${where}.endpoints must be a list of {host, port} objects (${config.describeOrigin(servicesPath)})`,
        `${servicesPath}.${name}.endpoints`,
      );
    }
    services.set(
      name,
      endpoints.map((e, i) => parseEndpoint(e, `${where}.endpoints[${i}]`)),
    );
  }
  return { services };
}

function parseEndpoint(e: unknown, where: string): ResolvedTarget {
  if (!isObject(e) || typeof e['host'] !== 'string' || e['host'] === '') {
    throw new ConfigError(`${where} must be an object with a string host, got ${JSON.stringify(e)}`, where);
  }
  const port = e['port'];
  if (port === undefined || port === null) return { host: e['host'] };
  const n = typeof port === 'string' && /^\d+$/.test(port.trim()) ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(`${where}.port must be an integer 0..65535, got ${JSON.stringify(port)}`, `${where}.port`);
  }
  return { host: e['host'], port: n };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------- aggregate

export interface AggregateDiscoverySettings {
  readonly discoveryMethods: readonly string[];
}

export function readAggregateDiscoverySettings(config: Config): AggregateDiscoverySettings {
  const path = 'pekko.discovery.aggregate.discovery-methods';
  const discoveryMethods = config.has(path) ? config.getStringList(path) : [];
  if (discoveryMethods.length === 0) {
    throw new ConfigError(`${path} must list at least one discovery method when aggregate discovery is used`, path);
  }
  return { discoveryMethods };
}

// ---------------------------------------------------------------- kubernetes-api

export interface KubernetesApiSettings {
  readonly apiCaPath: string;
  readonly apiTokenPath: string;
  readonly apiServiceHostEnvName: string;
  readonly apiServicePortEnvName: string;
  readonly tlsVersion: string;
  readonly podNamespacePath: string;
  /** Explicit namespace; undefined when not defined (then the namespace file, then "default"). */
  readonly podNamespace: string | undefined;
  readonly podDomain: string;
  /** `%s` is replaced by the lookup's service name. */
  readonly podLabelSelector: string;
  readonly useRawIp: boolean;
  /** When set, that container must exist and not be waiting. */
  readonly containerName: string | undefined;
  /** Sent as Accept-Encoding when set. */
  readonly httpRequestAcceptEncoding: string | undefined;
  /** Muster-only: pods per page (`limit`); 0 means one unpaged request. */
  readonly pageSize: number;
}

const K8S = 'pekko.discovery.kubernetes-api';
export const DEFAULT_KUBERNETES_PAGE_SIZE = 500;

export function readKubernetesApiSettings(config: Config): KubernetesApiSettings {
  const s = (key: string, fallback: string) => stringOr(config, `${K8S}.${key}`, fallback);
  const pageSizePath = 'muster.discovery.kubernetes-api.page-size';
  const pageSize = config.has(pageSizePath) ? config.getInt(pageSizePath) : DEFAULT_KUBERNETES_PAGE_SIZE;
  if (pageSize < 0) throw new ConfigError(`${pageSizePath} must be >= 0, got ${pageSize}`, pageSizePath);
  const containerName = s('container-name', '').trim();
  const encoding = s('http-request-accept-encoding', '').trim();
  return {
    apiCaPath: s('api-ca-path', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
    apiTokenPath: s('api-token-path', '/var/run/secrets/kubernetes.io/serviceaccount/token'),
    apiServiceHostEnvName: s('api-service-host-env-name', 'KUBERNETES_SERVICE_HOST'),
    apiServicePortEnvName: s('api-service-port-env-name', 'KUBERNETES_SERVICE_PORT'),
    tlsVersion: s('tls-version', 'TLSv1.2'),
    podNamespacePath: s('pod-namespace-path', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'),
    podNamespace: optionalDefined(config, `${K8S}.pod-namespace`),
    podDomain: s('pod-domain', 'cluster.local'),
    podLabelSelector: s('pod-label-selector', 'app=%s'),
    useRawIp: config.has(`${K8S}.use-raw-ip`) ? config.getBoolean(`${K8S}.use-raw-ip`) : false,
    containerName: containerName === '' ? undefined : containerName,
    httpRequestAcceptEncoding: encoding === '' ? undefined : encoding,
    pageSize,
  };
}

// ---------------------------------------------------------------- pekko-dns (pekko.io.dns.async-dns)

/** `forever` = the records' smallest TTL uncapped, `never` = no caching, a number = cap in ms. */
export type TtlSetting = 'forever' | 'never' | number;

export interface NameserverAddress {
  readonly host: string;
  readonly port: number;
}

export interface AsyncDnsSettings {
  /** `default` = the nameservers of /etc/resolv.conf. */
  readonly nameservers: 'default' | readonly NameserverAddress[];
  /** Per-nameserver timeout of one query. */
  readonly resolveTimeoutMs: number;
  readonly positiveTtl: TtlSetting;
  readonly negativeTtl: TtlSetting;
  readonly cacheCleanupIntervalMs: number;
  /** `default` = the search line of /etc/resolv.conf. */
  readonly searchDomains: 'default' | readonly string[];
  /** `default` = ndots of /etc/resolv.conf, else 1. */
  readonly ndots: 'default' | number;
}

const DNS = 'pekko.io.dns.async-dns';

export function readAsyncDnsSettings(config: Config): AsyncDnsSettings {
  const has = (k: string) => config.has(`${DNS}.${k}`);
  return {
    nameservers: has('nameservers') ? readNameservers(config, `${DNS}.nameservers`) : 'default',
    resolveTimeoutMs: has('resolve-timeout') ? config.getDurationMs(`${DNS}.resolve-timeout`) : 5000,
    positiveTtl: has('positive-ttl') ? readTtl(config, `${DNS}.positive-ttl`) : 'forever',
    negativeTtl: has('negative-ttl') ? readTtl(config, `${DNS}.negative-ttl`) : 'never',
    cacheCleanupIntervalMs: has('cache-cleanup-interval') ? config.getDurationMs(`${DNS}.cache-cleanup-interval`) : 120_000,
    searchDomains: has('search-domains') ? readDefaultOrList(config, `${DNS}.search-domains`) : 'default',
    ndots: has('ndots') ? readNdots(config, `${DNS}.ndots`) : 'default',
  };
}

function readTtl(config: Config, path: string): TtlSetting {
  const v = config.getValue(path);
  if (v === 'forever' || v === 'never') return v;
  return config.getDurationMs(path);
}

function readDefaultOrList(config: Config, path: string): 'default' | string[] {
  const v = config.getValue(path);
  if (v === 'default') return 'default';
  if (typeof v === 'string') return [v];
  return config.getStringList(path);
}

function readNdots(config: Config, path: string): 'default' | number {
  if (config.getValue(path) === 'default') return 'default';
  const n = config.getInt(path);
  if (n < 0) throw new ConfigError(`${path} must be "default" or a non-negative integer, got ${n}`, path);
  return n;
}

function readNameservers(config: Config, path: string): 'default' | NameserverAddress[] {
  const list = readDefaultOrList(config, path);
  if (list === 'default') return 'default';
  return list.map((text) => {
    const ns = parseNameserver(text);
    if (!ns) {
      throw new ConfigError(
        `${path}: [${text}] is not a nameserver address; use "ip", "ip:port", "ipv6" or "[ipv6]:port" ` +
          `(${config.describeOrigin(path)})`,
        path,
      );
    }
    return ns;
  });
}

/** Parses `1.2.3.4`, `1.2.3.4:53`, `::1`, `[::1]` or `[::1]:53`; undefined when not an IP address. */
export function parseNameserver(text: string): NameserverAddress | undefined {
  const t = text.trim();
  let host = t;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(t);
  const v4port = /^([\d.]+):(\d{1,5})$/.exec(t);
  if (bracketed) {
    host = bracketed[1] as string;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (v4port) {
    host = v4port[1] as string;
    port = Number(v4port[2]);
  }
  if (port < 1 || port > 65535) return undefined;
  if (isIP(host) === 0) return undefined;
  return { host, port };
}
