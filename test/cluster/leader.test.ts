import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueAddressKey, type UniqueAddress } from '../../src/address.js';
import { hasConvergence } from '../../src/cluster/convergence.js';
import { stamp, statusOf, withSeen, type Gossip } from '../../src/cluster/gossip.js';
import {
  convergedLeaderActions,
  isMinNrOfMembersFulfilled,
  leaderOf,
  roleLeaderOf,
  weaklyUpActions,
  weaklyUpDue,
} from '../../src/cluster/leader.js';
import { NOT_UP_NUMBER } from '../../src/cluster/member.js';
import { changeReachability } from '../../src/cluster/reachability.js';
import { gossipOf, member, node } from './helpers.js';

const a = node('10.0.0.1');
const b = node('10.0.0.2');
const c = node('10.0.0.3');
const d = node('10.0.0.4');
const state = (gossip: Gossip, self: UniqueAddress = a, confirmed: UniqueAddress[] = []) => ({
  gossip,
  self,
  exitingConfirmed: new Set(confirmed.map(uniqueAddressKey)),
});
const settings = { minNrOfMembers: 1, roleMinNrOfMembers: new Map<string, number>(), pruneTombstonesAfterMs: 86_400_000 };
const unreachable = (g: Gossip, observer: UniqueAddress, subject: UniqueAddress, status: 'Unreachable' | 'Terminated' = 'Unreachable'): Gossip => ({
  ...g,
  reachability: changeReachability(g.reachability, observer, subject, status),
});

test('convergence: every Up/Leaving member must have seen the version', () => {
  const g = gossipOf([member(a, 'Up'), member(b, 'Up'), member(c, 'Joining')], [a]);
  assert.equal(hasConvergence(state(g)), false);
  assert.equal(hasConvergence(state(withSeen(g, b))), true, 'Joining need not have seen');
  assert.equal(hasConvergence(state(gossipOf([member(a, 'Up'), member(b, 'Exiting')], [a]))), true);
  assert.equal(hasConvergence(state(gossipOf([member(a, 'Up'), member(b, 'Leaving')], [a]))), false);
  assert.equal(hasConvergence(state(gossipOf([member(a, 'Up'), member(b, 'Leaving')], [a]), a, [b])), true, 'exiting-confirmed exemption');
});

test('convergence: the first member bootstrap rule makes Joining members count', () => {
  assert.equal(hasConvergence(state(gossipOf([member(a, 'Joining'), member(b, 'Joining')], [a]))), false);
  assert.equal(hasConvergence(state(gossipOf([member(a, 'Joining'), member(b, 'Joining')], [a, b]))), true);
});

test('convergence: unreachable members block unless Down/Exiting; Down observers are ignored', () => {
  const g = gossipOf([member(a, 'Up'), member(b, 'Up'), member(c, 'Up')], [a, b, c]);
  assert.equal(hasConvergence(state(unreachable(g, a, c))), false);
  const cDown = gossipOf([member(a, 'Up'), member(b, 'Up'), member(c, 'Down')], [a, b]);
  assert.equal(hasConvergence(state(unreachable(cDown, a, c))), true);
  assert.equal(hasConvergence(state(unreachable(cDown, c, b))), true, 'observation made by a Down node');
  assert.equal(hasConvergence(state(unreachable(g, b, a))), true, 'self unreachable does not block self');
});

test('leader: first Up-ish member in member order, unreachable members excluded', () => {
  const g = gossipOf([member(a, 'Joining'), member(b, 'Up'), member(c, 'Up')]);
  assert.equal(leaderOf(g, a)?.address.host, '10.0.0.2');
  assert.equal(leaderOf(unreachable(g, c, b), a)?.address.host, '10.0.0.3');
  assert.equal(leaderOf(unreachable(g, c, b), b)?.address.host, '10.0.0.2', 'self is always a candidate');
  assert.equal(leaderOf(gossipOf([member(a, 'Exiting'), member(b, 'Joining'), member(c, 'WeaklyUp')]), a)?.address.host, '10.0.0.3');
  assert.equal(leaderOf(gossipOf([member(a, 'Exiting'), member(b, 'Down')]), a)?.address.host, '10.0.0.1');
  assert.equal(leaderOf(gossipOf([member(b, 'Down')]), a), undefined);
});

test('Appendix B.10: "10.0.0.10" sorts before "10.0.0.9" and leads', () => {
  const g = gossipOf([member(node('10.0.0.9'), 'Up'), member(node('10.0.0.10'), 'Up')]);
  assert.equal(leaderOf(g, node('10.0.0.9'))?.address.host, '10.0.0.10');
});

test('role leaders are computed among members with the role', () => {
  const g = gossipOf([member(a, 'Up', 1, ['web']), member(b, 'Up', 2, ['api']), member(c, 'Up', 3, ['api'])]);
  assert.equal(roleLeaderOf(g, a, 'api')?.address.host, '10.0.0.2');
  assert.equal(roleLeaderOf(g, a, 'dc-default')?.address.host, '10.0.0.1');
  assert.equal(roleLeaderOf(g, a, 'none'), undefined);
});

