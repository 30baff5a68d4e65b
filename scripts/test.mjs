#!/usr/bin/env node
// Runs the tests with node's built-in runner (TypeScript through tsx). Node 20's runner has no
// glob support, so file lists are built here.
//   node scripts/test.mjs                 every test: test/**/*.test.ts (two files at a time), then the
//                                         Kubernetes end-to-end scenarios test/e2e-scenarios/*.scenario.ts
//                                         (one at a time: each starts many processes; needs `npm run build`)
//   node scripts/test.mjs PATH ...        only the *.test.ts and *.scenario.ts files under the given paths
//                                         (e.g. test/e2e-scenarios, with MUSTER_E2E_* knobs for soak runs)
// Ends with one line for all phases: `N passed, N failed`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function collect(p, pattern, out = []) {
  if (statSync(p).isDirectory()) {
    for (const name of readdirSync(p).sort()) collect(join(p, name), pattern, out);
  } else if (pattern.test(p)) {
    out.push(p);
  }
  return out;
}

/** Runs one phase, passing its output through, and returns its pass/fail counts. */
function runPhase(files, concurrency) {
  const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      const count = (name) => Number(/ℹ (?:\S+ )?(\d+)\s*$/m.exec(tail.split('\n').filter((l) => l.startsWith(`ℹ ${name} `)).pop() ?? '')?.[1] ?? 0);
      resolve({ passed: count('pass'), failed: count('fail'), ok: !signal && code === 0 });
    });
  });
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

let passed = 0;
let failed = 0;
let ok = true;
for (const phase of phases.filter((p) => p.files.length > 0)) {
  const r = await runPhase(phase.files, phase.concurrency);
  passed += r.passed;
  failed += r.failed;
  ok &&= r.ok;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
