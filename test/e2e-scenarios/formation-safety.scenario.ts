// Formation safety: many real cold formations of 5 pods with randomized start delays; counts the
// runs in which more than one cluster existed at any sampled moment (must be 0).
// MUSTER_E2E_FORMATIONS (default 3; scripts/e2e-soak.mjs runs 50), MUSTER_E2E_FORMATION_MODE
// (kubernetes-api or kubernetes-dns, default kubernetes-api), MUSTER_E2E_MAX_START_DELAY_MS (3000).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../e2e/netns.js';
import { missingCommand } from '../support/tools.js';
import { E2eEnvironment } from '../e2e/environment.js';
import { Deployment } from '../e2e/deployment.js';
import { awaitHealthyCluster, collectViews, countClusters } from '../e2e/invariants.js';
import { DNS_SERVICE, MANAGEMENT_PORT, musterTemplate, runtimeMissingReason, type Mode } from '../e2e/muster-pod.js';

const RUNS = Number(process.env.MUSTER_E2E_FORMATIONS ?? 3);
const MODE = (process.env.MUSTER_E2E_FORMATION_MODE ?? 'kubernetes-api') as Mode;
const MAX_DELAY_MS = Number(process.env.MUSTER_E2E_MAX_START_DELAY_MS ?? 3000);
const skip = netnsUnavailableReason() ?? missingCommand('dnsmasq') ?? missingCommand('openssl');
let env: E2eEnvironment;
const namespace = 'muster-e2e';

before(async () => {
  if (skip) return;
  const missing = runtimeMissingReason();
  if (missing) throw new Error(`Muster runtime missing, scenarios cannot run: ${missing}`);
  env = await E2eEnvironment.start({ namespace, dns: true });
});
after(async () => {
  await env?.close();
});

test(`formation safety: ${RUNS} cold formations of 5 pods (${MODE}), never more than one cluster`, { skip }, async () => {
  const split: number[] = [];
  const durations: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const d = new Deployment({
      name: `f${run}`,
      namespace,
      replicas: 5,
      maxSurge: 1,
      maxUnavailable: 0,
      template: musterTemplate({ mode: MODE, env, app: `muster-f${run}`, revision: 'r1', startDelayMs: () => Math.floor(Math.random() * MAX_DELAY_MS) }),
      net: env.net,
      api: env.api,
      dns: env.dns!,
      service: { name: DNS_SERVICE, namespace, ports: [{ name: 'management', port: MANAGEMENT_PORT, protocol: 'tcp' }] },
      logDir: env.logDir,
    });
    const started = Date.now();
    let maxClusters = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxClusters = Math.max(maxClusters, countClusters(await collectViews(d.pods(), MANAGEMENT_PORT, '/cluster/members', 1000)));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    d.start();
    try {
      await awaitHealthyCluster(d, { port: MANAGEMENT_PORT, timeoutMs: 90_000 });
      durations.push(Date.now() - started);
    } finally {
      sampling = false;
      await sampler;
      await d.stop();
    }
    if (maxClusters > 1) split.push(run);
  }
  const sorted = [...durations].sort((a, b) => a - b);
  console.log(
    `formation-safety mode=${MODE} runs=${RUNS} max-start-delay-ms=${MAX_DELAY_MS} runs-with-more-than-one-cluster=${split.length} ` +
      `formation-ms p50=${sorted[Math.floor(sorted.length / 2)]} max=${sorted.at(-1)}`,
  );
  assert.deepEqual(split, [], 'runs that had more than one cluster');
});
