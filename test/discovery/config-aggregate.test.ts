import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/types.js';
import {
  readAggregateDiscoverySettings,
  readAsyncDnsSettings,
  readConfigDiscoverySettings,
  readKubernetesApiSettings,
  resolveMethodName,
  parseNameserver,
} from '../../src/discovery/settings.js';
import { AggregateServiceDiscovery } from '../../src/discovery/aggregate.js';
import { ConfigServiceDiscovery } from '../../src/discovery/config-discovery.js';
import { AggregateDiscoveryError, DiscoveryTimeoutError, withTimeout } from '../../src/discovery/errors.js';
import { DiscoveryRegistry, createDiscovery } from '../../src/discovery/registry.js';
import type { Lookup, Resolved, ServiceDiscovery } from '../../src/discovery/types.js';
import { silentLogger } from '../../src/logging.js';
import { DnsServiceDiscovery } from '../../src/discovery/dns-discovery.js';
import { KubernetesApiServiceDiscovery } from '../../src/discovery/kubernetes-api.js';
import { PEKKO_FIXTURES, missingShared, sharedPath } from '../support/shared-fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The same three-node `config` discovery as Muster's local example, written by Pekko Management
// for its own integration test (third-party, from ../shared: skipped when absent).
const localExamples = [
  { name: 'examples/local', file: path.join(repoRoot, 'examples/local/application.conf'), skip: undefined },
  { name: 'Pekko\'s it-local example', file: sharedPath(`${PEKKO_FIXTURES}/it-local-application.conf`), skip: missingShared(`${PEKKO_FIXTURES}/it-local-application.conf`) },
];
const lookup: Lookup = { serviceName: 'local-cluster', protocol: 'tcp' };

/** A method with a scripted outcome, counting its calls. */
class Scripted implements ServiceDiscovery {
  calls = 0;
  constructor(private readonly outcome: (l: Lookup) => Promise<Resolved>) {}
  lookup(l: Lookup): Promise<Resolved> {
    this.calls++;
    return this.outcome(l);
  }
}
const answer = (...hosts: string[]) => (l: Lookup) =>
  Promise.resolve({ serviceName: l.serviceName, addresses: hosts.map((host) => ({ host, port: 7626 })) });
const failing = (msg: string) => () => Promise.reject(new Error(msg));

describe('config discovery', () => {
  for (const example of localExamples) it(`reads ${example.name} config and answers the exact service name only`, { skip: example.skip }, async () => {
    const config = await loadConfig({ configFile: example.file, env: {} });
    const d = new DiscoveryRegistry(config).select('config').discovery;
    const r = await d.lookup(lookup, 1000);
    assert.deepEqual(r, {
      serviceName: 'local-cluster',
      addresses: [
        { host: '127.0.0.1', port: 7626 },
        { host: '127.0.0.2', port: 7626 },
        { host: '127.0.0.3', port: 7626 },
      ],
    });
    const other = await d.lookup({ serviceName: 'Local-Cluster' }, 1000);
    assert.deepEqual(other, { serviceName: 'Local-Cluster', addresses: [] });
  });

  it('keeps endpoints without a port, quoted dotted service names and a custom services-path', async () => {
    const config = await loadConfig({
      applicationText: `
        my.services { "svc.ns" { endpoints = [ { host = "a.example" }, { host = "b.example", port = "8558" } ] } }
        pekko.discovery.config.services-path = "my.services"`,
      env: {},
    });
    const s = readConfigDiscoverySettings(config);
    const r = await new ConfigServiceDiscovery(s).lookup({ serviceName: 'svc.ns', portName: 'x' });
    assert.deepEqual(r.addresses, [{ host: 'a.example' }, { host: 'b.example', port: 8558 }]);
  });

  it('rejects a service without endpoints when the method is created, naming the key', async () => {
    const config = await loadConfig({
      applicationText: 'pekko.discovery.config.services.broken { hosts = [] }',
      env: {},
    });
    assert.throws(() => new DiscoveryRegistry(config).get('config'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /pekko\.discovery\.config\.services\."broken"\.endpoints must be a list/);
      return true;
    });
  });
});

