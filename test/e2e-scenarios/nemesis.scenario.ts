// Adversarial fault sequence on real processes (issue: exactly one cluster under any fault
// sequence): the simulator's split-brain counterexample replayed on the real TCP transport in
// network namespaces. Five pods (kubernetes-api discovery, keep-majority):
//   one-way drop pod1 -> pod0 (iptables), SIGKILL pod1 (its container restarts), then a two-way
//   partition {pod0, pod3} | {pod2, pod4}, then heal everything.
// Checked throughout: never more than one cluster among the pods' views. Checked at the end: the
// split brain resolver downed one side, whose processes exited (code 255, Pekko's -1), the other
// side kept running, and after healing the pods form one cluster of 5 again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iptablesUnavailableReason } from '../e2e/netns.js';
import { E2eEnvironment } from '../e2e/environment.js';
import { Deployment, waitFor } from '../e2e/deployment.js';
import { awaitHealthyCluster, collectViews, countClusters } from '../e2e/invariants.js';
import { DNS_SERVICE, MANAGEMENT_PORT, musterTemplate, runtimeMissingReason } from '../e2e/muster-pod.js';

const STEP_TIMEOUT_MS = 90_000;
const DOWNED_EXIT_CODE = 255;
const skip = iptablesUnavailableReason();
const namespace = 'muster-e2e';
let env: E2eEnvironment;
let demo: Deployment | undefined;

before(async () => {
  if (skip) return;
  const missing = runtimeMissingReason();
  if (missing) throw new Error(`Muster runtime missing, scenarios cannot run: ${missing}`);
  env = await E2eEnvironment.start({ namespace, dns: true });
  console.log(`[nemesis] pod logs in ${env.logDir}`);
});
after(async () => {
  await demo?.stop();
  await env?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('one-way drop, crash, two-way partition, heal: never two clusters; the downed side exits; one cluster of 5 after healing', { skip }, async () => {
  const d = new Deployment({
    name: 'nemesis',
    namespace,
    replicas: 5,
    maxSurge: 1,
    maxUnavailable: 0,
    template: musterTemplate({ mode: 'kubernetes-api', env, app: 'muster-nemesis', revision: 'r1' }),
    net: env.net,
    api: env.api,
    dns: env.dns!,
    service: { name: DNS_SERVICE, namespace, ports: [{ name: 'management', port: MANAGEMENT_PORT, protocol: 'tcp' }] },
    logDir: env.logDir,
  });
  demo = d;
  d.start();
  await awaitHealthyCluster(d, { port: MANAGEMENT_PORT, timeoutMs: STEP_TIMEOUT_MS });

  let maxClusters = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxClusters = Math.max(maxClusters, countClusters(await collectViews(d.pods(), MANAGEMENT_PORT, '/cluster/members', 1000)));
      await sleep(200);
    }
  })();
  try {
    const [p0, p1, p2, p3, p4] = d.pods().map((p) => p.name) as [string, string, string, string, string];
    const exitsBefore = new Map(d.pods().map((p) => [p.name, d.record(p.name)!.exits.length]));
    const downedSince = (name: string) => d.record(name)!.exits.slice(exitsBefore.get(name)).filter((e) => e.code === DOWNED_EXIT_CODE).length;
    const exitedSince = (name: string) => d.record(name)!.exits.length - exitsBefore.get(name)!;

    await env.net.block(p1, p0);
    await sleep(6000);
    d.signalContainer(p1, 'SIGKILL');
    await sleep(3000);
    const sideA = [p0, p3];
    const sideB = [p2, p4];
    await env.net.partition(sideA, sideB);
    // the resolver downs one side; its processes exit
    await waitFor(
      () => sideA.every((n) => downedSince(n) > 0) || sideB.every((n) => downedSince(n) > 0),
      STEP_TIMEOUT_MS,
      () => `no side was downed: exits ${[...sideA, ...sideB].map((n) => `${n}=${JSON.stringify(d.record(n)!.exits)}`).join(' ')}`,
      250,
    );
    // hold the partition a little longer: the surviving side must stay the only cluster
    await sleep(5000);
    const downedA = sideA.every((n) => downedSince(n) > 0);
    const survivors = downedA ? sideB : sideA;
    assert.deepEqual(
      survivors.map((n) => exitedSince(n)),
      survivors.map(() => 0),
      `the surviving side ${survivors.join(',')} must keep running`,
    );
    await env.net.heal();
    const views = await awaitHealthyCluster(d, { port: MANAGEMENT_PORT, timeoutMs: STEP_TIMEOUT_MS });
    assert.equal(views.length, 5);
  } finally {
    sampling = false;
    await sampler;
  }
  assert.equal(maxClusters, 1, 'at no sampled moment may two clusters exist');
});
