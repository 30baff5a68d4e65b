import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, parseAddress, uniqueAddressKey, type UniqueAddress } from '../../src/address.js';
import {
  encodeMessage,
  fromWire,
  LIMITS,
  ProtocolError,
  toWire,
  validateMessage,
  type ClusterMessage,
} from '../../src/cluster/protocol.js';
import { emptyGossip, stamp, updateMembers, type Gossip } from '../../src/cluster/gossip.js';
import { makeMember } from '../../src/cluster/member.js';
import { changeReachability } from '../../src/cluster/reachability.js';

const ua = (host: string, uid: bigint): UniqueAddress => ({ address: parseAddress(`pekko://sys@${host}:17355`), uid });
const a = ua('10.0.0.1', -9223372036854775808n);
const b = ua('10.0.0.2', 9223372036854775807n);
const c = ua('[::1]', 42n);

function sampleGossip(): Gossip {
  let g = updateMembers(emptyGossip, [
    makeMember(a, 'Up', ['dc-default', 'web'], '1.2.3', 1),
    makeMember(b, 'Joining', ['dc-default'], '1.2.3'),
    makeMember(c, 'Leaving', ['dc-default'], '0.0.0', 2),
  ]);
  g = { ...g, reachability: changeReachability(g.reachability, a, b, 'Unreachable') };
  g = stamp(g, a, false);
  const gone = ua('10.0.0.9', 7n);
  return { ...g, tombstones: new Map([[uniqueAddressKey(gone), { node: gone, timestamp: 1234 }]]) };
}

function roundTrip(m: ClusterMessage): ClusterMessage {
  return fromWire(encodeMessage(m));
}

test('every message type survives toWire/fromWire, uids exact as 64-bit', () => {
  const g = sampleGossip();
  const messages: ClusterMessage[] = [
    { type: 'InitJoin', from: a.address, config: { 'pekko.version': '1.1.0' } },
    { type: 'InitJoinAck', from: a.address, configCheck: { type: 'Compatible', config: { k: 'v' } } },
    { type: 'InitJoinAck', from: a.address, configCheck: { type: 'Incompatible' } },
    { type: 'InitJoinNack', from: b.address },
    { type: 'Join', node: b, roles: ['dc-default', 'x'], appVersion: '1.0.0' },
    { type: 'Welcome', from: a, gossip: g },
    { type: 'Leave', address: c.address },
    { type: 'Down', address: c.address },
    { type: 'PrepareForShutdown' },
    { type: 'ExitingConfirmed', node: c },
    { type: 'GossipEnvelope', from: a, to: b, gossip: g },
    { type: 'GossipStatus', from: a, version: g.version, seenDigest: 'abc' },
    { type: 'Heartbeat', from: a, sequenceNr: 5, creationTime: 123456 },
    { type: 'HeartbeatRsp', from: b, sequenceNr: 5, creationTime: 123456 },
    { type: 'Quarantined', from: a, to: c },
    { type: 'UnknownIncarnation', from: a, to: c },
  ];
  for (const m of messages) {
    const back = roundTrip(m);
    assert.deepEqual(back, m, m.type);
  }
  const wire = toWire({ type: 'Join', node: b, roles: [], appVersion: '0' });
  assert.deepEqual(wire.node, { address: 'pekko://sys@10.0.0.2:17355', uid: '9223372036854775807' });
});

test('gossip round trip keeps members, seen, reachability rows, version and tombstones', () => {
  const g = sampleGossip();
  const m = roundTrip({ type: 'GossipEnvelope', from: a, to: b, gossip: g });
  assert.equal(m.type, 'GossipEnvelope');
  if (m.type !== 'GossipEnvelope') return;
  assert.deepEqual(m.gossip.members, g.members);
  assert.deepEqual([...m.gossip.seen], [...g.seen]);
  assert.deepEqual(m.gossip.reachability.records, g.reachability.records);
  assert.deepEqual([...m.gossip.reachability.versions], [...g.reachability.versions]);
  assert.deepEqual([...m.gossip.version], [...g.version]);
  const wire = toWire({ type: 'GossipEnvelope', from: a, to: b, gossip: g }).gossip as { version: unknown[] };
  assert.deepEqual(wire.version, [[0, 1]], 'clock entries of members are sent as member indexes');
  const foreign = { ...g, version: new Map([...g.version, ['c'.repeat(32), 4]]) };
  const back = roundTrip({ type: 'GossipEnvelope', from: a, to: b, gossip: foreign });
  assert.ok(back.type === 'GossipEnvelope' && back.gossip.version.get('c'.repeat(32)) === 4, 'non-member keys are kept as hex');
  assert.deepEqual([...m.gossip.tombstones.values()], [...g.tombstones.values()]);
});

