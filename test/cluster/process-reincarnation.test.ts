// Real processes: a new incarnation started on the host:port of a member that left and was
// removed (Kubernetes reuses pod IPs) joins and stays, even when the members it did not join
// through get its heartbeats before any gossip names it. Before uid-keyed quarantine, those
// members answered with the old incarnation's quarantine notice and the new node downed itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/cluster-wait.js';
import { killAllNodes, startNode, waitForStates, type NodeProcess } from '../support/cluster-harness.js';
import { nodeConfig } from '../support/cluster-config.js';

after(killAllNodes);

const SYSTEM = 'ReincarnationTest';
const HOSTS = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every process reports exactly the expected address -> uid map, all Up. */
function allUp(procs: readonly NodeProcess[], expected: ReadonlyMap<string, string>, what: string): Promise<void> {
  return waitForStates(
    procs,
    (views) => views.every((st) => st.members.length === expected.size && st.members.every((m) => m.status === 'Up' && expected.get(m.address) === m.uid)),
    what,
  );
}

test('a new incarnation at the host:port of a removed member joins and stays Up', async () => {
  const ports = await Promise.all(HOSTS.map((h) => freePort(h)));
  const addresses = HOSTS.map((h, i) => `pekko://${SYSTEM}@${h}:${ports[i]}`);
  const seeds = addresses.slice(0, 3);
  const spawnAt = (i: number, name: string): NodeProcess =>
    startNode({
      name,
      config: nodeConfig({
        system: SYSTEM,
        host: HOSTS[i] as string,
        port: ports[i] as number,
        seeds,
        extra: 'pekko.cluster.quarantine-removed-node-after = 500ms',
      }),
    });
  const procs = HOSTS.map((_, i) => spawnAt(i, `n${i + 1}`));
  await Promise.all(procs.map((p) => p.ready));
  const expected = new Map(procs.map((p, i) => [addresses[i] as string, p.uid]));
  await allUp(procs, expected, 'four Up members');

  // The fourth leaves gracefully and is removed; its uid is quarantined everywhere after 500 ms.
  const old = procs[3] as NodeProcess;
  await old.request('leave');
  assert.equal(await old.exited, 0);
  const stayers = procs.slice(0, 3);
  expected.delete(addresses[3] as string);
  await allUp(stayers, expected, 'the leaver removed everywhere');
  await sleep(1500);

  // Gossip between the stayers is held back, so whoever welcomes the new incarnation cannot tell
  // the others yet, while the new node already heartbeats all of them.
  const blocks = stayers.flatMap((p) => stayers.filter((q) => q !== p).map((q) => [p, q.address] as const));
  for (const [p, to] of blocks) await p.request('block', { address: to });
  const reborn = spawnAt(3, 'n4-reborn');
  await reborn.ready;
  assert.equal(reborn.address, addresses[3]);
  assert.notEqual(reborn.uid, old.uid);
  await waitFor('the new incarnation welcomed', async () => ((await reborn.state()).self.status === 'Joining' ? true : undefined), 20_000, 50);
  await sleep(2000);
  for (const [p, to] of blocks) await p.request('unblock', { address: to });

  expected.set(addresses[3] as string, reborn.uid);
  const all = [...stayers, reborn];
  await allUp(all, expected, 'the new incarnation Up everywhere');
  await sleep(3000);
  await allUp(all, expected, 'the new incarnation still Up');
  assert.equal(reborn.child.exitCode, null, 'the new incarnation still runs');
  assert.ok(!reborn.events.some((e) => e.type === 'MemberDowned'), reborn.log.slice(-20).join('\n'));
  assert.ok(!reborn.log.some((l) => l.includes('Marking node as DOWN')), reborn.log.slice(-20).join('\n'));
});
