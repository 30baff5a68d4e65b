import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffEvents } from '../../src/cluster/events.js';
import { emptyGossip, type Gossip } from '../../src/cluster/gossip.js';
import { changeReachability } from '../../src/cluster/reachability.js';
import { gossipOf, member, node } from './helpers.js';

const a = node('10.0.0.1');
const b = node('10.0.0.2');
const c = node('10.0.0.3');
const st = (gossip: Gossip) => ({ gossip, self: a, exitingConfirmed: new Set<string>() });
const summary = (events: ReturnType<typeof diffEvents>) =>
  events.map((e) => {
    if ('member' in e) return `${e.type}:${e.member.uniqueAddress.address.host}`;
    if (e.type === 'LeaderChanged') return `${e.type}:${e.leader?.host}`;
    if (e.type === 'RoleLeaderChanged') return `${e.type}:${e.role}:${e.leader?.host}`;
    return e.type;
  });

test('member events in Pekko order: removed first, then one event per changed member by current status', () => {
  const before = gossipOf([member(a, 'Up', 1), member(b, 'Up', 2), member(c, 'Joining')], [a, b]);
  const after = gossipOf([member(a, 'Up', 1), member(c, 'Up', 3)], [a]);
  assert.deepEqual(summary(diffEvents(st(before), st(after))), [
    'MemberRemoved:10.0.0.2',
    'MemberUp:10.0.0.3',
    'SeenChanged',
  ]);
  const removed = diffEvents(st(before), st(after))[0];
  assert.ok(removed?.type === 'MemberRemoved' && removed.previousStatus === 'Up' && removed.member.status === 'Removed');
});

test('intermediate statuses never observed produce no events; unchanged members none', () => {
  const before = gossipOf([member(a, 'Up', 1)], [a]);
  const after = gossipOf([member(a, 'Up', 1), member(b, 'Up', 2)], [a]);
  assert.deepEqual(summary(diffEvents(st(before), st(after))), ['MemberUp:10.0.0.2', 'SeenChanged']);
  const seen = diffEvents(st(before), st(after)).at(-1);
  assert.ok(seen?.type === 'SeenChanged' && seen.convergence === false, 'b has not seen: no convergence');
});

test('reachability, leader and role leader events', () => {
  const g = gossipOf([member(a, 'Up', 1, ['x']), member(b, 'Up', 2)], [a, b]);
  const unreachableA = { ...g, reachability: changeReachability(g.reachability, b, a, 'Unreachable') };
  const unreachableB = { ...g, reachability: changeReachability(g.reachability, a, b, 'Unreachable') };
  assert.deepEqual(summary(diffEvents(st(g), st(unreachableB))), ['UnreachableMember:10.0.0.2', 'SeenChanged']);
  assert.deepEqual(summary(diffEvents(st(unreachableB), st(g))), ['ReachableMember:10.0.0.2', 'SeenChanged']);
  assert.deepEqual(summary(diffEvents(st(g), st(unreachableA))), [], 'self is never reported unreachable');
  assert.deepEqual(summary(diffEvents(st(emptyGossip), st(g))), [
    'MemberUp:10.0.0.1',
    'MemberUp:10.0.0.2',
    'LeaderChanged:10.0.0.1',
    'RoleLeaderChanged:dc-default:10.0.0.1',
    'RoleLeaderChanged:x:10.0.0.1',
    'SeenChanged',
  ]);
  const terminated = { ...g, reachability: changeReachability(g.reachability, a, b, 'Terminated') };
  assert.deepEqual(summary(diffEvents(st(terminated), st(g))), ['SeenChanged'], 'a Terminated node never becomes reachable');
});
