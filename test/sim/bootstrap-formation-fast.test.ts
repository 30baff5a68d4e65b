// Randomized formations with the replicas fast path on every node (right, stale-low, surge,
// stale-high and per-node-different counts): MUSTER_FAST_FORMATIONS seeds (default 400) in npm
// test; `npm run soak:formations -- --fast-path` runs 10,000. Never two clusters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formationTrial } from './bootstrap-formation.js';

const total = Number(process.env.MUSTER_FAST_FORMATIONS ?? 400);
const first = 20_001;

test(`with the replicas fast path, bootstrap forms exactly one cluster for seeds ${first}..${first + total - 1}`, async () => {
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  let fast = 0;
  for (let seed = first; seed < first + total; seed++) {
    const r = await formationTrial(seed, { fastPath: true });
    assert.ok(r.selfJoins.length <= 1, `seed ${seed}: ${r.selfJoins.length} clusters formed`);
    if (r.problems.length > 0) failures.push(`seed ${seed} (${r.family}, n=${r.n}, ${r.expected}): ${r.problems.join('; ')}`);
    if (r.fastPathJoins > 0) {
      fast++;
      kinds.set(r.expected!, (kinds.get(r.expected!) ?? 0) + 1);
    }
  }
  assert.deepEqual(failures, []);
  // The fast path is really exercised, including with stale counts.
  assert.ok(fast >= total / 5, `fast-path formations: ${fast}`);
  assert.ok((kinds.get('scale-up') ?? 0) + (kinds.get('surge') ?? 0) + (kinds.get('mixed') ?? 0) > 0, JSON.stringify([...kinds]));
});
