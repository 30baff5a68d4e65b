import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import type { AsyncDnsSettings, NameserverAddress } from '../../src/discovery/settings.js';
import { parseNameserver } from '../../src/discovery/settings.js';
import { loadConfig } from '../../src/config/load.js';
import { DnsServiceDiscovery } from '../../src/discovery/dns-discovery.js';
import { AsyncDnsResolver, resolverConfig, type ResolverConfig } from '../../src/discovery/dns/resolver.js';
import { parseResolvConf } from '../../src/discovery/dns/resolv-conf.js';
import { decodeReply } from '../../src/discovery/dns/exchange.js';
import {
  DiscoveryTimeoutError,
  DnsMalformedResponseError,
  DnsResolveError,
  DnsTimeoutError,
} from '../../src/discovery/errors.js';
import { DiscoveryMetrics } from '../../src/discovery/metrics.js';
import { DiscoveryRegistry } from '../../src/discovery/registry.js';
import { systemScheduler } from '../../src/clock.js';
import { silentLogger } from '../../src/logging.js';
import {
  kubernetesHeadlessRecords,
  scriptedNameserver,
  silentNameserver,
  startDnsmasq,
  type Dnsmasq,
  type TestNameserver,
} from '../support/dnsmasq.js';
import { missingCommand, missingIpv6Loopback } from '../support/tools.js';

const SVC = 'my-svc.my-ns.svc.cluster.local';
const PODS = [{ ip: '10.0.1.2' }, { ip: '10.0.1.1', ipv6: 'fd00::1:1' }, { ip: '10.0.1.3' }];
const BIG = Array.from({ length: 60 }, (_, i) => `10.9.0.${i + 1}`);

function ns(text: string): NameserverAddress {
  const n = parseNameserver(text);
  assert.ok(n);
  return n;
}

function makeDiscovery(config: Partial<ResolverConfig> & { nameservers: readonly NameserverAddress[] }, now = () => performance.now()) {
  const metrics = new DiscoveryMetrics();
  const resolver = new AsyncDnsResolver(
    { searchDomains: [], ndots: 1, resolveTimeoutMs: 1000, positiveTtl: 'forever', negativeTtl: 'never', ...config },
    { metrics, now },
  );
  const discovery = new DnsServiceDiscovery(resolver, 60_000, { logger: silentLogger, scheduler: systemScheduler });
  return { discovery, resolver, metrics };
}

const noIpv6 = missingIpv6Loopback();

