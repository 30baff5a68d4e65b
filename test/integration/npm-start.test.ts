// `npm start` (= build, then examples/local/launch.mjs): three nodes on 127.0.0.1-3 with the fixed
// ports 7626 (management) and 17355 (cluster) form one cluster, every /ready is 200, and SIGINT
// (Ctrl-C) makes every node leave gracefully: the launcher and each node exit 0, ports released.
// This is the only test that uses the fixed ports; it fails with a clear message when they are busy.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { httpGet, portIsFree, repoRoot, waitUntil, type MembersJson } from '../support/muster-process.js';

const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const PORTS = [7626, 17355];

/** PIDs whose parent is pid (Linux /proc), so cleanup can reach the launcher's detached nodes. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the ")" that ends the command name: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

let launcher: ChildProcess | undefined;
let nodePids: number[] = [];
after(async () => {
  // Only if the test failed half-way: stop the launcher and the node processes it started.
  if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
    const exited = new Promise((r) => launcher!.once('exit', r));
    launcher.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    launcher.kill('SIGKILL');
  }
  for (const pid of nodePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('npm start (examples/local/launch.mjs)', () => {
  it('starts 3 nodes that form one cluster, then leaves cleanly on SIGINT', async () => {
    const busy: string[] = [];
    for (const host of HOSTS) for (const port of PORTS) if (!(await portIsFree(host, port))) busy.push(`${host}:${port}`);
    assert.deepEqual(busy, [], `the example's fixed ports are in use (${busy.join(', ')}): is another \`npm start\` running? Stop it and re-run.`);

    let stdout = '';
    let stderr = '';
    const child = spawn(process.execPath, [path.join(repoRoot, 'examples', 'local', 'launch.mjs')], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MUSTER_LOG_LEVEL: 'warn' },
    });
    launcher = child;
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const context = () => `--- launcher stdout ---\n${stdout}\n--- stderr (tail) ---\n${stderr.slice(-3000)}`;

    await waitUntil('"Cluster formed" from the launcher', () => stdout.includes('Cluster formed'), 120_000, 200, context);
    nodePids = childrenOf(child.pid!);
    assert.equal(nodePids.length, 3, `the launcher runs 3 node processes\n${context()}`);

    // The printed summary lists the three members as Up, and says where to look.
    for (const host of HOSTS) {
      assert.match(stdout, new RegExp(`pekko://local-cluster@${host.replace(/\./g, '\\.')}:17355 {2}Up`));
      assert.ok(stdout.includes(`http://${host}:7626/ready`));
      // The example turns the dashboard on and prints each node's page.
      assert.ok(stdout.includes(`http://${host}:7626/dashboard\n`), `dashboard URL of ${host} printed`);
      assert.equal((await httpGet(`http://${host}:7626/dashboard`)).status, 200, `${host} serves /dashboard`);
    }
    for (const host of HOSTS) assert.equal((await httpGet(`http://${host}:7626/ready`)).status, 200, `${host} ready`);
    // A node can be Up and ready a gossip round before every other node has heard of it: read the
    // views until they agree (or the wait ends), then check them.
    let views: MembersJson[] = [];
    const readViews = async () => {
      views = [];
      for (const host of HOSTS) {
        const r = await httpGet(`http://${host}:7626/cluster/members`);
        assert.equal(r.status, 200);
        views.push(JSON.parse(r.body) as MembersJson);
      }
      return views.every((v) => v.members.every((m) => m.status === 'Up') && JSON.stringify(v.members) === JSON.stringify(views[0]!.members));
    };
    await waitUntil('every node sees the same three Up members', readViews, 30_000, 200, context).catch(() => undefined);
    for (const v of views) {
      assert.deepEqual(
        v.members.map((m) => `${m.node} ${m.status}`),
        HOSTS.map((h) => `pekko://local-cluster@${h}:17355 Up`),
      );
      assert.deepEqual(v.members, views[0]!.members, 'every node has the same view');
      assert.equal(v.leader, views[0]!.leader);
    }

    child.kill('SIGINT');
    const exit = await Promise.race([
      exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`launcher did not exit within 60 s\n${context()}`)), 60_000)),
    ]);
    assert.deepEqual(exit, { code: 0, signal: null }, context());
    assert.match(stdout, /SIGINT: asking every node to leave the cluster gracefully/);
    for (const host of HOSTS) assert.match(stdout, new RegExp(`${host.replace(/\./g, '\\.')} exited with code 0`), context());
    await waitUntil('the node processes to be gone', () => nodePids.every((pid) => !isAlive(pid)), 10_000);
    for (const host of HOSTS) {
      for (const port of PORTS) assert.ok(await portIsFree(host, port), `${host}:${port} released`);
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
