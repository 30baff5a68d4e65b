// Muster's reference.conf: Pekko's keys with Pekko's defaults, the exact ${?ENV} substitutions,
// and the Muster-only keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { configFromObject, loadConfig, packageRoot } from '../../src/config/load.js';
import { CRD_LEASE_CLASS, readKubernetesLeaseSettings } from '../../src/cluster/sbr/settings.js';
import { parseHocon } from '../../src/config/hocon.js';
import { renderPath } from '../../src/config/path.js';
import { fixtures, tempTree } from './helpers.js';
import { PEKKO_FIXTURES, missingShared } from '../support/shared-fixtures.js';

const PEKKO_REFERENCES = [
  'actor-reference.conf', 'remote-reference.conf', 'cluster-reference.conf', 'discovery-reference.conf',
  'discovery-kubernetes-api-reference.conf', 'management-reference.conf', 'management-cluster-http-reference.conf',
  'cluster-bootstrap-reference.conf',
];

const LEASE = 'pekko.coordination.lease.kubernetes';

function leaves(tree: unknown, at: string[] = [], out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof tree === 'object' && tree !== null && !Array.isArray(tree) && Object.keys(tree).length > 0) {
    for (const [k, v] of Object.entries(tree)) leaves(v, [...at, k], out);
  } else out.set(renderPath(at), tree);
  return out;
}

test('every pekko.* default Muster defines equals the value in Pekko\'s own reference files', { skip: missingShared(PEKKO_FIXTURES) }, async () => {
  // Pekko's reference set, merged in module order; remote's copy of pekko.stream.materializer
  // needs pekko-stream, which Muster does not carry.
  const text = [
    'pekko.stream.materializer {}',
    ...PEKKO_REFERENCES.map((f) => `include required(file(${JSON.stringify(path.join(fixtures, 'pekko', f))}))`),
  ].join('\n');
  const pekko = leaves((await parseHocon({ text, env: {} })).value);
  const ours = leaves((await loadConfig({ env: {}, fastPath: false })).toJSON());
  let compared = 0;
  for (const [key, value] of ours) {
    if (!key.startsWith('pekko.')) continue;
    // pekko-management's lease-kubernetes module has no reference fixture; see the lease test below.
    if (key.startsWith(`${LEASE}.`)) continue;
    // Nor do cluster-tools and rolling-update-kubernetes; see 'singleton and rolling-update defaults'.
    if (key.startsWith('pekko.cluster.singleton.') || key.startsWith('pekko.rollingupdate.')) continue;
    assert.ok(pekko.has(key), `${key} is not a Pekko key`);
    assert.deepStrictEqual(value, pekko.get(key), key);
    compared++;
  }
  assert.ok(compared > 150, `compared ${compared} keys`);
});

test('the ${?ENV} substitutions of spec §1.8', async () => {
  const cpd = 'pekko.management.cluster.bootstrap.contact-point-discovery';
  const env = { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 's', PEKKO_CLUSTER_BOOTSTRAP_PORT_NAME: 'p', KUBERNETES_NAMESPACE: 'n' };
  const c = await loadConfig({ env, fastPath: false });
  assert.equal(c.getString(`${cpd}.service-name`), 's');
  assert.equal(c.getString(`${cpd}.port-name`), 'p');
  assert.equal(c.getString('pekko.discovery.kubernetes-api.pod-namespace'), 'n');
  const d = await loadConfig({ env: {}, fastPath: false });
  assert.equal(d.getString(`${cpd}.service-name`), '<service-name>');
  assert.equal(d.getString(`${cpd}.port-name`), '');
  assert.equal(d.getString('pekko.discovery.kubernetes-api.pod-namespace'), '<pod-namespace>');
});

test('key defaults Muster relies on', async () => {
  const c = await loadConfig({ env: {} });
  assert.equal(c.getInt('pekko.management.http.port'), 7626);
  assert.equal(c.getInt('pekko.remote.artery.canonical.port'), 17355);
  assert.equal(c.getString('pekko.remote.artery.canonical.hostname'), '<getHostAddress>');
  assert.equal(c.getString('pekko.remote.protocol-name'), 'pekko');
  assert.deepEqual(c.getObject('pekko.management.http.routes'), {
    'health-checks': 'org.apache.pekko.management.HealthCheckRoutes',
    'cluster-management': 'org.apache.pekko.management.cluster.ClusterHttpManagementRouteProvider',
    'cluster-bootstrap': 'org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap$',
  });
  assert.equal(c.getBoolean('pekko.management.http.route-providers-read-only'), true);
  assert.equal(
    c.getString('pekko.management.health-checks.readiness-checks.cluster-membership'),
    'org.apache.pekko.management.cluster.scaladsl.ClusterMembershipCheck',
  );
  assert.deepEqual(c.getStringList('pekko.management.cluster.health-check.ready-states'), ['Up', 'WeaklyUp']);
  for (const m of ['config', 'aggregate', 'kubernetes-api', 'pekko-dns']) assert.match(c.getString(`pekko.discovery.${m}.class`), /^org\.apache\.pekko\.discovery\./);
  for (const s of ['static-quorum', 'keep-majority', 'keep-oldest', 'lease-majority']) assert.ok(c.has(`pekko.cluster.split-brain-resolver.${s}.role`), s);
  assert.equal(c.getString('pekko.cluster.multi-data-center.self-data-center'), 'default');
  assert.deepEqual(c.keys('pekko.cluster.role'), []);
  assert.equal(c.getDurationMs('pekko.coordinated-shutdown.phases.cluster-exiting.timeout'), 10000);
  assert.equal(c.getInt('pekko.coordinated-shutdown.exit-code'), 0);
  assert.equal(c.getDurationMs('pekko.io.dns.async-dns.resolve-timeout'), 5000);
});

