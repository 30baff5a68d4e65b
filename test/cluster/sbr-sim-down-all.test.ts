import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCENARIOS, runRandomized } from '../sim/partition-randomized.js';

test(`down-all: ${SCENARIOS} randomized partitions/crashes never leave two running clusters`, async () => {
  const results = await runRandomized({ name: 'down-all' });
  // down-all never keeps a side once it acted.
  assert.ok(results.filter((r) => r.decided).every((r) => r.finalClusters === 0 || r.kind === 'partition-then-heal' || r.kind === 'flapping'));
});
