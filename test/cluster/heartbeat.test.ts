import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeartbeatRing, HeartbeatSenderState, compareRing } from '../../src/cluster/heartbeat.js';
import { DEFAULT_PHI_ACCRUAL_SETTINGS, phiAccrualRegistry } from '../../src/cluster/failure-detector.js';
import { uidHash, uniqueAddressKey, type UniqueAddress } from '../../src/address.js';

function node(port: number, uid: bigint): UniqueAddress {
  return { address: { protocol: 'pekko', system: 'sys', host: '127.0.0.1', port }, uid };
}

// uids whose hashes are 1..n so ring order is predictable: node i has hash i.
const nodes = Array.from({ length: 15 }, (_, i) => node(2550 + i, BigInt(i + 1)));
const none = new Map<string, UniqueAddress>();
const ports = (xs: UniqueAddress[]) => xs.map((n) => n.address.port);

test('ring order is by signed uid hash, ties by address', () => {
  const negative = node(3000, 0x80000000n); // low word 0x80000000: hash -2^31
  const sameHashA = node(3002, 1n << 32n | 1n); // hash of (1<<32|1) is 1 ^ 1 = 0
  const sameHashB = node(3001, 0n + (1n << 33n) + 2n); // 2 ^ 2 = 0
  assert.equal(uidHash(sameHashA.uid), uidHash(sameHashB.uid));
  const sorted = [nodes[2]!, sameHashA, negative, sameHashB].sort(compareRing);
  assert.deepEqual(ports(sorted), [3000, 3001, 3002, 2552]);
});

test('with few nodes every other node is a receiver', () => {
  const ring = new HeartbeatRing(nodes[0]!, nodes.slice(0, 10), none, 9);
  assert.deepEqual(ports(ring.receivers(nodes[0]!)), ports(nodes.slice(1, 10)));
});

test('with more nodes the receivers are the next 9 clockwise, wrapping', () => {
  const ring = new HeartbeatRing(nodes[0]!, nodes, none, 9);
  assert.deepEqual(ports(ring.receivers(nodes[0]!)), ports(nodes.slice(1, 10)));
  assert.deepEqual(ports(ring.receivers(nodes[10]!)), ports([...nodes.slice(11), ...nodes.slice(0, 5)]));
  // Every node is monitored by exactly 9 others.
  const counts = new Map<string, number>();
  for (const s of nodes) for (const r of ring.receivers(s)) counts.set(uniqueAddressKey(r), (counts.get(uniqueAddressKey(r)) ?? 0) + 1);
  for (const n of nodes) assert.equal(counts.get(uniqueAddressKey(n)), 9);
  // monitorsOf is the inverse: the 9 nodes counter-clockwise from a node heartbeat it.
  assert.deepEqual(ports(ring.monitorsOf(nodes[3]!)), ports([...nodes.slice(0, 3), ...nodes.slice(9)]));
  for (const n of nodes) {
    for (const mon of ring.monitorsOf(n)) assert.ok(ring.receivers(mon).some((r) => uniqueAddressKey(r) === uniqueAddressKey(n)));
  }
  const small = new HeartbeatRing(nodes[0]!, nodes.slice(0, 4), none, 9);
  assert.deepEqual(ports(small.monitorsOf(nodes[2]!)), ports([nodes[0]!, nodes[1]!, nodes[3]!]));
});

test('unreachable nodes on the way are included but not counted', () => {
  const u = new Map([nodes[2]!, nodes[3]!].map((n) => [uniqueAddressKey(n), n] as const));
  const ring = new HeartbeatRing(nodes[0]!, nodes, u, 9);
  assert.deepEqual(ports(ring.receivers(nodes[0]!)), ports(nodes.slice(1, 12)));
  // Once 9 are collected, later unreachable ones are skipped.
  const late = new Map([nodes[10]!].map((n) => [uniqueAddressKey(n), n] as const));
  const ring2 = new HeartbeatRing(nodes[0]!, nodes, late, 9);
  assert.deepEqual(ports(ring2.receivers(nodes[0]!)), ports(nodes.slice(1, 10)));
});

test('sender: the expected first heartbeat seeds the detector so a silent receiver gets suspected', () => {
  let t = 0;
  const fd = phiAccrualRegistry(DEFAULT_PHI_ACCRUAL_SETTINGS, () => t);
  const s = new HeartbeatSenderState(nodes[0]!, 9, fd);
  s.init(nodes.slice(0, 3), []);
  assert.deepEqual(ports(s.activeReceivers()), [2551, 2552]);
  s.heartbeatRsp(nodes[1]!);
  s.expectedFirstHeartbeat(nodes[1]!);
  s.expectedFirstHeartbeat(nodes[2]!);
  assert.equal(fd.isMonitoring(nodes[2]!.address), true);
  for (t = 0; t <= 10_000; t += 1000) s.heartbeatRsp(nodes[1]!);
  assert.equal(fd.isAvailable(nodes[1]!.address), true);
  assert.equal(fd.isAvailable(nodes[2]!.address), false);
});

