// The Deployment controller driving stand-in pod processes (not Muster) in namespaces: creation,
// readiness, rolling update limits, scaling, restarts, graceful and forced termination, and what the
// API server and cluster DNS show meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { netnsUnavailableReason } from './netns.js';
import { missingCommand } from '../support/tools.js';
import { E2eEnvironment } from './environment.js';
import { Deployment, httpGet, waitFor, type PodTemplate } from './deployment.js';
import { awaitHealthyCluster, collectViews, oneClusterViolations, readyBeforeUpViolations, readyNotUpViolations } from './invariants.js';
import { STANDIN_POD } from './standin.js';

const skip = netnsUnavailableReason() ?? missingCommand('dnsmasq') ?? missingCommand('openssl');
let env: E2eEnvironment;
const service = { name: 'demo-internal', namespace: 'e2e', ports: [{ name: 'management', port: 7626, protocol: 'tcp' as const }] };

before(async () => {
  if (!skip) env = await E2eEnvironment.start({ namespace: 'e2e', dns: true });
});
after(async () => {
  await env?.close();
});

function template(revision: string, standinEnv: Record<string, string> = {}, graceMs = 2000): PodTemplate {
  return {
    revision,
    labels: { app: 'demo' },
    containerName: 'demo',
    ports: [{ name: 'management', containerPort: 7626 }],
    readiness: { port: 7626, path: '/ready', periodMs: 100, timeoutMs: 500, failureThreshold: 2, successThreshold: 1 },
    terminationGracePeriodMs: graceMs,
    restartDelayMs: 200,
    command: () => ({ command: process.execPath, args: [STANDIN_POD], env: { STANDIN_READY_AFTER_MS: '300', ...standinEnv } }),
  };
}

function deployment(name: string, replicas: number, t: PodTemplate, withDns = false): Deployment {
  const d = new Deployment({
    name, namespace: 'e2e', replicas, maxSurge: 1, maxUnavailable: 0, template: t,
    net: env.net, api: env.api, logDir: env.logDir, ...(withDns ? { dns: env.dns!, service } : {}),
  });
  d.start();
  return d;
}

type ApiPod = { metadata: { name: string; labels: Record<string, string>; deletionTimestamp?: string }; spec: { containers: Array<{ ports: unknown[] }> }; status: { phase: string; podIP?: string; conditions: Array<{ type: string; status: string }>; containerStatuses?: Array<{ restartCount: number; state: Record<string, unknown> }> } };
const apiPods = (prefix: string): ApiPod[] => (env.api.pods() as unknown as ApiPod[]).filter((p) => p.metadata.name.startsWith(prefix + '-'));

test('cold start: pods Running with IPs and ports in the API, Ready recorded with the pod\'s own status, in DNS', { skip }, async () => {
  const d = deployment('cold', 3, template('r1'), true);
  try {
    await d.waitSettled(20_000);
    const pods = d.pods();
    const inApi = apiPods('cold');
    assert.equal(inApi.length, 3);
    for (const p of inApi) {
      const live = pods.find((x) => x.name === p.metadata.name)!;
      assert.equal(p.status.phase, 'Running');
      assert.equal(p.status.podIP, live.ip);
      assert.deepEqual(p.metadata.labels, { app: 'demo', 'pod-template-hash': 'r1' });
      assert.deepEqual(p.spec.containers[0]!.ports, [{ name: 'management', containerPort: 7626, protocol: 'TCP' }]);
      assert.deepEqual(p.status.conditions.find((c) => c.type === 'Ready'), { type: 'Ready', status: 'True' });
      assert.ok('running' in p.status.containerStatuses![0]!.state);
    }
    for (const p of pods) {
      const r = d.record(p.name)!;
      assert.ok(r.startedAt! >= r.createdAt && r.firstReadyAt! >= r.startedAt! + 300, 'Ready only after the stand-in turned ready');
      assert.equal(r.statusAtFirstReady, 'Up');
      assert.equal(r.selfNodeAtFirstReady, `pekko://standin@${p.ip}:17355`);
    }
    assert.deepEqual(readyBeforeUpViolations(d.records), []);
    const a = await env.dns!.query('demo-internal.e2e.svc.cluster.local', 'A');
    assert.deepEqual(a.answers.map((x) => String((x as { data: unknown }).data)).sort(), pods.map((p) => p.ip!).sort());

    // Views come from each pod over HTTP: one stand-in per pod reports its own node only.
    const views = await collectViews(pods, 7626);
    assert.equal(views.length, 3);
    assert.ok(oneClusterViolations(views).includes('3 clusters, expected exactly 1'));
    const members = pods.map((p) => ({ node: `pekko://standin@${p.ip}:17355`, nodeUid: '1', roles: [], status: 'Up' }));
    for (const p of pods) {
      const res = await fetch(`http://${p.ip}:7626/__standin/state`, { method: 'POST', body: JSON.stringify({ members: { selfNode: `pekko://standin@${p.ip}:17355`, members, unreachable: [] } }) });
      assert.equal(res.status, 200);
    }
    const joined = await awaitHealthyCluster(d, { port: 7626, timeoutMs: 5000 });
    assert.equal(joined.length, 3);
  } finally {
    await d.stop();
  }
  assert.equal(apiPods('cold').length, 0, 'stop removes every pod from the API');
});

