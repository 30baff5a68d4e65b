// Randomized bootstrap formations: MUSTER_FORMATIONS in total (default 10,000), split over two files
// so the runner uses both cores; this file runs the second half of the seeds.
// bench/formation-sim.ts prints figures for any count. Every seed must form exactly one cluster, never two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formationTrial } from './bootstrap-formation.js';

const total = Number(process.env.MUSTER_FORMATIONS ?? 10_000);
const half = Math.ceil(total / 2);
const [first, last] = [half + 1, total];

test(`bootstrap forms exactly one cluster for seeds ${first}..${last}`, async () => {
  const failures: string[] = [];
  let formed = 0;
  for (let seed = first; seed <= last; seed++) {
    const r = await formationTrial(seed);
    assert.ok(r.selfJoins.length <= 1, `seed ${seed}: ${r.selfJoins.length} clusters formed`);
    if (r.problems.length > 0) failures.push(`seed ${seed} (${r.family}, n=${r.n}): ${r.problems.join('; ')}`);
    if (r.selfJoins.length === 1) formed++;
  }
  assert.deepEqual(failures, []);
  assert.equal(formed, last - first + 1);
});
