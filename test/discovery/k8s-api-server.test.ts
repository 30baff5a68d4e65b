// The Kubernetes API test server is shared with other suites (end-to-end, lease-majority SBR);
// these tests pin the behaviour they rely on: auth, the generic object store with optimistic
// concurrency, label selectors and paging.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { KubernetesApiTestServer, makePod, matchesSelector } from '../support/k8s-api-server.js';
import { missingCommand } from '../support/tools.js';

describe('Kubernetes API test server', { skip: missingCommand('openssl') }, () => {
  let api: KubernetesApiTestServer;
  let ca: Buffer;

  async function call(method: string, path: string, body?: unknown, token = 'tok'): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: api.host, port: api.port, path, method, ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  before(async () => {
    api = await KubernetesApiTestServer.start({ tokens: ['tok'] });
    ca = readFileSync(api.caFile);
  });
  after(() => api.close());

  it('rejects a wrong bearer token with a 401 Status', async () => {
    const r = await call('GET', '/api/v1/namespaces/default/pods', undefined, 'wrong');
    assert.equal(r.status, 401);
    assert.equal(r.json.kind, 'Status');
  });

  it('creates, conflicts on, updates and deletes coordination.k8s.io/v1 leases', async () => {
    const base = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'sbr' }, spec: { holderIdentity: 'a' } };
    const created = await call('POST', base, lease);
    assert.equal(created.status, 201);
    const rv = created.json.metadata.resourceVersion as string;
    assert.equal((await call('POST', base, lease)).status, 409);
    const update = { ...lease, metadata: { name: 'sbr', resourceVersion: rv }, spec: { holderIdentity: 'b' } };
    const updated = await call('PUT', `${base}/sbr`, update);
    assert.equal(updated.status, 200);
    assert.notEqual(updated.json.metadata.resourceVersion, rv);
    assert.equal((await call('PUT', `${base}/sbr`, update)).status, 409, 'stale resourceVersion');
    assert.equal((await call('GET', `${base}/sbr`)).json.spec.holderIdentity, 'b');
    assert.equal(api.get('coordination.k8s.io/v1/leases', 'default', 'sbr')?.['spec'] !== undefined, true);
    assert.equal((await call('DELETE', `${base}/sbr`)).status, 200);
    assert.equal((await call('GET', `${base}/sbr`)).status, 404);
  });

  it('lists pods with selectors and limit/continue paging', async () => {
    api.setPods('paged', Array.from({ length: 5 }, (_, i) => makePod({ name: `p${i}`, ip: `10.0.0.${i}`, labels: { app: 'x', n: String(i) } })));
    const first = await call('GET', '/api/v1/namespaces/paged/pods?labelSelector=app%3Dx&limit=2');
    assert.deepEqual(first.json.items.map((p: any) => p.metadata.name), ['p0', 'p1']);
    const second = await call('GET', `/api/v1/namespaces/paged/pods?labelSelector=app%3Dx&limit=2&continue=${first.json.metadata.continue}`);
    assert.deepEqual(second.json.items.map((p: any) => p.metadata.name), ['p2', 'p3']);
    const sel = await call('GET', `/api/v1/namespaces/paged/pods?labelSelector=${encodeURIComponent('app=x,n notin (0,1,2)')}`);
    assert.deepEqual(sel.json.items.map((p: any) => p.metadata.name), ['p3', 'p4']);
    assert.equal(matchesSelector('app=x,!missing,n', { app: 'x', n: '1' }), true);
    assert.equal(matchesSelector('app!=x', { app: 'x' }), false);
  });
});
