import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evaluateChecks, formatScalaDuration, healthResponse, type NamedCheck } from '../../src/management/health.js';
import { CLUSTER_MEMBERSHIP_CHECK_CLASS } from '../../src/management/settings.js';
import { FakeCluster, member } from '../support/fake-cluster.js';
import { TEXT, call, captureLogger, start, upCluster } from './_support.js';

const never = () => new Promise<boolean>(() => {});
const later = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

test('a group passes when empty or when every check is true', async () => {
  assert.deepEqual(await evaluateChecks([], 50), { kind: 'ok' });
  assert.deepEqual(await evaluateChecks([{ id: 'a', check: () => true }, { id: 'b', check: () => later(5, true) }], 500), { kind: 'ok' });
});

test('false reports the first false check in list order, after all checks complete', async () => {
  const checks: NamedCheck[] = [
    { id: 'a', check: () => true },
    { id: 'slow-false', check: () => later(30, false) },
    { id: 'fast-false', check: () => false },
  ];
  assert.deepEqual(await evaluateChecks(checks, 1000), { kind: 'not-ok', id: 'slow-false' });
});

test('a failure outranks false and decides at once (fail-fast)', async () => {
  // The check timeout never fires and `hangs` never settles: only failing fast can decide.
  const noTimeouts = { schedule: () => ({ cancel() {} }) };
  const outcome = await evaluateChecks(
    [
      { id: 'false', check: () => false },
      { id: 'hangs', check: never },
      { id: 'throws', check: () => later(10, 0).then(() => Promise.reject(new Error('db down'))) },
    ],
    5000,
    noTimeouts,
  );
  assert.deepEqual(outcome, { kind: 'failed', id: 'throws', message: 'db down' });
  assert.deepEqual(await evaluateChecks([{ id: 'sync', check: () => { throw new Error('boom'); } }], 100), { kind: 'failed', id: 'sync', message: 'boom' });
});

test('a check that outlives check-timeout fails with Scala duration text', async () => {
  const outcome = await evaluateChecks([{ id: 'ok', check: () => true }, { id: 'slow', check: never }], 40);
  assert.deepEqual(outcome, { kind: 'timed-out', id: 'slow', timeoutMs: 40 });
  assert.deepEqual(healthResponse(outcome), { status: 500, body: 'Health Check Failed: Check [slow] timed out after 40000000 nanoseconds' });
  assert.equal(formatScalaDuration(1000), '1 second');
  assert.equal(formatScalaDuration(2000), '2 seconds');
  assert.equal(formatScalaDuration(500), '500000000 nanoseconds');
  assert.equal(formatScalaDuration(1500), '1500000000 nanoseconds');
});

test('response texts of every outcome', () => {
  assert.deepEqual(healthResponse({ kind: 'ok' }), { status: 200, body: 'OK' });
  assert.deepEqual(healthResponse({ kind: 'not-ok', id: 'x.Y' }), { status: 500, body: 'Not Healthy: Check [x.Y] not ok' });
  assert.deepEqual(healthResponse({ kind: 'failed', id: 'x.Y', message: 'm' }), { status: 500, body: 'Health Check Failed: Check [x.Y] failed: m' });
  assert.deepEqual(healthResponse({ kind: 'timed-out', id: 'x.Y', timeoutMs: 1000 }), { status: 500, body: 'Health Check Failed: Check [x.Y] timed out after 1 second' });
});