describe('pekko-dns discovery against a real dnsmasq', { skip: missingCommand('dnsmasq') }, () => {
  let dns: Dnsmasq;
  let v6: Dnsmasq | undefined;
  const servers: TestNameserver[] = [];
  const discoveries: DnsServiceDiscovery[] = [];
  const d = (config: Parameters<typeof makeDiscovery>[0], now?: () => number) => {
    const made = makeDiscovery(config, now);
    discoveries.push(made.discovery);
    return made;
  };

  before(async () => {
    const headless = kubernetesHeadlessRecords('my-svc', 'my-ns', PODS);
    const records = {
      ...headless,
      hosts: { ...headless.hosts, 'big.cluster.local': BIG },
      srv: [...(headless.srv ?? []), { name: '_http._tcp.orphan.cluster.local', target: 'nowhere.cluster.local', port: 80 }],
      ttl: 30,
    };
    dns = await startDnsmasq(records);
    if (!noIpv6) v6 = await startDnsmasq(records, '::1');
  });

  after(async () => {
    for (const x of discoveries) x.close();
    for (const s of servers) await s.close();
    await dns.stop();
    await v6?.stop();
  });

  it('A/AAAA lookup gives IPs as hosts, A records first, without ports', async () => {
    const { discovery } = d({ nameservers: [ns(dns.nameserver)] });
    const r = await discovery.lookup({ serviceName: SVC, protocol: 'tcp' }, 2000);
    assert.equal(r.serviceName, SVC);
    assert.deepEqual(
      [...r.addresses].sort((a, b) => (a.host < b.host ? -1 : 1)),
      [
        { host: '10.0.1.1', address: '10.0.1.1' },
        { host: '10.0.1.2', address: '10.0.1.2' },
        { host: '10.0.1.3', address: '10.0.1.3' },
        { host: 'fd00::1:1', address: 'fd00::1:1' },
      ],
    );
    assert.equal(r.addresses.at(-1)?.host, 'fd00::1:1', 'AAAA after A');
  });

  it('SRV lookup when port name and protocol are given: pod names, ports and addresses from the additional section', async () => {
    const { discovery, metrics } = d({ nameservers: [ns(dns.nameserver)] });
    const r = await discovery.lookup({ serviceName: SVC, portName: 'management', protocol: 'tcp' }, 2000);
    assert.equal(r.serviceName, `_management._tcp.${SVC}`);
    assert.deepEqual(
      [...r.addresses].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : (a.address ?? '') < (b.address ?? '') ? -1 : 1)),
      [
        { host: `10-0-1-1.${SVC}`, port: 7626, address: '10.0.1.1' },
        { host: `10-0-1-1.${SVC}`, port: 7626, address: 'fd00::1:1' },
        { host: `10-0-1-2.${SVC}`, port: 7626, address: '10.0.1.2' },
        { host: `10-0-1-3.${SVC}`, port: 7626, address: '10.0.1.3' },
      ],
    );
    assert.equal(metrics.dnsQueries.value, 1, 'addresses came from the additional section, no extra queries');
  });

  it('an SRV target with no address anywhere is returned without an address', async () => {
    const { discovery } = d({ nameservers: [ns(dns.nameserver)] });
    const r = await discovery.lookup({ serviceName: 'orphan.cluster.local', portName: 'http', protocol: 'tcp' }, 2000);
    assert.deepEqual(r.addresses, [{ host: 'nowhere.cluster.local', port: 80 }]);
  });

  it('NXDOMAIN is an empty, successful answer', async () => {
    const { discovery } = d({ nameservers: [ns(dns.nameserver)] });
    assert.deepEqual(await discovery.lookup({ serviceName: 'nope.cluster.local' }, 2000), {
      serviceName: 'nope.cluster.local',
      addresses: [],
    });
    const srv = await discovery.lookup({ serviceName: 'nope.cluster.local', portName: 'management', protocol: 'tcp' }, 2000);
    assert.deepEqual(srv.addresses, []);
  });

  it('applies search domains: short names search first, names with enough dots go bare first', async () => {
    const { discovery, resolver } = d({ nameservers: [ns(dns.nameserver)], searchDomains: ['my-ns.svc.cluster.local', 'svc.cluster.local'], ndots: 2 });
    assert.deepEqual(resolver.candidates('my-svc', false), ['my-svc.my-ns.svc.cluster.local', 'my-svc.svc.cluster.local', 'my-svc']);
    assert.deepEqual(resolver.candidates('a.b.c', false), ['a.b.c', 'a.b.c.my-ns.svc.cluster.local', 'a.b.c.svc.cluster.local']);
    assert.deepEqual(resolver.candidates('a.b.c', true), ['a.b.c']);
    assert.equal((await discovery.lookup({ serviceName: 'my-svc' }, 2000)).addresses.length, 4);
    assert.equal((await discovery.lookup({ serviceName: 'my-svc.my-ns' }, 2000)).addresses.length, 4, 'found via svc.cluster.local');
  });

  it('retries over TCP when the UDP answer is truncated and returns every record', async () => {
    const { discovery, metrics } = d({ nameservers: [ns(dns.nameserver)] });
    const r = await discovery.lookup({ serviceName: 'big.cluster.local' }, 2000);
    assert.deepEqual(r.addresses.map((t) => t.address).sort(), [...BIG].sort());
    assert.ok(metrics.dnsTcpRetries.value >= 1, 'TCP retry happened');
  });

  it('works with an IPv6 nameserver', { skip: noIpv6 }, async () => {
    const { discovery } = d({ nameservers: [ns(v6!.nameserver.replace(/^(.*):(\d+)$/, '[$1]:$2'))] });
    assert.equal((await discovery.lookup({ serviceName: SVC }, 2000)).addresses.length, 4);
  });

  it('fails over from a nameserver that never answers to the next one', async () => {
    const silent = await silentNameserver();
    servers.push(silent);
    const { discovery } = d({ nameservers: [ns(silent.nameserver), ns(dns.nameserver)], resolveTimeoutMs: 200 });
    const r = await discovery.lookup({ serviceName: SVC }, 3000);
    // Asked the silent one, which never answers, and still got every record: from the next one.
    assert.equal(r.addresses.length, 4);
    assert.ok(silent.received() >= 1, 'the first nameserver was asked');
  });

  it('names the query and each nameserver when all time out; the caller timeout bounds the lookup', async () => {
    const silent = await silentNameserver();
    servers.push(silent);
    const { discovery } = d({ nameservers: [ns(silent.nameserver)], resolveTimeoutMs: 150 });
    await assert.rejects(discovery.lookup({ serviceName: SVC }, 3000), (e: unknown) => {
      assert.ok(e instanceof DnsResolveError);
      assert.ok(e.failures[0] instanceof DnsTimeoutError);
      assert.match(e.message, new RegExp(`\\[${SVC} A/AAAA\\].*${silent.nameserver.replace(/\./g, '\\.')}: no answer within 150 ms`));
      return true;
    });
    const slow = d({ nameservers: [ns(silent.nameserver)], resolveTimeoutMs: 5000 });
    await assert.rejects(slow.discovery.lookup({ serviceName: SVC }, 200), DiscoveryTimeoutError);
  });

  it('garbage, wrong-question and cut-off answers are typed errors, never crashes, and fail over', async () => {
    const garbage = await scriptedNameserver(() => Buffer.from('this is not dns at all'));
    const wrongQuestion = await scriptedNameserver((q) => {
      const query = dnsPacket.decode(q);
      return dnsPacket.encode({ type: 'response', id: query.id, flags: 0, questions: [{ type: 'A', name: 'other.example' }] });
    });
    const cutOff = await scriptedNameserver((q) => {
      const query = dnsPacket.decode(q);
      const full = dnsPacket.encode({
        type: 'response',
        id: query.id,
        questions: query.questions,
        answers: [{ type: 'A', name: query.questions![0]!.name, ttl: 5, data: '10.0.0.1' }],
      });
      return full.subarray(0, full.length - 3);
    });
    servers.push(garbage, wrongQuestion, cutOff);
    for (const bad of [garbage, wrongQuestion, cutOff]) {
      const only = d({ nameservers: [ns(bad.nameserver)] });
      await assert.rejects(only.discovery.lookup({ serviceName: SVC }, 2000), (e: unknown) => {
        assert.ok(e instanceof DnsResolveError);
        assert.ok(e.failures[0] instanceof DnsMalformedResponseError, String(e.failures[0]));
        return true;
      });
    }
    const failover = d({ nameservers: [ns(garbage.nameserver), ns(dns.nameserver)] });
    assert.equal((await failover.discovery.lookup({ serviceName: SVC }, 2000)).addresses.length, 4);
  });

  it('resolves an SRV target that has no additional records with a follow-up query', async () => {
    const server = await scriptedNameserver((q) => {
      const query = dnsPacket.decode(q);
      const question = query.questions![0]!;
      const answers: dnsPacket.Answer[] =
        question.type === 'SRV'
          ? [{ type: 'SRV', name: question.name, ttl: 5, data: { target: 'pod-a.example', port: 8558, priority: 0, weight: 0 } }]
          : question.type === 'A' && question.name === 'pod-a.example'
            ? [{ type: 'A', name: 'pod-a.example', ttl: 5, data: '192.0.2.7' }]
            : [];
      return dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.RECURSION_DESIRED, questions: query.questions, answers });
    });
    servers.push(server);
    const { discovery } = d({ nameservers: [ns(server.nameserver)] });
    const r = await discovery.lookup({ serviceName: 'svc.example', portName: 'management', protocol: 'tcp' }, 2000);
    assert.deepEqual(r.addresses, [{ host: 'pod-a.example', port: 8558, address: '192.0.2.7' }]);
  });

  it('caches answers for the record TTL (capped by positive-ttl) and never beyond it', async () => {
    let t = 0;
    const now = () => t;
    const { discovery, metrics } = d({ nameservers: [ns(dns.nameserver)] }, now);
    const look = () => discovery.lookup({ serviceName: SVC }, 2000);
    await look();
    const queriesAfterFirst = metrics.dnsQueries.value;
    t = 29_000;
    await look();
    assert.equal(metrics.dnsQueries.value, queriesAfterFirst, 'served from cache within the 30 s TTL');
    assert.equal(metrics.dnsCacheHits.value, 1);
    t = 30_000;
    await look();
    assert.equal(metrics.dnsQueries.value, queriesAfterFirst * 2, 'expired exactly at the TTL');

    const capped = d({ nameservers: [ns(dns.nameserver)], positiveTtl: 5000 }, now);
    t = 0;
    await capped.discovery.lookup({ serviceName: SVC }, 2000);
    t = 5000;
    await capped.discovery.lookup({ serviceName: SVC }, 2000);
    assert.equal(capped.metrics.dnsCacheHits.value, 0, 'positive-ttl caps the record TTL');

    const never = d({ nameservers: [ns(dns.nameserver)], positiveTtl: 'never' }, now);
    await never.discovery.lookup({ serviceName: SVC }, 2000);
    await never.discovery.lookup({ serviceName: SVC }, 2000);
    assert.equal(never.metrics.dnsCacheHits.value, 0);
  });

  it('caches empty answers only with negative-ttl; literal IPs and localhost need no query', async () => {
    let t = 0;
    const now = () => t;
    const noNeg = d({ nameservers: [ns(dns.nameserver)] }, now);
    await noNeg.discovery.lookup({ serviceName: 'missing.cluster.local' }, 2000);
    await noNeg.discovery.lookup({ serviceName: 'missing.cluster.local' }, 2000);
    assert.equal(noNeg.metrics.dnsCacheHits.value, 0);
    const neg = d({ nameservers: [ns(dns.nameserver)], negativeTtl: 10_000 }, now);
    await neg.discovery.lookup({ serviceName: 'missing.cluster.local' }, 2000);
    t = 9_999;
    await neg.discovery.lookup({ serviceName: 'missing.cluster.local' }, 2000);
    assert.equal(neg.metrics.dnsCacheHits.value, 1);
    t = 10_000;
    await neg.discovery.lookup({ serviceName: 'missing.cluster.local' }, 2000);
    assert.equal(neg.metrics.dnsCacheHits.value, 1);
    neg.resolver.sweep();

    const local = d({ nameservers: [ns(dns.nameserver)] });
    assert.deepEqual((await local.discovery.lookup({ serviceName: '10.1.2.3' }, 1000)).addresses, [{ host: '10.1.2.3', address: '10.1.2.3' }]);
    assert.deepEqual((await local.discovery.lookup({ serviceName: 'localhost' }, 1000)).addresses, [
      { host: '127.0.0.1', address: '127.0.0.1' },
      { host: '::1', address: '::1' },
    ]);
    assert.equal(local.metrics.dnsQueries.value, 0);
  });

  it('sees changed records once their TTL has passed (dnsmasq reloaded with SIGHUP)', async () => {
    const own = await startDnsmasq({ hosts: { 'web.cluster.local': ['10.5.0.1'] }, localZones: ['cluster.local'], ttl: 0 });
    try {
      const { discovery } = d({ nameservers: [ns(own.nameserver)] });
      assert.deepEqual((await discovery.lookup({ serviceName: 'web.cluster.local' }, 2000)).addresses.map((a) => a.address), ['10.5.0.1']);
      await own.setHosts({ 'web.cluster.local': ['10.5.0.1', '10.5.0.2'] });
      assert.deepEqual(
        (await discovery.lookup({ serviceName: 'web.cluster.local' }, 2000)).addresses.map((a) => a.address).sort(),
        ['10.5.0.1', '10.5.0.2'],
      );
    } finally {
      await own.stop();
    }
  });

  it('is created by the registry from HOCON with nameservers, search domains and ndots', async () => {
    const config = await loadConfig({
      applicationText: `
        pekko.discovery.method = pekko-dns
        pekko.io.dns.async-dns {
          nameservers = [${JSON.stringify(dns.nameserver)}]
          search-domains = ["my-ns.svc.cluster.local"]
          ndots = 5
          resolve-timeout = 1s
        }`,
      env: {},
    });
    const registry = new DiscoveryRegistry(config, { resolvConfPath: '/nonexistent/resolv.conf' });
    try {
      const r = await registry.select('pekko.discovery').discovery.lookup({ serviceName: 'my-svc', portName: 'remoting', protocol: 'tcp' }, 2000);
      assert.equal(r.serviceName, '_remoting._tcp.my-svc');
      assert.deepEqual([...new Set(r.addresses.map((a) => a.port))], [17355]);
      assert.equal(r.addresses.length, 4);
    } finally {
      await registry.close();
    }
  });
});

