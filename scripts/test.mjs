#!/usr/bin/env node
// Runs the tests with node's built-in runner (TypeScript through tsx). Node 20's runner has no
// glob support, so file lists are built here.
//   node scripts/test.mjs                 every test: test/**/*.test.ts (two files at a time), then the
//                                         Kubernetes end-to-end scenarios test/e2e-scenarios/*.scenario.ts
//                                         (one at a time: each starts many processes; needs `npm run build`)
//   node scripts/test.mjs PATH ...        only the *.test.ts and *.scenario.ts files under the given paths
//                                         (e.g. test/e2e-scenarios, with MUSTER_E2E_* knobs for soak runs)
// Ends with the skipped tests grouped by reason, the wall time, and one line for all phases:
// `N passed, N failed, N skipped` (a skipped suite counts once).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import os from 'node:os';

function collect(p, pattern, out = []) {
  if (statSync(p).isDirectory()) {
    for (const name of readdirSync(p).sort()) collect(join(p, name), pattern, out);
  } else if (pattern.test(p)) {
    out.push(p);
  }
  return out;
}

/** Runs one phase, passing its output through, and returns its pass/fail counts and skip reasons. */
function runPhase(files, concurrency) {
  const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    let partial = '';
    const skips = [];
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      // The spec reporter prints a skipped test or suite as `﹣ name (0.1ms) # reason`.
      const lines = (partial + text).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        const m = /^\s*﹣ (.*?)(?: \([\d.]+m?s\))?(?: # (.*))?$/.exec(line);
        if (m) skips.push({ name: m[1], reason: m[2] ?? 'skipped' });
      }
    });
    child.on('exit', (code, signal) => {
      const count = (name) => Number(/ℹ (?:\S+ )?(\d+)\s*$/m.exec(tail.split('\n').filter((l) => l.startsWith(`ℹ ${name} `)).pop() ?? '')?.[1] ?? 0);
      resolve({ passed: count('pass'), failed: count('fail'), skips, ok: !signal && code === 0 });
    });
  });
}

function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

const roots = process.argv.slice(2);
for (const r of roots) {
  if (!existsSync(r)) {
    console.error(`no such file or directory: ${r}`);
    process.exit(2);
  }
}
const sources = roots.length ? roots : ['test'];
const phases = [
  { files: sources.flatMap((r) => collect(r, /\.test\.ts$/)), concurrency: process.env.MUSTER_TEST_CONCURRENCY ?? '2' },
  { files: sources.flatMap((r) => collect(r, /\.scenario\.ts$/)), concurrency: '1' },
];
if (phases.every((p) => p.files.length === 0)) {
  console.error('no test files found');
  process.exit(1);
}

const startedAt = performance.now();
let passed = 0;
let failed = 0;
let ok = true;
const skips = [];
for (const phase of phases.filter((p) => p.files.length > 0)) {
  const r = await runPhase(phase.files, phase.concurrency);
  passed += r.passed;
  failed += r.failed;
  skips.push(...r.skips);
  ok &&= r.ok;
}
if (skips.length > 0) {
  const byReason = new Map();
  for (const s of skips) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.name]);
  console.log('\nskipped:');
  for (const [reason, names] of byReason) console.log(`  ${names.length} × ${reason}\n      e.g. ${names[0]}`);
}
console.log(`\nwall time: ${formatDuration(performance.now() - startedAt)} (${os.availableParallelism?.() ?? os.cpus().length} CPUs)`);
console.log(`${passed} passed, ${failed} failed, ${skips.length} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
