// Five real node processes on 127.0.0.2-127.0.0.6 form a cluster through pekko.cluster.seed-nodes;
// one leaves gracefully; one is killed and restarted on the same host:port with a new uid.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/cluster-wait.js';
import { killAllNodes, startNode, type NodeProcess, type StateView } from '../support/cluster-harness.js';
import { nodeConfig } from '../support/cluster-config.js';

after(killAllNodes);

const SYSTEM = 'ProcTest';
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];

interface Slot {
  host: string;
  port: number;
  address: string;
  proc: NodeProcess;
}

function summary(s: StateView): string {
  return s.members.map((m) => `${m.address}#${m.uid}:${m.status}`).join(', ') + ` leader=${s.leader}`;
}

/** Waits until every given node reports exactly `expected` (address -> uid) as Up members and one shared leader. */
async function converged(slots: readonly Slot[], expected: ReadonlyMap<string, string>, what: string): Promise<StateView[]> {
  let last: StateView[] = [];
  try {
    return await waitFor(
      what,
      async () => {
        last = await Promise.all(slots.map((s) => s.proc.state()));
        const ok = last.every(
          (st) =>
            st.members.length === expected.size &&
            st.members.every((m) => m.status === 'Up' && expected.get(m.address) === m.uid) &&
            st.leader !== null &&
            st.leader === last[0]?.leader,
        );
        return ok ? last : undefined;
      },
      30_000,
      150,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${last.map(summary).join('\n')}`);
  }
}

test('five processes form one cluster, one leaves, one restarts with a new uid and replaces its old incarnation', async () => {
  const ports = await Promise.all(HOSTS.map((h) => freePort(h)));
  const addresses = HOSTS.map((h, i) => `pekko://${SYSTEM}@${h}:${ports[i]}`);
  const seeds = addresses.slice(0, 3);
  const spawnAt = (i: number): NodeProcess =>
    startNode({ name: `n${i + 1}`, config: nodeConfig({ system: SYSTEM, host: HOSTS[i] as string, port: ports[i] as number, seeds }) });
  const slots: Slot[] = HOSTS.map((host, i) => ({ host, port: ports[i] as number, address: addresses[i] as string, proc: spawnAt(i) }));
  await Promise.all(slots.map((s) => s.proc.ready));
  slots.forEach((s) => assert.equal(s.proc.address, s.address, 'the canonical address is the configured one'));

  // 1. One cluster: five Up members with identical views and one leader.
  const expected = new Map(slots.map((s) => [s.address, s.proc.uid]));
  const states = await converged(slots, expected, 'five Up members everywhere');
  const upNumbers = (states[0] as StateView).members.map((m) => m.upNumber).sort((a, b) => a - b);
  assert.equal(new Set(upNumbers).size, 5, 'distinct upNumbers');
  assert.equal(upNumbers[0], 1, 'the first node up has upNumber 1');
  const first = states.map((s) => JSON.stringify(s.members));
  assert.equal(new Set(first).size, 1, 'all five report the same members');
  // The leader is the lowest address among Up members (plain string order of hosts).
  assert.equal(states[0]?.leader, [...addresses].sort()[0]);

  // 2. A graceful leave: the node goes Leaving -> Exiting -> Removed, and its process ends.
  const leaver = slots[4] as Slot;
  await leaver.proc.request('leave');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([leaver.proc.exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 20_000)))]);
  clearTimeout(timer);
  assert.equal(code, 0, 'the leaving node shuts down cleanly after removal');
  assert.ok(leaver.proc.events.some((e) => e.event === 'terminated'));
  const remaining = slots.slice(0, 4);
  expected.delete(leaver.address);
  await converged(remaining, expected, 'the leaver removed everywhere');
  for (const s of remaining) {
    const removed = s.proc.events.find((e) => e.type === 'MemberRemoved' && e.member === leaver.address);
    assert.ok(removed, `${s.address} saw MemberRemoved for the leaver`);
  }

  // 3. A crash and restart on the same host:port: the new incarnation (new uid) replaces the old one.
  const restarted = slots[3] as Slot;
  const oldUid = restarted.proc.uid;
  await restarted.proc.kill('SIGKILL');
  restarted.proc = spawnAt(3);
  await restarted.proc.ready;
  assert.equal(restarted.proc.address, restarted.address);
  assert.notEqual(restarted.proc.uid, oldUid);
  expected.set(restarted.address, restarted.proc.uid);
  const after = await converged(remaining, expected, 'the new incarnation Up everywhere, the old one gone');
  for (const st of after) assert.ok(!st.members.some((m) => m.uid === oldUid));
});
