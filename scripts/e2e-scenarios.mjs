#!/usr/bin/env node
// Runs the Kubernetes end-to-end scenarios against the built runtime (root needed; `npm run build`
// first). They are named *.scenario.ts so the default test run (scripts/test.mjs, *.test.ts) leaves
// them out. One file at a time: each starts many Muster processes on this machine.
// Usage: node scripts/e2e-scenarios.mjs [FILE ...]   (default: every test/e2e-scenarios/*.scenario.ts)
// Knobs: MUSTER_E2E_ROLLING_REPEATS (2), MUSTER_E2E_FORMATIONS (3), MUSTER_E2E_FORMATION_MODE,
//        MUSTER_E2E_MAX_START_DELAY_MS (3000).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const dir = 'test/e2e-scenarios';
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(dir).filter((f) => f.endsWith('.scenario.ts')).sort().map((f) => join(dir, f));
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
