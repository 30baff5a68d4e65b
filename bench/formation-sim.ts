// Soak run of the bootstrap formation simulator: N randomized formations (default 10,000) on
// virtual time; prints how many formed exactly one cluster, the failures with their seeds, and
// formation-time figures. Usage: npx tsx bench/formation-sim.ts [COUNT] [FIRST_SEED] [--fast-path]
// With --fast-path every node runs the replicas fast path, with right and stale counts.
import { formationTrial, type FormationResult } from '../test/sim/bootstrap-formation.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const fastPath = process.argv.includes('--fast-path');
const count = Number(args[0] ?? 10_000);
const first = Number(args[1] ?? 1);
const started = Date.now();
const results: FormationResult[] = [];
for (let seed = first; seed < first + count; seed++) results.push(await formationTrial(seed, { fastPath }));
const wallMs = Date.now() - started;

const failed = results.filter((r) => r.problems.length > 0);
const twoClusters = results.filter((r) => r.selfJoins.length > 1);
const percentiles = (values: number[]) => {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? NaN);
  return `p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, max ${Math.round(v.at(-1) ?? NaN)} ms`;
};
const byFamily = (f: string) => results.filter((r) => r.family === f);

console.log(
  `formations: ${results.length} (seeds ${first}..${first + count - 1})${fastPath ? ', replicas fast path on' : ''}, ` +
    `wall ${(wallMs / 1000).toFixed(1)} s, ${(wallMs / results.length).toFixed(2)} ms each`,
);
for (const f of ['contains-lowest', 'started-set']) {
  const rs = byFamily(f);
  console.log(`  ${f}: ${rs.length} runs, ${rs.filter((r) => r.problems.length === 0).length} formed exactly one cluster`);
}
if (fastPath) {
  for (const k of ['exact', 'scale-up', 'surge', 'stale-high', 'mixed']) {
    const rs = results.filter((r) => r.expected === k);
    console.log(
      `  expected count ${k}: ${rs.length} runs, ${rs.filter((r) => r.problems.length === 0).length} formed exactly one cluster, ` +
        `${rs.filter((r) => r.fastPathJoins > 0).length} through the fast path`,
    );
  }
}
console.log(
  `  runs with a node of another system answering: ${results.filter((r) => r.foreignAnswers > 0).length}; ` +
    `with new-cluster-enabled off on some node: ${results.filter((r) => r.newClusterDisabled > 0).length}`,
);
for (let n = 2; n <= 5; n++) console.log(`  n=${n}: ${results.filter((r) => r.n === n).length} runs`);
console.log(`exactly one cluster: ${results.length - failed.length}/${results.length}; two or more clusters: ${twoClusters.length}`);
console.log(`virtual time from calm to all Up: ${percentiles(results.flatMap((r) => r.formedAfterCalmMs ?? []))}`);
const quiet = results.filter((r) => r.formedAfterLastStartMs !== undefined && r.problems.length === 0);
console.log(`virtual time from the last node's start to all Up: ${percentiles(quiet.map((r) => r.formedAfterLastStartMs!))}`);
for (const r of failed.slice(0, 20)) console.log(`FAILED seed ${r.seed} (${r.family}, n=${r.n}${r.expected ? `, ${r.expected}` : ''}): ${r.problems.join('; ')}`);
process.exitCode = failed.length === 0 ? 0 : 1;
