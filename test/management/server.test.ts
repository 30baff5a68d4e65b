import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { defaultHostAddress } from '../../src/cluster/create.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/types.js';
import {
  CLUSTER_MEMBERSHIP_CHECK_CLASS,
  managementSettingsFromConfig,
  parseReadyStates,
} from '../../src/management/settings.js';
import { createMetrics } from '../../src/metrics.js';
import { methodRoute, sendText } from '../../src/management/http.js';
import { startManagement } from '../../src/management/server.js';
import { TEXT, call, sendRaw, start, testSettings, upCluster } from './_support.js';
import { PEKKO_FIXTURES, missingShared, sharedPath } from '../support/shared-fixtures.js';

const PEKKO_TEST_APP = `${PEKKO_FIXTURES}/test-management-cluster-http-application.conf`;

test('settings from Pekko keys: defaults of the Pekko reference.conf files', { skip: missingShared(PEKKO_TEST_APP) }, async () => {
  const s = managementSettingsFromConfig(await loadConfig({ configFile: sharedPath(PEKKO_TEST_APP) }));
  assert.equal(s.http.hostname, undefined);
  assert.equal(s.http.port, 7626);
  assert.equal(s.http.bindPort, 7626);
  assert.equal(s.http.bindHostname, undefined);
  assert.equal(s.http.basePath, '');
  assert.equal(s.http.routeProvidersReadOnly, true);
  assert.equal(s.http.gracefulTerminationTimeoutMs, 5000);
  assert.deepEqual(s.http.routes.map((r) => r.name), ['health-checks', 'cluster-management', 'cluster-bootstrap']);
  assert.deepEqual(s.healthChecks.readinessChecks, [{ name: 'cluster-membership', className: CLUSTER_MEMBERSHIP_CHECK_CLASS }]);
  assert.deepEqual([s.healthChecks.readinessPath, s.healthChecks.livenessPath, s.healthChecks.startupPath], ['ready', 'alive', 'startup']);
  assert.equal(s.healthChecks.checkTimeoutMs, 1000);
  assert.deepEqual(s.clusterHealthCheck.readyStates, ['Up', 'WeaklyUp']);
  assert.equal(s.security.https.enabled, false);
  assert.equal(s.security.basicAuth.username, '');
});

test('settings: bind-port string, base-path segments, switched-off routes and checks, case-insensitive ready-states', async () => {
  const config = await loadConfig({
    applicationText: `
      pekko.management.http { hostname = "10.1.2.3", port = 8558, bind-hostname = "0.0.0.0", bind-port = "0",
        base-path = "/admin/mgmt/", route-providers-read-only = false,
        routes { cluster-bootstrap = "", cluster-management = null } }
      pekko.management.health-checks { check-timeout = 500ms, readiness-checks.cluster-membership = "",
        liveness-checks { disk = "./checks/disk.mjs" } }
      pekko.management.cluster.health-check.ready-states = ["up", "JOINING"]
    `,
  });
  const s = managementSettingsFromConfig(config);
  assert.deepEqual([s.http.hostname, s.http.port, s.http.bindHostname, s.http.bindPort], ['10.1.2.3', 8558, '0.0.0.0', 0]);
  assert.equal(s.http.basePath, 'admin/mgmt');
  assert.equal(s.http.routeProvidersReadOnly, false);
  assert.deepEqual(s.http.routes.map((r) => r.name), ['health-checks']);
  assert.equal(s.healthChecks.checkTimeoutMs, 500);
  assert.deepEqual(s.healthChecks.readinessChecks, []);
  assert.deepEqual(s.healthChecks.livenessChecks, [{ name: 'disk', className: './checks/disk.mjs' }]);
  assert.deepEqual(s.clusterHealthCheck.readyStates, ['Up', 'Joining']);
});

