// End to end: a config shaped like Pekko's Kubernetes sample (a JVM health-check class and route
// class, discovery by the default label selector app=%s, env substitutions) starts unchanged
// against the HTTPS test Kubernetes API server on loopback, forms a cluster and answers ready.
// The system name comes from MUSTER_SYSTEM_NAME, the file from -Dconfig.resource.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { start } from '../../src/runtime.js';
import { freePort } from '../support/net.js';
import { KubernetesApiTestServer, makePod } from '../support/k8s-api-server.js';

const sampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/pekko-configs/k8s-sample');

test('the Pekko Kubernetes sample config forms a cluster and answers /ready, its JVM classes replaced or skipped', async () => {
  const host = '127.0.0.1';
  const [port, mgmtPort] = [await freePort(host), await freePort(host)];
  const api = await KubernetesApiTestServer.start({ host, tokens: ['sample-token'] });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'muster-sample-'));
  const tokenFile = path.join(tmp, 'token');
  writeFileSync(tokenFile, 'sample-token');
  api.setPods('sample', [
    makePod({
      name: 'shop-0',
      ip: host,
      labels: { app: 'shop' },
      containers: [{ name: 'app', ports: [{ name: 'management', containerPort: mgmtPort }] }],
    }),
  ]);
  // The discovery reads the API address from the environment, as in a pod.
  process.env.MUSTER_SAMPLE_API_HOST = api.host;
  process.env.MUSTER_SAMPLE_API_PORT = String(api.port);
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  let readinessCalls = 0;
  const node = await start({
    cwd: sampleDir,
    env: { REQUIRED_CONTACT_POINT_NR: '1', MUSTER_SYSTEM_NAME: 'shop' },
    logger,
    namedHealthChecks: { 'example-ready': () => (readinessCalls++, true) },
    overrides: [
      '-Dconfig.resource=kubernetes.conf',
      `-Dpekko.remote.artery.canonical.hostname=${host}`,
      `-Dpekko.remote.artery.canonical.port=${port}`,
      `-Dpekko.management.http.hostname=${host}`,
      `-Dpekko.management.http.port=${mgmtPort}`,
      '-Dpekko.management.cluster.bootstrap.contact-point-discovery.stable-margin=1s',
      `-Dpekko.discovery.kubernetes-api.api-ca-path=${api.caFile}`,
      `-Dpekko.discovery.kubernetes-api.api-token-path=${tokenFile}`,
      '-Dpekko.discovery.kubernetes-api.api-service-host-env-name=MUSTER_SAMPLE_API_HOST',
      '-Dpekko.discovery.kubernetes-api.api-service-port-env-name=MUSTER_SAMPLE_API_PORT',
      '-Dpekko.discovery.kubernetes-api.pod-namespace=sample',
      '-Dpekko.discovery.kubernetes-api.use-raw-ip=true',
    ],
  });
  try {
    let ready: Response | undefined;
    for (let i = 0; i < 300; i++) {
      ready = await fetch(`${node.managementUrl}/ready`);
      if (ready.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ready?.status, 200, `not ready: ${await ready?.text()} / ${JSON.stringify(node.bootstrapStatus())}`);
    assert.equal(node.cluster.state().self.status, 'Up');
    assert.equal(node.selfAddress.system, 'shop');
    assert.ok(readinessCalls > 0, 'the registered example-ready check ran');
    const selectors = api.requests.filter((r) => r.path.includes('/pods')).map((r) => r.query.get('labelSelector'));
    assert.ok(selectors.length > 0 && selectors.every((s) => s === 'app=shop'), `label selectors: ${selectors.join(', ')}`);
    // The JVM route class has no JS implementation: skipped with one warning naming key, file and line.
    const routeWarnings = lines.filter((l) => l.includes('pekko.management.http.routes.version'));
    assert.equal(routeWarnings.length, 1);
    assert.match(routeWarnings[0]!, /kubernetes\.conf:24\).*skipped/);
    assert.ok(!lines.some((l) => l.includes('example-ready') && l.includes('skipped')), 'the registered check is not reported');
    assert.ok(!lines.some((l) => l.includes('still \\"default\\"')), 'system name came from MUSTER_SYSTEM_NAME');
    // HEAD on a GET route: 405 as Pekko (transparent HEAD off).
    const head = await fetch(`${node.managementUrl}/ready`, { method: 'HEAD' });
    assert.equal(head.status, 405);
    assert.equal(head.headers.get('allow'), 'GET');
    const headMembers = await fetch(`${node.managementUrl}/cluster/members`, { method: 'HEAD' });
    assert.equal(headMembers.status, 405);
    const members = (await (await fetch(`${node.managementUrl}/cluster/members`)).json()) as { unreachable: unknown[]; selfNode: string };
    assert.deepEqual(members.unreachable, []);
    assert.equal(members.selfNode, `pekko://shop@${host}:${port}`);
  } finally {
    await node.shutdown();
    await api.close();
    delete process.env.MUSTER_SAMPLE_API_HOST;
    delete process.env.MUSTER_SAMPLE_API_PORT;
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('strict mode: start() rejects the sample over its warnings before any port is bound', async () => {
  const host = '127.0.0.1';
  const [port, mgmtPort] = [await freePort(host), await freePort(host)];
  await assert.rejects(
    start({
      cwd: sampleDir,
      env: { REQUIRED_CONTACT_POINT_NR: '1' },
      logger: pino({ level: 'silent' }),
      overrides: [
        '-Dconfig.resource=kubernetes.conf',
        '-Dmuster.strict-config=on',
        `-Dpekko.remote.artery.canonical.hostname=${host}`,
        `-Dpekko.remote.artery.canonical.port=${port}`,
        `-Dpekko.management.http.hostname=${host}`,
        `-Dpekko.management.http.port=${mgmtPort}`,
      ],
    }),
    /3 compatibility warning\(s\) are errors in strict mode/,
  );
  // Both ports are still free: nothing was bound.
  for (const p of [port, mgmtPort]) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(p, host, resolve));
    await new Promise((resolve) => server.close(resolve));
  }
});
