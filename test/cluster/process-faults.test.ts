// The transport's fault injection in real processes: one node blocks its peers, the failure
// detectors on both sides mark the other side unreachable, and unblocking heals it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/cluster-wait.js';
import { killAllNodes, startNode, type StateView } from '../support/cluster-harness.js';
import { nodeConfig } from '../support/cluster-config.js';

after(killAllNodes);

const SYSTEM = 'Faults';
const HOSTS = ['127.0.0.22', '127.0.0.23', '127.0.0.24'];
const FAST_FD = `pekko.cluster.failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s, expected-response-after = 200ms }`;

test('blocking traffic at one node makes both sides unreachable to each other until unblocked', async () => {
  const ports = await Promise.all(HOSTS.map((h) => freePort(h)));
  const addresses = HOSTS.map((h, i) => `pekko://${SYSTEM}@${h}:${ports[i]}`);
  const nodes = HOSTS.map((host, i) =>
    startNode({ name: `f${i + 1}`, config: nodeConfig({ system: SYSTEM, host, port: ports[i] as number, seeds: addresses, extra: FAST_FD }) }),
  );
  await Promise.all(nodes.map((n) => n.ready));
  const states = (): Promise<StateView[]> => Promise.all(nodes.map((n) => n.state()));
  await waitFor(
    'three Up members',
    async () => (await states()).every((s) => s.members.length === 3 && s.members.every((m) => m.status === 'Up')),
    20_000,
    150,
  );

  const isolated = nodes[2]!;
  for (const a of addresses.slice(0, 2)) await isolated.request('block', { address: a });
  const partitioned = await waitFor(
    'each side sees the other unreachable',
    async () => {
      const s = await states();
      const ok =
        s[0]!.unreachable.includes(addresses[2]!) &&
        s[1]!.unreachable.includes(addresses[2]!) &&
        addresses.slice(0, 2).every((a) => s[2]!.unreachable.includes(a));
      return ok ? s : undefined;
    },
    15_000,
    150,
  );
  assert.deepEqual(partitioned[0]!.unreachable, [addresses[2]]);
  const blockedStats = await isolated.request<{ transport: { droppedBlocked: number } }>('stats');
  assert.ok(blockedStats.transport.droppedBlocked > 0);
  // Nobody is downed without a downing provider: membership stays three Up members.
  for (const s of partitioned) assert.ok(s.members.length === 3 && s.members.every((m) => m.status === 'Up'));

  for (const a of addresses.slice(0, 2)) await isolated.request('unblock', { address: a });
  await waitFor('reachable again everywhere', async () => (await states()).every((s) => s.unreachable.length === 0), 15_000, 150);
});
