// Pekko Management's rolling-update module against the HTTPS test API server: the cost each
// node computes, the merge-patch the annotator sends (through @kubernetes/client-node), retries
// of server errors, the Role logged on 403, and the app-version read from the ReplicaSet revision.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { systemScheduler } from '../../src/clock.js';
import { configFromObject } from '../../src/config/load.js';
import {
  appVersionFromRevision,
  createRollingUpdateApi,
  podDeletionCost,
  PodDeletionCostAnnotator,
  POD_DELETION_COST_ANNOTATION,
  readRollingUpdateSettings,
  type RollingUpdateSettings,
} from '../../src/rollingupdate/index.js';
import { FakeCluster, member } from '../support/fake-cluster.js';
import { KubernetesApiTestServer, makePod } from '../support/k8s-api-server.js';

let api: KubernetesApiTestServer;
let dir: string;
let settings: RollingUpdateSettings;

before(async () => {
  api = await KubernetesApiTestServer.start({ tokens: ['t1'] });
  dir = mkdtempSync(path.join(os.tmpdir(), 'muster-ru-'));
  writeFileSync(path.join(dir, 'token'), 't1\n');
  settings = readRollingUpdateSettings(
    configFromObject({
      pekko: {
        rollingupdate: {
          kubernetes: {
            'api-ca-path': api.caFile,
            'api-token-path': path.join(dir, 'token'),
            'api-service-host': api.host,
            'api-service-port': api.port,
            namespace: 'ns1',
            'pod-name': 'pod-a',
          },
        },
      },
      muster: { rollingupdate: { 'pod-deletion-cost': { enabled: true } } },
    }),
  );
});

after(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  );
  return { lines, logger };
}

