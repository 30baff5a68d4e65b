// Soak run of the nemesis (test/sim/nemesis): COUNT randomized adversarial schedules per downing
// strategy on the real ClusterNode code in virtual time. Prints, per strategy, runs, violations
// and the virtual time from the final heal to one settled cluster (p50/p99), and for each
// violation its seed and a shrunk scenario file that replays it.
// Usage: npx tsx bench/nemesis-soak.ts [--runs N] [--first-seed S] [--strategies a,b] [--no-shrink]
import { STRATEGY_NAMES, type StrategyName } from '../src/cluster/sbr/strategy.js';
import { generateScenario, SETTLED_QUIET_MS } from '../test/sim/nemesis/generate.js';
import { runScenario } from '../test/sim/nemesis/run.js';
import { formatScenarioFile } from '../test/sim/nemesis/scenario.js';
import { shrink } from '../test/sim/nemesis/shrink.js';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(opt('--runs') ?? 10_000);
const first = Number(opt('--first-seed') ?? 1);
const strategies = (opt('--strategies')?.split(',') ?? STRATEGY_NAMES) as StrategyName[];
const doShrink = !argv.includes('--no-shrink');
for (const s of strategies) if (!STRATEGY_NAMES.includes(s)) throw new Error(`unknown strategy ${s}`);

const pct = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
let failures = 0;
const started = Date.now();
for (const strategy of strategies) {
  const t0 = Date.now();
  const settled: number[] = [];
  let violations = 0;
  let virtualMs = 0;
  let unsettled = 0;
  for (let seed = first; seed < first + runs; seed++) {
    const scenario = generateScenario(strategy, seed);
    virtualMs += scenario.untilMs;
    const v = await runScenario(scenario, SETTLED_QUIET_MS);
    if (v.settledAfterMs !== null) settled.push(v.settledAfterMs);
    else unsettled++;
    if (v.violations.length > 0) {
      violations++;
      console.log(`VIOLATION ${strategy} seed ${seed}: ${v.violations.slice(0, 3).join(' | ')}`);
      if (doShrink) console.log(formatScenarioFile(await shrink(scenario), `nemesis ${strategy} seed ${seed}`));
    }
    if ((seed - first + 1) % 1000 === 0) {
      const sorted = [...settled].sort((a, b) => a - b);
      console.log(
        `  ${strategy}: ${seed - first + 1}/${runs}, violations ${violations}, never settled ${unsettled}, ` +
          `p50 ${pct(sorted, 0.5)} ms, p99 ${pct(sorted, 0.99)} ms (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      );
    }
  }
  failures += violations;
  settled.sort((a, b) => a - b);
  const wall = (Date.now() - t0) / 1000;
  console.log(
    `${strategy}: runs ${runs} (seeds ${first}..${first + runs - 1}), violations ${violations}, never settled ${unsettled}, ` +
      `heal -> one settled cluster p50 ${pct(settled, 0.5)} ms, p99 ${pct(settled, 0.99)} ms (virtual), ` +
      `wall ${wall.toFixed(1)} s (${((wall * 1000) / runs).toFixed(0)} ms/run, ${(virtualMs / 1000 / wall).toFixed(0)}x real time)`,
  );
}
console.log(`total: ${strategies.length * runs} runs, ${failures} violations, wall ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failures === 0 ? 0 : 1;
