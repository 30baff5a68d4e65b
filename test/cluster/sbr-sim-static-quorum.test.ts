import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCENARIOS, runRandomized } from '../sim/partition-randomized.js';

test(`static-quorum: ${SCENARIOS} randomized partitions/crashes never leave two running clusters`, async () => {
  const results = await runRandomized({ name: 'static-quorum', quorumSize: 3, role: '' });
  assert.ok(results.some((r) => r.finalClusters === 1));
});