test('settings: muster.management https and basic-auth keys', async () => {
  const s = managementSettingsFromConfig(
    await loadConfig({
      applicationText: `muster.management { https { enabled = on, cert-file = "/etc/m/tls.crt", key-file = "/etc/m/tls.key", ca-file = "/etc/m/ca.crt" }
        basic-auth { username = "ops", password-file = "/etc/m/pw" } }`,
    }),
  );
  assert.deepEqual(s.security, {
    https: { enabled: true, certFile: '/etc/m/tls.crt', keyFile: '/etc/m/tls.key', caFile: '/etc/m/ca.crt' },
    basicAuth: { username: 'ops', passwordFile: '/etc/m/pw' },
  });
  const half = await loadConfig({ applicationText: 'muster.management.https.enabled = on' });
  assert.throws(() => managementSettingsFromConfig(half), /needs muster\.management\.https\.cert-file and key-file/);
});

const BAD_SETTINGS = [
  'pekko.management.http.port = 70000',
  'pekko.management.http.bind-port = "x1"',
  'pekko.management.http.bind-port = "-1"',
  'pekko.management.cluster.health-check.ready-states = ["Up", "PreparingForShutdown"]',
  'pekko.management.cluster.health-check.ready-states = ["ReadyForShutdown"]',
  'pekko.management.cluster.health-check.ready-states = ["Upp"]',
];

test('settings errors: ports out of range, shutdown states in ready-states', async () => {
  for (const text of BAD_SETTINGS) {
    const config = await loadConfig({ applicationText: text });
    assert.throws(() => managementSettingsFromConfig(config), ConfigError, text);
  }
  assert.deepEqual(parseReadyStates(['weaklyup', 'Removed']), ['WeaklyUp', 'Removed']);
});

test('base-path prefixes every route; the self base URI uses the configured host and port', async () => {
  const cluster = upCluster();
  const srv = await start({ http: { basePath: 'admin/mgmt', port: 9999 } }, { cluster });
  try {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/admin\/mgmt$/);
    assert.equal(srv.selfBaseUri, 'http://127.0.0.1:9999/admin/mgmt');
    assert.equal(srv.boundBaseUri, `http://127.0.0.1:${srv.boundPort}/admin/mgmt`);
    assert.equal((await call(`${srv.url}/ready`)).text, 'OK');
    assert.equal((await call(`${srv.url}/cluster/members`)).status, 200);
    const root = `http://127.0.0.1:${srv.boundPort}`;
    for (const p of ['/ready', '/cluster/members', '/admin/ready']) {
      const r = await call(`${root}${p}`);
      assert.deepEqual([r.status, r.type, r.text], [404, TEXT, 'The requested resource could not be found.'], p);
    }
  } finally {
    await srv.close();
  }
});

test('routes: only switched-on providers are mounted; none left or an unknown class stops the start', async () => {
  const cluster = upCluster();
  const healthOnly = await start({ http: { routes: [{ name: 'health-checks', className: 'org.apache.pekko.management.HealthCheckRoutes' }] } }, { cluster });
  try {
    assert.deepEqual(healthOnly.providers, ['health-checks']);
    assert.equal((await call(`${healthOnly.url}/cluster/members`)).status, 404);
    assert.equal((await call(`${healthOnly.url}/alive`)).status, 200);
  } finally {
    await healthOnly.close();
  }
  await assert.rejects(start({ http: { routes: [] } }, { cluster }), /No routes configured/);
  await assert.rejects(
    start({ http: { routes: [{ name: 'mine', className: 'com.example.MyRoutes' }] } }, { cluster }),
    /routes\.mine = "com\.example\.MyRoutes" names no known route provider/,
  );
  const custom = await start(
    { http: { routes: [{ name: 'mine', className: 'com.example.MyRoutes' }] } },
    {
      routeProviders: [
        {
          name: 'mine',
          classNames: ['com.example.MyRoutes'],
          register: (app, ctx) => methodRoute(app, '/hello', { GET: (_, reply) => sendText(reply, 200, `hi ${ctx.readOnly}`) }),
        },
      ],
    },
  );
  try {
    assert.deepEqual(custom.providers, ['mine']);
    assert.equal((await call(`${custom.url}/hello`)).text, 'hi true');
  } finally {
    await custom.close();
  }
});

