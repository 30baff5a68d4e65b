// The CLI on Pekko-style configs, in child processes: check-config prints the compatibility
// warnings `run` would log and still says "config ok"; --strict and muster.strict-config = on turn
// them into exit 1; discover warns about a system name still "default"; -Dconfig.resource and
// JAVA_OPTS choose the file as on the JVM.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = path.join(repoRoot, 'src', 'main.ts');
const tsxLoader = import.meta.resolve('tsx');
const sample = path.join(repoRoot, 'test/fixtures/pekko-configs/k8s-sample');

interface Result { code: number; stdout: string; stderr: string }

function cli(args: string[], env: Record<string, string>, cwd = sample): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', tsxLoader, main, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('CLI on the Pekko Kubernetes sample config', { concurrency: 2 }, () => {
  test('check-config warns (key, file:line) and passes; --strict fails with the same warnings', async () => {
    const env = { REQUIRED_CONTACT_POINT_NR: '3' };
    const r = await cli(['check-config', '-Dconfig.resource=kubernetes.conf'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^config ok \(src\/main\/resources\/kubernetes\.conf \+ 1 override\)/);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('muster: warning: '));
    assert.equal(warnings.length, 3, r.stderr);
    assert.ok(warnings.some((w) => /readiness-checks\.example-ready = .*kubernetes\.conf:20.*skipped/.test(w)));
    assert.ok(warnings.some((w) => /http\.routes\.version = .*kubernetes\.conf:24.*skipped/.test(w)));
    assert.ok(warnings.some((w) => /still "default".*app=default/.test(w)));
    const strict = await cli(['check-config', '--strict'], { ...env, JAVA_OPTS: '-Dconfig.resource=kubernetes.conf' });
    assert.equal(strict.code, 1);
    assert.equal(strict.stdout, '');
    assert.match(strict.stderr, /configuration error: 3 compatibility warning\(s\) are errors in strict mode/);
  });

  test('with MUSTER_SYSTEM_NAME set only the JVM classes are reported; discover warns while the name is "default"', async () => {
    const named = await cli(['check-config', '-Dconfig.resource=kubernetes.conf', '-Dmuster.strict-config=off'], { REQUIRED_CONTACT_POINT_NR: '3', MUSTER_SYSTEM_NAME: 'appka' });
    assert.equal(named.code, 0, named.stderr);
    assert.match(named.stdout, /system "appka"/);
    assert.doesNotMatch(named.stderr, /still "default"/);
    // No Kubernetes API here: the lookup fails, but the warning comes first.
    const discover = await cli(['discover', '-Dconfig.resource=kubernetes.conf', '-Dpekko.management.cluster.bootstrap.contact-point-discovery.resolve-timeout=200ms'], { REQUIRED_CONTACT_POINT_NR: '3' });
    assert.match(discover.stderr, /^muster: warning: muster\.system-name is still "default".*\[app=default\]/);
  });
});
