import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEMESIS_SEEDS, runNemesisSeeds } from './nemesis/suite.js';

test(`keep-majority: ${NEMESIS_SEEDS} nemesis schedules keep at most one cluster, and it settles after the heal`, async () => {
  const { settled } = await runNemesisSeeds('keep-majority');
  assert.equal(settled, NEMESIS_SEEDS, 'every run settled into at most one converged cluster');
});