test('GET /metrics: Prometheus text with membership gauges refreshed from the cluster and counters from other layers', async () => {
  const cluster = upCluster();
  const metrics = createMetrics();
  const srv = await start({}, { cluster, metrics });
  try {
    metrics.discoveryLookup('kubernetes-api');
    metrics.discoveryLookup('kubernetes-api');
    metrics.discoveryError('pekko-dns');
    metrics.probeError('timeout');
    metrics.gossip('sent', 3);
    metrics.setBootstrapPhase('discovering');
    metrics.setBootstrapPhase('joined');
    cluster.emit({ type: 'SeenChanged', convergence: true, seenBy: [] });
    const r = await call(`${srv.url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.type ?? '', /^text\/plain; version=0\.0\.4/);
    for (const line of [
      'muster_cluster_members{status="Up"} 1',
      'muster_cluster_unreachable_members 0',
      'muster_cluster_is_leader 1',
      'muster_cluster_convergence 1',
      'muster_discovery_lookups_total{method="kubernetes-api"} 2',
      'muster_discovery_lookup_errors_total{method="pekko-dns"} 1',
      'muster_bootstrap_probe_errors_total{cause="timeout"} 1',
      'muster_gossip_messages_total{direction="sent"} 3',
      'muster_bootstrap_phase{phase="discovering"} 0',
      'muster_bootstrap_phase{phase="joined"} 1',
    ]) {
      assert.ok(r.text.split('\n').includes(line), `missing ${line}`);
    }
    cluster.setState({ leader: undefined, members: [] });
    const after = await call(`${srv.url}/metrics`);
    assert.ok(after.text.split('\n').includes('muster_cluster_is_leader 0'));
    assert.ok(!after.text.includes('muster_cluster_members{status="Up"}'));
  } finally {
    await srv.close();
  }
});

test('oversized bodies are 413, requests without a cluster still get health routes, close waits for requests in flight', async () => {
  const cluster = upCluster();
  const srv = await start({ http: { routeProvidersReadOnly: false } }, { cluster, bodyLimitBytes: 1024 });
  const body = `operation=${'x'.repeat(5000)}`;
  const put = `PUT /cluster HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  assert.equal(await sendRaw(srv.boundPort, Buffer.from(put)), 413);
  await srv.close();

  let release!: (v: boolean) => void;
  let checkStarted!: () => void;
  const started = new Promise<void>((r) => (checkStarted = r));
  const slow = await startManagement({
    settings: testSettings({ http: { routes: [{ name: 'health-checks', className: 'org.apache.pekko.management.HealthCheckRoutes' }] } }),
    healthChecks: {
      liveness: [
        {
          id: 'slow',
          check: () =>
            new Promise<boolean>((res) => {
              release = res;
              checkStarted();
            }),
        },
      ],
    },
  });
  const inFlight = new Promise<number>((resolve, reject) => {
    const req = request(`${slow.url}/alive`, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
  await started;
  const closed = slow.close();
  release(true);
  assert.equal(await inFlight, 200);
  await closed;
});

test('hostname <hostname> advertises this machine\'s address while binding where bind-hostname says', async () => {
  const srv = await start({ http: { hostname: undefined, bindHostname: '127.0.0.1', port: 7626 } }, { cluster: upCluster() });
  try {
    const host = await defaultHostAddress();
    assert.equal(srv.selfBaseUri, `http://${host.includes(':') ? `[${host}]` : host}:7626`);
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await call(`${srv.url}/alive`)).text, 'OK');
  } finally {
    await srv.close();
  }
});
