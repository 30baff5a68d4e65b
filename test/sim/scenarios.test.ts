// Replays every scenario file in test/sim/scenarios/ (the regression for each defect the nemesis
// or the issue found, and the documented example) through the same path as `npm run sim`, and
// asserts its verdict: no violation, and the outcome the file names under "expect".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from './nemesis/run.js';
import { parseScenario } from './nemesis/scenario.js';

const dir = join(import.meta.dirname, 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

for (const file of files) {
  test(`scenario ${file}: the checker holds`, async () => {
    const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { expect?: { clusters?: number[][]; downed?: number[] } };
    const verdict = await runScenario(parseScenario(raw));
    assert.deepEqual(verdict.violations, []);
    if (raw.expect?.clusters) assert.deepEqual(verdict.clusters, raw.expect.clusters);
    if (raw.expect?.downed) assert.deepEqual(verdict.downed, raw.expect.downed);
  });
}

test('npm run sim -- --scenario prints the verdict as JSON on its last line and exits 0 when the checker holds', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'nemesis', 'cli.ts'), '--scenario', join(dir, 'issue-example.json')], {
    encoding: 'utf8',
  });
  const last = out.trim().split('\n').pop() as string;
  const verdict = JSON.parse(last) as { clusters: number[][]; violations: string[] };
  assert.deepEqual(verdict.violations, []);
  assert.equal(verdict.clusters.length, 1);
});

test('a scenario with a typo is refused with exit status 2, not run', () => {
  let status: number | null = 0;
  try {
    execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'nemesis', 'cli.ts'), '--scenario', '/dev/stdin'], {
      input: JSON.stringify({ nodes: 3, strategy: 'keep-majorty', steps: [{ at: '0s', start: [1, 2, 3] }], until: '10s' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    status = (e as { status: number | null }).status;
  }
  assert.equal(status, 2);
});
