// The management routes over real cluster nodes (ClusterNode on the TCP transport, in this
// process, on loopback): readiness follows real membership, the members JSON reflects real
// gossip, and an HTTP leave really removes a member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress } from '../../src/address.js';
import { createCluster, type CreatedCluster } from '../../src/cluster/create.js';
import { loadConfig } from '../../src/config/load.js';
import { clusterSettingsFromConfig } from '../../src/cluster/settings.js';
import { remoteSettingsFromConfig } from '../../src/cluster/remote-settings.js';
import { parseWithBigInt } from '../../src/json.js';
import { seedNodesBody } from '../../src/management/seed-nodes-json.js';
import { waitFor } from '../support/cluster-wait.js';
import { freePort } from '../support/net.js';
import { FORM, call, start } from './_support.js';

async function node(): Promise<CreatedCluster> {
  const port = await freePort('127.0.0.1');
  const config = await loadConfig({
    env: {},
    applicationText: `
      muster.system-name = "Mgmt"
      pekko.remote.artery.canonical { hostname = "127.0.0.1", port = ${port} }
      pekko.cluster { periodic-tasks-initial-delay = 100ms, gossip-interval = 200ms, leader-actions-interval = 200ms }
    `,
  });
  return createCluster({ remote: remoteSettingsFromConfig(config), cluster: clusterSettingsFromConfig(config) });
}

type MembersJson = { leader?: string; members: { node: string; nodeUid: string; status: string }[]; selfNode: string };

test('real nodes behind the routes: /ready, /cluster/members, seed-nodes, event replay and an HTTP leave', { timeout: 60_000 }, async () => {
  const nodes = [await node(), await node(), await node()];
  const [a, b, c] = nodes as [CreatedCluster, CreatedCluster, CreatedCluster];
  const srv = await start({ http: { routeProvidersReadOnly: false } }, { cluster: a.node });
  try {
    const notReady = await call(`${srv.url}/ready`);
    assert.equal(notReady.status, 500, 'a node that has not joined is not ready');
    assert.equal((await call(`${srv.url}/alive`)).status, 200);

    a.node.join(a.node.selfAddress);
    b.node.join(a.node.selfAddress);
    c.node.join(a.node.selfAddress);
    await waitFor('three Up members seen by a', () => {
      const s = a.node.state();
      return s.members.length === 3 && s.members.every((m) => m.status === 'Up');
    }, 30_000);
    await waitFor('/ready to pass', async () => (await call(`${srv.url}/ready`)).status === 200);

    const r = await call(`${srv.url}/cluster/members`);
    const json = JSON.parse(r.text) as MembersJson;
    assert.equal(json.selfNode, formatAddress(a.node.selfAddress));
    assert.deepEqual(
      json.members.map((m) => [m.node, m.nodeUid, m.status]),
      nodes
        .map((n) => [formatAddress(n.selfUniqueAddress.address), n.selfUniqueAddress.uid.toString(), 'Up'])
        .sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
    assert.equal(json.leader, a.node.state().leader ? formatAddress(a.node.state().leader!) : undefined);

    const seeds = parseWithBigInt(seedNodesBody(a.node.state(), a.node.selfAddress), { bigintKeys: ['nodeUid'] }) as {
      seedNodes: { node: string; nodeUid: bigint }[];
    };
    assert.deepEqual(
      new Set(seeds.seedNodes.map((s) => `${s.node}#${s.nodeUid}`)),
      new Set(nodes.map((n) => `${formatAddress(n.selfUniqueAddress.address)}#${n.selfUniqueAddress.uid}`)),
    );

    // The event stream replays the real state: one MemberUp per member, then the leader.
    const sse = await fetch(`${srv.url}/cluster/domain-events?type=MemberUp&type=LeaderChanged`);
    const reader = sse.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    await waitFor('the replay', async () => {
      const { value } = await reader.read();
      text += decoder.decode(value);
      return text.split('event:MemberUp').length === 4 && text.includes('event:LeaderChanged');
    });
    for (const n of nodes) assert.ok(text.includes(`"longUid":${n.selfUniqueAddress.uid}}`));
    await reader.cancel();

    const target = `Mgmt@127.0.0.1:${c.selfUniqueAddress.address.port}`;
    const leave = await call(`${srv.url}/cluster/members/${target}`, 'PUT', { body: 'operation=Leave', contentType: FORM });
    assert.deepEqual([leave.status, leave.text], [200, `{"message":"Leaving pekko://${target}"}`]);
    await waitFor('c to be removed', () => a.node.state().members.length === 2, 30_000);
    const gone = await call(`${srv.url}/cluster/members/${target}`);
    assert.deepEqual([gone.status, gone.text], [404, `{"message":"Member [${target}] not found"}`]);
  } finally {
    await srv.close();
    for (const n of nodes) await n.stop();
  }
});
