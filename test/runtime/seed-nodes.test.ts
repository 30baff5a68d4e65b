// With pekko.cluster.seed-nodes set, the runtime joins through the seed-node process and bootstrap
// stands aside (phase `skipped`, with Pekko's bail-out warning), while its routes keep serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { start } from '../../src/runtime.js';
import { freePort } from '../support/net.js';

test('configured seed nodes: the first seed forms the cluster, bootstrap is skipped and says why', async () => {
  const host = '127.0.0.74';
  const [port, mgmtPort] = [await freePort(host), await freePort(host)];
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  const node = await start({
    env: {},
    logger,
    applicationText: `
      muster.system-name = "seeded"
      pekko.remote.artery.canonical { hostname = "${host}", port = ${port} }
      pekko.management.http { hostname = "${host}", port = ${mgmtPort} }
      pekko.cluster.seed-nodes = ["pekko://seeded@${host}:${port}"]
    `,
  });
  try {
    const deadline = Date.now() + 20_000;
    while (node.cluster.state().self.status !== 'Up') {
      assert.ok(Date.now() < deadline, 'the single seed did not become Up');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(node.bootstrapStatus().phase, 'skipped');
    assert.ok(lines.some((l) => l.includes('bailing out of the bootstrap process')), 'bail-out warning logged');
    const status = await (await fetch(`${node.managementUrl}/bootstrap/status`)).json();
    assert.equal((status as { phase: string }).phase, 'skipped');
    const seeds = (await (await fetch(`${node.managementUrl}/bootstrap/seed-nodes`)).json()) as { seedNodes: unknown[] };
    assert.equal(seeds.seedNodes.length, 1);
  } finally {
    const result = await node.shutdown();
    assert.equal(result.processExitCode, 0);
  }
});
