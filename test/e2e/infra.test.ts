// The API server and cluster DNS as pods see them from inside their namespaces.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { netnsUnavailableReason } from './netns.js';
import { missingCommand } from '../support/tools.js';
import { E2eEnvironment } from './environment.js';

const skip = netnsUnavailableReason() ?? missingCommand('dnsmasq') ?? missingCommand('openssl');
const envs: E2eEnvironment[] = [];
after(async () => {
  for (const e of envs) await e.close();
});

// Lists pods the way kubernetes-api discovery does: HTTPS to $KUBERNETES_SERVICE_HOST:PORT,
// trusting only the service-account CA, bearer token read from the token file.
const LIST_PODS = `
const https = require('node:https'); const fs = require('node:fs');
const [ca, tokenFile, ns] = process.argv.slice(1);
const req = https.get({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT,
  path: '/api/v1/namespaces/' + ns + '/pods?labelSelector=app%3Ddemo', ca: fs.readFileSync(ca),
  headers: { authorization: 'Bearer ' + fs.readFileSync(tokenFile, 'utf8') }, timeout: 1500 }, (res) => {
  let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => { console.log(JSON.stringify({ status: res.statusCode, body: b })); process.exit(0); });
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (e) => { console.log(JSON.stringify({ error: e.code ?? e.message })); process.exit(0); });
`;

