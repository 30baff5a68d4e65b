import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decide,
  indirectlyConnected,
  isInMinority,
  nodesToDown,
  reverseDecision,
  type SbrView,
  type StrategySettings,
  type UnreachableRecord,
} from '../../src/cluster/sbr/strategy.js';
import { formatAddress, uniqueAddressKey, type UniqueAddress } from '../../src/address.js';
import type { Member, MemberStatus } from '../../src/cluster/api.js';

function ua(host: string, port = 2552, uid = 1n): UniqueAddress {
  return { address: { protocol: 'pekko', system: 'sys', host, port }, uid };
}
function member(u: UniqueAddress, status: MemberStatus = 'Up', upNumber = 1, roles: string[] = []): Member {
  return { uniqueAddress: u, status, roles: ['dc-default', ...roles].sort(), upNumber, appVersion: '0.0.0', dataCenter: 'default' };
}
function view(self: UniqueAddress, members: Member[], unreachable: UniqueAddress[], opts: { records?: UnreachableRecord[]; seenBy?: UniqueAddress[] } = {}): SbrView {
  const records = opts.records ?? unreachable.map((s) => ({ observer: self, subject: s }));
  return {
    self,
    selfDataCenter: 'default',
    members,
    unreachable: new Set(unreachable.map(uniqueAddressKey)),
    records,
    seenBy: new Set((opts.seenBy ?? []).map((u) => formatAddress(u.address))),
  };
}
const hosts = (xs: UniqueAddress[]) => xs.map((u) => u.address.host);
const KM: StrategySettings = { name: 'keep-majority', role: '' };

const [A, B, C, D, E] = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((h) => ua(h)) as [UniqueAddress, UniqueAddress, UniqueAddress, UniqueAddress, UniqueAddress];
const five = [A, B, C, D, E].map((u, i) => member(u, 'Up', i + 1));

test('keep-majority: the majority downs the unreachable minority, the minority downs itself (self last)', () => {
  const fromA = view(A, five, [D, E]);
  assert.equal(decide(KM, fromA).type, 'DownUnreachable');
  assert.deepEqual(hosts(nodesToDown(KM, fromA, decide(KM, fromA))), ['10.0.0.4', '10.0.0.5']);
  const fromD = view(D, five, [A, B, C]);
  assert.equal(decide(KM, fromD).type, 'DownReachable');
  assert.deepEqual(hosts(nodesToDown(KM, fromD, decide(KM, fromD))), ['10.0.0.5', '10.0.0.4'], 'self (D) last');
});

test('keep-majority: equal halves keep the side with the lowest address (host string order)', () => {
  const lo = ua('10.0.0.10');
  const hi = ua('10.0.0.9');
  const x = ua('10.0.0.7');
  const y = ua('10.0.0.8');
  const ms = [lo, hi, x, y].map((u) => member(u));
  // "10.0.0.10" < "10.0.0.7" < ... as strings, so lo is the lowest member.
  assert.equal(decide(KM, view(lo, ms, [x, y])).type, 'DownUnreachable');
  assert.equal(decide(KM, view(x, ms, [lo, hi])).type, 'DownReachable');
});

test('keep-majority: Leaving members on this side trigger the edge re-check (DownAll when it disagrees)', () => {
  // 4 vs 3 only thanks to one Leaving member on this side: without it 3 vs 3 and the lowest is over there.
  const ms = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7'].map((h) => ua(h));
  const members = ms.map((u, i) => member(u, i === 6 ? 'Leaving' : 'Up', i + 1));
  const self = ms[4]!;
  const d = decide(KM, view(self, members, ms.slice(0, 3)));
  assert.equal(d.type, 'DownAll');
  // Without the Leaving member being on our side it is a plain majority.
  const members2 = ms.map((u, i) => member(u, 'Up', i + 1));
  assert.equal(decide(KM, view(self, members2, ms.slice(0, 3))).type, 'DownUnreachable');
});

