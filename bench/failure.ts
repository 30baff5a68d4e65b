// Benchmark: time from SIGKILL of one member to "unreachable" and to "removed", with Pekko's
// default failure-detector and split-brain-resolver settings (heartbeat 1 s, acceptable pause 3 s,
// keep-majority, stable-after 20 s), in a cluster of real processes on loopback.
//   node --import tsx bench/failure.ts [--nodes 5] [--runs 5]
// Each run kills one node and measures, on the survivors (their own event timestamps):
//   unreachable-first / unreachable-all: UnreachableMember seen by the first / by every survivor
//   removed-all: MemberRemoved seen by every survivor
// then starts a replacement so the next run again has N members. Bounded: at most --runs (<= 20)
// kills, each waiting at most 90 s; every process is killed at the end.
import { freePort } from '../test/support/net.js';
import { waitFor } from '../test/support/cluster-wait.js';
import { SbrNode, killAll } from '../test/cluster/sbr-node-harness.js';

function arg(name: string, fallback: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return Math.min(v, max);
}

const N = arg('nodes', 5, 20);
const RUNS = arg('runs', 5, 20);
const SYSTEM = 'FailureBench';

function config(port: number, seed: number): string {
  return `
muster.system-name = "${SYSTEM}"
pekko.remote.artery.canonical { hostname = "127.0.0.1", port = ${port} }
pekko.cluster.seed-nodes = ["pekko://${SYSTEM}@127.0.0.1:${seed}"]
pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
`;
}

async function allUp(nodes: SbrNode[]): Promise<void> {
  await waitFor(
    `${nodes.length} members Up everywhere`,
    async () => {
      const states = await Promise.all(nodes.map((n) => n.state()));
      return states.every((s) => s.members.length === nodes.length && s.members.every((m) => m.status === 'Up'));
    },
    60_000,
    250,
  );
}

function eventTime(n: SbrNode, type: string, member: string, after: number): number | undefined {
  return n.events.find((e) => e.type === type && e.member === member && (e.at ?? 0) >= after)?.at;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `min ${(s[0]! / 1000).toFixed(2)} s  median ${(q(0.5) / 1000).toFixed(2)} s  mean ${(mean / 1000).toFixed(2)} s  max ${(s.at(-1)! / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  const seedPort = await freePort('127.0.0.1');
  const nodes: SbrNode[] = [new SbrNode(config(seedPort, seedPort))];
  await nodes[0]!.ready;
  for (let i = 1; i < N; i++) nodes.push(new SbrNode(config(await freePort('127.0.0.1'), seedPort)));
  await Promise.all(nodes.map((n) => n.ready));
  await allUp(nodes);
  console.log(`failure bench: ${N} nodes, ${RUNS} runs, default FD and SBR settings (keep-majority, stable-after 20 s)`);

  const firstUnreachable: number[] = [];
  const allUnreachable: number[] = [];
  const allRemoved: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    // Never kill the seed (index 0), so replacements can always join through it.
    const victim = nodes[1 + ((run - 1) % (nodes.length - 1))]!;
    const survivors = nodes.filter((n) => n !== victim);
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await victim.exited;
    await waitFor('victim removed everywhere', () => survivors.every((n) => eventTime(n, 'MemberRemoved', victim.address, killedAt) !== undefined), 90_000, 100);
    const unreach = survivors.map((n) => eventTime(n, 'UnreachableMember', victim.address, killedAt)! - killedAt);
    const removed = survivors.map((n) => eventTime(n, 'MemberRemoved', victim.address, killedAt)! - killedAt);
    firstUnreachable.push(Math.min(...unreach));
    allUnreachable.push(Math.max(...unreach));
    allRemoved.push(Math.max(...removed));
    console.log(
      `run ${run}: unreachable first ${(Math.min(...unreach) / 1000).toFixed(2)} s, all ${(Math.max(...unreach) / 1000).toFixed(2)} s; removed everywhere ${(Math.max(...removed) / 1000).toFixed(2)} s`,
    );
    if (run < RUNS) {
      const replacement = new SbrNode(config(await freePort('127.0.0.1'), seedPort));
      nodes.splice(nodes.indexOf(victim), 1, replacement);
      await replacement.ready;
      await allUp(nodes);
    }
  }
  console.log(`SIGKILL -> unreachable (first survivor):  ${stats(firstUnreachable)}`);
  console.log(`SIGKILL -> unreachable (all survivors):   ${stats(allUnreachable)}`);
  console.log(`SIGKILL -> removed (all survivors):       ${stats(allRemoved)}`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => killAll());
