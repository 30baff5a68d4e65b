// Formation benchmark with real processes: N Muster nodes (`node dist/main.js`) on their own
// 127.a.b.1..N with free ports, config discovery and Pekko's default bootstrap timings, all
// launched at once. Per run it prints:
//   - launch -> every /ready = 200 (also as a multiple of stable-margin, 5 s), and the same time
//     measured from the moment the last node's management endpoint was bound;
//   - process spawn -> management bound, from the `pekkoManagementBound` log line's timestamp;
//   - RSS per node (VmRSS from /proc/PID/status) once the cluster has formed.
// Bounded: each run gives up after 120 s, and every process is killed after each run.
// Needs `npm run build`. Usage:
//   node --import tsx bench/formation.ts [--sizes 3,5,10,25] [--runs 1]
import { readFileSync } from 'node:fs';
import {
  allocateNodes,
  clusterConf,
  ProcessGroup,
  tempDir,
  type MusterProcess,
} from '../test/support/muster-process.js';

const STABLE_MARGIN_MS = 5000;
const RUN_LIMIT_MS = 120_000;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const sizes = (option('sizes') ?? '3,5,10,25').split(',').map(Number);
const runs = Number(option('runs') ?? 1);
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 50)) throw new Error('--sizes: whole numbers from 1 to 50');
if (!Number.isInteger(runs) || runs < 1 || runs > 10) throw new Error('--runs: a whole number from 1 to 10');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const max = (xs: readonly number[]) => Math.max(...xs);

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface RunResult {
  readonly n: number;
  readonly formedMs: number;
  readonly afterLastBoundMs: number;
  readonly boundMs: readonly number[];
  readonly rssMiB: readonly number[];
  readonly members: number;
}

async function readyAt(p: MusterProcess, deadline: number): Promise<number> {
  while (Date.now() < deadline) {
    if (p.exit) throw new Error(`${p.name} exited (${JSON.stringify(p.exit)})\n${p.tail()}`);
    if ((await p.get('/ready', 1000)).status === 200) return Date.now();
    await sleep(100);
  }
  throw new Error(`${p.name} not ready within ${RUN_LIMIT_MS} ms\n${p.tail()}`);
}

async function run(n: number): Promise<RunResult> {
  const nodes = await allocateNodes(n);
  const dir = tempDir('muster-formation-bench-');
  const group = new ProcessGroup();
  try {
    const configFile = dir.write('application.conf', clusterConf({ endpoints: nodes, systemName: 'formation-bench' }));
    const launchedAt = Date.now();
    const procs = nodes.map((node) => group.spawn({ node, configFile }));
    const deadline = launchedAt + RUN_LIMIT_MS;
    const ready = await Promise.all(procs.map((p) => readyAt(p, deadline)));
    const formedAt = max(ready);
    const rss = procs.map((p) => rssMiB(p.pid));
    const bound = procs.map((p) => {
      const line = p.findLog((l) => l.marker === 'pekkoManagementBound');
      if (!line?.time) throw new Error(`${p.name}: no pekkoManagementBound log line\n${p.tail()}`);
      return line.time;
    });
    const members = (await procs[0]!.members())?.members.length ?? 0;
    return {
      n,
      formedMs: formedAt - launchedAt,
      afterLastBoundMs: formedAt - max(bound),
      boundMs: bound.map((t, i) => t - procs[i]!.spawnedAt),
      rssMiB: rss,
      members,
    };
  } finally {
    await group.stopAll();
    dir.remove();
  }
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const header = ['N', 'run', 'all ready s', 'x margin', 'after last bound s', 'x margin', 'bound ms med/max', 'RSS MiB med/max', 'members'];
const rows: string[][] = [header];
const results: RunResult[] = [];
for (const n of sizes) {
  for (let i = 1; i <= runs; i++) {
    const r = await run(n);
    results.push(r);
    rows.push([
      String(n),
      String(i),
      s(r.formedMs),
      (r.formedMs / STABLE_MARGIN_MS).toFixed(2),
      s(r.afterLastBoundMs),
      (r.afterLastBoundMs / STABLE_MARGIN_MS).toFixed(2),
      `${median(r.boundMs).toFixed(0)}/${max(r.boundMs).toFixed(0)}`,
      `${median(r.rssMiB).toFixed(1)}/${max(r.rssMiB).toFixed(1)}`,
      String(r.members),
    ]);
    process.stderr.write(`N=${n} run ${i}: all ready after ${s(r.formedMs)} s\n`);
  }
}
const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
if (runs > 1) {
  console.log('\nmedians over runs:');
  for (const n of sizes) {
    const rs = results.filter((r) => r.n === n);
    console.log(
      `N=${n}: all ready ${s(median(rs.map((r) => r.formedMs)))} s (${(median(rs.map((r) => r.formedMs)) / STABLE_MARGIN_MS).toFixed(2)} x stable-margin), ` +
        `after last bound ${s(median(rs.map((r) => r.afterLastBoundMs)))} s, bound ${median(rs.flatMap((r) => r.boundMs)).toFixed(0)} ms, ` +
        `RSS ${median(rs.flatMap((r) => r.rssMiB)).toFixed(1)} MiB`,
    );
  }
}
console.log(`\nstable-margin ${STABLE_MARGIN_MS / 1000} s; config discovery on loopback; MUSTER_LOG_LEVEL=info; ${new Date().toISOString()}`);
