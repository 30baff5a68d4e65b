// The Kubernetes scenarios, registered for one discovery mode. Every step ends with the same check
// (awaitHealthyCluster): exactly one cluster across every pod's /cluster/members, every Ready pod a
// member Up, no pod ever Ready before Up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../e2e/netns.js';
import { missingCommand } from '../support/tools.js';
import { E2eEnvironment } from '../e2e/environment.js';
import { Deployment, waitFor } from '../e2e/deployment.js';
import { awaitHealthyCluster, collectViews, countClusters } from '../e2e/invariants.js';
import { DNS_SERVICE, MANAGEMENT_PORT, musterTemplate, runtimeMissingReason, type Mode } from '../e2e/muster-pod.js';

const STEP_TIMEOUT_MS = 90_000;
const ROLLING_REPEATS = Number(process.env.MUSTER_E2E_ROLLING_REPEATS ?? 2);

export function defineScenarios(mode: Mode): void {
  const skip = netnsUnavailableReason() ?? missingCommand('dnsmasq') ?? missingCommand('openssl');
  let env: E2eEnvironment;
  let demo: Deployment;
  let revision = 1;
  const namespace = 'muster-e2e';

  const deploymentOf = (name: string, app: string, replicas: number, startDelayMs?: () => number): Deployment => {
    const d = new Deployment({
      name,
      namespace,
      replicas,
      maxSurge: 1,
      maxUnavailable: 0,
      template: musterTemplate({ mode, env, app, revision: `r${revision}`, ...(startDelayMs ? { startDelayMs } : {}) }),
      net: env.net,
      api: env.api,
      dns: env.dns!,
      service: { name: DNS_SERVICE, namespace, ports: [{ name: 'management', port: MANAGEMENT_PORT, protocol: 'tcp' }] },
      logDir: env.logDir,
    });
    d.start();
    return d;
  };
  const healthy = (d: Deployment) => awaitHealthyCluster(d, { port: MANAGEMENT_PORT, timeoutMs: STEP_TIMEOUT_MS });
  // Steps build on each other: after a failure the rest fail at once instead of timing out one by one.
  let failed: string | undefined;
  const step = (name: string, body: () => Promise<void>): void => {
    test(`[${mode}] ${name}`, { skip }, async () => {
      if (failed) throw new Error(`not run: the earlier step "${failed}" failed`);
      try {
        await body();
      } catch (err) {
        failed = name;
        throw err;
      }
    });
  };

  before(async () => {
    if (skip) return;
    const missing = runtimeMissingReason();
    if (missing) throw new Error(`Muster runtime missing, scenarios cannot run: ${missing}`);
    // Kubernetes always has cluster DNS: kubernetes-api mode probes pods by their pod DNS names.
    env = await E2eEnvironment.start({ namespace, dns: true });
    console.log(`[${mode}] pod logs in ${env.logDir}`);
  });
  after(async () => {
    await demo?.stop();
    await env?.close();
  });

  step(`cold start of 5 pods forms one cluster`, async () => {
    const firstRequest = env.api.server.requests.length;
    demo = deploymentOf('demo', 'muster-demo', 5);
    const views = await healthy(demo);
    assert.equal(views.length, 5);
    if (mode === 'kubernetes-api') {
      // Reported, not asserted (the goal is <= 3 per node): Kubernetes API requests each pod made.
      const byIp = new Map<string, number>();
      for (const r of env.api.server.requests.slice(firstRequest)) byIp.set(r.remoteAddress ?? '?', (byIp.get(r.remoteAddress ?? '?') ?? 0) + 1);
      const perPod = demo.pods().map((p) => byIp.get(p.ip ?? '') ?? 0);
      console.log(`[${mode}] Kubernetes API requests per pod during the cold formation: ${perPod.join(', ')} (max ${Math.max(...perPod)})`);
    }
  });

  step(`SIGKILL of a pod: the restarted container rejoins, one cluster of 5`, async () => {
    const victim = demo.pods()[0]!;
    demo.signalContainer(victim.name, 'SIGKILL');
    await waitFor(() => (demo.record(victim.name)?.restarts ?? 0) >= 1, 10_000, () => 'container not restarted');
    await healthy(demo);
  });

  step(`partition 2|3: never two clusters; after healing one cluster of 5`, async () => {
    const names = demo.pods().map((p) => p.name);
    const minority = names.slice(0, 2);
    const majority = names.slice(2);
    const majorityNodes = new Set<string>();
    for (const v of await collectViews(demo.pods().filter((p) => majority.includes(p.name)), MANAGEMENT_PORT)) majorityNodes.add(v.view!.selfNode);
    await env.net.partition(minority, majority);
    let maxClusters = 0;
    // the majority removes the minority (split brain resolver); meanwhile there is never a second cluster
    await waitFor(
      async () => {
        const views = await collectViews(demo.pods(), MANAGEMENT_PORT);
        maxClusters = Math.max(maxClusters, countClusters(views));
        const majorityViews = views.filter((v) => majority.includes(v.pod));
        return majorityViews.every((v) => v.view && v.view.members.length === 3 && v.view.members.every((m) => majorityNodes.has(m.node) && m.status === 'Up'));
      },
      STEP_TIMEOUT_MS,
      () => 'the majority did not remove the minority',
      500,
    );
    for (let i = 0; i < 10; i++) {
      maxClusters = Math.max(maxClusters, countClusters(await collectViews(demo.pods(), MANAGEMENT_PORT)));
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(maxClusters, 1, 'the minority must not form or keep a cluster of its own');
    await env.net.heal();
    await healthy(demo);
  });

  if (mode === 'kubernetes-api') {
    step(`service account token rotated mid-run: new pods list pods with the new token and join`, async () => {
      const { newToken } = env.api.rotateToken({ revokeOld: true });
      demo.scale(7);
      await healthy(demo);
      assert.ok(env.api.requestCount(newToken) > 0, 'new pods used the rotated token');
      demo.scale(5);
      await healthy(demo);
    });
  }

  step(`rolling update of 5 pods, maxSurge 1 / maxUnavailable 0, ${ROLLING_REPEATS} times`, async () => {
    for (let i = 0; i < ROLLING_REPEATS; i++) {
      revision++;
      demo.rollout(musterTemplate({ mode, env, app: 'muster-demo', revision: `r${revision}` }));
      await healthy(demo);
      assert.ok(demo.pods().every((p) => p.revision === `r${revision}`));
    }
  });

  step(`scale 3 -> 7 -> 3`, async () => {
    for (const replicas of [3, 7, 3]) {
      demo.scale(replicas);
      const views = await healthy(demo);
      assert.equal(views.length, replicas);
    }
  });

  if (mode === 'kubernetes-api') {
    step(`API server unavailable during formation: no cluster forms; once back, one cluster`, async () => {
      await demo.stop();
      env.api.setAvailable(false);
      const late = deploymentOf('late', 'muster-late', 3);
      try {
        await new Promise((r) => setTimeout(r, 8000));
        const views = await collectViews(late.pods(), MANAGEMENT_PORT);
        assert.equal(countClusters(views), 0, 'nobody may form a cluster without discovery');
        assert.ok(late.pods().every((p) => !p.ready));
        env.api.setAvailable(true);
        const formed = await healthy(late);
        assert.equal(formed.length, 3);
      } finally {
        env.api.setAvailable(true);
        await late.stop();
      }
    });
  }
}
