import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromObject } from '../../src/config/load.js';
import { readCoordinatedShutdownSettings, orderPhases } from '../../src/cluster/coordinated-shutdown-settings.js';
import { CoordinatedShutdown, Reasons } from '../../src/cluster/coordinated-shutdown.js';
import { systemScheduler } from '../../src/clock.js';
import { silentLogger } from '../../src/logging.js';
import { ConfigError } from '../../src/config/types.js';
import { PEKKO_FIXTURES, missingShared, sharedPath } from '../support/shared-fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const settings = (o: Record<string, unknown> = {}) =>
  readCoordinatedShutdownSettings(configFromObject({ pekko: { 'coordinated-shutdown': o } }));

test('default phases come in Pekko order with their timeouts', () => {
  const s = settings();
  assert.deepEqual(s.phases.map((p) => p.name), [
    'before-service-unbind', 'service-unbind', 'service-requests-done', 'service-stop', 'before-cluster-shutdown',
    'cluster-sharding-shutdown-region', 'cluster-leave', 'cluster-exiting', 'cluster-exiting-done', 'cluster-shutdown',
    'before-actor-system-terminate', 'actor-system-terminate',
  ]);
  const t = Object.fromEntries(s.phases.map((p) => [p.name, p.timeoutMs]));
  assert.equal(t['cluster-exiting'], 10_000);
  assert.equal(t['cluster-leave'], 5000);
  assert.equal(t['actor-system-terminate'], 10_000);
  assert.equal(s.exitJvm, false);
  assert.equal(s.exitCode, 0);
});

const PEKKO_ACTOR_REFERENCE = `${PEKKO_FIXTURES}/actor-reference.conf`;

test('the Pekko reference configuration gives the same phases and -1 for downing', { skip: missingShared(PEKKO_ACTOR_REFERENCE) }, () => {
  // Uses the Pekko actor reference.conf fixture through the HOCON loader.
  return import('../../src/config/load.js').then(async ({ loadConfig }) => {
    const cfg = await loadConfig({ withReference: false, configFile: sharedPath(PEKKO_ACTOR_REFERENCE) });
    const s = readCoordinatedShutdownSettings(cfg);
    assert.equal(s.phases.length, 12);
    assert.equal(s.phases.at(-1)?.name, 'actor-system-terminate');
    assert.equal(s.reasonOverrides.get(Reasons.ClusterDowning.pekkoClass)?.exitCode, -1);
    assert.equal(s.reasonOverrides.get(Reasons.ClusterJoinUnsuccessful.pekkoClass)?.exitCode, -1);
  });
});

test('custom phases are ordered after their dependencies; cycles and unknown phases are rejected', () => {
  const s = settings({ phases: { 'my-phase': { 'depends-on': ['cluster-leave'], timeout: '1s' }, 'before-service-unbind': { 'depends-on': [] } } });
  const names = s.phases.map((p) => p.name);
  assert.ok(names.indexOf('my-phase') > names.indexOf('cluster-leave'));
  assert.equal(s.phases.find((p) => p.name === 'my-phase')?.timeoutMs, 1000);
  assert.throws(() => settings({ phases: { 'before-service-unbind': { 'depends-on': ['actor-system-terminate'] } } }), ConfigError);
  assert.throws(() => settings({ phases: { x: { 'depends-on': ['nope'] } } }), ConfigError);
  assert.deepEqual(orderPhases(new Map([['b', ['a']], ['a', []], ['c', ['b', 'a']]])), ['a', 'b', 'c']);
});

test('phases run in order, tasks within a phase in parallel, and only once', async () => {
  const s = settings({ phases: { 'cluster-exiting': { timeout: '2s' } } });
  const cs = new CoordinatedShutdown(s, systemScheduler, silentLogger);
  const log: string[] = [];
  cs.addTask('service-stop', 'a', async () => {
    await new Promise((r) => setTimeout(r, 30));
    log.push('stop-a');
  });
  cs.addTask('service-stop', 'b', () => {
    log.push('stop-b');
  });
  cs.addTask('cluster-leave', 'leave', () => {
    log.push('leave');
  });
  cs.addTask('actor-system-terminate', 'close', () => {
    log.push('close');
  });
  const first = cs.run(Reasons.ClusterLeaving);
  const second = cs.run(Reasons.ClusterDowning);
  assert.equal(first, second);
  const r = await first;
  assert.deepEqual(log, ['stop-b', 'stop-a', 'leave', 'close']);
  assert.equal(r.reason.name, 'ClusterLeavingReason');
  assert.equal(r.exitCode, 0);
  assert.ok(r.phases.every((p) => p.result === 'done'));
});

