// Property test over seeds 1..500 (split in two files so the runner uses both cores):
// every trial forms one cluster with identical membership, all Up, one leader, no status
// ever moving backwards; a graceful leave completes; a restart with a new uid replaces the old one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { membershipTrial } from './membership-property.js';

test('membership properties hold for seeds 1..500', () => {
  const failures: string[] = [];
  for (let seed = 1; seed <= 500; seed++) {
    const r = membershipTrial(seed);
    if (r.problems.length > 0) failures.push(`seed ${seed}: ${r.problems.join('; ')}`);
  }
  assert.deepEqual(failures, []);
});
