// Real `node dist/main.js` processes on 127.x.y.* with config discovery and Pekko's default
// bootstrap timings: they form exactly one cluster (N = 3 and 5, staggered starts, a second wave,
// a full restart), /ready follows the node's own status, and SIGTERM is a graceful leave.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  allocateNodes,
  clusterConf,
  portIsFree,
  ProcessGroup,
  tempDir,
  waitForOneCluster,
  type FormedCluster,
  type MusterProcess,
  type NodeAddress,
} from '../support/muster-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let group = new ProcessGroup();
let dirs: ReturnType<typeof tempDir>[] = [];
afterEach(async () => {
  await group.stopAll();
  group = new ProcessGroup();
  for (const d of dirs) d.remove();
  dirs = [];
});

function configFor(endpoints: readonly NodeAddress[], extra = ''): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir.write('application.conf', clusterConf({ endpoints, extra }));
}

function startAll(nodes: readonly NodeAddress[], configFile: string): MusterProcess[] {
  return nodes.map((node) => group.spawn({ node, configFile }));
}

/** The checks every formation must pass: one oldest ever seen, and /ready never ahead of Up. */
function assertOneCluster(formed: FormedCluster, nodes: readonly NodeAddress[]): void {
  assert.equal(formed.oldestSeen.size, 1, `more than one cluster was seen: oldest = ${[...formed.oldestSeen].join(', ')}`);
  assert.equal(formed.members.members.length, nodes.length);
  assert.ok(formed.members.leader, 'a leader');
  assert.ok(formed.members.members.every((m) => m.status === 'Up'));
  const uids = new Set(formed.members.members.map((m) => m.nodeUid));
  assert.equal(uids.size, nodes.length, 'one incarnation per node');
  for (const [p, trace] of formed.readiness) {
    assert.deepEqual(trace.notUpAfterReady, [], `${p.name} answered /ready 200 before its own status was Up`);
  }
}

/** The bootstrap log decision of each process: 'self' (formed the cluster) or 'join'. */
function joinKinds(procs: readonly MusterProcess[]): string[] {
  return procs.map((p) =>
    p.findLog((l) => l.marker === 'pekkoBootstrapJoinSelf')
      ? 'self'
      : p.findLog((l) => l.marker === 'pekkoBootstrapJoin')
        ? 'join'
        : 'none',
  );
}

