// Shrinks a failing scenario to a small one that still fails: drops steps one at a time while
// the checker still reports a violation (the final heal and everything at its time are kept,
// since the properties are only claimed after a heal), then rounds step times to whole seconds.
import { runScenario, type Verdict } from './run.js';
import type { Scenario, Step } from './scenario.js';

const fails = (v: Verdict) => v.violations.length > 0;

export async function shrink(s: Scenario, maxRuns = 200): Promise<Scenario> {
  let cur = s;
  let runs = 0;
  const lastAt = (cur.steps[cur.steps.length - 1] as Step).atMs;
  const tryWith = async (steps: Step[]): Promise<boolean> => {
    if (runs++ >= maxRuns) return false;
    const candidate = { ...cur, steps };
    if (!fails(await runScenario(candidate))) return false;
    cur = candidate;
    return true;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = cur.steps.length - 1; i >= 1; i--) {
      const step = cur.steps[i] as Step;
      if (step.atMs >= lastAt) continue;
      if (await tryWith(cur.steps.filter((_, j) => j !== i))) changed = true;
    }
  }
  for (let i = 1; i < cur.steps.length; i++) {
    const step = cur.steps[i] as Step;
    const rounded = Math.round(step.atMs / 1000) * 1000;
    const prev = (cur.steps[i - 1] as Step).atMs;
    if (rounded === step.atMs || rounded < prev || step.atMs >= lastAt) continue;
    await tryWith(cur.steps.map((x, j) => (j === i ? { ...x, atMs: rounded } : x)));
  }
  return cur;
}