test('/ready follows own member status through ready-states; /alive and /startup never look at the cluster', async () => {
  const self = member('127.0.0.1', 17355, 7n, 'Removed');
  const cluster = new FakeCluster(self.uniqueAddress);
  cluster.setState({ self });
  const srv = await start({ readyStates: ['Up', 'WeaklyUp'] }, { cluster });
  try {
    let r = await call(`${srv.url}/ready`);
    assert.deepEqual([r.status, r.type, r.text], [500, TEXT, `Not Healthy: Check [${CLUSTER_MEMBERSHIP_CHECK_CLASS}] not ok`]);
    for (const p of ['/alive', '/startup']) {
      r = await call(`${srv.url}${p}`);
      assert.deepEqual([r.status, r.type, r.text], [200, TEXT, 'OK']);
    }
    for (const status of ['Joining', 'Leaving', 'Down'] as const) {
      cluster.setState({ self: { ...self, status } });
      assert.equal((await call(`${srv.url}/ready`)).status, 500, status);
      assert.equal((await call(`${srv.url}/alive`)).status, 200);
    }
    for (const status of ['WeaklyUp', 'Up'] as const) {
      cluster.setState({ self: { ...self, status } });
      r = await call(`${srv.url}/ready`);
      assert.deepEqual([r.status, r.text], [200, 'OK'], status);
    }
    r = await call(`${srv.url}/ready`, 'POST');
    assert.deepEqual([r.status, r.allow, r.text], [405, 'GET', 'HTTP method not allowed, supported methods: GET']);
    r = await call(`${srv.url}/ready/`);
    assert.deepEqual([r.status, r.text], [404, 'The requested resource could not be found.']);
  } finally {
    await srv.close();
  }
});

test('configured module checks and library checks run together; paths may contain slashes', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'muster-hc-'));
  writeFileSync(path.join(dir, 'db.mjs'), 'export default async () => true;\nexport const broken = () => { throw new Error("disk full"); };\n');
  const cluster = upCluster();
  const srv = await start(
    {
      healthChecks: {
        readinessPath: 'health/ready',
        livenessPath: 'health/alive',
        checkTimeoutMs: 200,
        readinessChecks: [
          { name: 'cluster-membership', className: CLUSTER_MEMBERSHIP_CHECK_CLASS },
          { name: 'db', className: './db.mjs' },
        ],
        livenessChecks: [{ name: 'disk', className: `${path.join(dir, 'db.mjs')}#broken` }],
      },
    },
    {
      cluster,
      baseDir: dir,
      healthChecks: { readiness: [{ id: 'cache', check: () => later(5, false) }], startup: [{ id: 'warm', check: never }] },
    },
  );
  try {
    let r = await call(`${srv.url}/health/ready`);
    assert.deepEqual([r.status, r.text], [500, 'Not Healthy: Check [cache] not ok']);
    r = await call(`${srv.url}/health/alive`);
    assert.deepEqual([r.status, r.text], [500, `Health Check Failed: Check [${path.join(dir, 'db.mjs')}#broken] failed: disk full`]);
    r = await call(`${srv.url}/startup`);
    assert.deepEqual([r.status, r.text], [500, 'Health Check Failed: Check [warm] timed out after 200000000 nanoseconds']);
    assert.equal((await call(`${srv.url}/ready`)).status, 404);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a configured check module that cannot be loaded stops the start with a clear error', async () => {
  await assert.rejects(
    start({ healthChecks: { livenessChecks: [{ name: 'x', className: 'com.example.MyCheck' }] } }),
    /health check \[x\] = "com.example.MyCheck": cannot load module/,
  );
});

test('outcomes are logged with the group markers: false at info, failure at warning', async () => {
  const self = member('127.0.0.1', 17355, 7n, 'Joining');
  const cluster = new FakeCluster(self.uniqueAddress);
  cluster.setState({ self });
  const log = captureLogger();
  const srv = await start({}, { cluster, logger: log.logger, healthChecks: { liveness: [{ id: 'x', check: () => Promise.reject(new Error('gone')) }] } });
  try {
    await call(`${srv.url}/ready`);
    await call(`${srv.url}/alive`);
    assert.ok(log.lines.some((l) => l.marker === 'pekkoReadinessCheckFailed' && l.level === 30 && /not ok/.test(String(l.msg))));
    assert.ok(log.lines.some((l) => l.marker === 'pekkoLivenessCheckFailed' && l.level === 40 && /failed: gone/.test(String(l.msg))));
  } finally {
    await srv.close();
  }
});