test('converged actions: Joining -> Up with upNumbers in address order, after the current max', () => {
  const g = stamp(
    gossipOf([member(d, 'Joining'), member(b, 'Up', 4), member(c, 'WeaklyUp'), member(a, 'Joining')], [b]),
    b,
    false,
  );
  const r = convergedLeaderActions(state(g, b), settings, 1000, false);
  assert.ok(r.changed);
  const up = (u: UniqueAddress) => r.gossip.members.find((m) => uniqueAddressKey(m.uniqueAddress) === uniqueAddressKey(u));
  assert.deepEqual([a, c, d].map((u) => [up(u)?.status, up(u)?.upNumber]), [['Up', 5], ['Up', 6], ['Up', 7]]);
  assert.equal(up(b)?.upNumber, 4);
  assert.deepEqual([...r.gossip.seen], [uniqueAddressKey(b)], 'a leader action is stamped');
});

test('Appendix B.3: min-nr-of-members holds Joining members until enough have joined', () => {
  const two = gossipOf([member(a, 'Joining'), member(b, 'Joining')], [a, b]);
  const min3 = { ...settings, minNrOfMembers: 3 };
  assert.equal(convergedLeaderActions(state(two), min3, 0, false).changed, false);
  assert.equal(weaklyUpActions(state(two), min3, false).changed, false, 'no WeaklyUp below the minimum either');
  const three = gossipOf([member(c, 'Joining'), member(a, 'Joining'), member(b, 'Joining')], [a, b, c]);
  const r = convergedLeaderActions(state(three), min3, 0, false);
  assert.deepEqual(r.gossip.members.map((m) => [m.uniqueAddress.address.host, m.status, m.upNumber]), [
    ['10.0.0.1', 'Up', 1],
    ['10.0.0.2', 'Up', 2],
    ['10.0.0.3', 'Up', 3],
  ]);
});

test('per-role min-nr-of-members', () => {
  const g = gossipOf([member(a, 'Joining', NOT_UP_NUMBER, ['backend']), member(b, 'Joining')], [a, b]);
  const roleMin = { ...settings, roleMinNrOfMembers: new Map([['backend', 2]]) };
  assert.equal(isMinNrOfMembersFulfilled(g, roleMin), false);
  assert.equal(convergedLeaderActions(state(g), roleMin, 0, false).changed, false);
  const g2 = gossipOf([...g.members, member(c, 'Joining', NOT_UP_NUMBER, ['backend'])], [a, b, c]);
  assert.equal(isMinNrOfMembersFulfilled(g2, roleMin), true);
});

test('Leaving -> Exiting -> Removed: removal needs unreachable or ExitingConfirmed', () => {
  const g = gossipOf([member(a, 'Up', 1), member(b, 'Leaving', 2)], [a]);
  const r1 = convergedLeaderActions(state(g), settings, 0, false);
  assert.equal(statusOf(r1.gossip, b), 'Exiting');
  assert.deepEqual(r1.exiting.map((m) => m.uniqueAddress), [b]);
  const r2 = convergedLeaderActions(state(r1.gossip), settings, 10, false);
  assert.equal(r2.changed, false, 'reachable, unconfirmed Exiting member stays');
  const r3 = convergedLeaderActions(state(r1.gossip, a, [b]), settings, 10, false);
  assert.equal(statusOf(r3.gossip, b), 'Removed');
  assert.equal(r3.gossip.tombstones.get(uniqueAddressKey(b))?.timestamp, 10);
  const r4 = convergedLeaderActions(state(unreachable(r1.gossip, a, b)), settings, 10, false);
  assert.equal(statusOf(r4.gossip, b), 'Removed');
});

test('Down -> Removed only when the Down member is also unreachable', () => {
  const g = gossipOf([member(a, 'Up', 1), member(b, 'Down', 2)], [a]);
  assert.equal(convergedLeaderActions(state(g), settings, 0, false).changed, false);
  const r = convergedLeaderActions(state(unreachable(g, a, b, 'Terminated')), settings, 0, false);
  assert.equal(statusOf(r.gossip, b), 'Removed');
  assert.deepEqual(r.removed.map((m) => m.status), ['Down']);
});

test('PreparingForShutdown -> ReadyForShutdown and no Up promotions meanwhile', () => {
  const g = gossipOf([member(a, 'PreparingForShutdown', 1), member(b, 'Joining')], [a]);
  const r = convergedLeaderActions(state(g), settings, 0, false);
  assert.equal(statusOf(r.gossip, a), 'ReadyForShutdown');
  assert.equal(statusOf(r.gossip, b), 'Joining');
});

test('WeaklyUp: after enough ticks without convergence, reachable Joining members only', () => {
  assert.equal(weaklyUpDue(6, 1000, 7000), false);
  assert.equal(weaklyUpDue(7, 1000, 7000), true);
  assert.equal(weaklyUpDue(100, 1000, undefined), false);
  let g = gossipOf([member(a, 'Up', 1), member(b, 'Up', 2), member(c, 'Joining'), member(d, 'Joining')], [a]);
  g = unreachable(g, a, b);
  g = unreachable(g, a, d);
  const r = weaklyUpActions(state(g), settings, false);
  assert.equal(statusOf(r.gossip, c), 'WeaklyUp');
  assert.equal(statusOf(r.gossip, d), 'Joining');
  assert.equal(r.gossip.members.find((m) => m.status === 'WeaklyUp')?.upNumber, NOT_UP_NUMBER);
});