test('rolling update maxSurge 1 / maxUnavailable 0: never below replicas Ready, never above replicas + 1, deletionTimestamp while terminating', { skip }, async () => {
  const d = deployment('roll', 3, template('r1', { STANDIN_TERM_DELAY_MS: '400' }), true);
  try {
    await d.waitSettled(20_000);
    let maxPods = 0;
    let minReady = Infinity;
    let sawDeletionTimestamp = false;
    const sampler = setInterval(() => {
      const live = d.pods().filter((p) => !p.terminating);
      maxPods = Math.max(maxPods, live.length);
      minReady = Math.min(minReady, live.filter((p) => p.ready).length);
      if (apiPods('roll').some((p) => p.metadata.deletionTimestamp !== undefined)) sawDeletionTimestamp = true;
    }, 20);
    d.rollout(template('r2', { STANDIN_TERM_DELAY_MS: '400' }));
    await d.waitSettled(30_000);
    clearInterval(sampler);
    assert.ok(d.pods().every((p) => p.revision === 'r2'));
    assert.equal(maxPods, 4, 'one surge pod at most');
    assert.equal(minReady, 3, 'never fewer than replicas Ready');
    assert.equal(sawDeletionTimestamp, true);
    const old = d.records.filter((r) => r.revision === 'r1');
    assert.equal(old.length, 3);
    assert.ok(old.every((r) => r.goneAt !== undefined && r.exits[0]?.code === 0 && !r.killedAfterGrace), 'old pods exited on SIGTERM');
    // dnsmasq restarts on every change; a query that lands in that gap just fails and is retried
    await waitFor(async () => (await env.dns!.query('demo-internal.e2e.svc.cluster.local', 'A').catch(() => undefined))?.answers.length === 3, 5000, () => 'dns endpoints');
    const a = await env.dns!.query('demo-internal.e2e.svc.cluster.local', 'A');
    assert.deepEqual(a.answers.map((x) => String((x as { data: unknown }).data)).sort(), d.pods().map((p) => p.ip!).sort());
  } finally {
    await d.stop();
  }
});

test('scale up and down; a killed container restarts in the same pod; SIGKILL after the grace period', { skip }, async () => {
  const d = deployment('ops', 2, template('r1', { STANDIN_ON_SIGTERM: 'ignore' }, 600));
  try {
    await d.waitSettled(20_000);
    d.scale(3);
    await d.waitSettled(20_000);
    assert.equal(d.pods().length, 3);

    const victim = d.pods()[0]!;
    d.signalContainer(victim.name, 'SIGKILL');
    await waitFor(() => (d.record(victim.name)?.restarts ?? 0) === 1 && d.isSettled(), 10_000, () => JSON.stringify(d.record(victim.name)));
    const after = d.pods().find((p) => p.name === victim.name)!;
    assert.equal(after.ip, victim.ip, 'same pod, same IP');
    assert.equal(d.record(victim.name)!.exits[0]!.signal, 'SIGKILL');
    assert.equal(d.record(victim.name)!.readyTransitions.length, 2, 'Ready again after the restart, checked again');
    const inApi = apiPods('ops').find((p) => p.metadata.name === victim.name)!;
    assert.equal(inApi.status.containerStatuses![0]!.restartCount, 1);
    const ready = await httpGet(victim.ip!, 7626, '/ready', 1000);
    assert.equal(ready.status, 200);

    d.scale(1);
    await d.waitSettled(10_000);
    const removed = d.records.filter((r) => r.goneAt !== undefined);
    assert.equal(removed.length, 2);
    for (const r of removed) {
      assert.equal(r.killedAfterGrace, true, 'SIGTERM ignored, so SIGKILL after the grace period');
      assert.ok(r.goneAt! - r.deletionRequestedAt! >= 600);
      assert.equal(r.exits.at(-1)!.signal, 'SIGKILL');
    }
  } finally {
    await d.stop();
  }
});

test('a pod that turns Ready while not Up is caught by the checks', { skip }, async () => {
  const d = deployment('bad', 1, template('r1', { STANDIN_STATUS_WHEN_READY: 'Joining' }));
  try {
    await d.waitSettled(20_000);
    assert.deepEqual(readyBeforeUpViolations(d.records), [`${d.pods()[0]!.name} turned Ready while its own status was Joining`]);
    const views = await collectViews(d.pods(), 7626);
    assert.deepEqual(readyNotUpViolations(views), [`${d.pods()[0]!.name} is Ready but its own status is Joining`]);
    await assert.rejects(awaitHealthyCluster(d, { port: 7626, timeoutMs: 600 }), /is Joining, not Up/);
  } finally {
    await d.stop();
  }
});

test('a failing liveness probe restarts the container; start delays hold the process back', { skip }, async () => {
  const t = template('r1');
  const d = deployment('live', 1, {
    ...t,
    startDelayMs: () => 400,
    liveness: { port: 7626, path: '/alive', periodMs: 100, timeoutMs: 500, failureThreshold: 3, successThreshold: 1, initialDelayMs: 1000 },
  });
  try {
    await d.waitSettled(20_000);
    const [p] = d.pods();
    const r = d.record(p!.name)!;
    assert.ok(r.startedAt! - r.createdAt >= 400, 'process started after the delay');
    const res = await fetch(`http://${p!.ip}:7626/__standin/state`, { method: 'POST', body: JSON.stringify({ alive: false }) });
    assert.equal(res.status, 200);
    await waitFor(() => r.restarts === 1 && d.isSettled(), 10_000, () => JSON.stringify(r));
    assert.equal(r.exits[0]!.code, 0, 'SIGTERM first: the stand-in exits by itself');
    assert.equal((await httpGet(p!.ip!, 7626, '/alive', 1000)).status, 200, 'the restarted process is alive again');
  } finally {
    await d.stop();
  }
});
