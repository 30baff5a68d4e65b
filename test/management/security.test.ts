import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/types.js';
import { validateSecurity, type ManagementSecuritySettings } from '../../src/management/settings.js';
import { parseWithBigInt } from '../../src/json.js';
import { methodRoute } from '../../src/management/http.js';
import { basicAuthHeader, createManagementClient, loadSecurity } from '../../src/management/security.js';
import { seedNodesBody } from '../../src/management/seed-nodes-json.js';
import type { RouteProvider } from '../../src/management/server.js';
import { createTestCa } from '../support/certs.js';
import { missingCommand } from '../support/tools.js';
import { SELF_UID, TEXT, call, captureLogger, start, upCluster } from './_support.js';

function secrets(password = 's3cret pass:word') {
  const dir = mkdtempSync(path.join(tmpdir(), 'muster-auth-'));
  const passwordFile = path.join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`);
  return { dir, passwordFile, password };
}

const noHttps = { enabled: false, certFile: '', keyFile: '', caFile: '' };

/** The bootstrap layer's seed-nodes route, as it registers it: a provider named cluster-bootstrap. */
function seedNodesProvider(cluster: ReturnType<typeof upCluster>): RouteProvider {
  return {
    name: 'cluster-bootstrap',
    classNames: ['org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap$'],
    register(app) {
      methodRoute(app, '/bootstrap/seed-nodes', {
        GET: (_, reply) => reply.header('content-type', 'application/json').send(seedNodesBody(cluster.state(), cluster.selfAddress)),
      });
    },
  };
}

test('basic auth covers every route, with Pekko texts and the secured realm', async () => {
  const s = secrets();
  const security: ManagementSecuritySettings = { https: noHttps, basicAuth: { username: 'ops', passwordFile: s.passwordFile } };
  const cluster = upCluster();
  const srv = await start({ security }, { cluster, routeProviders: [seedNodesProvider(cluster)] });
  try {
    for (const p of ['/ready', '/alive', '/cluster/members', '/bootstrap/seed-nodes', '/metrics', '/no-such-path']) {
      const r = await call(`${srv.url}${p}`);
      assert.deepEqual([r.status, r.type, r.text], [401, TEXT, 'The resource requires authentication, which was not supplied with the request'], p);
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="secured",charset=UTF-8');
    }
    for (const bad of [basicAuthHeader('ops', 'wrong'), basicAuthHeader('other', s.password), 'Basic !!!', 'Bearer abc', 'Basic ' + Buffer.from('nocolon').toString('base64')]) {
      const r = await call(`${srv.url}/ready`, 'GET', { headers: { authorization: bad } });
      assert.deepEqual([r.status, r.text], [401, 'The supplied authentication is invalid'], bad);
    }
    const ok = await call(`${srv.url}/ready`, 'GET', { headers: { authorization: basicAuthHeader('ops', s.password) } });
    assert.deepEqual([ok.status, ok.text], [200, 'OK']);
  } finally {
    await srv.close();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('HTTPS + basic auth: the management client (as the bootstrap prober uses it) reads seed nodes through both', { skip: missingCommand('openssl') }, async () => {
  const ca = createTestCa();
  const cert = ca.issue('node', { ips: ['127.0.0.1'], dns: ['localhost'] });
  const s = secrets();
  const security: ManagementSecuritySettings = {
    https: { enabled: true, certFile: cert.certFile, keyFile: cert.keyFile, caFile: ca.caCertFile },
    basicAuth: { username: 'ops', passwordFile: s.passwordFile },
  };
  const cluster = upCluster();
  const srv = await start({ security }, { cluster, routeProviders: [seedNodesProvider(cluster)] });
  const client = createManagementClient(security);
  const untrusting = createManagementClient({ https: { ...security.https, caFile: '' }, basicAuth: security.basicAuth });
  try {
    assert.ok(srv.url.startsWith('https://127.0.0.1:'));
    assert.ok(srv.selfBaseUri.startsWith('https://'));
    assert.equal(client.scheme, 'https');
    const seeds = await client.request(`${srv.url}/bootstrap/seed-nodes`, { timeoutMs: 5000 });
    assert.equal(seeds.status, 200);
    const body = parseWithBigInt(seeds.body, { bigintKeys: ['nodeUid'] }) as { seedNodes: { nodeUid: bigint }[]; selfNode: string };
    assert.equal(body.seedNodes[0]!.nodeUid, SELF_UID);
    assert.equal(body.selfNode, 'pekko://Main@127.0.0.1:17355');
    const ready = await client.request(`${srv.url}/ready`);
    assert.deepEqual([ready.status, ready.body], [200, 'OK']);
    // Without the CA the peer's certificate is not trusted; without credentials the server refuses.
    await assert.rejects(untrusting.request(`${srv.url}/ready`, { timeoutMs: 5000 }), /self[- ]signed|unable to verify|certificate/i);
    const anonymous = await client.request(`${srv.url}/ready`, { headers: { authorization: '' } });
    assert.equal(anonymous.status, 401);
  } finally {
    client.close();
    untrusting.close();
    await srv.close();
    ca.dispose();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('security settings: missing files and half-configured features are config errors', () => {
  assert.throws(() => validateSecurity({ https: { ...noHttps, enabled: true }, basicAuth: { username: '', passwordFile: '' } }), ConfigError);
  assert.throws(() => validateSecurity({ https: noHttps, basicAuth: { username: 'u', passwordFile: '' } }), ConfigError);
  assert.throws(() => loadSecurity({ https: noHttps, basicAuth: { username: 'u', passwordFile: '/nonexistent/pw' } }), /cannot read/);
  const s = secrets('first-line\nsecond-line');
  try {
    assert.deepEqual(loadSecurity({ https: noHttps, basicAuth: { username: 'u', passwordFile: s.passwordFile } }).auth, { username: 'u', password: 'first-line' });
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('start logs pekkoManagementBound with the bound port, and warns when writable routes have no auth', async () => {
  const cluster = upCluster();
  const open = captureLogger();
  const srv = await start({ http: { routeProvidersReadOnly: false } }, { cluster, logger: open.logger });
  await srv.close();
  const bound = open.lines.find((l) => l.marker === 'pekkoManagementBound');
  assert.equal(bound?.port, srv.boundPort);
  assert.equal(bound?.host, '127.0.0.1');
  assert.equal(bound?.pekkoHttpAddress, `127.0.0.1:${srv.boundPort}`);
  assert.ok(open.lines.some((l) => l.level === 40 && /read-only = false without/.test(String(l.msg))));

  const s = secrets();
  const guarded = captureLogger();
  const srv2 = await start(
    { http: { routeProvidersReadOnly: false }, security: { https: noHttps, basicAuth: { username: 'ops', passwordFile: s.passwordFile } } },
    { cluster, logger: guarded.logger },
  );
  await srv2.close();
  rmSync(s.dir, { recursive: true, force: true });
  assert.ok(!guarded.lines.some((l) => l.level === 40));
  const readOnly = captureLogger();
  await (await start({}, { cluster, logger: readOnly.logger })).close();
  assert.ok(!readOnly.lines.some((l) => l.level === 40));
});
