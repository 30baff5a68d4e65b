// Contact points that are down, slow, or of another actor system, with real `node dist/main.js`
// processes and default timings unless a setting is the subject of the test. What the tests
// assert is the documented rule set (spec 2.8): contact-with-all-contact-points = on waits for
// every discovered contact point; off lets the lowest of those that answered form the cluster
// once required-contact-point-nr answered; nodes of another system are never joined.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import {
  allocateNodes,
  clusterConf,
  ProcessGroup,
  tempDir,
  waitForOneCluster,
  waitUntil,
  type MusterProcess,
  type NodeAddress,
} from '../support/muster-process.js';

const CPD = 'pekko.management.cluster.bootstrap.contact-point-discovery';

let group = new ProcessGroup();
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await group.stopAll();
  group = new ProcessGroup();
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function configFile(endpoints: readonly NodeAddress[], extra = '', systemName?: string): string {
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  return dir.write('application.conf', clusterConf({ endpoints, extra, ...(systemName && { systemName }) }));
}

const STABLE_MARGIN_MS = 5000; // the default the tests run with

/**
 * Waits until every one of procs reports a bootstrap reason matching `reason` with a discovered set
 * that its own clock has seen stable for longer than stable-margin: the state a test is about, however
 * loaded the machine is (no fixed sleep). The deadline only bounds a hang.
 */
async function untilReason(procs: readonly MusterProcess[], reason: RegExp): Promise<void> {
  for (const p of procs) {
    let last: Record<string, unknown> | undefined;
    await waitUntil(
      `${p.name}: bootstrap reason ${reason} past stable-margin`,
      async () => {
        last = await p.bootstrapStatus();
        return reason.test(String(last?.reason)) && Number(last?.contactPointsStableForMs) > STABLE_MARGIN_MS;
      },
      120_000,
      250,
      () => `last status: ${JSON.stringify(last)}\n${p.tail()}`,
    );
  }
}

/** Asserts that none of procs is a member or ready, nor ever joined or formed a cluster. */
async function assertNotJoined(procs: readonly MusterProcess[]): Promise<void> {
  for (const p of procs) {
    assert.equal((await p.get('/ready')).status, 500, `${p.name} must not be ready`);
    assert.equal(await p.selfStatus(), 'absent', `${p.name} must not be a member`);
    assert.equal(p.findLog((l) => l.marker === 'pekkoBootstrapJoinSelf' || l.marker === 'pekkoBootstrapJoin'), undefined);
    assert.equal((await p.bootstrapStatus())?.phase, 'bootstrapping');
  }
}