test('pods reach the API server over TLS with their service-account files; Leases; token rotation and outage', { skip }, async () => {
  const env = await E2eEnvironment.start({ namespace: 'team-a' });
  envs.push(env);
  const { api } = env;
  const pod = await env.net.addPod('client');
  api.upsertPod({ metadata: { name: 'demo-1', labels: { app: 'demo' } }, status: { phase: 'Running', podIP: '10.9.9.9' } });
  api.upsertPod({ metadata: { name: 'other-1', labels: { app: 'other' } }, status: { phase: 'Running' } });
  const list = async (): Promise<{ status?: number; body?: string; error?: string }> => {
    const r = await pod.exec(process.execPath, ['-e', LIST_PODS, api.caPath, api.tokenPath, 'team-a'], {
      env: { ...process.env, ...api.env() },
    });
    return JSON.parse(r.stdout.trim()) as { status?: number; body?: string; error?: string };
  };
  const first = await list();
  assert.equal(first.status, 200);
  const items = (JSON.parse(first.body!) as { items: Array<{ metadata: { name: string } }> }).items;
  assert.deepEqual(items.map((i) => i.metadata.name), ['demo-1']);
  assert.equal(api.requestCount(api.token), 1);

  const { oldToken, newToken } = api.rotateToken();
  assert.notEqual(oldToken, newToken);
  assert.equal((await list()).status, 200, 'the new token from the swapped file works');
  assert.equal(api.requestCount(newToken), 1);
  api.revokeToken(newToken);
  assert.equal((await list()).status, 401, 'a revoked token is refused');
  api.rotateToken({ revokeOld: true });
  assert.equal((await list()).status, 200);

  // Lease objects (coordination.k8s.io/v1) live in the same server, with optimistic concurrency.
  const leases = `https://${api.host}:${api.port}/apis/coordination.k8s.io/v1/namespaces/team-a/leases`;
  const created = await kube('POST', leases, api, { metadata: { name: 'sbr-lease' }, spec: { holderIdentity: 'pod-1' } });
  assert.equal(created.status, 201);
  const rv = (created.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const stale = await kube('PUT', `${leases}/sbr-lease`, api, { metadata: { name: 'sbr-lease', resourceVersion: String(Number(rv) - 1) }, spec: { holderIdentity: 'pod-2' } });
  assert.equal(stale.status, 409);
  const taken = await kube('PUT', `${leases}/sbr-lease`, api, { metadata: { name: 'sbr-lease', resourceVersion: rv }, spec: { holderIdentity: 'pod-2' } });
  assert.equal(taken.status, 200);
  assert.equal(((await kube('GET', `${leases}/sbr-lease`, api)).body as { spec: { holderIdentity: string } }).spec.holderIdentity, 'pod-2');

  api.setAvailable(false);
  const down = await list();
  assert.equal(down.status, undefined);
  assert.equal(down.error, 'ECONNRESET');
  api.setAvailable(true);
  assert.equal((await list()).status, 200, 'back after the outage');
});

function kube(method: string, url: string, api: E2eEnvironment['api'], body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, ca: readFileSync(api.caPath), headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

// Resolves through the pod's /etc/resolv.conf. LOOKUP goes through getaddrinfo, which applies the
// search domains; A and SRV query the nameserver directly with the name as given.
const RESOLVE = `
const dns = require('node:dns').promises; const [kind, name] = process.argv.slice(1);
const q = kind === 'SRV' ? dns.resolveSrv(name) : kind === 'A' ? dns.resolve4(name)
  : dns.lookup(name, { all: true, family: 4 }).then((r) => r.map((a) => a.address));
q.then(
  (r) => console.log(JSON.stringify(r)), (e) => console.log(JSON.stringify({ error: e.code })));
`;

test('cluster DNS serves the headless service (A, SRV with additional A) and pod names, live', { skip }, async () => {
  const env = await E2eEnvironment.start({ namespace: 'team-b', dns: true });
  envs.push(env);
  const dns = env.dns!;
  const client = await env.net.addPod('client', { resolvConf: dns.resolvConf('team-b') });
  const resolve = async (kind: 'A' | 'SRV' | 'LOOKUP', name: string): Promise<unknown> => {
    const r = await client.exec(process.execPath, ['-e', RESOLVE, kind, name]);
    return JSON.parse(r.stdout.trim());
  };
  const service = { name: 'demo-internal', namespace: 'team-b', ports: [{ name: 'management', port: 7626, protocol: 'tcp' as const }] };
  await dns.update({ services: [{ service, endpoints: ['10.1.2.3', '10.1.2.4'] }], pods: [{ ip: '10.1.2.3', namespace: 'team-b' }] });
  assert.deepEqual(((await resolve('LOOKUP', 'demo-internal')) as string[]).sort(), ['10.1.2.3', '10.1.2.4'], 'short name via search domains');
  assert.deepEqual(((await resolve('A', 'demo-internal.team-b.svc.cluster.local')) as string[]).sort(), ['10.1.2.3', '10.1.2.4']);
  assert.deepEqual(await resolve('A', '10-1-2-3.team-b.pod.cluster.local'), ['10.1.2.3']);
  const srv = (await resolve('SRV', '_management._tcp.demo-internal.team-b.svc.cluster.local')) as Array<{ name: string; port: number }>;
  assert.deepEqual(srv.map((s) => `${s.name}:${s.port}`).sort(), [
    '10-1-2-3.demo-internal.team-b.svc.cluster.local:7626',
    '10-1-2-4.demo-internal.team-b.svc.cluster.local:7626',
  ]);
  const raw = await dns.query('_management._tcp.demo-internal.team-b.svc.cluster.local', 'SRV');
  assert.deepEqual(raw.additionals.map((a) => `${a.name}=${String((a as { data: unknown }).data)}`).sort(), [
    '10-1-2-3.demo-internal.team-b.svc.cluster.local=10.1.2.3',
    '10-1-2-4.demo-internal.team-b.svc.cluster.local=10.1.2.4',
  ]);
  assert.equal((await dns.query('nope.team-b.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');

  await dns.update({ services: [{ service, endpoints: ['10.1.2.4', '10.1.2.5'] }], pods: [] });
  assert.deepEqual(((await resolve('A', 'demo-internal.team-b.svc.cluster.local')) as string[]).sort(), ['10.1.2.4', '10.1.2.5']);
  assert.deepEqual(await resolve('A', '10-1-2-3.team-b.pod.cluster.local'), { error: 'ENOTFOUND' });
  assert.equal(((await resolve('SRV', '_management._tcp.demo-internal.team-b.svc.cluster.local')) as unknown[]).length, 2);
});
