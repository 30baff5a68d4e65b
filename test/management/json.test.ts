import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { JsonParseError, parseWithBigInt, stringifyWithBigInt } from '../../src/json.js';
import { seedNodesBody, seedNodesJson } from '../../src/management/seed-nodes-json.js';
import { FakeCluster, address, member } from '../support/fake-cluster.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

test('bigints are written as bare integers, everything else as JSON.stringify writes it', () => {
  assert.equal(stringifyWithBigInt({ a: -4967350262227633432n, b: [1, 'x', null, true], c: undefined }), '{"a":-4967350262227633432,"b":[1,"x",null,true]}');
  const plain = { s: 'q"\\\n\u2028', n: 1.5e-7, arr: [[], {}], nested: { z: 0, a: -0 } };
  assert.equal(stringifyWithBigInt(plain), JSON.stringify(plain));
  assert.equal(stringifyWithBigInt([undefined, NaN, Infinity]), '[null,null,null]');
});

test('64-bit uids round-trip exactly, extremes and negatives included', () => {
  const values = [INT64_MIN, INT64_MAX, -1n, 0n, 1n, (1n << 53n) + 1n, -(1n << 53n) - 1n];
  for (let i = 0; i < 2000; i++) values.push(randomBytes(8).readBigInt64BE(0));
  for (const uid of values) {
    const text = stringifyWithBigInt({ nodeUid: uid, other: 3 });
    assert.equal(text, `{"nodeUid":${uid},"other":3}`);
    const parsed = parseWithBigInt(text, { bigintKeys: ['nodeUid'] }) as { nodeUid: bigint; other: number };
    assert.equal(parsed.nodeUid, uid);
    assert.equal(parsed.other, 3);
  }
});

test('the reader returns unsafe integers as bigint and keeps ordinary numbers as numbers', () => {
  const v = parseWithBigInt('{"a":9007199254740993,"b":12,"c":1.5,"d":-1e3,"e":[ -9223372036854775808 ]}') as Record<string, unknown>;
  assert.equal(v.a, 9007199254740993n);
  assert.equal(v.b, 12);
  assert.equal(v.c, 1.5);
  assert.equal(v.d, -1000);
  assert.deepEqual(v.e, [INT64_MIN]);
  assert.equal((parseWithBigInt('[9007199254740993]', { unsafeIntegersAsBigInt: false }) as number[])[0], 9007199254740992);
});

test('the reader agrees with JSON.parse on ordinary documents', () => {
  const docs = ['{"a":"\\u00e9\\n","b":[true,false,null],"c":{"d":-0.5e+2}}', ' [ 1 , 2 ] ', '"x"', 'null', '{"__proto__":{"polluted":1}}'];
  for (const d of docs) assert.deepEqual(parseWithBigInt(d), JSON.parse(d));
  const proto = parseWithBigInt('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
});

test('malformed JSON is a JsonParseError, never another exception', () => {
  const bad = ['', '{', '{"a"}', '{"a":}', '[1,]', '01', '1.', '-', '"abc', '"\\x"', 'tru', '{"a":1,}', '[1 2]', '1 2', '"\u0001"', '[' .repeat(100) + ']'.repeat(100)];
  for (const b of bad) assert.throws(() => parseWithBigInt(b), JsonParseError, b);
  for (let i = 0; i < 3000; i++) {
    const junk = randomBytes(1 + (i % 40)).toString('latin1');
    try {
      parseWithBigInt(junk);
    } catch (e) {
      assert.ok(e instanceof JsonParseError, `unexpected ${String(e)} for ${JSON.stringify(junk)}`);
    }
  }
});

test('seed-nodes body: spec 2.7 shape, alphabetical keys, exact numeric nodeUid', () => {
  const self = { address: address('10.0.0.3'), uid: 5n };
  const cluster = new FakeCluster(self);
  const m = member('10.0.0.2', 17355, -4967350262227633432n, 'Up', { system: 'my-system' });
  cluster.setState({ members: [m] });
  assert.equal(
    seedNodesBody(cluster.state(), address('10.0.0.3', 17355, 'my-system')),
    '{"seedNodes":[{"node":"pekko://my-system@10.0.0.2:17355","nodeUid":-4967350262227633432,"roles":["dc-default"],"status":"Up"}],' +
      '"selfNode":"pekko://my-system@10.0.0.3:17355"}',
  );
});

test('seed-nodes: only reachable Up/WeaklyUp/Joining, first 5 in member order, listed by address', () => {
  const cluster = new FakeCluster({ address: address('10.0.0.9'), uid: 1n });
  const ms = [
    member('10.0.0.1', 1, 1n, 'Up'),
    member('10.0.0.10', 1, 2n, 'Joining'),
    member('10.0.0.2', 1, 3n, 'WeaklyUp'),
    member('10.0.0.3', 1, 4n, 'Leaving'),
    member('10.0.0.4', 1, 5n, 'Up'),
    member('10.0.0.5', 1, 6n, 'Up'),
    member('10.0.0.6', 1, 7n, 'Up'),
    member('10.0.0.7', 1, 8n, 'Up'),
    member('10.0.0.8', 1, 9n, 'Up'),
  ];
  cluster.setState({ members: ms, unreachable: [{ subject: ms[4]!.uniqueAddress, observedBy: [ms[0]!.uniqueAddress] }] });
  const json = seedNodesJson(cluster.state(), address('10.0.0.9'));
  assert.deepEqual(
    json.seedNodes.map((s) => s.node),
    ['10.0.0.1', '10.0.0.10', '10.0.0.2', '10.0.0.5', '10.0.0.6'].map((h) => `pekko://Main@${h}:1`),
  );
  assert.equal(seedNodesJson(new FakeCluster({ address: address('h'), uid: 1n }).state(), address('h')).seedNodes.length, 0);
});
