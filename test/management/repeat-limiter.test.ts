// Repeated identical health-check log lines are written once per interval, with a count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { pino } from 'pino';
import { healthRoutes } from '../../src/management/health-routes.js';
import { RepeatLimiter } from '../../src/management/repeat-limiter.js';

test('RepeatLimiter: the first line passes, repeats within the interval are held back and counted, per key', () => {
  let now = 0;
  const l = new RepeatLimiter(10_000, () => now);
  assert.equal(l.admit('a'), 0);
  for (let i = 0; i < 5; i++) assert.equal(l.admit('a'), undefined);
  assert.equal(l.admit('b'), 0, 'another line is independent');
  now = 9_999;
  assert.equal(l.admit('a'), undefined);
  now = 10_000;
  assert.equal(l.admit('a'), 6, 'six held back since the last written');
  now = 25_000;
  assert.equal(l.admit('a'), 0);
});

test('a failing readiness check under a fast poller logs one line per interval, then the count', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  let now = 0;
  const app = Fastify();
  healthRoutes(
    app,
    { startupPath: 'startup', readinessPath: 'ready', livenessPath: 'alive', checkTimeoutMs: 1000, startupChecks: [], readinessChecks: [], livenessChecks: [] },
    { startup: [], liveness: [], readiness: [{ id: 'app', check: async () => { throw new Error('database down'); } }] },
    logger,
    new RepeatLimiter(10_000, () => now),
  );
  try {
    for (let i = 0; i < 50; i++) assert.equal((await app.inject({ url: '/ready' })).statusCode, 500);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!['marker'], 'pekkoReadinessCheckFailed');
    assert.match(String(lines[0]!['msg']), /database down/);
    now = 10_000;
    await app.inject({ url: '/ready' });
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!['repeated'], 49);
    assert.match(String(lines[1]!['msg']), /database down.*\(and 49 more times since last logged\)/);
  } finally {
    await app.close();
  }
});
