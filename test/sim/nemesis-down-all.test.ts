import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEMESIS_SEEDS, runNemesisSeeds } from './nemesis/suite.js';

test(`down-all: ${NEMESIS_SEEDS} nemesis schedules keep at most one cluster, and it settles after the heal`, async () => {
  const { settled } = await runNemesisSeeds('down-all');
  assert.equal(settled, NEMESIS_SEEDS, 'every run settled into at most one converged cluster');
});
