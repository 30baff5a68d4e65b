import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Member } from '../../src/cluster/api.js';
import { clusterMembersJson } from '../../src/management/cluster-json.js';
import { stringifyWithBigInt } from '../../src/json.js';
import { FakeCluster, address, member } from '../support/fake-cluster.js';
import { FORM, JSON_TYPE, SELF_UID, TEXT, call, start, upCluster } from './_support.js';

const READ_ONLY_405 = 'A request was made of a resource using a request method not supported by that resource;';

test('GET /cluster/members matches the spec example byte for byte', async () => {
  const m1 = member('10.0.0.1', 17355, 1n, 'Up');
  const m3 = member('10.0.0.3', 17355, 3n, 'Up');
  const cluster = new FakeCluster(m1.uniqueAddress);
  cluster.setState({
    self: m1,
    members: [m1],
    leader: m1.uniqueAddress.address,
    unreachable: [{ subject: m3.uniqueAddress, observedBy: [m1.uniqueAddress] }],
  });
  const srv = await start({}, { cluster });
  try {
    const r = await call(`${srv.url}/cluster/members`);
    assert.equal(r.status, 200);
    assert.equal(r.type, JSON_TYPE);
    assert.equal(
      r.text,
      '{"leader":"pekko://Main@10.0.0.1:17355",' +
        '"members":[{"node":"pekko://Main@10.0.0.1:17355","nodeUid":"1","roles":["dc-default"],"status":"Up"}],' +
        '"oldest":"pekko://Main@10.0.0.1:17355",' +
        '"oldestPerRole":{"dc-default":"pekko://Main@10.0.0.1:17355"},' +
        '"selfNode":"pekko://Main@10.0.0.1:17355",' +
        '"unreachable":[{"node":"pekko://Main@10.0.0.3:17355","observedBy":["pekko://Main@10.0.0.1:17355"]}]}',
    );
    const slash = await call(`${srv.url}/cluster/members/`);
    assert.equal(slash.text, r.text);
  } finally {
    await srv.close();
  }
});

