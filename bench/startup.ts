// Start-up, idle cost and formation of Muster next to a bare Node HTTP server and moleculer 0.14,
// measured side by side in one run so that the ratios survive a busy machine. Prints:
//   - spawn -> serving (first HTTP answer) and the CPU the process spent until then, one process
//     at a time, median of --runs;
//   - for clusters of each --sizes: launch -> every /ready = 200 (a 20 ms poller, as in the issue;
//     moleculer: the broker sees all N nodes), then RSS and CPU per node over --idle-seconds;
//   - Muster with Pekko's defaults and with the replicas fast path (expected-replicas = N).
// Needs `npm run build` and, for moleculer, `npm ci --prefix bench/peers` (skipped otherwise).
// Bounded: every wait gives up after 120 s; every process is killed after its measurement.
// Usage: node --import tsx bench/startup.ts [--runs 3] [--sizes 3,10] [--idle-seconds 20]
//          [--kinds bare,moleculer,muster,muster-fast] [--main PATH/dist/main.js (another build, for before/after)]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocateNodes, clusterConf, nodeOverrides, tempDir, type NodeAddress } from '../test/support/muster-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN_JS = process.argv.includes('--main') ? path.resolve(process.argv[process.argv.indexOf('--main') + 1]!) : path.join(root, 'dist', 'main.js');
const MOLECULER_NODE = path.join(root, 'bench', 'peers', 'moleculer-node.cjs');
const hasMoleculer = existsSync(path.join(root, 'bench', 'peers', 'node_modules', 'moleculer'));
const STABLE_MARGIN_MS = 5000;
const LIMIT_MS = 120_000;
const TICK_S = 100; // clock ticks per second in /proc/PID/stat (USER_HZ)

const option = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const runs = Number(option('runs', '3'));
const sizes = option('sizes', '3,10').split(',').map(Number);
const idleMs = Number(option('idle-seconds', '20')) * 1000;
if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} missing: run \`npm run build\` first`);

type Kind = 'bare' | 'moleculer' | 'muster' | 'muster-fast';
const KINDS = (option('kinds', 'bare,moleculer,muster,muster-fast').split(',') as Kind[]).filter((k) => k !== 'moleculer' || hasMoleculer);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK_S;
};
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

async function until(url: string, ok: (s: number) => boolean, child: ChildProcess, everyMs: number): Promise<number> {
  const deadline = Date.now() + LIMIT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    if (ok(await status(url))) return performance.now();
    await sleep(everyMs);
  }
  throw new Error(`${url}: no answer within ${LIMIT_MS} ms`);
}

interface Started {
  readonly child: ChildProcess;
  readonly alive: string;
  readonly ready: string;
}