test('Muster-only keys', async () => {
  const c = await loadConfig({ env: {} });
  assert.equal(c.getString('muster.system-name'), 'default');
  assert.equal(c.getBoolean('muster.management.https.enabled'), false);
  for (const k of ['cert-file', 'key-file', 'ca-file']) assert.equal(c.getString(`muster.management.https.${k}`), '');
  assert.equal(c.getString('muster.management.basic-auth.username'), '');
  assert.equal(c.getString('muster.management.basic-auth.password-file'), '');
  assert.equal(c.getOptionalDurationMs('muster.bootstrap.deadline'), undefined);
  assert.equal(c.getBoolean('muster.hocon.allow-url-includes'), false);
});

test('a missing area file of the reference layer is an error, a missing muster-<area>.conf is not', async () => {
  const areaFiles = readdirSync(path.join(packageRoot, 'reference')).filter((f) => f.endsWith('.conf') && !f.startsWith('muster-'));
  const t = tempTree({});
  try {
    mkdirSync(t.file('reference'));
    copyFileSync(path.join(packageRoot, 'reference.conf'), t.file('reference.conf'));
    for (const f of areaFiles.filter((f) => f !== 'pekko-cluster.conf')) copyFileSync(path.join(packageRoot, 'reference', f), t.file(`reference/${f}`));
    const text = `include required(file(${JSON.stringify(t.file('reference.conf'))}))`;
    await assert.rejects(parseHocon({ text, env: {} }), /pekko-cluster\.conf/);
    copyFileSync(path.join(packageRoot, 'reference', 'pekko-cluster.conf'), t.file('reference/pekko-cluster.conf'));
    const ok = await parseHocon({ text, env: {} });
    assert.equal((ok.value as { muster: { 'system-name': string } }).muster['system-name'], 'default');
  } finally {
    t.cleanup();
  }
});

test('the lease-kubernetes defaults agree with the lease settings reader', async () => {
  const withReference = await loadConfig({ env: {}, fastPath: false });
  const bare = configFromObject({});
  const env = {};
  assert.deepStrictEqual(readKubernetesLeaseSettings(withReference, LEASE, env), readKubernetesLeaseSettings(bare, LEASE, env));
  assert.equal(withReference.getString(`${LEASE}.lease-class`), CRD_LEASE_CLASS);
});

test('singleton and rolling-update defaults: Pekko cluster-tools and rolling-update-kubernetes values', async () => {
  const c = await loadConfig({ env: {}, fastPath: false });
  assert.equal(c.getDurationMs('pekko.cluster.singleton.hand-over-retry-interval'), 1000);
  assert.equal(c.getInt('pekko.cluster.singleton.min-number-of-hand-over-retries'), 15);
  assert.equal(c.getString('pekko.cluster.singleton.role'), '');
  const ru = 'pekko.rollingupdate.kubernetes';
  assert.equal(c.getInt(`${ru}.pod-deletion-cost.annotated-pods-nr`), 3);
  assert.equal(c.getDurationMs(`${ru}.pod-deletion-cost.retry-delay`), 5000);
  assert.equal(c.getString(`${ru}.api-service-host`), 'localhost');
  assert.equal(c.getInt(`${ru}.api-service-port`), 8080);
  assert.equal(c.getDurationMs(`${ru}.api-service-request-timeout`), 2000);
  assert.equal(c.getString(`${ru}.namespace`), '<namespace>');
  assert.equal(c.getString(`${ru}.pod-name`), '');
  assert.equal(c.getBoolean(`${ru}.secure-api-server`), true);
  assert.equal(c.getBoolean(`${ru}.custom-resource.enabled`), false);
  assert.equal(c.getBoolean('muster.rollingupdate.pod-deletion-cost.enabled'), false);
  assert.equal(c.getBoolean('muster.rollingupdate.app-version-from-revision'), false);
  const env = await loadConfig({ env: { KUBERNETES_POD_NAME: 'p-1', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', KUBERNETES_NAMESPACE: 'ns' }, fastPath: false });
  assert.equal(env.getString(`${ru}.pod-name`), 'p-1');
  assert.equal(env.getString(`${ru}.api-service-host`), '10.0.0.1');
  assert.equal(env.getInt(`${ru}.api-service-port`), 443);
  assert.equal(env.getString(`${ru}.namespace`), 'ns');
});
