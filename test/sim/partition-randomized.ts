// Shared body of the per-strategy randomized test files (one file per strategy so the runner can
// spread them over cores): SCENARIOS seeded runs, no violation allowed, every kind covered.
import assert from 'node:assert/strict';
import type { StrategySettings } from '../../src/cluster/sbr/strategy.js';
import { SCENARIO_KINDS, runScenario, type ScenarioResult } from './partition-scenarios.js';

export const SCENARIOS = 1000;

export async function runRandomized(strategy: StrategySettings, firstSeed = 1): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const failures: ScenarioResult[] = [];
  for (let seed = firstSeed; seed < firstSeed + SCENARIOS; seed++) {
    const r = await runScenario(strategy, seed);
    results.push(r);
    if (r.violations.length > 0) failures.push(r);
    if (failures.length >= 3) break;
  }
  assert.deepEqual(
    failures.map((f) => ({ seed: f.seed, kind: f.kind, size: f.size, violations: f.violations.slice(0, 3) })),
    [],
    `${strategy.name}: split brain or unsettled end state (rerun with runScenario(strategy, seed))`,
  );
  const kinds = new Set(results.map((r) => r.kind));
  assert.equal(kinds.size, SCENARIO_KINDS.length, 'every scenario kind was exercised');
  assert.ok(results.every((r) => r.finalClusters <= 1));
  return results;
}
