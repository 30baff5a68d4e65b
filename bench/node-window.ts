// Shared by the benchmarks that run real node processes (bench/cluster-idle.ts, bench/transport-tls.ts):
// measuring every process over one window, and running main() with every process killed at the end.
import { killAllNodes, type NodeProcess } from '../test/support/cluster-harness.js';

export interface Usage {
  cpu: { user: number; system: number };
  memory: { rss: number; heapUsed: number };
  uptimeMs: number;
}
interface Stats {
  transport: { bytesOut: number; messagesOut: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Samples every node's usage and transport stats, waits `seconds`, samples again. Per node, in the
 * order of `nodes`: CPU time over the window as % of one core (process.cpuUsage deltas over the
 * process's own uptime), bytes and messages sent per second, and the usage at the end.
 */
export async function measureWindow(
  nodes: readonly NodeProcess[],
  seconds: number,
): Promise<{ cpuPct: number[]; bytesOutPerS: number[]; messagesOutPerS: number[]; usage: Usage[] }> {
  const u0 = await Promise.all(nodes.map((n) => n.request<Usage>('usage')));
  const s0 = await Promise.all(nodes.map((n) => n.request<Stats>('stats')));
  await sleep(seconds * 1000);
  const u1 = await Promise.all(nodes.map((n) => n.request<Usage>('usage')));
  const s1 = await Promise.all(nodes.map((n) => n.request<Stats>('stats')));
  const cpuPct = u1.map((u, i) => {
    const a = u0[i]!;
    const cpuUs = u.cpu.user + u.cpu.system - a.cpu.user - a.cpu.system;
    return (cpuUs / 1000 / (u.uptimeMs - a.uptimeMs)) * 100;
  });
  const bytesOutPerS = s1.map((s, i) => (s.transport.bytesOut - s0[i]!.transport.bytesOut) / seconds);
  const messagesOutPerS = s1.map((s, i) => (s.transport.messagesOut - s0[i]!.transport.messagesOut) / seconds);
  return { cpuPct, bytesOutPerS, messagesOutPerS, usage: u1 };
}

/** Runs `main`, killing every node process at the end, on failure (exit code 1) and on SIGINT/SIGTERM (exit 130). */
export function runBench(main: () => Promise<void>): void {
  const stop = () => void killAllNodes().then(() => process.exit(130));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  main()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => killAllNodes());
}
