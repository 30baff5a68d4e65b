// Benchmark: management HTTP requests per second on loopback.
//   node --import tsx bench/management.ts [--seconds S] [--max N] [--concurrency C]
// A management server (this process) over an in-memory cluster view; a load generator in a
// child process (bench/management-load.ts) runs C keep-alive GET loops against one route for at
// most S seconds or N requests. Scenarios: /alive, /ready (cluster-membership check),
// /cluster/members with 3 and with 100 members, and /ready behind basic auth.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MANAGEMENT_SETTINGS as D, type ManagementSettings } from '../src/management/settings.js';
import { basicAuthHeader } from '../src/management/security.js';
import { startManagement } from '../src/management/server.js';
import { FakeCluster, member } from '../test/support/fake-cluster.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 3);
const MAX = arg('max', 200_000);
const CONCURRENCY = arg('concurrency', 32);
const here = path.dirname(fileURLToPath(import.meta.url));

function clusterOf(n: number): FakeCluster {
  const members = Array.from({ length: n }, (_, i) =>
    member(`10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, 17355, BigInt(i + 1) * 7919n * 1_000_000_007n, 'Up', { upNumber: i + 1, roles: ['backend'] }),
  );
  const cluster = new FakeCluster(members[0]!.uniqueAddress);
  cluster.setState({ self: members[0]!, members, leader: members[0]!.uniqueAddress.address });
  return cluster;
}

function settings(security = D.security): ManagementSettings {
  return { ...D, http: { ...D.http, hostname: '127.0.0.1', bindPort: 0 }, security };
}

interface LoadResult {
  requests: number;
  bad: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

function load(url: string, auth?: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', path.join(here, 'management-load.ts'), url, String(CONCURRENCY), String(SECONDS), String(MAX)];
    if (auth) args.push(auth);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited ${code}`))));
  });
}

function report(label: string, r: LoadResult): void {
  const rps = r.requests / r.seconds;
  console.log(
    `${label.padEnd(34)} ${rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ` +
      `(${r.requests} requests in ${r.seconds.toFixed(1)} s, non-2xx ${r.bad}, errors ${r.errors})`,
  );
}

console.log(`management HTTP on loopback: ${CONCURRENCY} keep-alive connections, ${SECONDS} s or ${MAX} requests per scenario; ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}, node ${process.version}`);

for (const [label, n, route] of [
  ['GET /alive', 3, '/alive'],
  ['GET /ready (3 members)', 3, '/ready'],
  ['GET /cluster/members (3 members)', 3, '/cluster/members'],
  ['GET /cluster/members (100 members)', 100, '/cluster/members'],
] as const) {
  const srv = await startManagement({ settings: settings(), cluster: clusterOf(n) });
  try {
    report(label, await load(`${srv.url}${route}`));
  } finally {
    await srv.close();
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'muster-bench-'));
try {
  writeFileSync(path.join(dir, 'pw'), 'bench-password\n');
  const srv = await startManagement({
    settings: settings({ https: D.security.https, basicAuth: { username: 'ops', passwordFile: path.join(dir, 'pw') } }),
    cluster: clusterOf(3),
  });
  try {
    report('GET /ready with basic auth', await load(`${srv.url}/ready`, basicAuthHeader('ops', 'bench-password')));
  } finally {
    await srv.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
