// Real processes: a gracefully leaving node confirms its exit to the nodes whose failure
// detectors watch it, so while the leader has not yet removed it (here: leader actions only
// every 4 s, a fast failure detector) nobody reports the stopped process unreachable — such
// reports only add gossip versions, delay convergence and with it every leader action.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/net.js';
import { killAllNodes, startNode, waitForStates, type NodeProcess } from '../support/cluster-harness.js';
import { nodeConfig } from '../support/cluster-config.js';

after(killAllNodes);

const SYSTEM = 'ExitConfirmedTest';
const HOSTS = ['127.0.0.25', '127.0.0.26', '127.0.0.27', '127.0.0.28'];
const EXTRA = `
pekko.cluster {
  leader-actions-interval = 4s
  failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 600ms }
}`;

test('a node that left is removed on its ExitingConfirmed and never reported unreachable, even when removal waits', async () => {
  const ports = await Promise.all(HOSTS.map((h) => freePort(h)));
  const addresses = HOSTS.map((h, i) => `pekko://${SYSTEM}@${h}:${ports[i]}`);
  const procs = HOSTS.map((host, i) =>
    startNode({ name: `n${i + 1}`, config: nodeConfig({ system: SYSTEM, host, port: ports[i] as number, seeds: addresses.slice(0, 2), extra: EXTRA }) }),
  );
  await Promise.all(procs.map((p) => p.ready));
  await waitForStates(procs, (v) => v.every((s) => s.members.length === 4 && s.members.every((m) => m.status === 'Up')), 'four Up members');

  // A non-leader leaves (the leader is the lowest address).
  const leaver = procs[3] as NodeProcess;
  const stayers = procs.slice(0, 3);
  await leaver.request('leave');
  assert.equal(await leaver.exited, 0, 'the leaver exits cleanly');
  const exitedAt = Date.now();
  await waitForStates(stayers, (v) => v.every((s) => !s.members.some((m) => m.address === leaver.address)), 'the leaver removed everywhere');
  // Removal waited for the next leader tick: longer than the detector (pause 600 ms) needs.
  assert.ok(Date.now() - exitedAt > 1500, `removed ${Date.now() - exitedAt} ms after the exit`);
  for (const p of stayers) {
    const reports = p.events.filter((e) => e.type === 'UnreachableMember' && e.member === leaver.address);
    assert.deepEqual(reports, [], `${p.name} reported the leaver unreachable\n${p.log.slice(-30).join('\n')}`);
    assert.ok(p.events.some((e) => e.type === 'MemberRemoved' && e.member === leaver.address), `${p.name} saw the removal`);
  }
});
