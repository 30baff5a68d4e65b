import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { domainEventJson } from '../../src/management/cluster-json.js';
import { stringifyWithBigInt } from '../../src/json.js';
import { address, member } from '../support/fake-cluster.js';
import { SELF_UID, start, upCluster } from './_support.js';

/** Opens an SSE stream and collects its text. */
function open(url: string): Promise<{ res: IncomingMessage; text: () => string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (buf += c));
      const ended = new Promise<void>((r) => res.on('close', () => r()));
      resolve({ res, text: () => buf, ended });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls cond; the deadline only bounds a hang. */
async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const SELF_M = `{"dataCenter":"default","roles":["dc-default"],"status":"Up","uniqueAddress":{"address":"pekko://Main@127.0.0.1:17355","longUid":${SELF_UID}}}`;

test('event payloads: alphabetical keys, type added, longUid a bare 64-bit number, internal events dropped', () => {
  const m = member('10.0.0.2', 1, -(1n << 63n), 'Down', { roles: ['r'] });
  const M = '{"dataCenter":"default","roles":["dc-default","r"],"status":"Down","uniqueAddress":{"address":"pekko://Main@10.0.0.2:1","longUid":-9223372036854775808}}';
  const s = (e: Parameters<typeof domainEventJson>[0]) => stringifyWithBigInt(domainEventJson(e));
  assert.equal(s({ type: 'MemberDowned', member: m }), `{"member":${M},"type":"MemberDowned"}`);
  assert.equal(s({ type: 'MemberRemoved', member: m, previousStatus: 'Down' }), `{"member":${M},"previousStatus":"Down","type":"MemberRemoved"}`);
  assert.equal(s({ type: 'UnreachableMember', member: m }), `{"member":${M},"type":"UnreachableMember"}`);
  assert.equal(s({ type: 'LeaderChanged', leader: address('10.0.0.2', 1) }), '{"address":"pekko://Main@10.0.0.2:1","type":"LeaderChanged"}');
  assert.equal(s({ type: 'LeaderChanged', leader: undefined }), '{"type":"LeaderChanged"}');
  assert.equal(s({ type: 'RoleLeaderChanged', role: 'r', leader: undefined }), '{"role":"r","type":"RoleLeaderChanged"}');
  assert.equal(s({ type: 'RoleLeaderChanged', role: 'r', leader: address('h', 2) }), '{"address":"pekko://Main@h:2","role":"r","type":"RoleLeaderChanged"}');
  assert.equal(s({ type: 'ClusterShuttingDown' }), '{"type":"ClusterShuttingDown"}');
  assert.equal(domainEventJson({ type: 'MemberPreparingForShutdown', member: m }), undefined);
  assert.equal(domainEventJson({ type: 'SeenChanged', convergence: true, seenBy: [] }), undefined);
});

test('the stream replays current state, then live events, framed data:<json>\\nevent:<Type>\\n\\n', async () => {
  const cluster = upCluster();
  const srv = await start({}, { cluster });
  try {
    const sse = await open(`${srv.url}/cluster/domain-events`);
    assert.equal(sse.res.statusCode, 200);
    assert.equal(sse.res.headers['content-type'], 'text/event-stream');
    const replay =
      `data:{"member":${SELF_M},"type":"MemberUp"}\nevent:MemberUp\n\n` +
      'data:{"address":"pekko://Main@127.0.0.1:17355","type":"LeaderChanged"}\nevent:LeaderChanged\n\n';
    await until(() => sse.text().length >= replay.length);
    assert.equal(sse.text(), replay);
    const other = member('10.0.0.7', 2552, 99n, 'Up');
    cluster.emit({ type: 'SeenChanged', convergence: true, seenBy: [] });
    cluster.emit({ type: 'MemberPreparingForShutdown', member: other });
    cluster.emit({ type: 'MemberLeft', member: { ...other, status: 'Leaving' } });
    cluster.emit({ type: 'ClusterShuttingDown' });
    const live =
      'data:{"member":{"dataCenter":"default","roles":["dc-default"],"status":"Leaving","uniqueAddress":{"address":"pekko://Main@10.0.0.7:2552","longUid":99}},"type":"MemberLeft"}\nevent:MemberLeft\n\n' +
      'data:{"type":"ClusterShuttingDown"}\nevent:ClusterShuttingDown\n\n';
    await until(() => sse.text().length >= replay.length + live.length);
    assert.equal(sse.text(), replay + live);
    sse.res.destroy();
    await until(() => cluster.subscriberCount === 1); // only the metrics observer remains
  } finally {
    await srv.close();
  }
});