describe('reply decoding', () => {
  it('any bytes give a reply, a stale-id undefined, or a DnsMalformedResponseError; nothing else escapes', () => {
    const question = { type: 'SRV' as const, name: '_m._tcp.svc.example', class: 'IN' as const };
    const valid = dnsPacket.encode({
      type: 'response',
      id: 77,
      questions: [question],
      answers: [{ type: 'SRV', name: question.name, ttl: 5, data: { target: 'a.example', port: 1, priority: 0, weight: 0 } }],
      additionals: [{ type: 'A', name: 'a.example', ttl: 5, data: '10.0.0.1' }],
    });
    assert.equal(decodeReply(valid, 77, question.name, 'SRV', 'test')?.reply.answers.length, 1);
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    let malformed = 0;
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.from(valid);
      if (i % 3 === 0) {
        for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) buf[Math.floor(rand() * buf.length)] = Math.floor(rand() * 256);
      }
      const input = i % 3 === 1 ? buf.subarray(0, Math.floor(rand() * buf.length)) : i % 3 === 2 ? Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))) : buf;
      try {
        decodeReply(input, 77, question.name, 'SRV', 'test');
      } catch (e) {
        assert.ok(e instanceof DnsMalformedResponseError, `input ${input.toString('hex')} threw ${String(e)}`);
        malformed++;
      }
    }
    assert.ok(malformed > 1000, `most corrupted inputs are rejected (${malformed})`);
  });
});

