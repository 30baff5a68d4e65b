// The replicas fast path's count from the Kubernetes API, against the HTTPS test API server:
// the pod's controlling owner, then that owner's spec.replicas, with the discovery CA and token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubernetesApiSettings } from '../../src/discovery/settings.js';
import { controllingOwner, readOwnerReplicas, specReplicas } from '../../src/discovery/kubernetes-replicas.js';
import { KubernetesApiTestServer, testApiSettings } from '../support/k8s-api-server.js';

const NS = 'shop';
let api: KubernetesApiTestServer;
let dir: string;
let settings: KubernetesApiSettings;

before(async () => {
  api = await KubernetesApiTestServer.start({ host: '127.0.0.1', tokens: ['token-1'] });
  dir = mkdtempSync(path.join(tmpdir(), 'muster-replicas-'));
  writeFileSync(path.join(dir, 'token'), 'token-1\n');
  settings = testApiSettings(api, dir, path.join(dir, 'token'), NS);
});

after(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

const pod = (name: string, owner?: { kind: string; name: string; controller?: boolean }) => ({
  metadata: {
    name,
    ...(owner && { ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'u', controller: owner.controller ?? true }] }),
  },
});

test('reads spec.replicas of the ReplicaSet or StatefulSet that controls the pod, in two requests', async () => {
  api.put('v1/pods', NS, pod('web-7d9f-abc', { kind: 'ReplicaSet', name: 'web-7d9f' }));
  api.put('apps/v1/replicasets', NS, { metadata: { name: 'web-7d9f' }, spec: { replicas: 5 } });
  api.put('v1/pods', NS, pod('db-0', { kind: 'StatefulSet', name: 'db' }));
  api.put('apps/v1/statefulsets', NS, { metadata: { name: 'db' }, spec: { replicas: 3 } });
  let requests = 0;
  const env = api.env();
  const before = api.requests.length;
  assert.deepEqual(await readOwnerReplicas({ settings, podName: 'web-7d9f-abc', timeoutMs: 3000, env, onRequest: () => requests++ }), {
    kind: 'ReplicaSet',
    name: 'web-7d9f',
    replicas: 5,
  });
  assert.equal(requests, 2);
  assert.deepEqual(
    api.requests.slice(before).map((r) => [r.path, r.authorization]),
    [
      [`/api/v1/namespaces/${NS}/pods/web-7d9f-abc`, 'Bearer token-1'],
      [`/apis/apps/v1/namespaces/${NS}/replicasets/web-7d9f`, 'Bearer token-1'],
    ],
  );
  assert.equal((await readOwnerReplicas({ settings, podName: 'db-0', timeoutMs: 3000, env })).replicas, 3);
});

test('a pod without a readable owner, a missing pod and a forbidden read fail with a message that says which', async () => {
  const env = api.env();
  api.put('v1/pods', NS, pod('bare'));
  await assert.rejects(readOwnerReplicas({ settings, podName: 'bare', timeoutMs: 3000, env }), /has no StatefulSet or ReplicaSet owner/);
  await assert.rejects(readOwnerReplicas({ settings, podName: 'nope', timeoutMs: 3000, env }), /GET .*pods\/nope: 404/);
  api.put('v1/pods', NS, pod('web-x', { kind: 'ReplicaSet', name: 'gone' }));
  api.fault({ status: 403, match: (r) => r.path.includes('/replicasets/') });
  await assert.rejects(readOwnerReplicas({ settings, podName: 'web-x', timeoutMs: 3000, env }), /403 \(RBAC: .*replicasets/);
  await assert.rejects(readOwnerReplicas({ settings, podName: 'web-x', timeoutMs: 3000, env: {} }), /env vars KUBERNETES_SERVICE_HOST/);
});

test('owner and replicas are read strictly from the documents', () => {
  assert.deepEqual(controllingOwner(pod('a', { kind: 'StatefulSet', name: 's' })), { kind: 'StatefulSet', name: 's' });
  assert.equal(controllingOwner(pod('a', { kind: 'ReplicaSet', name: 'r', controller: false })), undefined);
  assert.equal(controllingOwner(pod('a', { kind: 'Job', name: 'j' })), undefined);
  assert.equal(controllingOwner('junk'), undefined);
  assert.equal(specReplicas({ spec: {} }), 1, 'Kubernetes defaults replicas to 1');
  assert.equal(specReplicas({ spec: { replicas: 0 } }), 0);
  assert.equal(specReplicas({ spec: { replicas: '3' } }), undefined);
  assert.equal(specReplicas([]), undefined);
});
