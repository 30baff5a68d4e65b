import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCENARIOS, runRandomized } from '../sim/partition-randomized.js';

test(`keep-oldest: ${SCENARIOS} randomized partitions/crashes never leave two running clusters`, async () => {
  const results = await runRandomized({ name: 'keep-oldest', downIfAlone: true, role: '' });
  assert.ok(results.filter((r) => r.finalClusters === 1).length > results.length / 2);
});
