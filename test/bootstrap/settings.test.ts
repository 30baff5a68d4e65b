import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { configFindings } from '../../src/config/compat.js';
import { ConfigError } from '../../src/config/types.js';
import { readBootstrapSettings } from '../../src/bootstrap/settings.js';

const load = (applicationText: string, env: Record<string, string> = {}) => loadConfig({ applicationText, env });
const BASE = 'pekko.discovery.method = config\n';

test('defaults match Pekko: lookup from the system name, 5 s margin, 2 contact points, fallback = management port', async () => {
  const s = readBootstrapSettings(await load(BASE + 'muster.system-name = "My_Sys Name"\npekko.management.http.port = 8558'));
  assert.deepEqual(s.lookup, { serviceName: 'my-sys-name', protocol: 'tcp' });
  assert.equal(s.discoveryMethod, 'config');
  assert.equal(s.stableMarginMs, 5000);
  assert.equal(s.intervalMs, 1000);
  assert.equal(s.exponentialBackoffMaxMs, 15_000);
  assert.equal(s.requiredContactPointNr, 2);
  assert.equal(s.fallbackPort, 8558);
  assert.equal(s.probingFailureTimeoutMs, 3000);
  assert.equal(s.newClusterEnabled, true);
  assert.equal(s.contactWithAllContactPoints, true);
  assert.equal(s.httpClientTlsMaxVersion, 'TLSv1.2');
  assert.equal(s.deadlineMs, undefined);
  assert.deepEqual(s.configuredSeedNodes, []);
});

test('effective name: effective-name as is; otherwise service-name plus namespace; placeholders are undefined', async () => {
  const cpd = 'pekko.management.cluster.bootstrap.contact-point-discovery';
  const s1 = readBootstrapSettings(await load(`${BASE}${cpd} { service-name = api, service-namespace = prod.svc.cluster.local, effective-name = "<effective-name>" }`));
  assert.equal(s1.lookup.serviceName, 'api.prod.svc.cluster.local');
  const s2 = readBootstrapSettings(await load(`${BASE}${cpd} { service-name = api, service-namespace = prod, effective-name = "exact.name" }`));
  assert.equal(s2.lookup.serviceName, 'exact.name');
  const s3 = readBootstrapSettings(await load(`${BASE}${cpd} { service-name = "  ", port-name = management, protocol = "" }`));
  assert.deepEqual(s3.lookup, { serviceName: 'default', portName: 'management' });
  const s4 = readBootstrapSettings(await load(BASE, { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'from-env', PEKKO_CLUSTER_BOOTSTRAP_PORT_NAME: 'mgmt' }));
  assert.deepEqual(s4.lookup, { serviceName: 'from-env', portName: 'mgmt', protocol: 'tcp' });
});

test('discovery-method: pekko.discovery means pekko.discovery.method; other values are method names', async () => {
  const cpd = 'pekko.management.cluster.bootstrap.contact-point-discovery';
  assert.equal(readBootstrapSettings(await load('pekko.discovery.method = pekko-dns')).discoveryMethod, 'pekko-dns');
  assert.equal(readBootstrapSettings(await load(`${BASE}${cpd}.discovery-method = kubernetes-api`)).discoveryMethod, 'kubernetes-api');
  const withoutMethod = await load('');
  assert.throws(() => readBootstrapSettings(withoutMethod), /pekko\.discovery\.method/);
});

test('legacy form-new-cluster wins over new-cluster-enabled', async () => {
  const root = 'pekko.management.cluster.bootstrap';
  const s = readBootstrapSettings(await load(`${BASE}${root}.new-cluster-enabled = on\n${root}.form-new-cluster = off`));
  assert.equal(s.newClusterEnabled, false);
  assert.equal(s.newClusterEnabledFromLegacyKey, true);
  assert.equal(readBootstrapSettings(await load(`${BASE}${root}.new-cluster-enabled = off`)).newClusterEnabled, false);
});

test('validation: backoff max below interval, bad fallback port, unknown TLS version; a JVM join decider is reported, not fatal', async () => {
  const cpd = 'pekko.management.cluster.bootstrap.contact-point-discovery';
  const cp = 'pekko.management.cluster.bootstrap.contact-point';
  await assert.rejects(async () => readBootstrapSettings(await load(`${BASE}${cpd} { interval = 2s, exponential-backoff-max = 1s }`)), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /exponential-backoff-max \(1000 ms\) must be >= .*interval \(2000 ms\)/);
    return true;
  });
  await assert.rejects(async () => readBootstrapSettings(await load(`${BASE}${cp}.fallback-port = "http"`)), /fallback-port must be a port/);
  assert.equal(readBootstrapSettings(await load(`${BASE}${cp}.fallback-port = "9000"`)).fallbackPort, 9000);
  const custom = await load(`${BASE}pekko.management.cluster.bootstrap.join-decider.class = com.example.Mine`);
  assert.equal(readBootstrapSettings(custom).joinDeciderClass, 'org.apache.pekko.management.cluster.bootstrap.LowestAddressJoinDecider');
  assert.match(configFindings(custom).map((f) => f.message).join('\n'), /join-decider\.class = "com\.example\.Mine" .* is a JVM class; it is not used/);
  await assert.rejects(async () => readBootstrapSettings(await load(`${BASE}${cp}.http-client.tls-version = SSLv3`)), /tls-version/);
  assert.equal(readBootstrapSettings(await load(`${BASE}${cp}.http-client.tls-version = TLSv1.3`)).httpClientTlsMaxVersion, 'TLSv1.3');
});

test('seed nodes configured: listed, and no discovery method is needed to bail out', async () => {
  const s = readBootstrapSettings(await load('pekko.cluster.seed-nodes = ["pekko://default@127.0.0.1:17355"]'));
  assert.deepEqual(s.configuredSeedNodes, ['pekko://default@127.0.0.1:17355']);
});

test('muster.bootstrap.deadline: off by default, a duration when set', async () => {
  assert.equal(readBootstrapSettings(await load(`${BASE}muster.bootstrap.deadline = 90s`)).deadlineMs, 90_000);
  assert.equal(readBootstrapSettings(await load(`${BASE}muster.bootstrap.deadline = off`)).deadlineMs, undefined);
});

test('muster.bootstrap.expected-replicas: off by default; a count; kubernetes with the pod name from config or HOSTNAME; anything else fails', async () => {
  assert.equal(readBootstrapSettings(await load(BASE)).expectedReplicas, undefined);
  assert.equal(readBootstrapSettings(await load(`${BASE}muster.bootstrap.expected-replicas = off`)).expectedReplicas, undefined);
  assert.equal(readBootstrapSettings(await load(`${BASE}muster.bootstrap.expected-replicas = 3`)).expectedReplicas, 3);
  const k = readBootstrapSettings(
    await load(`${BASE}muster.bootstrap.expected-replicas = kubernetes\nmuster.bootstrap.kubernetes.pod-name = web-0`),
  );
  assert.equal(k.expectedReplicas, 'kubernetes');
  assert.equal(k.kubernetesPodName, 'web-0');
  for (const bad of ['0', '-1', '2.5', 'many']) {
    await assert.rejects(
      async () => readBootstrapSettings(await load(`${BASE}muster.bootstrap.expected-replicas = "${bad}"`)),
      (e: unknown) => e instanceof ConfigError && /expected-replicas must be off, a replica count >= 1 or kubernetes/.test(e.message),
      bad,
    );
  }
});
