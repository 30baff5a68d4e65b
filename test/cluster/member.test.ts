import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareAppVersion,
  dataCenterOf,
  isAllowedTransition,
  isOlderThan,
  MERGE_RANK,
  oldestMember,
  pickForMerge,
  rolesWithDataCenter,
  withStatus,
  IllegalTransitionError,
} from '../../src/cluster/member.js';
import { compareUniqueAddress } from '../../src/address.js';
import { member, node } from './helpers.js';

test('status lifecycle allows exactly the transitions of the spec', () => {
  assert.ok(isAllowedTransition('Joining', 'WeaklyUp'));
  assert.ok(isAllowedTransition('Up', 'PreparingForShutdown'));
  assert.ok(isAllowedTransition('ReadyForShutdown', 'Leaving'));
  assert.ok(isAllowedTransition('Down', 'Removed'));
  assert.ok(isAllowedTransition('Up', 'Up'));
  assert.ok(!isAllowedTransition('Up', 'Joining'));
  assert.ok(!isAllowedTransition('Down', 'Up'));
  assert.ok(!isAllowedTransition('Exiting', 'Leaving'));
  assert.ok(!isAllowedTransition('Removed', 'Joining'));
  assert.ok(!isAllowedTransition('Joining', 'Exiting'));
  assert.throws(() => withStatus(member(node('a'), 'Down'), 'Up'), IllegalTransitionError);
});

test('merge precedence: Removed > ReadyForShutdown > Down > Exiting > Leaving > Preparing > Up > WeaklyUp > Joining', () => {
  const order = ['Joining', 'WeaklyUp', 'Up', 'PreparingForShutdown', 'Leaving', 'Exiting', 'Down', 'ReadyForShutdown', 'Removed'] as const;
  for (let i = 1; i < order.length; i++) assert.ok(MERGE_RANK[order[i]!] > MERGE_RANK[order[i - 1]!]);
  const a = node('10.0.0.1');
  assert.equal(pickForMerge(member(a, 'Up'), member(a, 'Leaving')).status, 'Leaving');
  assert.equal(pickForMerge(member(a, 'ReadyForShutdown'), member(a, 'Down')).status, 'ReadyForShutdown');
});

test('equal status: the older copy (lower upNumber) survives a merge', () => {
  const a = node('10.0.0.1');
  assert.equal(pickForMerge(member(a, 'Up', 5), member(a, 'Up', 3)).upNumber, 3);
  assert.equal(pickForMerge(member(a, 'Up', 3), member(a, 'Up', 5)).upNumber, 3);
});

test('age ordering: upNumber, then address as plain string (uid ignored)', () => {
  const x = member(node('10.0.0.9', 5n), 'Up', 2);
  const y = member(node('10.0.0.10', 9n), 'Up', 2);
  assert.ok(isOlderThan(y, x), '"10.0.0.10" < "10.0.0.9" as strings');
  assert.ok(isOlderThan(member(node('10.0.0.9'), 'Up', 1), y));
  assert.equal(oldestMember([x, y, member(node('z'), 'Up', 7)])?.uniqueAddress.address.host, '10.0.0.10');
});

test('member ordering: host string, port, then signed uid', () => {
  const sorted = [node('b', 1n), node('a', 5n, 2), node('a', -3n, 2), node('a', 0n, 10)].sort(compareUniqueAddress);
  assert.deepEqual(
    sorted.map((u) => `${u.address.host}:${u.address.port}:${u.uid}`),
    ['a:2:-3', 'a:2:5', 'a:10:0', 'b:17355:1'],
  );
});

test('roles get the data-center role and the data center is derived from it', () => {
  assert.deepEqual(rolesWithDataCenter(['web', 'api']), ['api', 'dc-default', 'web']);
  assert.deepEqual(rolesWithDataCenter(['x'], 'east'), ['dc-east', 'x']);
  assert.equal(dataCenterOf(['dc-east', 'x']), 'east');
  assert.equal(member(node('a'), 'Up').dataCenter, 'default');
});

test('app-version ordering follows Pekko Version', () => {
  const lt = (a: string, b: string) => assert.ok(compareAppVersion(a, b) < 0, `${a} < ${b}`);
  lt('1.2.3', '1.2.4');
  lt('1.2', '1.10');
  lt('1.2.3-M1', '1.2.3');
  lt('1.2.3-M1', '1.2.3-M2');
  lt('1.2.3+3-abc', '1.2.3+10-abc');
  lt('1', '1.0.1');
  assert.equal(compareAppVersion('1.0', '1.0.0'), 0);
  lt('abc', 'abd');
  assert.throws(() => compareAppVersion('1.2.3.4', '1'));
});