describe('aggregate discovery', () => {
  it('returns the first non-empty answer and does not ask later methods', async () => {
    const empty = new Scripted(answer());
    const first = new Scripted(answer('10.0.0.1'));
    const later = new Scripted(answer('10.0.0.2'));
    const agg = new AggregateServiceDiscovery(
      [{ name: 'a', discovery: empty }, { name: 'b', discovery: first }, { name: 'c', discovery: later }],
      silentLogger,
    );
    const r = await agg.lookup(lookup, 100);
    assert.deepEqual(r.addresses.map((t) => t.host), ['10.0.0.1']);
    assert.deepEqual([empty.calls, first.calls, later.calls], [1, 1, 0]);
  });

  it('falls through an error to the next method', async () => {
    const agg = new AggregateServiceDiscovery(
      [{ name: 'broken', discovery: new Scripted(failing('boom')) }, { name: 'ok', discovery: new Scripted(answer('h')) }],
      silentLogger,
    );
    assert.deepEqual((await agg.lookup(lookup, 100)).addresses, [{ host: 'h', port: 7626 }]);
  });

  it('returns the last method’s empty answer as a success', async () => {
    const agg = new AggregateServiceDiscovery(
      [{ name: 'broken', discovery: new Scripted(failing('boom')) }, { name: 'empty', discovery: new Scripted(answer()) }],
      silentLogger,
    );
    assert.deepEqual(await agg.lookup(lookup, 100), { serviceName: 'local-cluster', addresses: [] });
  });

  it('fails with every method’s error when all fail, and when the last one fails', async () => {
    const agg = new AggregateServiceDiscovery(
      [{ name: 'one', discovery: new Scripted(failing('first down')) }, { name: 'two', discovery: new Scripted(failing('second down')) }],
      silentLogger,
    );
    await assert.rejects(agg.lookup(lookup, 100), (e: unknown) => {
      assert.ok(e instanceof AggregateDiscoveryError);
      assert.deepEqual(e.failures.map((f) => f.method), ['one', 'two']);
      assert.match(e.message, /\[one\] first down; \[two\] second down/);
      return true;
    });
    const emptyThenFail = new AggregateServiceDiscovery(
      [{ name: 'empty', discovery: new Scripted(answer()) }, { name: 'two', discovery: new Scripted(failing('down')) }],
      silentLogger,
    );
    await assert.rejects(emptyThenFail.lookup(lookup, 100), AggregateDiscoveryError);
  });

  it('is built from config: config then pekko-dns, config answering first', async () => {
    const config = await loadConfig({
      applicationText: `
        pekko.discovery.method = aggregate
        pekko.discovery.aggregate.discovery-methods = [config, pekko-dns]
        pekko.discovery.config.services.svc.endpoints = [{ host = "10.1.1.1", port = 1 }]`,
      env: {},
    });
    const registry = new DiscoveryRegistry(config);
    try {
      const d = registry.select('pekko.discovery');
      assert.equal(d.name, 'aggregate');
      assert.ok(d.discovery instanceof AggregateServiceDiscovery);
      assert.deepEqual((await d.discovery.lookup({ serviceName: 'svc' }, 500)).addresses, [{ host: '10.1.1.1', port: 1 }]);
      assert.strictEqual(registry.get('config'), registry.get('config'), 'one instance per method name');
    } finally {
      await registry.close();
    }
  });

  it('refuses an empty method list and a method list that contains the aggregate itself', async () => {
    const empty = await loadConfig({ applicationText: 'pekko.discovery.method = aggregate', env: {} });
    assert.throws(() => readAggregateDiscoverySettings(empty), /discovery-methods must list at least one/);
    const loop = await loadConfig({ applicationText: 'pekko.discovery.aggregate.discovery-methods = [config, aggregate]', env: {} });
    assert.throws(() => new DiscoveryRegistry(loop).get('aggregate'), /refers to itself/);
  });
});

