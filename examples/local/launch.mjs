#!/usr/bin/env node
// Starts a local three-node Muster cluster (127.0.0.1-127.0.0.3) from examples/local/application.conf,
// waits until every node reports itself Up and ready, prints the members and the URLs to look at,
// and on Ctrl-C (SIGINT) or SIGTERM lets every node leave gracefully before exiting.
//   node examples/local/launch.mjs [--nodes N]   (N from 1 to 9, default 3; needs `npm run build`)
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodesArg = process.argv.indexOf('--nodes');
const count = nodesArg > 0 ? Number(process.argv[nodesArg + 1]) : 3;
if (!Number.isInteger(count) || count < 1 || count > 9) {
  console.error('--nodes must be a whole number from 1 to 9');
  process.exit(2);
}
const hosts = Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
// The example file lists three endpoints; for another count, a small file includes it and
// replaces the list (-D values are plain strings, as in Lightbend Config, so they cannot carry a list).
let configFile = path.join(root, 'examples', 'local', 'application.conf');
if (count !== 3) {
  const dir = mkdtempSync(path.join(tmpdir(), 'muster-local-'));
  const endpoints = hosts.map((h) => `{ host = "${h}", port = 7626 }`).join('\n  ');
  writeFileSync(
    path.join(dir, 'application.conf'),
    `include file("${configFile}")\n` +
      `pekko.discovery.config.services.local-cluster.endpoints = [\n  ${endpoints}\n]\n` +
      `pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr = ${Math.min(count, 3)}\n`,
  );
  configFile = path.join(dir, 'application.conf');
}
const children = hosts.map((host) => {
  const args = [path.join(root, 'dist', 'main.js'), '--config', configFile, `-Dmuster.example.host=${host}`];
  // The nodes write to a pipe (JSON by default); their lines end up on this terminal, so make them readable.
  if (process.stderr.isTTY) args.push('-Dmuster.log.format=pretty');
  // Own process group: a terminal's Ctrl-C reaches only this launcher, which then sends each node
  // exactly one SIGTERM (a second signal would make a node skip its graceful leave).
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MUSTER_LOG_LEVEL: process.env.MUSTER_LOG_LEVEL ?? 'warn' },
  });
  child.stdout.on('data', (chunk) => process.stderr.write(chunk));
  return { host, child, exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
});

async function get(host, route) {
  try {
    const res = await fetch(`http://${host}:7626${route}`, { signal: AbortSignal.timeout(1000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

let stopping = false;
async function stop(signal) {
  if (stopping) {
    for (const c of children) c.child.kill('SIGKILL');
    process.exit(130);
  }
  stopping = true;
  console.log(`\n${signal}: asking every node to leave the cluster gracefully...`);
  for (const c of children) c.child.kill('SIGTERM');
  const results = await Promise.all(children.map((c) => c.exited));
  results.forEach((r, i) => console.log(`  ${hosts[i]} exited with code ${r.code ?? r.signal}`));
  process.exit(results.every((r) => r.code === 0) ? 0 : 1);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// If the launcher itself dies, take the nodes with it rather than leaving them running.
process.on('exit', () => children.forEach((c) => c.child.exitCode === null && c.child.kill('SIGKILL')));
for (const c of children) {
  void c.exited.then(({ code, signal }) => {
    if (!stopping) {
      console.error(`node ${c.host} exited unexpectedly (${code ?? signal}); stopping the others`);
      void stop('node exit');
    }
  });
}

console.log(`Starting ${count} Muster nodes on ${hosts.join(', ')} (management port 7626, cluster port 17355)...`);
const startedAt = Date.now();
for (;;) {
  if (stopping) break;
  if (Date.now() - startedAt > 120_000) {
    console.error('The cluster did not form within 120 s; see the logs above. Stopping.');
    await stop('timeout');
  }
  const ready = await Promise.all(hosts.map((h) => get(h, '/ready')));
  if (ready.every((r) => r.status === 200)) break;
  await new Promise((r) => setTimeout(r, 500));
}
if (!stopping) {
  const members = JSON.parse((await get(hosts[0], '/cluster/members')).body);
  console.log(`\nCluster formed in ${((Date.now() - startedAt) / 1000).toFixed(1)} s. Members:`);
  for (const m of members.members) console.log(`  ${m.node}  ${m.status}  uid=${m.nodeUid}`);
  console.log(`Leader: ${members.leader ?? '(none)'}   Oldest: ${members.oldest ?? '(none)'}\n`);
  console.log('Look at:');
  for (const h of hosts) {
    console.log(`  http://${h}:7626/cluster/members   http://${h}:7626/ready   http://${h}:7626/bootstrap/status`);
  }
  console.log(`  http://${hosts[0]}:7626/metrics   http://${hosts[0]}:7626/cluster/domain-events (SSE)\n`);
  console.log('Dashboards (live, in a browser):');
  for (const h of hosts) console.log(`  http://${h}:7626/dashboard`);
  console.log('');
  console.log('Press Ctrl-C to make every node leave gracefully.');
}