test('keep-majority: Joining members on the other side count in the re-check', () => {
  // 3 Up here vs 2 Up + 2 Joining there: the Joining ones might be Up over there -> DownAll.
  const here = [A, B, C].map((u, i) => member(u, 'Up', i + 1));
  const there = [member(D, 'Up', 4), member(E, 'Up', 5), member(ua('10.0.0.6'), 'Joining', 2147483647), member(ua('10.0.0.7'), 'WeaklyUp', 2147483647)];
  const d = decide(KM, view(A, [...here, ...there], [D, E, ua('10.0.0.6'), ua('10.0.0.7')]));
  assert.equal(d.type, 'DownAll');
});

test('keep-majority: role limits what is counted, not what is downed', () => {
  const role: StrategySettings = { name: 'keep-majority', role: 'backend' };
  const ms = [member(A, 'Up', 1), member(B, 'Up', 2, ['backend']), member(C, 'Up', 3, ['backend']), member(D, 'Up', 4, ['backend'])];
  // From A: only B..D count; C and D are unreachable -> 1 vs 2 -> down reachable (A and B).
  const v = view(A, ms, [C, D]);
  assert.equal(decide(role, v).type, 'DownReachable');
  assert.deepEqual(hosts(nodesToDown(role, v, decide(role, v))), ['10.0.0.2', '10.0.0.1']);
  // No member with the role at all -> DownAll.
  const none = view(A, [member(A), member(B)], [B]);
  assert.equal(decide(role, none).type, 'DownAll');
});

test('keep-majority: Joining/WeaklyUp nodes are downable; Down and Exiting are not', () => {
  const ms = [member(A), member(B), member(C), member(D, 'Joining', 2147483647), member(E, 'Exiting', 5)];
  const v = view(A, ms, [D, E]);
  assert.deepEqual(hosts(nodesToDown(KM, v, decide(KM, v))), ['10.0.0.4']);
});

test('static-quorum: quorum decides; too many members downs all', () => {
  const sq: StrategySettings = { name: 'static-quorum', quorumSize: 3, role: '' };
  assert.equal(decide(sq, view(A, five, [D, E])).type, 'DownUnreachable');
  assert.equal(decide(sq, view(D, five, [A, B, C])).type, 'DownReachable');
  assert.equal(decide(sq, view(A, five, [C, D, E])).type, 'DownReachable', 'two left is below quorum 3');
  const six = [...five, member(ua('10.0.0.6'), 'Up', 6)];
  assert.equal(decide(sq, view(A, six, [E])).type, 'DownAll');
});

test('keep-oldest: the side with the oldest survives; alone oldest downs itself (down-if-alone)', () => {
  const ko: StrategySettings = { name: 'keep-oldest', downIfAlone: true, role: '' };
  // Oldest is E (upNumber 1) although it has the highest address.
  const ms = [member(A, 'Up', 5), member(B, 'Up', 4), member(C, 'Up', 3), member(D, 'Up', 2), member(E, 'Up', 1)];
  assert.equal(decide(ko, view(E, ms, [A, B, C])).type, 'DownUnreachable');
  assert.equal(decide(ko, view(A, ms, [D, E])).type, 'DownReachable');
  // E alone vs 4 others: E downs itself; the others down E.
  assert.equal(decide(ko, view(E, ms, [A, B, C, D])).type, 'DownReachable');
  assert.equal(decide(ko, view(A, ms, [E])).type, 'DownUnreachable');
  // Without down-if-alone the lone oldest survives.
  const ko2: StrategySettings = { name: 'keep-oldest', downIfAlone: false, role: '' };
  assert.equal(decide(ko2, view(E, ms, [A, B, C, D])).type, 'DownUnreachable');
  assert.equal(decide(ko2, view(A, ms, [E])).type, 'DownReachable');
  // Two-node split keeps the oldest even though it is alone.
  const two = [member(A, 'Up', 2), member(B, 'Up', 1)];
  assert.equal(decide(ko, view(B, two, [A])).type, 'DownUnreachable');
  assert.equal(decide(ko, view(A, two, [B])).type, 'DownReachable');
});

