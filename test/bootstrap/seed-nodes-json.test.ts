import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress, type UniqueAddress } from '../../src/address.js';
import type { ClusterState, Member, MemberStatus } from '../../src/cluster/api.js';
import { parseSeedNodesJson } from '../../src/bootstrap/seed-nodes.js';
import { seedNodesBody } from '../../src/management/seed-nodes-json.js';

const member = (addr: string, uid: bigint, status: MemberStatus): Member => ({
  uniqueAddress: { address: parseAddress(addr), uid },
  status,
  roles: ['dc-default'],
  upNumber: 1,
  appVersion: '0.0.0',
  dataCenter: 'default',
});

function state(members: Member[], unreachable: UniqueAddress[] = []): ClusterState {
  return {
    self: member('pekko://sys@10.0.0.1:17355', 1n, 'Removed'),
    members,
    unreachable: unreachable.map((subject) => ({ subject, observedBy: [] })),
    seenBy: [],
    leader: undefined,
    roleLeaders: new Map(),
    shuttingDown: false,
  };
}

test('parses Pekko\'s exact body with a uid beyond 2^53 without losing a digit', () => {
  const body =
    '{"seedNodes":[{"node":"pekko://my-system@10.0.0.2:17355","nodeUid":-4967350262227633432,"roles":["dc-default"],"status":"Up"}],' +
    '"selfNode":"pekko://my-system@10.0.0.3:17355"}';
  const doc = parseSeedNodesJson(body);
  assert.equal(doc.selfNode.host, '10.0.0.3');
  assert.equal(doc.seedNodes[0]?.nodeUid, -4967350262227633432n);
  assert.equal(doc.seedNodes[0]?.node.system, 'my-system');
  assert.deepEqual(doc.seedNodes[0]?.roles, ['dc-default']);
});

test('written by the route, read by the prober: 64-bit uids round-trip exactly, including the extremes', () => {
  const uids = [9223372036854775807n, -9223372036854775808n, 9007199254740993n, 42n];
  const members = uids.map((uid, i) => member(`pekko://sys@10.0.0.${i + 2}:17355`, uid, 'Up'));
  const body = seedNodesBody(state(members), parseAddress('pekko://sys@10.0.0.1:17355'));
  assert.match(body, /"nodeUid":9223372036854775807,/);
  assert.match(body, /"nodeUid":-9223372036854775808,/);
  const doc = parseSeedNodesJson(body);
  assert.deepEqual(doc.seedNodes.map((s) => s.nodeUid), uids);
});

test('the server view: only reachable Up/WeaklyUp/Joining, first 5 in member order, sorted by full address', () => {
  const ms = [
    member('pekko://sys@10.0.0.10:1', 1n, 'Up'),
    member('pekko://sys@10.0.0.2:1', 2n, 'Leaving'),
    member('pekko://sys@10.0.0.3:1', 3n, 'Joining'),
    member('pekko://sys@10.0.0.4:1', 4n, 'WeaklyUp'),
    member('pekko://sys@10.0.0.5:1', 5n, 'Up'),
    member('pekko://sys@10.0.0.6:1', 6n, 'Up'),
    member('pekko://sys@10.0.0.7:1', 7n, 'Up'),
    member('pekko://sys@10.0.0.8:1', 8n, 'Up'),
  ];
  const doc = parseSeedNodesJson(seedNodesBody(state(ms, [ms[4]!.uniqueAddress]), parseAddress('pekko://sys@10.0.0.1:1')));
  assert.deepEqual(
    doc.seedNodes.map((s) => s.node.host),
    ['10.0.0.10', '10.0.0.3', '10.0.0.4', '10.0.0.6', '10.0.0.7'],
  );
  assert.deepEqual(doc.seedNodes.map((s) => s.status), ['Up', 'Joining', 'WeaklyUp', 'Up', 'Up']);
});

test('selfNode is answered before this node is a member, with no seed nodes', () => {
  const doc = parseSeedNodesJson(seedNodesBody(state([]), parseAddress('pekko://sys@[::1]:17355')));
  assert.equal(doc.selfNode.host, '::1');
  assert.deepEqual(doc.seedNodes, []);
});

test('rejects bodies missing any of the four entry fields, with wrong types, or that are not JSON', () => {
  const entry = { node: 'pekko://s@h:1', nodeUid: 1, roles: ['dc-default'], status: 'Up' };
  for (const field of Object.keys(entry)) {
    const broken: Record<string, unknown> = { ...entry };
    delete broken[field];
    assert.throws(
      () => parseSeedNodesJson(JSON.stringify({ seedNodes: [broken], selfNode: 'pekko://s@h:2' })),
      new RegExp(`seedNodes\\[0\\]\\.${field}`),
    );
  }
  const bad = (patch: Record<string, unknown>) => JSON.stringify({ seedNodes: [{ ...entry, ...patch }], selfNode: 'pekko://s@h:2' });
  assert.throws(() => parseSeedNodesJson(bad({ nodeUid: '1' })), /nodeUid must be an integer/);
  assert.throws(() => parseSeedNodesJson(bad({ nodeUid: 1.5 })), /nodeUid must be an integer/);
  assert.throws(() => parseSeedNodesJson(bad({ roles: [1] })), /roles/);
  assert.throws(() => parseSeedNodesJson(bad({ node: 'not an address' })), /node/);
  assert.throws(
    () => parseSeedNodesJson('{"seedNodes":[{"node":"pekko://s@h:1","nodeUid":9223372036854775808,"roles":[],"status":"Up"}],"selfNode":"pekko://s@h:2"}'),
    /64-bit/,
  );
  assert.throws(() => parseSeedNodesJson('{"seedNodes":[]}'), /selfNode/);
  assert.throws(() => parseSeedNodesJson('<html>'), /Invalid seed-nodes response/);
  assert.throws(() => parseSeedNodesJson('[]'), /expected a JSON object/);
});

test('the fast-path extension muster.contactPoints is read when well-formed and ignored (never an error) otherwise', () => {
  const base = '"seedNodes":[],"selfNode":"pekko://sys@10.0.0.1:17355"';
  assert.deepEqual(parseSeedNodesJson(`{${base},"muster":{"contactPoints":["10.0.0.1:7626"]}}`).contactPoints, ['10.0.0.1:7626']);
  for (const bad of ['"muster":1', '"muster":{"contactPoints":"x"}', '"muster":{"contactPoints":[1]}', '"muster":null']) {
    const doc = parseSeedNodesJson(`{${base},${bad}}`);
    assert.equal(doc.contactPoints, undefined, bad);
    assert.equal(doc.selfNode.host, '10.0.0.1');
  }
});
