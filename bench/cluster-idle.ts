// Benchmark: CPU and memory of idle nodes in a cluster of real processes.
//   node --import tsx bench/cluster-idle.ts [--nodes 10] [--idle-seconds 20] [--warmup-seconds 5]
// Starts N node processes (127.0.0.31 upwards, Pekko's default gossip, leader-action and
// heartbeat intervals, failure detection on), waits until all are Up, lets the cluster settle,
// then measures each process over an idle window: CPU time (process.cpuUsage deltas) as a
// percentage of one core, RSS and heap, and cluster transport traffic. Bounded: the whole run
// takes about warmup + idle + start-up seconds, and every process is killed at the end.
import { freePort } from '../test/support/net.js';
import { waitFor } from '../test/support/cluster-wait.js';
import { startNode, type NodeProcess } from '../test/support/cluster-harness.js';
import { measureWindow, runBench } from './node-window.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const N = Math.min(arg('nodes', 10), 50);
const IDLE_S = Math.min(arg('idle-seconds', 20), 300);
const WARMUP_S = Math.min(arg('warmup-seconds', 5), 60);
const SYSTEM = 'IdleBench';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const stat = (xs: number[]) => ({
  mean: xs.reduce((a, b) => a + b, 0) / xs.length,
  max: Math.max(...xs),
  min: Math.min(...xs),
});

async function main(): Promise<void> {
  const hosts = Array.from({ length: N }, (_, i) => `127.0.0.${31 + i}`);
  const ports = await Promise.all(hosts.map((h) => freePort(h)));
  const addresses = hosts.map((h, i) => `pekko://${SYSTEM}@${h}:${ports[i]}`);
  const seeds = addresses.slice(0, 3);
  const t0 = Date.now();
  const nodes: NodeProcess[] = hosts.map((host, i) =>
    startNode({
      name: `b${i + 1}`,
      config: `
        muster.system-name = ${SYSTEM}
        pekko.remote.artery.canonical { hostname = "${host}", port = ${ports[i]} }
        pekko.cluster.seed-nodes = [${seeds.map((s) => JSON.stringify(s)).join(', ')}]
      `,
    }),
  );
  await Promise.all(nodes.map((n) => n.ready));
  const readyS = (Date.now() - t0) / 1000;
  await waitFor(
    `${N} Up members on every node`,
    async () => {
      const states = await Promise.all(nodes.map((n) => n.state()));
      return states.every((s) => s.members.length === N && s.members.every((m) => m.status === 'Up'));
    },
    120_000,
    250,
  );
  const formedS = (Date.now() - t0) / 1000;
  await sleep(WARMUP_S * 1000);

  const { cpuPct, bytesOutPerS: bytesPerS, messagesOutPerS: msgsPerS, usage: u1 } = await measureWindow(nodes, IDLE_S);
  const rss = u1.map((u) => u.memory.rss);
  const heap = u1.map((u) => u.memory.heapUsed);

  const c = stat(cpuPct);
  const r = stat(rss);
  const h = stat(heap);
  const b = stat(bytesPerS);
  const m = stat(msgsPerS);
  console.log(`cluster-idle: ${N} node processes, default intervals (gossip 1 s, heartbeat 1 s), idle window ${IDLE_S} s after ${WARMUP_S} s warm-up`);
  console.log(`  all processes listening ${readyS.toFixed(1)} s after spawning; all ${N} Up everywhere after ${formedS.toFixed(1)} s`);
  console.log(`  CPU per node        mean ${c.mean.toFixed(2)} %  min ${c.min.toFixed(2)} %  max ${c.max.toFixed(2)} %  (of one core)`);
  console.log(`  RSS per node        mean ${mb(r.mean)} MiB  min ${mb(r.min)} MiB  max ${mb(r.max)} MiB  (includes tsx loader)`);
  console.log(`  heap used per node  mean ${mb(h.mean)} MiB  max ${mb(h.max)} MiB`);
  console.log(`  sent per node       mean ${(b.mean / 1024).toFixed(1)} KiB/s  max ${(b.max / 1024).toFixed(1)} KiB/s, ${m.mean.toFixed(1)} messages/s`);
}

runBench(main);
