import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { KubernetesApiSettings } from '../../src/discovery/settings.js';
import { loadConfig } from '../../src/config/load.js';
import {
  DiscoveryTimeoutError,
  KubernetesApiConnectionError,
  KubernetesApiForbiddenError,
  KubernetesApiMalformedResponseError,
  KubernetesApiRequestError,
  KubernetesApiStatusError,
} from '../../src/discovery/errors.js';
import { KubernetesApiServiceDiscovery } from '../../src/discovery/kubernetes-api.js';
import { DiscoveryMetrics } from '../../src/discovery/metrics.js';
import { DiscoveryRegistry } from '../../src/discovery/registry.js';
import { silentLogger, type Logger } from '../../src/logging.js';
import { createTestCa } from '../support/certs.js';
import { missingCommand } from '../support/tools.js';
import { KubernetesApiTestServer, fixturePods, makePod, testApiSettings } from '../support/k8s-api-server.js';

const NS = 'shop';
const lookup = { serviceName: 'my-service', portName: 'management', protocol: 'tcp' };

/** A service-account style JWT (unsigned; only the sub claim is read). */
function jwt(sub: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none' })}.${b64({ sub })}.sig`;
}

function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

describe('kubernetes-api discovery against a real HTTPS test API server', { skip: missingCommand('openssl') }, () => {
  let api: KubernetesApiTestServer;
  let dir: string;
  let tokenFile: string;
  let settings: KubernetesApiSettings;
  const created: KubernetesApiServiceDiscovery[] = [];

  function discovery(over: Partial<KubernetesApiSettings> = {}, logger: Logger = silentLogger, metrics = new DiscoveryMetrics()) {
    const d = new KubernetesApiServiceDiscovery({ ...settings, ...over }, { logger, metrics, env: api.env() });
    created.push(d);
    return d;
  }

  before(async () => {
    api = await KubernetesApiTestServer.start({ host: '127.0.0.1', tokens: ['token-1'] });
    dir = mkdtempSync(path.join(tmpdir(), 'muster-k8s-'));
    tokenFile = path.join(dir, 'token');
    settings = testApiSettings(api, dir, tokenFile, NS);
  });

  beforeEach(() => {
    writeFileSync(tokenFile, 'token-1\n');
    api.tokens.clear();
    api.tokens.add('token-1');
    api.clearFaults();
    api.onRequest = undefined;
    api.gzip = false;
    api.requests.length = 0;
    api.setPods(NS, fixturePods('pods').map((p) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'my-service' } } })));
  });

  after(async () => {
    for (const d of created) d.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists pods by namespace and label selector with the bearer token, keeping running pods only', async () => {
    api.upsertPod('other-ns', makePod({ name: 'elsewhere', ip: '10.9.9.9', labels: { app: 'my-service' } }));
    api.upsertPod(NS, makePod({ name: 'other-app', ip: '10.9.9.8', labels: { app: 'other' } }));
    const metrics = new DiscoveryMetrics();
    const r = await discovery({}, silentLogger, metrics).lookup(lookup, 2000);
    assert.deepEqual(r, {
      serviceName: 'my-service',
      addresses: [
        { host: '10-2-0-11.shop.pod.cluster.local', port: 7626, address: '10.2.0.11' },
        { host: '10-2-0-12.shop.pod.cluster.local', port: 7626, address: '10.2.0.12' },
      ],
    });
    assert.equal(api.requests.length, 1);
    const req = api.requests[0]!;
    assert.equal(req.path, `/api/v1/namespaces/${NS}/pods`);
    assert.equal(req.query.get('labelSelector'), 'app=my-service');
    assert.equal(req.authorization, 'Bearer token-1');
    assert.equal(metrics.kubernetesApiRequests.value, 1);
  });

  it('takes the namespace from the namespace file, else "default"', async () => {
    writeFileSync(settings.podNamespacePath, 'from-file\n');
    api.setPods('from-file', [makePod({ name: 'a', ip: '10.1.0.1', labels: { app: 'my-service' } })]);
    const fromFile = discovery({ podNamespace: undefined });
    assert.equal(fromFile.namespace, 'from-file');
    assert.deepEqual((await fromFile.lookup(lookup, 2000)).addresses.map((t) => t.address), ['10.1.0.1']);
    rmSync(settings.podNamespacePath);
    assert.equal(discovery({ podNamespace: undefined }).namespace, 'default');
  });

  it('supports multi-term selectors and sends Accept-Encoding, decoding a gzip answer', async () => {
    api.gzip = true;
    api.setPods(NS, [
      makePod({ name: 'a', ip: '10.2.0.1', labels: { app: 'my-service', tier: 'backend' } }),
      makePod({ name: 'b', ip: '10.2.0.2', labels: { app: 'my-service', tier: 'frontend' } }),
    ]);
    const d = discovery({ podLabelSelector: 'app=%s,tier in (backend, db)', httpRequestAcceptEncoding: 'gzip', useRawIp: true });
    const r = await d.lookup({ serviceName: 'my-service' }, 2000);
    assert.deepEqual(r.addresses, [{ host: '10.2.0.1', address: '10.2.0.1' }]);
    assert.equal(api.requests[0]!.acceptEncoding, 'gzip');
  });

  it('pages through 1,000 pods with limit/continue and counts every request', async () => {
    const pods = Array.from({ length: 1000 }, (_, i) =>
      makePod({ name: `pod-${i}`, ip: `10.3.${i >> 8}.${i & 255}`, labels: { app: 'my-service' }, deleting: i % 10 === 9 }),
    );
    api.setPods(NS, pods);
    const metrics = new DiscoveryMetrics();
    const r = await discovery({ pageSize: 100, useRawIp: true }, silentLogger, metrics).lookup(lookup, 5000);
    assert.equal(r.addresses.length, 900);
    assert.equal(new Set(r.addresses.map((t) => t.address)).size, 900);
    assert.equal(metrics.kubernetesApiRequests.value, 10);
    assert.deepEqual(api.requests.map((q) => q.query.get('limit')), Array(10).fill('100'));
    assert.equal(api.requests[0]!.query.get('continue'), null);
    assert.ok(api.requests.slice(1).every((q) => q.query.get('continue')));
  });

  it('re-reads the token for every lookup, so a rotated token is used', async () => {
    const d = discovery();
    await d.lookup(lookup, 2000);
    writeFileSync(tokenFile, 'token-2');
    api.tokens.clear();
    api.tokens.add('token-2');
    assert.equal((await d.lookup(lookup, 2000)).addresses.length, 2);
    assert.deepEqual(api.requests.map((q) => q.authorization), ['Bearer token-1', 'Bearer token-2']);
  });

  it('retries a 401 once with a freshly read token (token rotated meanwhile)', async () => {
    api.tokens.clear();
    api.tokens.add('token-2');
    // The kubelet rotates the projected token while the first request is in flight.
    api.onRequest = (r) => {
      if (r.authorization === 'Bearer token-1') writeFileSync(tokenFile, 'token-2');
    };
    const metrics = new DiscoveryMetrics();
    const r = await discovery({}, silentLogger, metrics).lookup(lookup, 2000);
    assert.equal(r.addresses.length, 2);
    assert.deepEqual(api.requests.map((q) => q.authorization), ['Bearer token-1', 'Bearer token-2']);
    assert.equal(metrics.kubernetesApiRequests.value, 2);
  });

  it('fails with status 401 when the fresh token is rejected too, after exactly one retry', async () => {
    api.tokens.clear();
    await assert.rejects(discovery().lookup(lookup, 2000), (e: unknown) => {
      assert.ok(e instanceof KubernetesApiStatusError);
      assert.equal(e.status, 401);
      assert.match(e.message, /Non-200 from the Kubernetes API server: 401/);
      return true;
    });
    assert.equal(api.requests.length, 2);
  });

  it('on 403 logs namespace, service account, needed verbs and a Role/RoleBinding, and fails with a forbidden error', async () => {
    writeFileSync(tokenFile, jwt('system:serviceaccount:shop:cart-sa'));
    api.tokens.add(jwt('system:serviceaccount:shop:cart-sa'));
    api.fault({ status: 403, body: '{"kind":"Status","reason":"Forbidden"}' });
    const { logger, lines } = capturingLogger();
    await assert.rejects(discovery({}, logger).lookup(lookup, 2000), (e: unknown) => {
      assert.ok(e instanceof KubernetesApiForbiddenError);
      assert.equal(e.status, 403);
      assert.match(e.message, /Forbidden when retrieving pods in namespace \[shop\].*\[shop\/cart-sa\].*get, list and watch/);
      return true;
    });
    const warn = lines.find((l) => l['level'] === 40 && String(l['msg']).startsWith('Forbidden'));
    assert.ok(warn, 'a warning is logged');
    const msg = String(warn['msg']);
    assert.match(msg, /kind: Role\b/);
    assert.match(msg, /kind: RoleBinding/);
    assert.match(msg, /verbs: \["get", "watch", "list"\]/);
    assert.match(msg, /name: cart-sa/);
    assert.equal(warn['namespace'], 'shop');
  });

  it('fails on 500 with the status, and recovers on the next lookup', async () => {
    api.fault({ status: 500, body: 'etcd unavailable' });
    const d = discovery();
    await assert.rejects(d.lookup(lookup, 2000), (e: unknown) => e instanceof KubernetesApiStatusError && e.status === 500 && e.body === 'etcd unavailable');
    assert.equal((await d.lookup(lookup, 2000)).addresses.length, 2);
  });

  it('turns bad JSON and wrongly shaped pod lists into malformed-response errors', async () => {
    const d = discovery();
    api.fault({ status: 200, body: '{"kind":"PodList","items":[{"metadata":' });
    await assert.rejects(d.lookup(lookup, 2000), KubernetesApiMalformedResponseError);
    api.fault({ status: 200, body: '{"kind":"PodList","items":[{"spec":{},"status":{"phase":"Running","podIP":"1.2.3.4"}}]}' });
    await assert.rejects(d.lookup(lookup, 2000), /Malformed PodList.*spec\.containers is missing/);
    api.fault({ status: 200, body: '{"kind":"PodList"}' });
    await assert.rejects(d.lookup(lookup, 2000), KubernetesApiMalformedResponseError);
    api.fault({ status: 200, body: '"just a string"' });
    await assert.rejects(d.lookup(lookup, 2000), KubernetesApiMalformedResponseError);
    api.fault({ status: 200, body: '<html>proxy login</html>', contentType: 'text/html' });
    await assert.rejects(d.lookup(lookup, 2000), KubernetesApiMalformedResponseError);
    assert.equal((await d.lookup(lookup, 2000)).addresses.length, 2, 'still works afterwards');
  });

  it('times out a slow answer at the resolve timeout and discards it', async () => {
    api.fault({ delayMs: 1500 });
    const d = discovery();
    let answered = false;
    api.onRequest = () => setTimeout(() => (answered = true), 1500);
    await assert.rejects(d.lookup(lookup, 300), (e: unknown) => {
      assert.ok(e instanceof DiscoveryTimeoutError);
      assert.equal(e.timeoutMs, 300);
      return true;
    });
    // Order, not duration: the lookup gave up before the delayed answer was sent.
    assert.equal(answered, false, 'the lookup waited for the slow answer');
    api.onRequest = undefined;
    assert.equal((await d.lookup(lookup, 2000)).addresses.length, 2);
  });

  it('fails clearly when the env vars are missing, the CA is unreadable or does not match, or the connection drops', async () => {
    const noEnv = new KubernetesApiServiceDiscovery(settings, { logger: silentLogger, metrics: new DiscoveryMetrics(), env: {} });
    await assert.rejects(noEnv.lookup(lookup, 1000), (e: unknown) => {
      assert.ok(e instanceof KubernetesApiRequestError);
      assert.match(e.message, /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT/);
      return true;
    });
    noEnv.close();
    await assert.rejects(discovery({ apiCaPath: path.join(dir, 'missing.crt') }).lookup(lookup, 1000), /CA at .*missing\.crt could not be loaded/);
    const otherCa = createTestCa('another-ca');
    try {
      await assert.rejects(discovery({ apiCaPath: otherCa.caCertFile }).lookup(lookup, 1000), KubernetesApiConnectionError);
    } finally {
      otherCa.dispose();
    }
    api.fault({ destroy: true });
    await assert.rejects(discovery().lookup(lookup, 1000), KubernetesApiConnectionError);
  });

  it('is created by the registry from HOCON, with env names and paths from config', async () => {
    const config = await loadConfig({
      applicationText: `
        pekko.discovery.method = kubernetes-api
        pekko.discovery.kubernetes-api {
          api-ca-path = ${JSON.stringify(api.caFile)}
          api-token-path = ${JSON.stringify(tokenFile)}
          api-service-host-env-name = MY_API_HOST
          api-service-port-env-name = MY_API_PORT
          pod-namespace = shop
          use-raw-ip = true
        }`,
      env: {},
    });
    const registry = new DiscoveryRegistry(config, { env: { MY_API_HOST: api.host, MY_API_PORT: String(api.port) } });
    try {
      const r = await registry.select().discovery.lookup(lookup, 2000);
      assert.deepEqual(r.addresses, [
        { host: '10.2.0.11', port: 7626, address: '10.2.0.11' },
        { host: '10.2.0.12', port: 7626, address: '10.2.0.12' },
      ]);
    } finally {
      await registry.close();
    }
  });
});
