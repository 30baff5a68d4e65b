// Checks of the formation simulator itself: runs replay exactly from their seed, and the
// scenario families reach the cases they are meant to cover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formationTrial } from './bootstrap-formation.js';

test('a formation replays exactly from its seed', async () => {
  const a = await formationTrial(4242);
  const b = await formationTrial(4242);
  assert.deepEqual(a, b);
  assert.equal(a.selfJoins.length, 1);
});

test('both discovery families form exactly one cluster; in contains-lowest only the lowest node self-joins', async () => {
  for (const family of ['contains-lowest', 'started-set'] as const) {
    for (let seed = 9000; seed < 9020; seed++) {
      const r = await formationTrial(seed, family);
      assert.equal(r.family, family);
      assert.deepEqual(r.problems, [], `seed ${seed}`);
      assert.equal(r.selfJoins.length, 1);
    }
  }
});
