import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { parseAddress } from '../../src/address.js';
import type { ClusterState, Member } from '../../src/cluster/api.js';
import { bootstrapRoutes } from '../../src/bootstrap/routes.js';
import { createHttpProber } from '../../src/bootstrap/http-prober.js';
import { silentLogger } from '../../src/logging.js';

const selfAddress = parseAddress('pekko://sys@127.0.0.1:17355');
const member = (addr: string, uid: bigint, status: Member['status']): Member => ({
  uniqueAddress: { address: parseAddress(addr), uid },
  status,
  roles: ['dc-default'],
  upNumber: 1,
  appVersion: '0.0.0',
  dataCenter: 'default',
});
let members: Member[] = [];
const cluster = {
  selfAddress,
  state: (): ClusterState => ({
    self: members.find((m) => m.uniqueAddress.address.host === '127.0.0.1') ?? member('pekko://sys@127.0.0.1:17355', 5n, 'Removed'),
    members,
    unreachable: [],
    seenBy: [],
    leader: undefined,
    roleLeaders: new Map(),
    shuttingDown: false,
  }),
};

async function start(status?: () => never) {
  const app = Fastify();
  bootstrapRoutes(app, { cluster, logger: silentLogger, ...(status && { status }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

test('GET /bootstrap/seed-nodes answers Pekko\'s exact bytes, before and after joining', async () => {
  const { app, base } = await start();
  try {
    members = [];
    let res = await fetch(`${base}/bootstrap/seed-nodes`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(await res.text(), '{"seedNodes":[],"selfNode":"pekko://sys@127.0.0.1:17355"}');
    members = [member('pekko://sys@127.0.0.1:17355', -4967350262227633432n, 'Joining')];
    res = await fetch(`${base}/bootstrap/seed-nodes`);
    assert.equal(
      await res.text(),
      '{"seedNodes":[{"node":"pekko://sys@127.0.0.1:17355","nodeUid":-4967350262227633432,"roles":["dc-default"],"status":"Joining"}],' +
        '"selfNode":"pekko://sys@127.0.0.1:17355"}',
    );
    // The prober reads what the route writes.
    const prober = createHttpProber();
    const doc = await prober.probe(`${base}/bootstrap/seed-nodes`, 3000);
    prober.close?.();
    assert.equal(doc.seedNodes[0]?.nodeUid, -4967350262227633432n);
    const post = await fetch(`${base}/bootstrap/seed-nodes`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
  } finally {
    await app.close();
  }
});

test('GET /bootstrap/status serves the coordinator snapshot as JSON, or says bootstrap is not running', async () => {
  const snapshot = { phase: 'bootstrapping', reason: 'only 1 of 3 discovered contact points answered', probes: [] };
  const withStatus = await start((() => snapshot) as () => never);
  const without = await start();
  try {
    const res = await fetch(`${withStatus.base}/bootstrap/status`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), snapshot);
    const res2 = await fetch(`${without.base}/bootstrap/status`);
    assert.match(((await res2.json()) as { reason: string }).reason, /not running/);
  } finally {
    await withStatus.app.close();
    await without.app.close();
  }
});

test('replicas fast path: the seed-nodes answer carries muster.contactPoints only while there are some to report; the prober reads them', async () => {
  let reported: readonly string[] | undefined = ['127.0.0.1:7626', '127.0.0.2:7626'];
  const app = Fastify();
  bootstrapRoutes(app, { cluster, logger: silentLogger, reportedContactPoints: () => reported });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/bootstrap/seed-nodes`;
  const prober = createHttpProber();
  try {
    members = [];
    const res = await fetch(url);
    assert.equal(
      await res.text(),
      '{"seedNodes":[],"selfNode":"pekko://sys@127.0.0.1:17355","muster":{"contactPoints":["127.0.0.1:7626","127.0.0.2:7626"]}}',
    );
    assert.deepEqual((await prober.probe(url, 3000)).contactPoints, ['127.0.0.1:7626', '127.0.0.2:7626']);
    reported = undefined;
    assert.equal(await (await fetch(url)).text(), '{"seedNodes":[],"selfNode":"pekko://sys@127.0.0.1:17355"}');
    assert.equal((await prober.probe(url, 3000)).contactPoints, undefined);
  } finally {
    prober.close?.();
    await app.close();
  }
});
