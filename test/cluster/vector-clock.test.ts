import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockKey, compareClocks, emptyClock, increment, mergeClocks, pruneClock } from '../../src/cluster/vector-clock.js';
import { node } from './helpers.js';

test('clock key is the MD5 of "<address>-<uid>" like Pekko', () => {
  assert.equal(clockKey(node('10.0.0.5', -5n)).length, 32);
  assert.notEqual(clockKey(node('10.0.0.5', 1n)), clockKey(node('10.0.0.5', 2n)));
});

test('compare gives Same, Before, After and Concurrent', () => {
  const a1 = increment(emptyClock, 'a');
  const a2 = increment(a1, 'a');
  const a1b1 = increment(a1, 'b');
  assert.equal(compareClocks(emptyClock, emptyClock), 'Same');
  assert.equal(compareClocks(a1, a2), 'Before');
  assert.equal(compareClocks(a2, a1), 'After');
  assert.equal(compareClocks(a2, a1b1), 'Concurrent');
  assert.equal(compareClocks(a1, a1b1), 'Before');
  assert.equal(compareClocks(mergeClocks(a2, a1b1), a2), 'After');
  assert.deepEqual([...mergeClocks(a2, a1b1)].sort(), [['a', 2], ['b', 1]]);
  assert.equal(compareClocks(pruneClock(a1b1, 'b'), a1), 'Same');
});