/** The pod `podName` in ns1, a one-member cluster of the Up oldest member, an API client and a captured logger. */
function singleMember(podName: string) {
  api.upsertPod('ns1', makePod({ name: podName }));
  const self = member('10.0.0.1', 17355, 1n, 'Up', { upNumber: 1 });
  const cluster = new FakeCluster(self.uniqueAddress, { self, members: [self] });
  const client = createRollingUpdateApi(settings, 'ns1');
  return { self, cluster, client, ...capture() };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !pred(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(pred(), what);
}

const annotation = (name: string) => (api.get('v1/pods', 'ns1', name)?.metadata?.annotations as Record<string, string> | undefined)?.[POD_DELETION_COST_ANNOTATION];

test('the oldest N members cost 10000, 9900, ...; the younger ones 0 (members not yet Up sort last)', () => {
  const ms = [
    member('10.0.0.4', 17355, 4n, 'Up', { upNumber: 4 }),
    member('10.0.0.1', 17355, 1n, 'Up', { upNumber: 1 }),
    member('10.0.0.3', 17355, 3n, 'Leaving', { upNumber: 3 }),
    member('10.0.0.2', 17355, 2n, 'Up', { upNumber: 2 }),
    member('10.0.0.5', 17355, 5n, 'Joining'),
  ];
  const cost = (i: number, n = 3) => podDeletionCost(ms.find((m) => m.uniqueAddress.uid === BigInt(i))!.uniqueAddress, ms, n);
  assert.deepEqual([1, 2, 3, 4, 5].map((i) => cost(i)), [10000, 9900, 9800, 0, 0]);
  assert.deepEqual([1, 2, 3, 4, 5].map((i) => cost(i, 10)), [10000, 9900, 9800, 9700, 9600]);
  assert.equal(cost(1, 0), 0);
});

test('settings: Pekko keys and defaults; the custom resource is refused when the annotator is on', () => {
  const d = readRollingUpdateSettings(configFromObject({}));
  assert.equal(d.annotatedPodsNr, 3);
  assert.equal(d.retryDelayMs, 5000);
  assert.equal(d.podDeletionCost, false);
  assert.equal(d.namespace, undefined);
  assert.throws(
    () =>
      readRollingUpdateSettings(
        configFromObject({ pekko: { rollingupdate: { kubernetes: { 'custom-resource': { enabled: true } } } }, muster: { rollingupdate: { 'pod-deletion-cost': { enabled: true } } } }),
      ),
    /custom-resource\.enabled: the PodCost custom resource is not supported/,
  );
});

test('the annotator merge-patches its own pod when its age rank changes, keeping other annotations', async () => {
  api.upsertPod('ns1', { ...makePod({ name: 'pod-a' }), metadata: { ...makePod({ name: 'pod-a' }).metadata, annotations: { keep: 'me' } } });
  const self = member('10.0.0.1', 17355, 1n, 'Up', { upNumber: 1 });
  const other = member('10.0.0.2', 17355, 2n, 'Up', { upNumber: 2 });
  const cluster = new FakeCluster(self.uniqueAddress, { self, members: [self, other] });
  const client = createRollingUpdateApi(settings, 'ns1');
  const { logger, lines } = capture();
  const annotator = new PodDeletionCostAnnotator({ cluster, api: client, podName: 'pod-a', annotatedPodsNr: 3, retryDelayMs: 10, scheduler: systemScheduler, logger });
  const before = api.requests.length;
  annotator.start();
  await until(() => annotation('pod-a') === '10000', 'annotated with 10000');
  const patch = api.requests.slice(before).find((r) => r.method === 'PATCH')!;
  assert.equal(patch.path, '/api/v1/namespaces/ns1/pods/pod-a');
  assert.equal(patch.contentType, 'application/merge-patch+json');
  assert.equal(patch.authorization, 'Bearer t1');
  assert.deepEqual(JSON.parse(patch.body), { metadata: { annotations: { [POD_DELETION_COST_ANNOTATION]: '10000' } } });
  assert.equal((api.get('v1/pods', 'ns1', 'pod-a')?.metadata?.annotations as Record<string, string>).keep, 'me');
  // An older member appears (self is now second): 9900. The same rank again writes nothing.
  const older = member('10.0.0.0', 17355, 9n, 'Up', { upNumber: 0 });
  cluster.setState({ members: [older, self, other] });
  cluster.emit({ type: 'MemberUp', member: older });
  await until(() => annotation('pod-a') === '9900', 'annotated with 9900');
  // the server holds the new value before the annotator has read the answer: wait for that too
  await until(() => annotator.annotations === 2, 'second annotation acknowledged');
  const patches = api.requests.filter((r) => r.method === 'PATCH').length;
  cluster.emit({ type: 'MemberUp', member: older });
  assert.equal(annotator.annotations, 2);
  assert.equal(api.requests.filter((r) => r.method === 'PATCH').length, patches);
  assert.ok(lines.some((l) => /Updating pod-deletion-cost annotation for pod: \[pod-a\] with cost: \[9900\]/.test(String(l.msg))));
  annotator.stop();
  client.close();
});

test('server errors are retried after retry-delay until the annotation is written', async () => {
  const { cluster, client, logger, lines } = singleMember('pod-r');
  api.fault({ status: 500, times: 2, match: (r) => r.method === 'PATCH' });
  api.fault({ destroy: true, match: (r) => r.method === 'PATCH' });
  const annotator = new PodDeletionCostAnnotator({ cluster, api: client, podName: 'pod-r', annotatedPodsNr: 3, retryDelayMs: 10, scheduler: systemScheduler, logger });
  annotator.start();
  await until(() => annotation('pod-r') === '10000', 'annotated after retries');
  const retries = lines.filter((l) => /Scheduled retry with fixed delay/.test(String(l.msg)));
  assert.equal(retries.length, 3);
  assert.deepEqual(retries.map((l) => l.retryNr), [0, 1, 2]);
  annotator.stop();
  client.close();
});

test('403: not retried, and the error log carries the Role that allows patching pods', async () => {
  const { self, cluster, client, logger, lines } = singleMember('pod-f');
  api.fault({ status: 403, body: '{"kind":"Status","reason":"Forbidden"}', match: (r) => r.method === 'PATCH' && r.path.endsWith('/pod-f') });
  const annotator = new PodDeletionCostAnnotator({ cluster, api: client, podName: 'pod-f', annotatedPodsNr: 3, retryDelayMs: 10, scheduler: systemScheduler, logger });
  annotator.start();
  await until(() => lines.some((l) => l.level === 50), 'an error was logged');
  const err = lines.find((l) => l.level === 50)!;
  assert.match(String(err.msg), /Forbidden to annotate pod \[pod-f\]/);
  assert.match(String(err.role), /kind: Role[\s\S]*resources: \["pods"\][\s\S]*"patch"/);
  assert.match(String(err.role), /namespace: ns1/);
  // A later change of rank writes again (and now succeeds); the 403 itself was not retried.
  const older = member('10.0.0.0', 17355, 9n, 'Up', { upNumber: 0 });
  cluster.setState({ members: [older, self] });
  cluster.emit({ type: 'MemberUp', member: older });
  await until(() => annotation('pod-f') === '9900', 'annotated after the rank changed');
  assert.equal(api.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/pod-f')).length, 2);
  annotator.stop();
  client.close();
});

test('app-version from the owning ReplicaSet revision; fallback to the configured one', async () => {
  const pod = makePod({ name: 'pod-v' });
  api.upsertPod('ns1', { ...pod, metadata: { ...pod.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'app-7d9f', uid: 'u1' }] } });
  api.put('apps/v1/replicasets', 'ns1', { metadata: { name: 'app-7d9f', annotations: { 'deployment.kubernetes.io/revision': '4' } } });
  const client = createRollingUpdateApi(settings, 'ns1');
  const { logger } = capture();
  assert.equal(await appVersionFromRevision(client, 'pod-v', '1.0.0', logger), '4');
  assert.equal(await appVersionFromRevision(client, 'no-such-pod', '1.0.0', logger), '1.0.0');
  assert.equal(await appVersionFromRevision(client, '', '1.0.0', logger), '1.0.0');
  client.close();
});