test('muster.management.cluster-members.app-version = on adds each member\'s appVersion (keys still alphabetical); off keeps Pekko\'s bytes', async () => {
  const m1 = { ...member('10.0.0.1', 17355, 1n, 'Up'), appVersion: '1.4.2' };
  const m2 = { ...member('10.0.0.2', 17355, 2n, 'Joining'), appVersion: '1.5.0' };
  const cluster = new FakeCluster(m1.uniqueAddress);
  cluster.setState({ self: m1, members: [m1, m2], leader: m1.uniqueAddress.address });
  const on = await start({ membersAppVersion: true }, { cluster });
  const off = await start({}, { cluster });
  try {
    const all = await call(`${on.url}/cluster/members`);
    assert.match(
      all.text,
      /"members":\[\{"appVersion":"1\.4\.2","node":"pekko:\/\/Main@10\.0\.0\.1:17355","nodeUid":"1",.*\{"appVersion":"1\.5\.0","node":"pekko:\/\/Main@10\.0\.0\.2:17355"/,
    );
    const one = await call(`${on.url}/cluster/members/${encodeURIComponent('pekko://Main@10.0.0.2:17355')}`);
    assert.equal(one.status, 200);
    assert.equal(JSON.parse(one.text).appVersion, '1.5.0');
    assert.ok(!(await call(`${off.url}/cluster/members`)).text.includes('appVersion'));
  } finally {
    await on.close();
    await off.close();
  }
});

test('members JSON: leader and oldest omitted when absent, nodeUid a decimal string, order by node text', () => {
  const self = member('10.0.0.9', 2552, SELF_UID, 'Joining');
  const others: Member[] = [member('10.0.0.10', 2552, -1n, 'Leaving'), member('10.0.0.2', 2552, (1n << 62n) + 7n, 'Joining')];
  const cluster = new FakeCluster(self.uniqueAddress);
  cluster.setState({ self, members: [self, ...others] });
  const text = stringifyWithBigInt(clusterMembersJson(cluster.state()));
  assert.equal(
    text,
    '{"members":[' +
      '{"node":"pekko://Main@10.0.0.10:2552","nodeUid":"-1","roles":["dc-default"],"status":"Leaving"},' +
      '{"node":"pekko://Main@10.0.0.2:2552","nodeUid":"4611686018427387911","roles":["dc-default"],"status":"Joining"},' +
      '{"node":"pekko://Main@10.0.0.9:2552","nodeUid":"-4967350262227633432","roles":["dc-default"],"status":"Joining"}],' +
      '"oldestPerRole":{},"selfNode":"pekko://Main@10.0.0.9:2552","unreachable":[]}',
  );
});

test('oldest and oldestPerRole: same data centre, status exactly Up, lowest up-number, ties by host then port', () => {
  const self = member('10.0.0.5', 1, 1n, 'Up', { upNumber: 4, roles: ['a'] });
  const members = [
    self,
    member('10.0.0.1', 1, 2n, 'Up', { upNumber: 3, roles: ['b'] }),
    member('10.0.0.0', 1, 3n, 'Leaving', { upNumber: 1, roles: ['a'] }),
    member('10.0.0.2', 1, 4n, 'Up', { upNumber: 2, roles: ['a'], dataCenter: 'east' }),
    member('10.0.0.3', 2, 5n, 'Up', { upNumber: 3, roles: ['a'] }),
    member('10.0.0.3', 1, 6n, 'Up', { upNumber: 3, roles: ['b'] }),
  ];
  const cluster = new FakeCluster(self.uniqueAddress);
  cluster.setState({ self, members });
  const json = clusterMembersJson(cluster.state());
  assert.equal(json.oldest, 'pekko://Main@10.0.0.1:1');
  assert.deepEqual(json.oldestPerRole, {
    a: 'pekko://Main@10.0.0.3:2',
    b: 'pekko://Main@10.0.0.1:1',
    'dc-default': 'pekko://Main@10.0.0.1:1',
  });
});

test('GET /cluster/members/{address}: full address, system@host:port, IPv6, and 404 with the given text', async () => {
  const cluster = upCluster();
  const v6 = member('::1', 3311, 42n, 'WeaklyUp', { roles: ['r1'] });
  cluster.setState({ members: [...cluster.state().members, v6] });
  const srv = await start({}, { cluster });
  try {
    const want = '{"node":"pekko://Main@127.0.0.1:17355","nodeUid":"-4967350262227633432","roles":["dc-default"],"status":"Up"}';
    for (const given of ['Main@127.0.0.1:17355', encodeURIComponent('pekko://Main@127.0.0.1:17355'), 'pekko://Main@127.0.0.1:17355']) {
      const r = await call(`${srv.url}/cluster/members/${given}`);
      assert.equal(r.status, 200, given);
      assert.equal(r.type, JSON_TYPE);
      assert.equal(r.text, want);
    }
    const r6 = await call(`${srv.url}/cluster/members/Main@[::1]:3311`);
    assert.equal(r6.text, '{"node":"pekko://Main@[::1]:3311","nodeUid":"42","roles":["dc-default","r1"],"status":"WeaklyUp"}');
    const missing = await call(`${srv.url}/cluster/members/Main@10.9.9.9:1`);
    assert.equal(missing.status, 404);
    assert.equal(missing.text, '{"message":"Member [Main@10.9.9.9:1] not found"}');
  } finally {
    await srv.close();
  }
});

test('read-only mode (the default): writes under /cluster/members are 405 without Allow; PUT /cluster is 404', async () => {
  const cluster = upCluster();
  const srv = await start({}, { cluster });
  try {
    for (const [method, path] of [
      ['POST', '/cluster/members'],
      ['POST', '/cluster/members/'],
      ['PUT', '/cluster/members/Main@127.0.0.1:17355'],
      ['DELETE', '/cluster/members/Main@127.0.0.1:17355'],
      ['DELETE', '/cluster/members/unknown'],
      ['PATCH', '/cluster/members'],
    ] as const) {
      const r = await call(`${srv.url}${path}`, method, { body: 'operation=down&address=pekko://Main@1.1.1.1:1', contentType: FORM });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.text, READ_ONLY_405);
      assert.equal(r.type, TEXT);
      assert.equal(r.allow, null);
    }
    for (const [method, path] of [['PUT', '/cluster'], ['GET', '/cluster/shards']] as const) {
      const body = method === 'PUT' ? { body: 'operation=prepare-for-full-shutdown', contentType: FORM } : {};
      const r = await call(`${srv.url}${path}`, method, body);
      assert.equal(r.status, 404);
      assert.equal(r.text, 'The requested resource could not be found.');
    }
    const shard = await call(`${srv.url}/cluster/shards/ShoppingCart`);
    assert.equal(shard.status, 404);
    assert.equal(shard.text, '{"message":"Shard Region ShoppingCart is not started"}');
    assert.deepEqual(cluster.commands, []);
  } finally {
    await srv.close();
  }
});

test('full mode: join, down, leave, delete and prepare-for-full-shutdown with urlencoded and multipart forms', async () => {
  const cluster = upCluster();
  const srv = await start({ http: { routeProvidersReadOnly: false } }, { cluster });
  const self = 'pekko://Main@127.0.0.1:17355';
  const multipart = (fields: Record<string, string>) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    return f;
  };
  try {
    let r = await call(`${srv.url}/cluster/members`, 'POST', { body: 'address=pekko%3A%2F%2FMain%40127.0.0.2%3A17355', contentType: FORM });
    assert.deepEqual([r.status, r.type, r.text], [200, JSON_TYPE, '{"message":"Joining pekko://Main@127.0.0.2:17355"}']);
    r = await call(`${srv.url}/cluster/members/`, 'POST', { body: multipart({ address: 'pekko://Main@[::1]:25520' }) });
    assert.equal(r.text, '{"message":"Joining pekko://Main@[::1]:25520"}');
    r = await call(`${srv.url}/cluster/members`, 'POST', { body: 'other=1', contentType: FORM });
    assert.deepEqual([r.status, r.text], [404, '{"message":"Member [] not found"}']);
    r = await call(`${srv.url}/cluster/members`, 'POST', { body: 'address=not-an-address', contentType: FORM });
    assert.deepEqual([r.status, r.type, r.text], [500, TEXT, 'There was an internal server error.']);

    r = await call(`${srv.url}/cluster/members/Main@127.0.0.1:17355`, 'PUT', { body: 'operation=DOWN', contentType: FORM });
    assert.deepEqual([r.status, r.text], [200, `{"message":"Downing ${self}"}`]);
    r = await call(`${srv.url}/cluster/members/Main@127.0.0.1:17355`, 'PUT', { body: multipart({ operation: 'leave' }) });
    assert.deepEqual([r.status, r.text], [200, `{"message":"Leaving ${self}"}`]);
    for (const op of ['Join', 'explode']) {
      r = await call(`${srv.url}/cluster/members/Main@127.0.0.1:17355`, 'PUT', { body: `operation=${op}`, contentType: FORM });
      assert.deepEqual([r.status, r.text], [400, '{"message":"Operation not supported"}']);
    }
    r = await call(`${srv.url}/cluster/members/Main@127.0.0.1:17355`, 'PUT', { body: 'x=y', contentType: FORM });
    assert.deepEqual([r.status, r.type, r.text], [400, TEXT, "Request is missing required form field 'operation'"]);
    r = await call(`${srv.url}/cluster/members/Main@127.0.0.1:17355`, 'PUT', { body: '{"operation":"down"}', contentType: 'application/json' });
    assert.equal(r.status, 415);
    r = await call(`${srv.url}/cluster/members/${encodeURIComponent(self)}`, 'DELETE');
    assert.deepEqual([r.status, r.text], [200, `{"message":"Leaving ${self}"}`]);
    r = await call(`${srv.url}/cluster/members/Main@127.0.0.1:17355`, 'PATCH');
    assert.deepEqual([r.status, r.allow, r.text], [405, 'GET, PUT, DELETE', 'HTTP method not allowed, supported methods: GET, PUT, DELETE']);
    for (const method of ['PUT', 'DELETE', 'GET']) {
      r = await call(`${srv.url}/cluster/members/Main@1.2.3.4:5`, method, method === 'PUT' ? { body: 'operation=down', contentType: FORM } : {});
      assert.deepEqual([r.status, r.text], [404, '{"message":"Member [Main@1.2.3.4:5] not found"}'], method);
    }

    r = await call(`${srv.url}/cluster`, 'PUT', { body: 'operation=Prepare-For-Full-Shutdown', contentType: FORM });
    assert.deepEqual([r.status, r.text], [200, '{"message":"Preparing for full cluster shutdown"}']);
    r = await call(`${srv.url}/cluster/`, 'PUT', { body: multipart({ operation: 'shutdown' }) });
    assert.deepEqual([r.status, r.text], [400, '{"message":"Operation not supported"}']);
    r = await call(`${srv.url}/cluster/shards`);
    assert.deepEqual([r.status, r.text], [200, '{"entityTypeKeys":[]}']);

    const a = (host: string, port = 17355) => address(host, port);
    assert.deepEqual(cluster.commands, [
      { op: 'join', address: a('127.0.0.2') },
      { op: 'join', address: a('::1', 25520) },
      { op: 'down', address: a('127.0.0.1') },
      { op: 'leave', address: a('127.0.0.1') },
      { op: 'leave', address: a('127.0.0.1') },
      { op: 'prepareForFullClusterShutdown' },
    ]);
  } finally {
    await srv.close();
  }
});