describe('method selection and class mapping', () => {
  it('needs pekko.discovery.method for the special value pekko.discovery', async () => {
    const config = await loadConfig({ env: {} });
    assert.throws(() => resolveMethodName(config, 'pekko.discovery'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.path, 'pekko.discovery.method');
      return true;
    });
    assert.equal(resolveMethodName(config, 'kubernetes-api'), 'kubernetes-api');
  });

  it('maps Pekko class names, also under custom method names', async () => {
    const config = await loadConfig({
      applicationText: `
        pekko.discovery.method = my-dns
        pekko.discovery.my-dns.class = org.apache.pekko.discovery.dns.DnsServiceDiscovery
        pekko.discovery.kubernetes-api.api-ca-path = "/nonexistent/ca.crt"`,
      env: {},
    });
    const registry = new DiscoveryRegistry(config);
    try {
      assert.ok(registry.select().discovery instanceof DnsServiceDiscovery);
      assert.ok(registry.get('kubernetes-api') instanceof KubernetesApiServiceDiscovery);
    } finally {
      await registry.close();
    }
  });

  it('names key and value for an unknown class and a missing class', async () => {
    const config = await loadConfig({
      applicationText: 'pekko.discovery.consul.class = "org.apache.pekko.discovery.consul.ConsulServiceDiscovery"',
      env: {},
    });
    assert.throws(() => createDiscovery(config, {}, 'consul'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.path, 'pekko.discovery.consul.class');
      assert.match(e.message, /pekko\.discovery\.consul\.class = "org\.apache\.pekko\.discovery\.consul\.ConsulServiceDiscovery"/);
      assert.match(e.message, /application text/);
      return true;
    });
    assert.throws(() => createDiscovery(config, {}, 'nosuch'), /pekko\.discovery\.nosuch\.class must point to a discovery implementation/);
  });

  it('accepts extra implementations by class name', async () => {
    const config = await loadConfig({ applicationText: 'pekko.discovery.mine.class = com.example.Mine', env: {} });
    const mine = new Scripted(answer('x'));
    const d = createDiscovery(config, { classes: { 'com.example.Mine': () => mine } }, 'mine');
    assert.deepEqual((await d.lookup(lookup, 100)).addresses, [{ host: 'x', port: 7626 }]);
  });
});

describe('discovery settings from HOCON', () => {
  it('reads kubernetes-api defaults from reference.conf and the "defined" rule for pod-namespace', async () => {
    const config = await loadConfig({ env: {} });
    const s = readKubernetesApiSettings(config);
    assert.equal(s.podNamespace, undefined);
    assert.equal(s.podLabelSelector, 'app=%s');
    assert.equal(s.apiServiceHostEnvName, 'KUBERNETES_SERVICE_HOST');
    assert.equal(s.containerName, undefined);
    assert.equal(s.pageSize, 500);
    const withNs = await loadConfig({ env: { KUBERNETES_NAMESPACE: 'prod' } });
    assert.equal(readKubernetesApiSettings(withNs).podNamespace, 'prod');
    const blank = await loadConfig({ env: { KUBERNETES_NAMESPACE: '  ' } });
    assert.equal(readKubernetesApiSettings(blank).podNamespace, undefined);
  });

  it('reads async-dns settings: nameserver forms, ttl words, search domains and ndots', async () => {
    const config = await loadConfig({
      applicationText: `pekko.io.dns.async-dns {
        nameservers = ["10.0.0.1", "10.0.0.2:5353", "[fd00::53]:5300", "::1"]
        positive-ttl = 30s
        negative-ttl = forever
        search-domains = "svc.cluster.local"
        ndots = 5
        resolve-timeout = 250ms
      }`,
      env: {},
    });
    const s = readAsyncDnsSettings(config);
    assert.deepEqual(s.nameservers, [
      { host: '10.0.0.1', port: 53 },
      { host: '10.0.0.2', port: 5353 },
      { host: 'fd00::53', port: 5300 },
      { host: '::1', port: 53 },
    ]);
    assert.equal(s.positiveTtl, 30_000);
    assert.equal(s.negativeTtl, 'forever');
    assert.deepEqual(s.searchDomains, ['svc.cluster.local']);
    assert.equal(s.ndots, 5);
    assert.equal(s.resolveTimeoutMs, 250);
    const defaults = readAsyncDnsSettings(await loadConfig({ env: {} }));
    assert.deepEqual(
      [defaults.nameservers, defaults.positiveTtl, defaults.negativeTtl, defaults.searchDomains, defaults.ndots],
      ['default', 'forever', 'never', 'default', 'default'],
    );
  });

  it('rejects a nameserver that is not an IP address', async () => {
    const config = await loadConfig({ applicationText: 'pekko.io.dns.async-dns.nameservers = ["dns.example:53"]', env: {} });
    assert.throws(() => readAsyncDnsSettings(config), /\[dns\.example:53\] is not a nameserver address/);
    assert.equal(parseNameserver('1.2.3.4:70000'), undefined);
  });

  it('withTimeout turns a lookup that never settles into a DiscoveryTimeoutError naming lookup and method', async () => {
    const never = new Promise<Resolved>(() => undefined);
    await assert.rejects(withTimeout(never, lookup, 30, 'slow'), (e: unknown) => {
      assert.ok(e instanceof DiscoveryTimeoutError);
      assert.equal(e.timeoutMs, 30);
      assert.match(e.message, /\[slow\] timed out after 30 ms resolving Lookup\(local-cluster,None,Some\(tcp\)\)/);
      return true;
    });
  });
});