test('a phase that times out moves on (recover = on) or stops the sequence (recover = off)', async () => {
  const s = settings({ phases: { 'cluster-leave': { timeout: '50ms' } } });
  const cs = new CoordinatedShutdown(s, systemScheduler, silentLogger);
  const seen: string[] = [];
  cs.addTask('cluster-leave', 'hang', () => new Promise(() => {}));
  cs.addTask('cluster-exiting', 'after', () => {
    seen.push('after');
  });
  // The hanging task never settles: the sequence can only go on because the phase timed out.
  const r = await cs.run(Reasons.JvmExit);
  assert.equal(r.phases.find((p) => p.phase === 'cluster-leave')?.result, 'timeout');
  assert.deepEqual(seen, ['after']);

  const s2 = settings({ phases: { 'cluster-leave': { timeout: '50ms', recover: 'off' } } });
  const cs2 = new CoordinatedShutdown(s2, systemScheduler, silentLogger);
  const seen2: string[] = [];
  cs2.addTask('cluster-leave', 'fail', () => Promise.reject(new Error('boom')));
  cs2.addTask('cluster-exiting', 'after', () => {
    seen2.push('after');
  });
  const r2 = await cs2.run(Reasons.JvmExit);
  assert.equal(r2.phases.find((p) => p.phase === 'cluster-leave')?.result, 'failed');
  assert.equal(r2.phases.find((p) => p.phase === 'cluster-exiting')?.result, 'skipped');
  assert.deepEqual(seen2, []);
});

test('disabled phases do not run their tasks; unknown phases are rejected when adding', async () => {
  const cs = new CoordinatedShutdown(settings({ phases: { 'service-stop': { enabled: 'off' } } }), systemScheduler, silentLogger);
  let ran = false;
  cs.addTask('service-stop', 'x', () => {
    ran = true;
  });
  assert.throws(() => cs.addTask('no-such-phase', 'x', () => {}));
  await cs.run(Reasons.Unknown);
  assert.equal(ran, false);
});

test('exit code per reason: downing and unsuccessful join give -1 (process exit status 255)', async () => {
  const s = settings();
  const cs = new CoordinatedShutdown(s, systemScheduler, silentLogger);
  assert.deepEqual(cs.exitCodeFor(Reasons.ClusterDowning), { exitCode: -1, exitJvm: false });
  assert.deepEqual(cs.exitCodeFor(Reasons.ClusterJoinUnsuccessful), { exitCode: -1, exitJvm: false });
  assert.deepEqual(cs.exitCodeFor(Reasons.JvmExit), { exitCode: 0, exitJvm: false });
  const r = await cs.run(Reasons.ClusterDowning);
  assert.equal(r.exitCode, -1);
  assert.equal(r.processExitCode, 255);
  const custom = settings({ 'exit-code': 3, 'exit-jvm': 'on', 'reason-overrides': { 'org.apache.pekko.actor.CoordinatedShutdown$ClusterLeavingReason$': { 'exit-code': 7 } } });
  const cs2 = new CoordinatedShutdown(custom, systemScheduler, silentLogger);
  assert.deepEqual(cs2.exitCodeFor(Reasons.ClusterLeaving), { exitCode: 7, exitJvm: true });
  assert.deepEqual(cs2.exitCodeFor(Reasons.JvmExit), { exitCode: 3, exitJvm: true });
});

function runChild(code: string, signals: NodeJS.Signals[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY') && signals.length) {
        const s = signals.shift() as NodeJS.Signals;
        child.kill(s);
        if (signals.length) setTimeout(() => child.kill(signals.shift() as NodeJS.Signals), 200);
      }
    });
    child.on('error', reject);
    child.on('exit', (c) => resolve({ code: c, out }));
  });
}

const childProgram = (taskMs: number) => `
  import { configFromObject } from ${JSON.stringify(path.join(repoRoot, 'src/config/load.ts'))};
  import { readCoordinatedShutdownSettings } from ${JSON.stringify(path.join(repoRoot, 'src/cluster/coordinated-shutdown-settings.ts'))};
  import { CoordinatedShutdown, installSignalHandlers } from ${JSON.stringify(path.join(repoRoot, 'src/cluster/coordinated-shutdown.ts'))};
  import { systemScheduler } from ${JSON.stringify(path.join(repoRoot, 'src/clock.ts'))};
  import { silentLogger } from ${JSON.stringify(path.join(repoRoot, 'src/logging.ts'))};
  const cs = new CoordinatedShutdown(readCoordinatedShutdownSettings(configFromObject({})), systemScheduler, silentLogger);
  cs.addTask('actor-system-terminate', 'close', () => new Promise((r) => setTimeout(() => { console.log('CLOSED'); r(); }, ${taskMs})));
  installSignalHandlers(cs);
  setInterval(() => {}, 1000);
  console.log('READY');
`;

test('SIGTERM runs the phases and exits 0; a second signal forces exit', async () => {
  const graceful = await runChild(childProgram(50), ['SIGTERM']);
  assert.equal(graceful.code, 0);
  assert.match(graceful.out, /CLOSED/);
  const forced = await runChild(childProgram(5000), ['SIGINT', 'SIGINT']);
  assert.equal(forced.code, 130);
  assert.doesNotMatch(forced.out, /CLOSED/);
});
