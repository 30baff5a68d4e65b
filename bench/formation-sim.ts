// Soak run of the bootstrap formation simulator: N randomized formations (default 10,000) on
// virtual time; prints how many formed exactly one cluster, the failures with their seeds, and
// formation-time figures. Usage: npx tsx bench/formation-sim.ts [COUNT] [FIRST_SEED]
import { formationTrial, type FormationResult } from '../test/sim/bootstrap-formation.js';

const count = Number(process.argv[2] ?? 10_000);
const first = Number(process.argv[3] ?? 1);
const started = Date.now();
const results: FormationResult[] = [];
for (let seed = first; seed < first + count; seed++) results.push(await formationTrial(seed));
const wallMs = Date.now() - started;

const failed = results.filter((r) => r.problems.length > 0);
const twoClusters = results.filter((r) => r.selfJoins.length > 1);
const times = results.flatMap((r) => (r.formedAfterCalmMs === undefined ? [] : [r.formedAfterCalmMs])).sort((a, b) => a - b);
const pct = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
const byFamily = (f: string) => results.filter((r) => r.family === f);

console.log(`formations: ${results.length} (seeds ${first}..${first + count - 1}), wall ${(wallMs / 1000).toFixed(1)} s, ${(wallMs / results.length).toFixed(2)} ms each`);
for (const f of ['contains-lowest', 'started-set']) {
  const rs = byFamily(f);
  console.log(`  ${f}: ${rs.length} runs, ${rs.filter((r) => r.problems.length === 0).length} formed exactly one cluster`);
}
console.log(
  `  runs with a node of another system answering: ${results.filter((r) => r.foreignAnswers > 0).length}; ` +
    `with new-cluster-enabled off on some node: ${results.filter((r) => r.newClusterDisabled > 0).length}`,
);
for (let n = 2; n <= 5; n++) console.log(`  n=${n}: ${results.filter((r) => r.n === n).length} runs`);
console.log(`exactly one cluster: ${results.length - failed.length}/${results.length}; two or more clusters: ${twoClusters.length}`);
console.log(`virtual time from calm to all Up: p50 ${Math.round(pct(0.5))} ms, p90 ${Math.round(pct(0.9))} ms, p99 ${Math.round(pct(0.99))} ms, max ${Math.round(times.at(-1) ?? NaN)} ms`);
for (const r of failed.slice(0, 20)) console.log(`FAILED seed ${r.seed} (${r.family}, n=${r.n}): ${r.problems.join('; ')}`);
process.exitCode = failed.length === 0 ? 0 : 1;