/** Starts node `i` of a cluster of `n` of the given kind. */
function launch(kind: Kind, i: number, nodes: readonly NodeAddress[], conf: string): Started {
  const node = nodes[i]!;
  const base = `http://${node.host}:${node.managementPort}`;
  let args: string[];
  if (kind === 'bare') {
    args = ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${node.managementPort}, '${node.host}')`];
  } else if (kind === 'moleculer') {
    // TCP port of broker i: node 0's (free) remote port plus i, each on its own 127.x.y.i address.
    args = [MOLECULER_NODE, String(i), nodes.map((x) => x.host).join(','), String(nodes[0]!.remotePort), String(node.managementPort)];
  } else {
    args = [MAIN_JS, '--config', conf, ...nodeOverrides(node), ...(kind === 'muster-fast' ? [`-Dmuster.bootstrap.expected-replicas=${nodes.length}`] : [])];
  }
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'ignore', env: { ...process.env, MUSTER_LOG_LEVEL: 'info' } });
  return { child, alive: kind === 'bare' ? `${base}/` : `${base}/alive`, ready: kind === 'bare' ? `${base}/` : `${base}/ready` };
}

async function stop(ps: readonly Started[]): Promise<void> {
  await Promise.all(
    ps.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
          p.child.once('exit', () => resolve());
          p.child.kill('SIGKILL');
        }),
    ),
  );
}

/** One process on its own: spawn -> serving, and CPU spent until then. */
async function startOne(kind: Kind, conf: (nodes: readonly NodeAddress[]) => string): Promise<{ ms: number; cpu: number }> {
  // Moleculer needs its peer list; a single node lists only itself.
  const nodes = await allocateNodes(1);
  const dir = tempDir('muster-startup-bench-');
  const t0 = performance.now();
  const p = launch(kind, 0, nodes, dir.write('application.conf', conf(nodes)));
  try {
    const at = await until(p.alive, (s) => s === 200, p.child, 5);
    return { ms: at - t0, cpu: cpuMs(p.child.pid!) };
  } finally {
    await stop([p]);
    dir.remove();
  }
}

interface ClusterFigures {
  readonly formedMs: number;
  readonly rss: number[];
  readonly idleCpuPct: number[];
}

async function cluster(kind: Kind, n: number): Promise<ClusterFigures> {
  const nodes = await allocateNodes(n);
  const dir = tempDir('muster-startup-bench-');
  const conf = dir.write('application.conf', clusterConf({ endpoints: nodes, systemName: 'startup-bench' }));
  const t0 = performance.now();
  const ps = nodes.map((_, i) => launch(kind, i, nodes, conf));
  try {
    const ready = await Promise.all(ps.map((p) => until(p.ready, (s) => s === 200, p.child, 20)));
    const formedMs = Math.max(...ready) - t0;
    await sleep(3000); // let the last joiners settle
    const before = ps.map((p) => cpuMs(p.child.pid!));
    const startedAt = performance.now();
    await sleep(idleMs);
    const window = performance.now() - startedAt;
    const idleCpuPct = ps.map((p, i) => ((cpuMs(p.child.pid!) - before[i]!) / window) * 100);
    return { formedMs, rss: ps.map((p) => rssMiB(p.child.pid!)), idleCpuPct };
  } finally {
    await stop(ps);
    dir.remove();
  }
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`load average at start: ${load()}; ${runs} runs; sizes ${sizes.join(', ')}; idle window ${idleMs / 1000} s; Muster ${MAIN_JS}`);
if (!hasMoleculer) console.log('moleculer not installed (npm ci --prefix bench/peers): its column is skipped');

const single = (nodes: readonly NodeAddress[]) => clusterConf({ endpoints: nodes, systemName: 'startup-bench' });
const serving = new Map<Kind, number[]>();
const cpu = new Map<Kind, number[]>();
const kindsOne = KINDS.filter((k) => k !== 'muster-fast');
for (let r = 0; r < runs; r++) {
  for (const k of kindsOne) {
    const x = await startOne(k, single);
    serving.set(k, [...(serving.get(k) ?? []), x.ms]);
    cpu.set(k, [...(cpu.get(k) ?? []), x.cpu]);
  }
}
const clusters = new Map<string, ClusterFigures>();
for (const n of sizes) {
  for (const k of KINDS) {
    clusters.set(`${k}/${n}`, await cluster(k, n));
    process.stderr.write(`${k} N=${n}: formed in ${(clusters.get(`${k}/${n}`)!.formedMs / 1000).toFixed(2)} s\n`);
  }
}

const cols = KINDS;
const rows: string[][] = [['figure', ...cols]];
const cell = (f: (k: Kind) => number, digits = 0) => cols.map((k) => (Number.isNaN(f(k)) ? '-' : f(k).toFixed(digits)));
rows.push(['spawn -> serving ms (median)', ...cell((k) => median(serving.get(k === 'muster-fast' ? 'muster' : k) ?? []))]);
rows.push(['CPU to serving ms (median)', ...cell((k) => median(cpu.get(k === 'muster-fast' ? 'muster' : k) ?? []))]);
for (const n of sizes) rows.push([`RSS per idle node N=${n} MiB (median)`, ...cell((k) => median(clusters.get(`${k}/${n}`)!.rss), 1)]);
for (const n of sizes) rows.push([`idle CPU per node N=${n} % core (mean)`, ...cell((k) => clusters.get(`${k}/${n}`)!.idleCpuPct.reduce((a, b) => a + b, 0) / n, 2)]);
for (const n of sizes) {
  rows.push([`formation N=${n} s`, ...cell((k) => (k === 'bare' ? NaN : clusters.get(`${k}/${n}`)!.formedMs / 1000), 2)]);
  rows.push([`formation N=${n} / stable-margin`, ...cell((k) => (k === 'bare' ? NaN : clusters.get(`${k}/${n}`)!.formedMs / STABLE_MARGIN_MS), 2)]);
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  '));

const m = (k: Kind, map: Map<Kind, number[]>) => median(map.get(k) ?? []);
console.log(`\nratios: Muster spawn->serving / bare ${(m('muster', serving) / m('bare', serving)).toFixed(2)}` +
  (KINDS.includes('moleculer') ? `; Muster CPU to serving / moleculer ${(m('muster', cpu) / m('moleculer', cpu)).toFixed(2)}` : '') +
  `; stable-margin floor ${STABLE_MARGIN_MS / 1000} s (Pekko default; muster-fast is the replicas fast path)`);
console.log(`load average at end: ${load()}; node ${process.version}; ${new Date().toISOString()}`);