describe('resolv.conf and default settings', () => {
  it('parses nameservers, the last search/domain line and ndots', () => {
    const conf = parseResolvConf(
      '# comment\nnameserver 10.96.0.10\nnameserver fe80::1%eth0\ndomain example.org\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local.\noptions ndots:5 timeout:2\n',
    );
    assert.deepEqual(conf.nameservers, [{ host: '10.96.0.10', port: 53 }, { host: 'fe80::1', port: 53 }]);
    assert.deepEqual(conf.search, ['ns1.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
    assert.equal(conf.ndots, 5);
  });

  it('fills "default" settings from resolv.conf and keeps explicit ones', () => {
    const conf = parseResolvConf('nameserver 10.0.0.10\nsearch a.b\noptions ndots:3\n');
    const defaults: AsyncDnsSettings = {
      nameservers: 'default', resolveTimeoutMs: 5000, positiveTtl: 'forever', negativeTtl: 'never',
      cacheCleanupIntervalMs: 120_000, searchDomains: 'default', ndots: 'default',
    };
    const c = resolverConfig(defaults, conf);
    assert.deepEqual([c.nameservers, c.searchDomains, c.ndots], [[{ host: '10.0.0.10', port: 53 }], ['a.b'], 3]);
    const explicit = resolverConfig({ ...defaults, nameservers: [{ host: '::1', port: 5353 }], searchDomains: [], ndots: 0 }, conf);
    assert.deepEqual([explicit.nameservers, explicit.searchDomains, explicit.ndots], [[{ host: '::1', port: 5353 }], [], 0]);
    assert.deepEqual(resolverConfig(defaults, parseResolvConf('')).nameservers, [{ host: '127.0.0.1', port: 53 }]);
  });
});