/** A fake contact point: answers GET /bootstrap/seed-nodes with an empty seed list after delayMs. */
async function slowContactPoint(node: NodeAddress, delayMs: number, system = 'it-system'): Promise<{ requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    requests++;
    const t = setTimeout(() => {
      timers.delete(t);
      if (req.url?.endsWith('/bootstrap/seed-nodes')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ seedNodes: [], selfNode: `pekko://${system}@${node.host}:${node.remotePort}` }));
      } else {
        res.writeHead(404).end();
      }
    }, delayMs);
    timers.add(t);
  });
  await new Promise<void>((resolve) => server.listen(node.managementPort, node.host, resolve));
  return {
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('contact points that are down, slow or foreign', { concurrency: false }, () => {
  it('a listed contact point that is down blocks the self-join (contact-with-all-contact-points = on) until it starts', async () => {
    const nodes = await allocateNodes(3);
    const config = configFile(nodes);
    const up = nodes.slice(0, 2).map((node) => group.spawn({ node, configFile: config }));
    // Past stable-margin and the probing-failure-timeout (3 s), each names the missing node.
    const missing = `${nodes[2]!.host.replace(/\./g, '\\.')}:${nodes[2]!.managementPort}`;
    await untilReason(up, new RegExp(`no recent answer from contact points \\[${missing}\\] \\(contact-with-all-contact-points = on\\)`));
    await assertNotJoined(up);
    assert.ok(up[0]!.findLog((l) => (l.msg ?? '').startsWith('Exceeded stable margins but missing seed node information')));

    const late = group.spawn({ node: nodes[2]!, configFile: config });
    const formed = await waitForOneCluster([...up, late], 60_000, group);
    assert.equal(formed.oldestSeen.size, 1);
    assert.equal(formed.members.oldest, `pekko://it-system@${nodes[0]!.host}:${nodes[0]!.remotePort}`);
  });

  it('with contact-with-all-contact-points = off the lowest answering node forms the cluster without the down one', async () => {
    const nodes = await allocateNodes(3);
    // The down node is the lowest address: with `off` it is simply not considered.
    const config = configFile(nodes, `${CPD}.contact-with-all-contact-points = off`);
    const up = nodes.slice(1).map((node) => group.spawn({ node, configFile: config }));
    const formed = await waitForOneCluster(up, 60_000, group);
    assert.equal(formed.oldestSeen.size, 1);
    assert.equal(formed.members.oldest, `pekko://it-system@${nodes[1]!.host}:${nodes[1]!.remotePort}`);
    assert.ok(up[0]!.findLog((l) => l.marker === 'pekkoBootstrapJoinSelf'));
  });

  it('fewer answering contact points than required-contact-point-nr never form a cluster', async () => {
    const nodes = await allocateNodes(3);
    const config = configFile(nodes, `${CPD}.contact-with-all-contact-points = off\n${CPD}.required-contact-point-nr = 3`);
    const up = nodes.slice(0, 2).map((node) => group.spawn({ node, configFile: config }));
    await untilReason(up, /only 2 of 3 discovered contact points answered, required-contact-point-nr is 3/);
    await assertNotJoined(up);
    assert.ok(up[0]!.findLog((l) => l.marker === 'pekkoBootstrapInProgress' && /confirmed \[2\].*required \[3\]/.test(l.msg ?? '')));
  });

  it('a slow contact point that answers within probing-failure-timeout counts; one slower than it does not', async () => {
    const nodes = await allocateNodes(3);
    const config = configFile(nodes);
    // The fake is the highest address, so the lowest real node may form the cluster once the fake has answered.
    const fake = await slowContactPoint(nodes[2]!, 1000);
    cleanups.push(() => fake.close());
    const up = nodes.slice(0, 2).map((node) => group.spawn({ node, configFile: config }));
    const formed = await waitForOneCluster(up, 60_000, group);
    assert.equal(formed.oldestSeen.size, 1);
    assert.equal(formed.members.members.length, 2);
    assert.ok(fake.requests() >= 2, `the slow contact point was probed (${fake.requests()} requests)`);
    const fakeAddress = `pekko://it-system@${nodes[2]!.host}:${nodes[2]!.remotePort}`;
    assert.ok(
      up[0]!.findLog((l) => l.marker === 'pekkoBootstrapSeedNodes' && (l.msg ?? '').includes(fakeAddress)),
      'the slow answer was recorded as an observation',
    );
  });

  it('a contact point slower than probing-failure-timeout (3 s) is never confirmed, so no cluster forms', async () => {
    const nodes = await allocateNodes(3);
    const config = configFile(nodes);
    const fake = await slowContactPoint(nodes[2]!, 4000);
    cleanups.push(() => fake.close());
    const up = nodes.slice(0, 2).map((node) => group.spawn({ node, configFile: config }));
    await untilReason(up, /no recent answer from contact points/);
    await assertNotJoined(up);
    // Each probe of it timed out, and the prober gave up on it (it is retried after the next lookup).
    const url = `http://${nodes[2]!.host}:${nodes[2]!.managementPort}/bootstrap/seed-nodes`;
    const p = up[0]!;
    await p.waitForLog('a timed-out probe of the slow contact point', (l) => (l.msg ?? '').startsWith(`Probing [${url}] failed due to:`) && /timed out/.test(l.msg ?? ''));
    await p.waitForLog('the prober to give up on the slow contact point', (l) => l.marker === 'pekkoBootstrapSeedNodesProbingFailed');
    assert.equal(p.findLog((l) => l.marker === 'pekkoBootstrapSeedNodes' && (l.msg ?? '').includes(`@${nodes[2]!.host}:`)), undefined);
  });

  it('a node of another system name is never joined, and never joins', async () => {
    const nodes = await allocateNodes(3);
    // The foreign node has the lowest address; all three discover each other.
    const extra = `${CPD}.contact-with-all-contact-points = off`;
    const foreign = group.spawn({ node: nodes[0]!, configFile: configFile(nodes, extra, 'other-system'), name: 'foreign' });
    const ours = nodes.slice(1).map((node) => group.spawn({ node, configFile: configFile(nodes, extra) }));
    const formed = await waitForOneCluster(ours, 60_000, group);
    assert.ok(formed.members.members.every((m) => m.node.startsWith('pekko://it-system@')));
    assert.equal(formed.members.oldest, `pekko://it-system@${nodes[1]!.host}:${nodes[1]!.remotePort}`);

    // Once the foreign node has probed both members of the formed cluster it ignores them and stays alone.
    type Probe = { contactPoint: string; ignoredBecause?: string };
    let probes: Probe[] = [];
    await waitUntil('the foreign node to have ignored both contact points', async () => {
      probes = ((await foreign.bootstrapStatus())?.probes as Probe[] | undefined) ?? [];
      return probes.filter((p) => p.ignoredBecause !== undefined).length === 2;
    }, 120_000, 250, () => JSON.stringify(probes));
    assert.equal(await foreign.selfStatus(), 'absent');
    assert.equal((await foreign.get('/ready')).status, 500);
    const ignored = probes.filter((p) => p.ignoredBecause !== undefined);
    for (const p of ignored) assert.match(String(p.ignoredBecause), /reports system \[it-system\], this node's system is \[other-system\]/);
    for (const p of ours) {
      assert.ok(p.findLog((l) => /Ignoring contact point .*reports system \[other-system\]/.test(l.msg ?? '')), p.tail());
    }
    await waitUntil('members unchanged', async () => (await ours[0]!.members())?.members.length === 2, 1000);
  });
});