describe('formation with config discovery (real processes, default timings)', { concurrency: false }, () => {
  it('3 nodes form one cluster; /ready turns 200 only once Up; SIGTERM leaves gracefully with exit code 0', async () => {
    const nodes = await allocateNodes(3);
    const procs = startAll(nodes, configFor(nodes));
    const formed = await waitForOneCluster(procs, 60_000, group);
    assertOneCluster(formed, nodes);

    // The lowest contact point (host string order; config targets carry no IP) formed the cluster.
    assert.deepEqual(joinKinds(procs), ['self', 'join', 'join']);
    assert.equal(formed.members.oldest, `pekko://it-system@${nodes[0]!.host}:${nodes[0]!.remotePort}`);
    for (const [p, trace] of formed.readiness) {
      assert.ok(trace.sawNotReadyBeforeUp, `${p.name}: /ready was never seen answering 500 before Up`);
    }
    for (const p of procs) {
      const status = await p.bootstrapStatus();
      assert.equal(status?.phase, 'joined', `${p.name} bootstrap phase`);
      assert.equal(status?.reason, undefined);
    }

    // SIGTERM the leader: it leaves, exits 0 and is removed from the others' views.
    const leaving = procs.find((p) => formed.members.leader?.endsWith(`@${p.node.host}:${p.node.remotePort}`))!;
    const rest = procs.filter((p) => p !== leaving);
    const exit = await leaving.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, leaving.tail());
    assert.ok(leaving.findLog((l) => l.msg === 'Muster node stopped' && l.reason === 'JvmExitReason'), leaving.tail());
    assert.ok(await portIsFree(leaving.node.host, leaving.node.managementPort), 'management port released');
    assert.ok(await portIsFree(leaving.node.host, leaving.node.remotePort), 'cluster port released');
    const after = await waitForOneCluster(rest, 30_000, group);
    assert.equal(after.members.members.length, 2);
    assert.ok(!after.members.members.some((m) => m.node.includes(`@${leaving.node.host}:`)), 'leaver removed everywhere');
    // Graceful: nobody had to mark it unreachable or down.
    for (const p of rest) {
      assert.equal(p.findLog((l) => /UNREACHABLE/.test(l.msg ?? '') && JSON.stringify(l).includes(`${leaving.node.host}:`)), undefined);
    }
  });

  it('5 nodes form one cluster', async () => {
    const nodes = await allocateNodes(5);
    const procs = startAll(nodes, configFor(nodes));
    const formed = await waitForOneCluster(procs, 60_000, group);
    assertOneCluster(formed, nodes);
    assert.deepEqual(joinKinds(procs), ['self', 'join', 'join', 'join', 'join']);
  });

  it('staggered starts (highest address first, the lowest after stable-margin) still form one cluster', async () => {
    const nodes = await allocateNodes(3);
    const config = configFor(nodes);
    const [low, mid, high] = nodes as [NodeAddress, NodeAddress, NodeAddress];
    const first = group.spawn({ node: high, configFile: config });
    await sleep(3000);
    const second = group.spawn({ node: mid, configFile: config });
    // With two of three answering (required-contact-point-nr = 2), the first node passes
    // stable-margin and then waits for the lowest contact point, which is not up yet.
    const waiting = await first.waitForLog('waiting for the missing contact point', (l) =>
      (l.msg ?? '').startsWith('Exceeded stable margins but missing seed node information'),
    );
    assert.match(String(waiting.msg), new RegExp(`\\[${low.host.replace(/\./g, '\\.')}:${low.managementPort}\\]`));
    const last = group.spawn({ node: low, configFile: config });
    const procs = [last, second, first];
    const formed = await waitForOneCluster(procs, 60_000, group);
    assertOneCluster(formed, nodes);
    // The lowest, started last, formed the cluster; the early ones joined it.
    assert.deepEqual(joinKinds(procs), ['self', 'join', 'join']);
    assert.equal(formed.members.oldest, `pekko://it-system@${low.host}:${low.remotePort}`);
  });

  it('a second wave of nodes joins the existing cluster', async () => {
    const nodes = await allocateNodes(5);
    const firstWave = nodes.slice(0, 3);
    const first = startAll(firstWave, configFor(firstWave));
    const formed = await waitForOneCluster(first, 60_000, group);
    assertOneCluster(formed, firstWave);

    // The new nodes discover all five; the old ones report the cluster, so they join it at once:
    // with a stable-margin no test waits for, joining at all shows they did not wait for it.
    const second = startAll(nodes.slice(3), configFor(nodes, 'pekko.management.cluster.bootstrap.contact-point-discovery.stable-margin = 1h'));
    const grown = await waitForOneCluster([...first, ...second], 60_000, group);
    assertOneCluster(grown, nodes);
    assert.equal(grown.members.oldest, formed.members.oldest, 'the original cluster grew');
    assert.deepEqual(joinKinds(second), ['join', 'join']);
  });

  it('a full restart of all nodes forms a new cluster', async () => {
    const nodes = await allocateNodes(3);
    const config = configFor(nodes);
    const before = await waitForOneCluster(startAll(nodes, config), 60_000, group);
    assertOneCluster(before, nodes);
    const oldUids = new Set(before.members.members.map((m) => m.nodeUid));

    const exits = await Promise.all(group.running().map((p) => p.stop('SIGTERM')));
    assert.ok(exits.every((e) => e.code === 0), JSON.stringify(exits));
    for (const n of nodes) {
      assert.ok(await portIsFree(n.host, n.managementPort), `${n.host}:${n.managementPort} released`);
      assert.ok(await portIsFree(n.host, n.remotePort), `${n.host}:${n.remotePort} released`);
    }

    const restarted = startAll(nodes, config);
    const after = await waitForOneCluster(restarted, 60_000, group);
    assertOneCluster(after, nodes);
    assert.ok(after.members.members.every((m) => !oldUids.has(m.nodeUid)), 'only new incarnations');
    assert.deepEqual(joinKinds(restarted), ['self', 'join', 'join']);
  });
});