test('sender: responses from another incarnation or a non-receiver are ignored', () => {
  const fd = phiAccrualRegistry(DEFAULT_PHI_ACCRUAL_SETTINGS, () => 0);
  const s = new HeartbeatSenderState(nodes[0]!, 9, fd);
  s.init(nodes.slice(0, 2), []);
  s.heartbeatRsp({ address: nodes[1]!.address, uid: 999n });
  assert.equal(fd.isMonitoring(nodes[1]!.address), false);
  s.heartbeatRsp(nodes[5]!);
  assert.equal(fd.isMonitoring(nodes[5]!.address), false);
  s.heartbeatRsp(nodes[1]!);
  assert.equal(fd.isMonitoring(nodes[1]!.address), true);
});

test('sender: old receiver now unreachable is heartbeated until it answers, then dropped', () => {
  let t = 0;
  const fd = phiAccrualRegistry(DEFAULT_PHI_ACCRUAL_SETTINGS, () => t);
  const self = node(2550, 100n);
  const a = node(2551, 101n);
  const b = node(2552, 102n);
  const c = node(2553, 103n);
  const s = new HeartbeatSenderState(self, 1, fd); // one receiver each
  s.init([self, a, b, c], []);
  assert.deepEqual(ports(s.activeReceivers()), [2551]);
  s.heartbeatRsp(a);
  t = 30_000; // a silent: unavailable
  s.unreachableMember(a); // a no longer counts: b becomes a receiver too (a still included)
  assert.deepEqual(ports(s.activeReceivers()), [2551, 2552]);
  s.removeMember(b); // ring now self, a, c; a unreachable so c is picked
  assert.deepEqual(ports(s.activeReceivers()), [2551, 2553]);
  s.reachableMember(a); // a counts again: only a is a ring receiver, c dropped (available -> FD removed)
  assert.deepEqual(ports(s.activeReceivers()), [2551]);
  // Now make a drop out of the ring while unavailable: a node between self and a arrives.
  const between = node(2560, 100n); // same hash as self, higher address: sorts right after self
  s.addMember(between);
  assert.deepEqual(ports(s.activeReceivers()).sort(), [2551, 2560], 'a kept as old receiver now unreachable');
  assert.equal(s.isActiveReceiver(a), true);
  s.heartbeatRsp(a); // a answers: no longer watched
  assert.equal(s.isActiveReceiver(a), false);
  assert.equal(fd.isMonitoring(a.address), false);
});

test('reaper: detector verdicts become edits of self row only; Terminated is never revived', async () => {
  const { reaperChanges } = await import('../../src/cluster/heartbeat-plugin.js');
  const m = (u: UniqueAddress) => ({ uniqueAddress: u, status: 'Up' as const, roles: ['dc-default'], upNumber: 1, appVersion: '0.0.0', dataCenter: 'default' });
  const [self, a, b, c, d] = nodes as [UniqueAddress, UniqueAddress, UniqueAddress, UniqueAddress, UniqueAddress];
  const reach = {
    records: [
      { observer: self, subject: b, status: 'Unreachable' as const, version: 1 },
      { observer: self, subject: c, status: 'Terminated' as const, version: 2 },
      { observer: a, subject: d, status: 'Unreachable' as const, version: 1 },
    ],
    versions: new Map(),
  };
  const down = new Set([a, d].map(uniqueAddressKey));
  const r = reaperChanges(self, [self, a, b, c, d].map(m), reach, (n) => !down.has(uniqueAddressKey(n)));
  assert.deepEqual(ports(r.unreachable), [2551, 2554], 'a and d are not available and self has no record of them');
  assert.deepEqual(ports(r.reachable), [2552], 'b recovered; c stays Terminated');
  assert.deepEqual(reaperChanges(self, [m(self)], reach, () => false), { unreachable: [], reachable: [] });
  // A member that confirmed its exit is not reported, however its detector looks.
  const exited = new Set([uniqueAddressKey(d)]);
  const r2 = reaperChanges(self, [self, a, b, c, d].map(m), reach, (n) => !down.has(uniqueAddressKey(n)), (n) => exited.has(uniqueAddressKey(n)));
  assert.deepEqual(ports(r2.unreachable), [2551]);
});
