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

test('the scenarios include nodes of another system and nodes with new-cluster-enabled off', async () => {
  let foreign = 0;
  let disabled = 0;
  for (let seed = 9100; seed < 9140; seed++) {
    const r = await formationTrial(seed);
    assert.deepEqual(r.problems, [], `seed ${seed}`);
    if (r.foreignAnswers > 0) foreign++;
    if (r.newClusterDisabled > 0) disabled++;
  }
  assert.ok(foreign >= 3, `runs with answers from another system: ${foreign}`);
  assert.ok(disabled >= 3, `runs with new-cluster-enabled off somewhere: ${disabled}`);
});
