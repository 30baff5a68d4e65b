// Benchmark: how long loading configuration takes.
//   node --import tsx bench/config-load.ts [--runs N]
// Prints, for each scenario, the first (cold, in a fresh process) time and the median/p90 of
// repeated loads in the same process. Target: reference.conf + a typical application.conf < 30 ms.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type LoadOptions } from '../src/config/load.js';
import { LIGHTBEND_FIXTURES, PEKKO_FIXTURES, missingShared, sharedPath } from '../test/support/shared-fixtures.js';

const fixtures = sharedPath('fixtures');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;

// A typical Kubernetes application.conf: cluster provider, management, bootstrap through the
// Kubernetes API, split brain resolver, ports from the environment.
const TYPICAL_APP = `
pekko {
  actor.provider = cluster
  remote.artery.canonical {
    hostname = \${?POD_IP}
    port = 17355
  }
  cluster {
    downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
    split-brain-resolver.active-strategy = keep-majority
    roles = ["backend"]
    shutdown-after-unsuccessful-join-seed-nodes = 60s
  }
  management {
    http.hostname = \${?POD_IP}
    http.port = 7626
    cluster.bootstrap.contact-point-discovery {
      discovery-method = kubernetes-api
      required-contact-point-nr = 3
      required-contact-point-nr = \${?REQUIRED_CONTACT_POINT_NR}
    }
  }
  coordinated-shutdown.exit-jvm = on
}
muster.system-name = "orders"
`;

const ENV = { POD_IP: '10.0.0.5', KUBERNETES_NAMESPACE: 'shop', PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'orders' };

function stats(samples: number[]): { median: number; p90: number; min: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p90: at(0.9), min: s[0]! };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function scenario(name: string, loads: LoadOptions[]): Promise<void> {
  const once = () => Promise.all(loads.map((o) => loadConfig(o)));
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await time(once));
  const { median, p90, min } = stats(samples);
  console.log(`${name.padEnd(58)} median ${median.toFixed(1).padStart(7)} ms   p90 ${p90.toFixed(1).padStart(7)} ms   min ${min.toFixed(1).padStart(7)} ms   (${RUNS} runs)`);
}

if (process.argv.includes('--cold-child')) {
  // One load in a fresh process: what a node pays at start-up.
  const appFile = process.argv[process.argv.indexOf('--cold-child') + 1]!;
  const t0 = performance.now();
  await loadConfig({ configFile: appFile, env: ENV });
  process.stdout.write(String(performance.now() - t0));
  process.exit(0);
}

console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const dir = mkdtempSync(path.join(os.tmpdir(), 'muster-bench-'));
try {
  const appFile = path.join(dir, 'application.conf');
  writeFileSync(appFile, TYPICAL_APP);

  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--cold-child', appFile], { encoding: 'utf8' });
    cold.push(Number(out));
  }
  const c = stats(cold);
  console.log(`${'reference + typical application.conf, cold (fresh process)'.padEnd(58)} median ${c.median.toFixed(1).padStart(7)} ms   p90 ${c.p90.toFixed(1).padStart(7)} ms   min ${c.min.toFixed(1).padStart(7)} ms   (5 processes)`);

  // Warm up the JIT before measuring in-process figures.
  for (let i = 0; i < 5; i++) await loadConfig({ configFile: appFile, env: ENV });
  await scenario('reference + typical application.conf, warm', [{ configFile: appFile, env: ENV }]);
  await scenario('reference.conf only, warm', [{ env: ENV }]);
  await scenario('reference + typical application.conf, warm, no snapshot', [{ configFile: appFile, env: ENV, fastPath: false }]);

  // The last scenario loads third-party files (Pekko's, Lightbend's) that only ../shared has.
  const noFixtures = missingShared(PEKKO_FIXTURES) ?? missingShared(LIGHTBEND_FIXTURES);
  if (noFixtures) {
    console.log(`whole fixtures set: not measured, ${noFixtures}`);
  } else {
    const pekkoDir = path.join(fixtures, 'pekko');
    const pekkoApps = readdirSync(pekkoDir).filter((f) => f.endsWith('.conf') && !f.endsWith('-reference.conf'));
    const pekkoRefs = readdirSync(pekkoDir).filter((f) => f.endsWith('-reference.conf') && f !== 'remote-reference.conf' && f !== 'discovery-reference.conf');
    const equivRoot = path.join(fixtures, 'hocon-lightbend');
    const equiv = readdirSync(equivRoot)
      .filter((d) => /^equiv\d+$/.test(d))
      .flatMap((d) => readdirSync(path.join(equivRoot, d)).filter((f) => /\.(conf|json)$/.test(f) && f !== 'original.json').map((f) => path.join(equivRoot, d, f)));
    const env = { HOST: '10.0.0.5', MARATHON_APP_ID: '/x', REQUIRED_CONTACT_POINT_NR: '3' };
    const all: LoadOptions[] = [
      ...pekkoApps.map((f) => ({ configFile: path.join(pekkoDir, f), env })),
      ...pekkoRefs.map((f) => ({ configFile: path.join(pekkoDir, f), withReference: false, env: {} })),
      ...equiv.map((f) => ({ configFile: f, withReference: false, env: {} })),
    ];
    await scenario(`whole fixtures set (${all.length} loads, concurrently)`, all);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
