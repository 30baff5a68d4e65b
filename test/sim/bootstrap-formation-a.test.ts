// Randomized bootstrap formations, seeds 1..500 (split in two files so the runner uses both
// cores; bench/formation-sim.ts runs 10,000). Each seed must form exactly one cluster, never two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formationTrial } from './bootstrap-formation.js';

test('bootstrap forms exactly one cluster for seeds 1..500', async () => {
  const failures: string[] = [];
  let formed = 0;
  for (let seed = 1; seed <= 500; seed++) {
    const r = await formationTrial(seed);
    assert.ok(r.selfJoins.length <= 1, `seed ${seed}: ${r.selfJoins.length} clusters formed`);
    if (r.problems.length > 0) failures.push(`seed ${seed} (${r.family}, n=${r.n}): ${r.problems.join('; ')}`);
    if (r.selfJoins.length === 1) formed++;
  }
  assert.deepEqual(failures, []);
  assert.equal(formed, 500);
});