test('type filters: classes select their events, unknown values are ignored, only-unknown means heartbeats only', async () => {
  const cluster = upCluster();
  const srv = await start({}, { cluster, domainEvents: { heartbeatMs: 60 } });
  try {
    const members = await open(`${srv.url}/cluster/domain-events?type=MemberEvent&type=Bogus`);
    const leader = await open(`${srv.url}/cluster/domain-events?type=LeaderChanged`);
    const none = await open(`${srv.url}/cluster/domain-events?type=Bogus`);
    await until(() => members.text().includes('event:MemberUp') && leader.text().includes('event:LeaderChanged'));
    cluster.emit({ type: 'UnreachableMember', member: cluster.state().self });
    cluster.emit({ type: 'LeaderChanged', leader: undefined });
    cluster.emit({ type: 'MemberExited', member: cluster.state().self });
    await until(() => members.text().includes('event:MemberExited') && leader.text().split('event:LeaderChanged').length === 3);
    assert.ok(!members.text().includes('LeaderChanged') && !members.text().includes('Unreachable'));
    assert.ok(!leader.text().includes('MemberUp') && !leader.text().includes('MemberExited'));
    assert.ok(leader.text().includes('data:{"type":"LeaderChanged"}\nevent:LeaderChanged\n\n'));
    // Heartbeats after 60 ms of silence; the stream with only unknown types gets nothing else.
    await until(() => none.text().length >= 2 * 'data:\n\n'.length);
    assert.match(none.text(), /^(data:\n\n)+$/);
    for (const s of [members, leader, none]) s.res.destroy();
  } finally {
    await srv.close();
  }
});

test('a reader that stops reading lets the backlog pass 128 events and the stream is cut; the server keeps serving', async () => {
  const cluster = upCluster();
  const srv = await start({}, { cluster });
  try {
    const sse = await open(`${srv.url}/cluster/domain-events?type=MemberUp`);
    await until(() => sse.text().includes('event:MemberUp'));
    sse.res.pause();
    const big = member('10.0.0.8', 1, 1n, 'Up', { roles: Array.from({ length: 200 }, (_, i) => `role-with-a-long-name-${i}`) });
    let sent = 0;
    // Bounded: at most 20,000 events (a few tens of MB) before the server must give up on the reader.
    while (sent < 20_000 && cluster.subscriberCount > 1) {
      for (let i = 0; i < 100; i++) cluster.emit({ type: 'MemberUp', member: big });
      sent += 100;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(cluster.subscriberCount, 1, `stream still subscribed after ${sent} events`);
    sse.res.resume();
    await sse.ended;
    const r = await fetch(`${srv.url}/cluster/members`);
    assert.equal(r.status, 200);
  } finally {
    await srv.close();
  }
});

test('stopping the server ends open event streams promptly', async () => {
  const cluster = upCluster();
  const srv = await start({}, { cluster });
  const sse = await open(`${srv.url}/cluster/domain-events`);
  await until(() => sse.text().includes('event:LeaderChanged'));
  await srv.close();
  await sse.ended;
  // Ended by the server with the stream's last chunk, not cut when the graceful-termination
  // timeout (5 s) closed the remaining connections.
  assert.equal(sse.res.complete, true, 'the stream was ended, not cut');
  assert.equal(cluster.subscriberCount, 0);
});
