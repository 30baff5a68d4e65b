// Shared body of the per-strategy nemesis test files (one file per strategy so the runner can
// spread them over cores): fixed seeds, deterministic, no violation allowed. A failure names
// the seed and the command that shrinks it to a scenario file.
import assert from 'node:assert/strict';
import type { StrategyName } from '../../../src/cluster/sbr/strategy.js';
import { generateScenario, SETTLED_QUIET_MS } from './generate.js';
import { runScenario } from './run.js';

/** Seeds per strategy in `npm test` (the soak, bench/nemesis-soak.ts, runs thousands). */
export const NEMESIS_SEEDS = Number(process.env.MUSTER_NEMESIS_SEEDS ?? 300);

export async function runNemesisSeeds(strategy: StrategyName, count = NEMESIS_SEEDS): Promise<{ settled: number }> {
  const failures: string[] = [];
  let settled = 0;
  for (let seed = 1; seed <= count && failures.length < 3; seed++) {
    const v = await runScenario(generateScenario(strategy, seed), SETTLED_QUIET_MS);
    if (v.settledAfterMs !== null) settled++;
    if (v.violations.length > 0) {
      failures.push(`seed ${seed}: ${v.violations.slice(0, 2).join(' | ')} (shrink: npm run sim -- --strategy ${strategy} --seed ${seed})`);
    }
  }
  assert.deepEqual(failures, [], `${strategy}: nemesis violations`);
  return { settled };
}
