// Soak: rolling updates of 5 pods, N times, with the pod-deletion-cost annotator on and off, in
// the netns "Kubernetes" (root; `npm run build` first). The ReplicaSet scales old pods down as
// Kubernetes >= 1.22 does (LogarithmicScaleDown), with the rollouts taken to happen days after the
// pods became Ready, so without annotations the order among old pods is chance (UID).
// Counts, per rollout, how often the cluster singleton moved — its holder is the oldest Up member,
// the `oldest` of /cluster/members — and checks that the pods form one cluster throughout.
//   node --import tsx test/e2e-soak/rolling-singleton.ts [--rolls 10] [--modes off,on] [--step-timeout-s 600]
import { E2eEnvironment } from '../e2e/environment.js';
import { Deployment, httpGet } from '../e2e/deployment.js';
import { awaitHealthyCluster, collectViews, countClusters } from '../e2e/invariants.js';
import { MANAGEMENT_PORT, musterTemplate, runtimeMissingReason } from '../e2e/muster-pod.js';
import { netnsUnavailableReason } from '../e2e/netns.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const ROLLS = Number(arg('rolls', '10'));
const MODES = arg('modes', 'off,on').split(',') as Array<'on' | 'off'>;
const REPLICAS = 5;
/** Generous: on a loaded machine pods start slowly; nothing here is a performance threshold. */
const STEP_TIMEOUT_MS = Number(arg('step-timeout-s', '600')) * 1000;
const DAYS_MS = 3 * 86_400_000;

interface RollResult {
  moves: number;
  maxClusters: number;
  ms: number;
}

/** The `oldest` most Up pods report right now (undefined while none does). */
async function consensusOldest(d: Deployment): Promise<string | undefined> {
  const votes = new Map<string, number>();
  await Promise.all(
    d.pods().map(async (p) => {
      if (!p.ip || p.terminating) return;
      const res = await httpGet(p.ip, MANAGEMENT_PORT, '/cluster/members', 2000);
      try {
        const v = JSON.parse(res.body) as { oldest?: string; selfNode?: string; members?: Array<{ node: string; status: string }> };
        const self = v.members?.find((m) => m.node === v.selfNode);
        if (v.oldest && self?.status === 'Up') votes.set(v.oldest, (votes.get(v.oldest) ?? 0) + 1);
      } catch {
        // not answering yet / any more
      }
    }),
  );
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

async function runMode(annotator: 'on' | 'off'): Promise<RollResult[]> {
  const namespace = 'muster-soak';
  const env = await E2eEnvironment.start({ namespace, dns: true });
  let revision = 1;
  // Tolerant of a loaded machine: a slow start must not fail liveness, a starved heartbeat must
  // not make a member unreachable (that would move the singleton for another reason).
  const template = () => {
    const t = musterTemplate({
      mode: 'kubernetes-api',
      env,
      app: 'muster-demo',
      revision: `r${revision}`,
      podDeletionCost: annotator === 'on',
      extraOverrides: ['-Dpekko.cluster.failure-detector.acceptable-heartbeat-pause=10s'],
    });
    return { ...t, liveness: { ...t.liveness!, initialDelayMs: 120_000 } };
  };
  const demo = new Deployment({
    name: 'demo',
    namespace,
    replicas: REPLICAS,
    maxSurge: 1,
    maxUnavailable: 0,
    template: template(),
    net: env.net,
    api: env.api,
    dns: env.dns!,
    logDir: env.logDir,
    logarithmicScaleDown: { agedMs: DAYS_MS },
  });
  const results: RollResult[] = [];
  try {
    demo.start();
    await awaitHealthyCluster(demo, { port: MANAGEMENT_PORT, timeoutMs: STEP_TIMEOUT_MS });
    for (let i = 0; i < ROLLS; i++) {
      // Let every pod annotate itself after the previous rollout (one gossip round is enough).
      await new Promise((r) => setTimeout(r, 3000));
      let holder = await consensusOldest(demo);
      let moves = 0;
      let maxClusters = 0;
      const t0 = Date.now();
      revision++;
      demo.rollout(template());
      for (;;) {
        const views = await collectViews(demo.pods(), MANAGEMENT_PORT);
        maxClusters = Math.max(maxClusters, countClusters(views));
        const now = await consensusOldest(demo);
        if (now !== undefined && now !== holder) {
          moves++;
          holder = now;
        }
        if (demo.isSettled() && demo.pods().every((p) => p.revision === `r${revision}`)) break;
        if (Date.now() - t0 > STEP_TIMEOUT_MS) throw new Error(`rollout ${i + 1} did not settle: ${JSON.stringify(demo.pods())}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await awaitHealthyCluster(demo, { port: MANAGEMENT_PORT, timeoutMs: STEP_TIMEOUT_MS });
      const final = await consensusOldest(demo);
      if (final !== undefined && final !== holder) moves++;
      results.push({ moves, maxClusters, ms: Date.now() - t0 });
      console.log(`annotator ${annotator}: rollout ${i + 1}/${ROLLS}: singleton moved ${moves}x, max clusters seen ${maxClusters}, ${Date.now() - t0} ms`);
    }
  } finally {
    await demo.stop();
    await env.close();
    console.log(`annotator ${annotator}: pod logs in ${env.logDir}`);
  }
  return results;
}

const skip = netnsUnavailableReason() ?? runtimeMissingReason();
if (skip) {
  console.log(`skipped: ${skip}`);
  process.exit(0);
}
const summary: string[] = [];
let ok = true;
for (const mode of MODES) {
  const r = await runMode(mode);
  const moves = r.map((x) => x.moves);
  const total = moves.reduce((a, b) => a + b, 0);
  const maxClusters = Math.max(...r.map((x) => x.maxClusters));
  if (maxClusters > 1) ok = false;
  if (mode === 'on' && moves.some((m) => m > 1)) ok = false;
  summary.push(
    `annotator ${mode}: ${r.length} rollouts of ${REPLICAS} pods, singleton moves per rollout [${moves.join(', ')}] (total ${total}, mean ${(total / r.length).toFixed(2)}, max ${Math.max(...moves)}), max clusters seen ${maxClusters}, mean rollout ${(r.reduce((a, b) => a + b.ms, 0) / r.length / 1000).toFixed(1)} s`,
  );
}
console.log(summary.join('\n'));
process.exit(ok ? 0 : 1);
