// Formation benchmark with real processes: N Muster nodes (`node dist/main.js`) on 127.0.3.1..N
// with config discovery and Pekko's default bootstrap timings, all launched at once. Prints per N
// the time from launch to every /ready = 200 (also as a multiple of stable-margin), the time from
// process start to the management endpoint answering, and the RSS per node once formed.
// Needs `npm run build`. Usage: npx tsx bench/formation.ts [N ...]   (default: 3 5 10 25)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'dist', 'main.js');
const STABLE_MARGIN_MS = 5000;
const LIMIT_MS = 180_000;
const sizes = process.argv.slice(2).map(Number);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function round(n: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'muster-formation-'));
  const hosts = Array.from({ length: n }, (_, i) => `127.0.3.${i + 1}`);
  const conf = path.join(dir, 'application.conf');
  writeFileSync(
    conf,
    [
      'muster.system-name = "formation-bench"',
      'muster.bench.host = "127.0.3.1"',
      'pekko.remote.artery.canonical { hostname = ${muster.bench.host}, port = 17355 }',
      'pekko.management.http { hostname = ${muster.bench.host}, port = 7626 }',
      'pekko.discovery.method = config',
      `pekko.discovery.config.services.formation-bench.endpoints = [${hosts.map((h) => `{ host = "${h}", port = 7626 }`).join(', ')}]`,
    ].join('\n'),
  );
  const launchedAt = performance.now();
  const nodes = hosts.map((host) => {
    const child: ChildProcess = spawn(process.execPath, [main, '--config', conf, `-Dmuster.bench.host=${host}`], {
      stdio: 'ignore',
      env: { ...process.env, MUSTER_LOG_LEVEL: 'warn' },
    });
    return { host, child, boundMs: NaN, readyMs: NaN };
  });
  try {
    await Promise.all(
      nodes.map(async (node) => {
        while (performance.now() - launchedAt < LIMIT_MS) {
          if (Number.isNaN(node.boundMs)) {
            if ((await status(`http://${node.host}:7626/alive`)) !== 0) node.boundMs = performance.now() - launchedAt;
            else await sleep(20);
            continue;
          }
          if ((await status(`http://${node.host}:7626/ready`)) === 200) {
            node.readyMs = performance.now() - launchedAt;
            return;
          }
          await sleep(100);
        }
      }),
    );
    const formedMs = Math.max(...nodes.map((x) => x.readyMs));
    const lastBoundMs = Math.max(...nodes.map((x) => x.boundMs));
    const rss = nodes.map((x) => rssMb(x.child.pid!));
    console.log(
      `N=${String(n).padStart(2)}  all /ready 200 after ${(formedMs / 1000).toFixed(2)} s ` +
        `(${(formedMs / STABLE_MARGIN_MS).toFixed(2)} x stable-margin); ` +
        `${((formedMs - lastBoundMs) / 1000).toFixed(2)} s after the last node bound ` +
        `(${((formedMs - lastBoundMs) / STABLE_MARGIN_MS).toFixed(2)} x)  ` +
        `start->management bound: median ${median(nodes.map((x) => x.boundMs)).toFixed(0)} ms, max ${Math.max(...nodes.map((x) => x.boundMs)).toFixed(0)} ms  ` +
        `RSS/node: median ${median(rss).toFixed(1)} MiB, max ${Math.max(...rss).toFixed(1)} MiB`,
    );
  } finally {
    for (const x of nodes) x.child.kill('SIGTERM');
    await Promise.race([
      Promise.all(nodes.map((x) => (x.child.exitCode !== null ? undefined : new Promise((r) => x.child.once('exit', r))))),
      sleep(30_000),
    ]);
    for (const x of nodes) if (x.child.exitCode === null && x.child.signalCode === null) x.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const n of sizes.length > 0 ? sizes : [3, 5, 10, 25]) await round(n);