test('keep-oldest: a Leaving oldest triggers DownAll in the edge re-check', () => {
  const ko: StrategySettings = { name: 'keep-oldest', downIfAlone: true, role: '' };
  const ms = [member(A, 'Leaving', 1), member(B, 'Up', 2), member(C, 'Up', 3), member(D, 'Up', 4), member(E, 'Up', 5)];
  // Side {A, B, E}: without the Leaving A the oldest is B, still on this side -> DownUnreachable stands.
  assert.equal(decide(ko, view(B, ms, [C, D])).type, 'DownUnreachable');
  // Side {A, C, E}: the oldest reachable is A, but without it the oldest is B, over there -> DownAll.
  assert.equal(decide(ko, view(C, ms, [B, D])).type, 'DownAll');
});

test('down-all downs every downable member including self last', () => {
  const da: StrategySettings = { name: 'down-all' };
  const v = view(C, five, [E]);
  assert.deepEqual(hosts(nodesToDown(da, v, decide(da, v))), ['10.0.0.1', '10.0.0.2', '10.0.0.4', '10.0.0.5', '10.0.0.3']);
});

test('lease-majority: minority waits before acquiring; reverse decision downs own side', () => {
  const lm: StrategySettings = { name: 'lease-majority', role: '', acquireLeaseDelayForMinorityMs: 2000 };
  assert.deepEqual(decide(lm, view(A, five, [D, E])), { type: 'AcquireLeaseAndDownUnreachable', delayMs: 0 });
  assert.deepEqual(decide(lm, view(D, five, [A, B, C])), { type: 'AcquireLeaseAndDownUnreachable', delayMs: 2000 });
  const four = five.slice(0, 4);
  assert.equal(isInMinority(view(A, four, [C, D]), ''), false);
  assert.equal(isInMinority(view(C, four, [A, B]), ''), true);
  assert.equal(isInMinority(view(A, [], []), ''), false);
  const d = decide(lm, view(D, five, [A, B, C]));
  assert.equal(reverseDecision(d).type, 'DownReachable');
  assert.deepEqual(hosts(nodesToDown(lm, view(D, five, [A, B, C]), reverseDecision(d))), ['10.0.0.5', '10.0.0.4']);
});

test('indirectly connected: a broken link between two nodes downs exactly those two', () => {
  // B and C cannot talk to each other but both are fine with the rest.
  const records = [
    { observer: B, subject: C },
    { observer: C, subject: B },
  ];
  const v = view(A, five, [B, C], { records });
  assert.deepEqual([...indirectlyConnected(v)].sort(), [B, C].map(uniqueAddressKey).sort());
  const d = decide(KM, v);
  assert.equal(d.type, 'DownIndirectlyConnected');
  assert.deepEqual(hosts(nodesToDown(KM, v, d)), ['10.0.0.2', '10.0.0.3']);
});

test('indirectly connected: a subject that has seen the current gossip is indirectly connected', () => {
  const v = view(A, five, [C], { records: [{ observer: B, subject: C }], seenBy: [A, B, C, D, E] });
  assert.equal(decide(KM, v).type, 'DownIndirectlyConnected');
  assert.deepEqual(hosts(nodesToDown(KM, v, decide(KM, v))), ['10.0.0.2', '10.0.0.3']);
});

test('indirectly connected plus a crashed node: both the pair and the crashed node are downed', () => {
  const F = ua('10.0.0.6');
  const six = [...five, member(F, 'Up', 6)];
  const records = [
    { observer: B, subject: C },
    { observer: C, subject: B },
    { observer: A, subject: F },
    { observer: D, subject: F },
  ];
  const v = view(A, six, [B, C, F], { records });
  const d = decide(KM, v);
  assert.equal(d.type, 'DownIndirectlyConnected');
  assert.deepEqual(hosts(nodesToDown(KM, v, d)), ['10.0.0.2', '10.0.0.3', '10.0.0.6']);
});

test('records about other data centers are ignored', () => {
  const other = { ...member(ua('10.1.0.1')), dataCenter: 'west', roles: ['dc-west'] };
  const v = view(A, [...five, other], [], { records: [{ observer: other.uniqueAddress, subject: A }, { observer: A, subject: other.uniqueAddress }] });
  assert.equal(indirectlyConnected(v).size, 0);
});
