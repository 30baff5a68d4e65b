import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueAddressKey } from '../../src/address.js';
import {
  aggregateStatus,
  allUnreachable,
  allUnreachableOrTerminated,
  changeReachability,
  emptyReachability,
  isAllReachable,
  isReachable,
  mergeReachability,
  removeNodes,
  withoutObservers,
} from '../../src/cluster/reachability.js';
import { node } from './helpers.js';

const a = node('a');
const b = node('b');
const c = node('c');
const keys = (...n: typeof a[]) => new Set(n.map(uniqueAddressKey));

test('an observer row: versions bump per change, Reachable on an empty row is a no-op', () => {
  assert.equal(changeReachability(emptyReachability, a, b, 'Reachable'), emptyReachability);
  const r1 = changeReachability(emptyReachability, a, b, 'Unreachable');
  assert.equal(r1.versions.get(uniqueAddressKey(a)), 1);
  assert.equal(changeReachability(r1, a, b, 'Unreachable'), r1, 'same status: no change');
  const r2 = changeReachability(r1, a, c, 'Unreachable');
  assert.equal(r2.versions.get(uniqueAddressKey(a)), 2);
  const r3 = changeReachability(r2, a, b, 'Reachable');
  assert.equal(aggregateStatus(r3, b), 'Reachable');
  assert.equal(aggregateStatus(r3, c), 'Unreachable');
  const r4 = changeReachability(r3, a, c, 'Reachable');
  assert.ok(isAllReachable(r4), 'all records of the row dropped once everything is reachable');
  assert.equal(r4.versions.get(uniqueAddressKey(a)), 4);
});

test('Terminated is sticky and wins the aggregate', () => {
  const r1 = changeReachability(changeReachability(emptyReachability, a, c, 'Terminated'), b, c, 'Unreachable');
  assert.equal(changeReachability(r1, a, c, 'Reachable'), r1);
  assert.equal(aggregateStatus(r1, c), 'Terminated');
  assert.deepEqual(allUnreachable(r1), []);
  assert.deepEqual(allUnreachableOrTerminated(r1), [c]);
});

test('reachable only when all observers agree', () => {
  let r = changeReachability(emptyReachability, a, c, 'Unreachable');
  r = changeReachability(r, b, c, 'Unreachable');
  r = changeReachability(r, a, c, 'Reachable');
  assert.ok(!isReachable(r, c));
  r = changeReachability(r, b, c, 'Reachable');
  assert.ok(isReachable(r, c));
});

test('merge takes whole rows by observer version and drops non-members', () => {
  const older = changeReachability(emptyReachability, a, c, 'Unreachable');
  const newer = changeReachability(changeReachability(older, a, b, 'Unreachable'), a, c, 'Reachable');
  const m1 = mergeReachability(keys(a, b, c), older, newer);
  assert.deepEqual(allUnreachable(m1), [b]);
  assert.equal(m1.versions.get(uniqueAddressKey(a)), 3);
  assert.deepEqual(mergeReachability(keys(a, b, c), newer, older).records, m1.records);
  const m2 = mergeReachability(keys(a, c), older, newer);
  assert.deepEqual(allUnreachable(m2), [], 'subject b not allowed');
  const onlyOld = mergeReachability(keys(a, b, c), older, emptyReachability);
  assert.deepEqual(onlyOld.records.map((r) => r.subject), [c], 'one-sided rows survive when their version is higher');
});

test('withoutObservers and removeNodes', () => {
  let r = changeReachability(emptyReachability, a, c, 'Unreachable');
  r = changeReachability(r, b, a, 'Unreachable');
  assert.deepEqual(allUnreachable(withoutObservers(r, keys(a))), [a]);
  const removed = removeNodes(r, keys(a));
  assert.ok(isAllReachable(removed));
  assert.equal(removed.versions.has(uniqueAddressKey(a)), false);
});
