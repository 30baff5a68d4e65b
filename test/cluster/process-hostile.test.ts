// Hostile and broken peers against a running two-process cluster: bad frames, refused
// handshakes and invalid or misaddressed messages are dropped and counted; the nodes keep
// running and their membership does not change.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress } from '../../src/address.js';
import { makeMember } from '../../src/cluster/member.js';
import { emptyGossip, updateMembers } from '../../src/cluster/gossip.js';
import { encodeMessage } from '../../src/cluster/protocol.js';
import { FrameKind, type TransportStats } from '../../src/cluster/tcp-transport.js';
import type { NodeCounters } from '../../src/cluster/node.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/cluster-wait.js';
import { RawPeer } from '../support/cluster-raw-peer.js';
import { killAllNodes, startNode, type StateView } from '../support/cluster-harness.js';
import { nodeConfig } from '../support/cluster-config.js';

const peers: RawPeer[] = [];
after(async () => {
  for (const p of peers) p.destroy();
  await killAllNodes();
});

const SYSTEM = 'Hostile';
const HOSTS = ['127.0.0.12', '127.0.0.13'];

interface Stats {
  transport: TransportStats;
  node: NodeCounters;
}

const view = (s: StateView): string => JSON.stringify(s.members.map((m) => [m.address, m.uid, m.status, m.upNumber]));

test('garbage, oversized frames, foreign systems and misaddressed messages leave a running cluster unchanged', async () => {
  const ports = await Promise.all(HOSTS.map((h) => freePort(h)));
  const addresses = HOSTS.map((h, i) => `pekko://${SYSTEM}@${h}:${ports[i]}`);
  const nodes = HOSTS.map((host, i) =>
    startNode({ name: `h${i + 1}`, config: nodeConfig({ system: SYSTEM, host, port: ports[i] as number, seeds: addresses }) }),
  );
  await Promise.all(nodes.map((n) => n.ready));
  const target = nodes[0]!;
  const host = HOSTS[0] as string;
  const port = ports[0] as number;
  await waitFor(
    'two Up members',
    async () => {
      const states = await Promise.all(nodes.map((n) => n.state()));
      return states.every((s) => s.members.length === 2 && s.members.every((m) => m.status === 'Up') && view(s) === view(states[0]!));
    },
    20_000,
    150,
  );
  const before = await target.state();
  const statsBefore = await target.request<Stats>('stats');
  const connect = async (): Promise<RawPeer> => {
    const p = await RawPeer.connect(host, port, '127.0.0.14');
    peers.push(p);
    return p;
  };

  // Garbage bytes (read as a huge length) and an explicit oversized frame: connection closed.
  const garbage = await connect();
  garbage.write(Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello, not a cluster peer'));
  assert.ok(await garbage.closedWithin(5000));
  const oversized = await connect();
  oversized.write(Buffer.from([0x00, 0x10, 0x00, 0x00, FrameKind.Hello, 0x7b]));
  assert.ok(await oversized.closedWithin(5000));

  // A handshake from another system: refused with a reason, then closed.
  const foreign = await connect();
  foreign.hello('pekko://Other@127.0.0.14:25520', 77n, target.address.replace(`${SYSTEM}@`, 'Other@'));
  const refused = await foreign.reply();
  assert.equal(refused.kind, FrameKind.Reject);
  assert.ok(await foreign.closedWithin(5000));

  // A proper handshake, then messages that must all be dropped.
  const liar = await connect();
  liar.hello(`pekko://${SYSTEM}@127.0.0.14:25520`, 99n, target.address);
  assert.equal((await liar.reply()).kind, FrameKind.Welcome);
  const fake = { address: parseAddress(`pekko://${SYSTEM}@127.0.0.14:25520`), uid: 99n };
  const self = { address: parseAddress(target.address), uid: BigInt(target.uid) };
  const wrongUid = { ...self, uid: self.uid + 1n };
  const evilGossip = updateMembers(emptyGossip, [
    makeMember(wrongUid, 'Down', [], '0.0.0', 1),
    makeMember(fake, 'Up', [], '0.0.0', 1),
  ]);
  // Addressed to another incarnation of the target (wrong uid).
  liar.message(encodeMessage({ type: 'GossipEnvelope', from: fake, to: wrongUid, gossip: evilGossip }));
  // Addressed correctly, but from a node that is not a member.
  liar.message(encodeMessage({ type: 'GossipEnvelope', from: fake, to: self, gossip: evilGossip }));
  // Claiming to come from the real second member, with a gossip that leaves the target out.
  const member2 = before.members.find((m) => m.address !== target.address)!;
  const spoofed = { address: parseAddress(member2.address), uid: BigInt(member2.uid) };
  liar.message(encodeMessage({ type: 'GossipEnvelope', from: spoofed, to: self, gossip: updateMembers(emptyGossip, [makeMember(spoofed, 'Up', [], '0.0.0', 1)]) }));
  // Not valid JSON, an unknown version, and a field out of range.
  liar.message('{"v":1,"type":"GossipEnvelope",');
  liar.message('{"v":7,"type":"Leave","address":"x"}');
  liar.message(`{"v":1,"type":"Heartbeat","from":"pekko://${SYSTEM}@127.0.0.14:25520","sequenceNr":-5,"creationTime":0}`);
  // A Join naming another system inside an otherwise valid message.
  liar.message(encodeMessage({ type: 'Join', node: { address: parseAddress('pekko://Other@127.0.0.14:25520'), uid: 5n }, roles: [], appVersion: '1.0.0' }));

  const stats = await waitFor(
    'hostile input counted',
    async () => {
      const s = await target.request<Stats>('stats');
      return s.transport.malformedMessages - statsBefore.transport.malformedMessages >= 3 &&
        s.node.dropped.wrongUid > statsBefore.node.dropped.wrongUid &&
        s.node.dropped.wrongSystem > statsBefore.node.dropped.wrongSystem &&
        s.node.dropped.selfNotInGossip > statsBefore.node.dropped.selfNotInGossip
        ? s
        : undefined;
    },
    5000,
  );
  const t = stats.transport;
  const t0 = statsBefore.transport;
  assert.ok(t.oversizedFrames - t0.oversizedFrames >= 2, 'garbage and the explicit oversized frame');
  assert.ok(t.rejectedHandshakes - t0.rejectedHandshakes >= 1, 'the foreign system');
  assert.ok(stats.node.dropped.unknownSender > statsBefore.node.dropped.unknownSender, 'gossip from a non-member');
  assert.ok(stats.node.dropped.selfNotInGossip > statsBefore.node.dropped.selfNotInGossip, 'gossip without self');
  assert.equal(await liar.closedWithin(100), false, 'invalid messages do not cost the connection');

  // Several gossip rounds later nothing has changed and both processes are alive.
  await new Promise((r) => setTimeout(r, 1000));
  const states = await Promise.all(nodes.map((n) => n.state()));
  for (const s of states) assert.equal(view(s), view(before));
  assert.ok(nodes.every((n) => n.exitCode === undefined));
});
