import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueAddressKey } from '../../src/address.js';
import {
  markAsDown,
  mergeGossip,
  pruneTombstones,
  removeMembers,
  seenDigest,
  stamp,
  statusOf,
  updateMembers,
  withSeen,
} from '../../src/cluster/gossip.js';
import { withStatus } from '../../src/cluster/member.js';
import { changeReachability } from '../../src/cluster/reachability.js';
import { clockKey, compareClocks } from '../../src/cluster/vector-clock.js';
import { gossipOf, member, node } from './helpers.js';

const a = node('10.0.0.1');
const b = node('10.0.0.2');
const c = node('10.0.0.3');
const d = node('10.0.0.4');

test('stamp bumps self and resets seen to {self} (or {} while exiting)', () => {
  const g = gossipOf([member(a, 'Up'), member(b, 'Up')], [a, b]);
  const s = stamp(g, a, false);
  assert.equal(s.version.get(clockKey(a)), 1);
  assert.deepEqual([...s.seen], [uniqueAddressKey(a)]);
  assert.equal(stamp(g, a, true).seen.size, 0);
});

test('markAsDown drops from seen; remove tombstones, prunes clock, reachability and seen', () => {
  let g = stamp(gossipOf([member(a, 'Up'), member(b, 'Up'), member(c, 'Up')], []), b, false);
  g = withSeen(withSeen(g, a), c);
  g = { ...g, reachability: changeReachability(g.reachability, a, b, 'Unreachable') };
  const down = markAsDown(g, member(b, 'Up'));
  assert.equal(statusOf(down, b), 'Down');
  assert.equal(down.seen.has(uniqueAddressKey(b)), false);
  const removed = removeMembers(down, [b], 1000);
  assert.equal(statusOf(removed, b), 'Removed');
  assert.equal(removed.version.has(clockKey(b)), false);
  assert.equal(removed.reachability.records.length, 0);
  assert.equal(removed.tombstones.get(uniqueAddressKey(b))?.timestamp, 1000);
  assert.equal(pruneTombstones(removed, 999).tombstones.size, 1);
  assert.equal(pruneTombstones(removed, 1000).tombstones.size, 0);
});

test('Appendix B.8: concurrent Leave on one node and Join on another merge to both changes', () => {
  const base = stamp(gossipOf([member(a, 'Up', 1), member(b, 'Up', 2), member(c, 'Up', 3)]), a, false);
  const left = stamp(updateMembers(base, [withStatus(member(b, 'Up', 2), 'Leaving')]), b, false);
  const joined = stamp(updateMembers(base, [member(d, 'Joining')]), c, false);
  assert.equal(compareClocks(left.version, joined.version), 'Concurrent');
  const merged = mergeGossip(left, joined, 1000);
  assert.equal(statusOf(merged, b), 'Leaving');
  assert.equal(statusOf(merged, d), 'Joining');
  assert.equal(merged.seen.size, 0, 'nobody has seen a merged version');
  assert.equal(compareClocks(merged.version, left.version), 'After');
  assert.equal(compareClocks(merged.version, joined.version), 'After');
  assert.deepEqual(mergeGossip(joined, left, 1000).members, merged.members, 'merge is symmetric for members');
});

test('Appendix B.8: a Down member removed on one side is not resurrected', () => {
  const base = stamp(gossipOf([member(a, 'Up', 1), member(b, 'Up', 2), member(c, 'Up', 3)]), a, false);
  const downed = stamp(markAsDown(base, member(c, 'Up', 3)), b, false);
  const removedSide = stamp(removeMembers(downed, [c], 5), a, false);
  const otherSide = stamp(downed, c, false);
  assert.equal(compareClocks(removedSide.version, otherSide.version), 'Concurrent');
  const merged = mergeGossip(otherSide, removedSide, 1000);
  assert.equal(statusOf(merged, c), 'Removed');
  assert.equal(merged.version.has(clockKey(c)), false, 'clock entry of the removed node pruned');
});

test('spec 0.1: a one-sided Down member is kept unless tombstoned; a one-sided Exiting member is dropped and tombstoned', () => {
  const base = stamp(gossipOf([member(a, 'Up', 1), member(b, 'Up', 2), member(c, 'Up', 3)]), a, false);
  const downed = stamp(markAsDown(base, member(c, 'Up', 3)), b, false);
  // The other side never had c (it only hears of it now): without a tombstone c stays Down.
  const unaware = stamp(updateMembers({ ...base, members: base.members.filter((m) => m.uniqueAddress !== c) }, [member(d, 'Joining')]), a, false);
  assert.equal(compareClocks(downed.version, unaware.version), 'Concurrent');
  assert.equal(statusOf(mergeGossip(unaware, downed, 1000), c), 'Down');
  assert.equal(statusOf(mergeGossip(downed, unaware, 1000), c), 'Down');
  const exiting = stamp(updateMembers(base, [withStatus(withStatus(member(c, 'Up', 3), 'Leaving'), 'Exiting')]), b, false);
  const merged = mergeGossip(unaware, exiting, 1000);
  assert.equal(statusOf(merged, c), 'Removed');
  assert.equal(merged.tombstones.get(uniqueAddressKey(c))?.timestamp, 1000, 'the dropped Exiting uid is tombstoned');
});

test('a one-sided Up member survives a merge unless tombstoned', () => {
  const base = stamp(gossipOf([member(a, 'Up', 1)]), a, false);
  const withB = stamp(updateMembers(base, [member(b, 'Joining')]), a, false);
  const withC = stamp(updateMembers(base, [member(c, 'Joining')]), c, false);
  const merged = mergeGossip(withB, withC, 1000);
  assert.deepEqual(merged.members.map((m) => m.uniqueAddress.address.host), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  const tomb = { ...withC, tombstones: new Map([[uniqueAddressKey(b), { node: b, timestamp: 1 }]]) };
  assert.equal(statusOf(mergeGossip(withB, tomb, 1000), b), 'Removed');
});

test('merge keeps the higher status and, on equal status, the older copy', () => {
  const base = stamp(gossipOf([member(a, 'Up', 1), member(b, 'Up', 2)]), a, false);
  const x = stamp(updateMembers(base, [member(b, 'Up', 7)]), a, false);
  const y = stamp(updateMembers(base, [member(b, 'Up', 2)]), b, false);
  assert.equal(mergeGossip(x, y, 1000).members.find((m) => m.uniqueAddress.address.host === '10.0.0.2')?.upNumber, 2);
  const z = stamp(updateMembers(base, [withStatus(member(b, 'Up', 2), 'Down')]), b, false);
  assert.equal(statusOf(mergeGossip(x, z, 1000), b), 'Down');
});

test('seen digest depends on the seen addresses only', () => {
  const g = gossipOf([member(a, 'Up'), member(b, 'Up')], [a]);
  assert.equal(seenDigest(g), seenDigest(gossipOf([member(a, 'Up'), member(b, 'Up', 5)], [a])));
  assert.notEqual(seenDigest(g), seenDigest(withSeen(g, b)));
  assert.match(seenDigest(g), /^[0-9a-f]{40}$/);
});
