#!/usr/bin/env node
// Soak runs of the Kubernetes end-to-end scenarios (root, built runtime): the rolling update 20
// times in both modes, and 50 cold formations with random start delays for the formation-safety
// figure. Usage: node scripts/e2e-soak.mjs [FILE ...]   (after `npm run build`)
import { spawn } from 'node:child_process';

const env = {
  ...process.env,
  MUSTER_E2E_ROLLING_REPEATS: process.env.MUSTER_E2E_ROLLING_REPEATS ?? '20',
  MUSTER_E2E_FORMATIONS: process.env.MUSTER_E2E_FORMATIONS ?? '50',
};
const child = spawn(process.execPath, ['scripts/test.mjs', ...(process.argv.length > 2 ? process.argv.slice(2) : ['test/e2e-scenarios'])], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