function rejects(value: unknown, pathPart: RegExp): void {
  assert.throws(() => validateMessage(value), (e: unknown) => e instanceof ProtocolError && pathPart.test(e.message));
}

test('malformed messages are rejected with a ProtocolError naming the problem', () => {
  const join = toWire({ type: 'Join', node: a, roles: [], appVersion: '1' });
  rejects(null, /expected an object/);
  rejects([], /expected an object/);
  rejects({ ...join, v: 2 }, /unsupported protocol version/);
  rejects({ ...join, type: 'Bogus' }, /message.type/);
  rejects({ ...join, node: { address: 'pekko://sys@h:1', uid: 5 } }, /node.uid/);
  rejects({ ...join, node: { address: 'pekko://sys@h:1', uid: '9223372036854775808' } }, /64-bit/);
  rejects({ ...join, node: { address: 'pekko://sys@h:1', uid: '1e5' } }, /decimal/);
  rejects({ ...join, node: { address: 'not an address', uid: '1' } }, /node.address/);
  rejects({ ...join, node: { address: 'pekko://sys@h:70000', uid: '1' } }, /node.address/);
  rejects({ ...join, roles: 'x' }, /roles/);
  rejects({ ...join, roles: new Array(LIMITS.roles + 1).fill('r') }, /more than/);
  rejects({ ...join, appVersion: 'x'.repeat(LIMITS.stringChars + 1) }, /longer than/);
  const hb = toWire({ type: 'Heartbeat', from: a, sequenceNr: 1, creationTime: 1 });
  rejects({ ...hb, from: formatAddress(a.address) }, /from/);
  rejects({ ...hb, sequenceNr: -1 }, /out of range/);
  rejects({ ...hb, sequenceNr: 1.5 }, /integer/);
  rejects({ ...hb, sequenceNr: '1' }, /integer/);
  assert.throws(() => fromWire('{not json'), ProtocolError);
  assert.throws(() => fromWire(Buffer.from('[1,2')), ProtocolError);
});

test('gossip with bad indexes, statuses, duplicates or clock keys is rejected', () => {
  const env = toWire({ type: 'GossipEnvelope', from: a, to: b, gossip: sampleGossip() });
  const gossip = env.gossip as Record<string, unknown> & { members: Array<Record<string, unknown>> };
  const variant = (patch: Record<string, unknown>) => ({ ...env, gossip: { ...gossip, ...patch } });
  rejects(variant({ seen: [3] }), /seen\[0\]/);
  rejects(variant({ seen: [-1] }), /seen\[0\]/);
  rejects(variant({ members: [...gossip.members, gossip.members[0]] }), /duplicate member/);
  rejects(variant({ members: [{ ...gossip.members[0], status: 'Removed' }] }), /status/);
  rejects(variant({ members: [{ ...gossip.members[0], upNumber: 2 ** 31 }] }), /upNumber/);
  rejects(variant({ version: [['__proto__', 1]] }), /hex/);
  rejects(variant({ version: [[7, 1]] }), /no such member/);
  rejects(variant({ version: [[0.5, 1]] }), /no such member/);
  rejects(variant({ version: [[0, 1], [0, 2]] }), /duplicate clock entry/);
  rejects(variant({ version: [[0, 1, 2]] }), /more than 2/);
  rejects(variant({ version: [['a'.repeat(32), -1]] }), /out of range/);
  rejects(variant({ version: [['a'.repeat(32), Number.MAX_SAFE_INTEGER]] }), /out of range/);
  const env2 = toWire({ type: 'GossipStatus', from: a, version: new Map([['b'.repeat(32), 1]]), seenDigest: 'x' });
  rejects({ ...env2, version: { zz: 1 } }, /hex/);
  rejects(variant({ reachability: [{ observer: 0, version: 1, records: [{ subject: 9, status: 'Unreachable', version: 1 }] }] }), /subject/);
  rejects(variant({ reachability: [{ observer: 0, version: 1, records: [{ subject: 1, status: 'Gone', version: 1 }] }] }), /status/);
  rejects(variant({ tombstones: 'x' }), /tombstones/);
  rejects(variant({ members: new Array(LIMITS.members + 1).fill(gossip.members[0]) }), /more than/);
});
