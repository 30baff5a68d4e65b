// Real processes over real TCP on loopback. Timings are shortened so the suite stays quick:
// heartbeat-interval 500 ms, acceptable-heartbeat-pause 1 s (detection in ~2-3 s) and
// split-brain-resolver.stable-after 2 s (down-all-when-unstable = on -> 4 s). Semantics are Pekko's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/net.js';
import { nodeConfig } from '../support/cluster-config.js';
import { waitFor } from '../support/cluster-wait.js';
import { SbrNode, killAll } from './sbr-node-harness.js';

after(killAll);

const SBR = `
pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
pekko.cluster.split-brain-resolver { active-strategy = keep-majority, stable-after = 2s }
pekko.cluster.failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 1s }
`;

async function startCluster(n: number, system: string): Promise<SbrNode[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort('127.0.0.1'));
  const seed = `pekko://${system}@127.0.0.1:${ports[0]}`;
  const nodes = ports.map((port) => new SbrNode(nodeConfig({ system, host: '127.0.0.1', port, seeds: [seed], extra: SBR })));
  await Promise.all(nodes.map((x) => x.ready));
  await waitFor(
    `${n} nodes Up everywhere`,
    async () => {
      const states = await Promise.all(nodes.map((x) => x.state()));
      return states.every((s) => s.members.length === n && s.members.every((m) => m.status === 'Up'));
    },
    30_000,
    200,
  );
  return nodes;
}

const lists = (s: { members: { address: string }[] }, address: string) => s.members.some((m) => m.address === address);

test('SIGKILL one of five: unreachable everywhere, then downed by the resolver and removed', async () => {
  const nodes = await startCluster(5, 'kill');
  const victim = nodes[4]!;
  const rest = nodes.slice(0, 4);
  victim.kill('SIGKILL');
  await waitFor('victim unreachable on every survivor', async () => (await Promise.all(rest.map((x) => x.state()))).every((s) => s.unreachable.includes(victim.address)), 20_000, 100);
  await waitFor('victim removed on every survivor', async () => (await Promise.all(rest.map((x) => x.state()))).every((s) => !lists(s, victim.address) && s.members.length === 4), 30_000, 200);
  for (const x of rest) {
    const types = x.events.filter((e) => e.member === victim.address).map((e) => e.type);
    assert.ok(types.includes('UnreachableMember') && types.includes('MemberDowned') && types.includes('MemberRemoved'), `${x.address}: ${types.join(',')}`);
    assert.ok(types.indexOf('UnreachableMember') < types.indexOf('MemberDowned'));
  }
  // The survivors are one healthy cluster.
  const states = await Promise.all(rest.map((x) => x.state()));
  assert.ok(states.every((s) => s.unreachable.length === 0 && s.members.every((m) => m.status === 'Up')));
  for (const x of rest) x.kill('SIGTERM');
  await Promise.all(rest.map((x) => x.exited));
});

test('SIGTERM one of five: graceful leave, removed everywhere without downing, exit code 0', async () => {
  const nodes = await startCluster(5, 'term');
  const leaver = nodes[3]!;
  const rest = nodes.filter((x) => x !== leaver);
  leaver.kill('SIGTERM');
  const code = await leaver.exited;
  assert.equal(code, 0);
  const own = leaver.events.filter((e) => e.member === leaver.address).map((e) => e.type);
  assert.ok(own.includes('MemberLeft') && own.includes('MemberExited'), own.join(','));
  assert.equal(leaver.events.find((e) => e.event === 'shutdown')?.reason, 'JvmExitReason');
  await waitFor('leaver removed on every other node', async () => (await Promise.all(rest.map((x) => x.state()))).every((s) => !lists(s, leaver.address)), 20_000, 100);
  for (const x of rest) {
    const types = x.events.filter((e) => e.member === leaver.address).map((e) => e.type);
    assert.ok(!types.includes('MemberDowned'), `${x.address} saw a downing: ${types.join(',')}`);
    assert.ok(types.includes('MemberRemoved'));
  }
  for (const x of rest) x.kill('SIGTERM');
  assert.deepEqual(await Promise.all(rest.map((x) => x.exited)), [0, 0, 0, 0]);
});

test('a partition {A,B,C} | {D,E} made by dropping traffic is resolved to the majority side', async () => {
  const nodes = await startCluster(5, 'split');
  const majority = nodes.slice(0, 3);
  const minority = nodes.slice(3);
  for (const a of majority) for (const b of minority) {
    await a.request('block', { address: b.address });
    await b.request('block', { address: a.address });
  }
  // The minority downs itself and its processes exit with the downing exit code (-1 -> 255).
  const codes = await Promise.all(minority.map((x) => x.exited));
  assert.deepEqual(codes, [255, 255]);
  for (const x of minority) assert.equal(x.events.find((e) => e.event === 'shutdown')?.reason, 'ClusterDowningReason');
  await waitFor('majority removed the minority', async () => {
    const states = await Promise.all(majority.map((x) => x.state()));
    return states.every((s) => s.members.length === 3 && s.members.every((m) => m.status === 'Up') && s.unreachable.length === 0);
  }, 30_000, 200);
  assert.ok(majority.every((x) => x.exitCode === undefined), 'the majority keeps running');
  for (const x of majority) x.kill('SIGTERM');
  await Promise.all(majority.map((x) => x.exited));
});
