import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, parseAddress, type UniqueAddress } from '../../src/address.js';
import { gzipSync } from 'node:zlib';
import { clusterMessageCodec, COMPRESS_ABOVE_BYTES, MAX_INFLATED_BYTES } from '../../src/cluster/wire-codec.js';
import { emptyGossip, updateMembers } from '../../src/cluster/gossip.js';
import { makeMember } from '../../src/cluster/member.js';
import { encodeMessage, ProtocolError, type ClusterMessage } from '../../src/cluster/protocol.js';
import { TcpTransport } from '../../src/cluster/tcp-transport.js';
import { freePort } from '../support/net.js';
import { RawPeer } from '../support/cluster-raw-peer.js';
import { waitFor } from '../support/cluster-wait.js';

const a: UniqueAddress = { address: parseAddress('pekko://sys@127.0.0.1:2551'), uid: -(2n ** 63n) };
const b: UniqueAddress = { address: parseAddress('pekko://sys@[::1]:2552'), uid: 2n ** 63n - 1n };

test('cluster messages survive encode/decode with exact 64-bit uids', () => {
  const gossip = updateMembers(emptyGossip, [makeMember(a, 'Up', ['backend'], '1.2.3', 1), makeMember(b, 'Joining', [], '0.0.0', 2147483647)]);
  const messages: ClusterMessage[] = [
    { type: 'Join', node: b, roles: ['dc-default'], appVersion: '1.0.0' },
    { type: 'GossipEnvelope', from: a, to: b, gossip },
    { type: 'Heartbeat', from: a, sequenceNr: 7, creationTime: 123 },
    { type: 'InitJoinNack', from: b.address },
  ];
  for (const m of messages) {
    const back = clusterMessageCodec.decode(clusterMessageCodec.encode(m));
    assert.equal(back.type, m.type);
    assert.deepEqual(clusterMessageCodec.encode(back), clusterMessageCodec.encode(m));
  }
  const env = clusterMessageCodec.decode(clusterMessageCodec.encode(messages[1] as ClusterMessage));
  assert.ok(env.type === 'GossipEnvelope');
  assert.equal(env.from.uid, -(2n ** 63n));
  assert.equal(env.to.uid, 2n ** 63n - 1n);
  assert.deepEqual(env.gossip.members.map((m) => m.status), ['Up', 'Joining']);
});

test('the codec rejects what validation rejects', () => {
  const bad = [
    'not json',
    '{}',
    '{"v":2,"type":"Join"}',
    '{"v":1,"type":"Nope"}',
    '{"v":1,"type":"InitJoinNack","from":"pekko://sys@host"}',
    '{"v":1,"type":"Join","node":{"address":"pekko://sys@h:1","uid":"1e3"},"roles":[],"appVersion":"1"}',
    '{"v":1,"type":"Join","node":{"address":"pekko://sys@h:1","uid":"99999999999999999999"},"roles":[],"appVersion":"1"}',
  ];
  for (const text of bad) assert.throws(() => clusterMessageCodec.decode(Buffer.from(text)), ProtocolError, text);
});

test('large messages travel gzip-compressed and decode to the same message', () => {
  const members = Array.from({ length: 300 }, (_, i) =>
    makeMember({ address: parseAddress(`pekko://sys@10.0.${i >> 8}.${i & 255}:17355`), uid: BigInt(i + 1) }, 'Up', [], '1.0.0', i + 1),
  );
  const m: ClusterMessage = { type: 'GossipEnvelope', from: a, to: b, gossip: updateMembers(emptyGossip, members) };
  const bytes = clusterMessageCodec.encode(m);
  assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b]);
  const jsonBytes = Buffer.byteLength(encodeMessage(m));
  assert.ok(jsonBytes > COMPRESS_ABOVE_BYTES && bytes.length < jsonBytes / 3, `${jsonBytes} -> ${bytes.length} bytes`);
  const back = clusterMessageCodec.decode(bytes);
  assert.ok(back.type === 'GossipEnvelope');
  assert.equal(back.gossip.members.length, 300);
  assert.deepEqual(clusterMessageCodec.encode(back), bytes);
  // Small messages stay plain JSON.
  assert.equal(clusterMessageCodec.encode({ type: 'InitJoinNack', from: a.address }).toString()[0], '{');
});

test('a compressed body that is corrupt or inflates beyond the cap is rejected', () => {
  const bomb = gzipSync(Buffer.alloc(MAX_INFLATED_BYTES + 1, 0x20));
  assert.ok(bomb.length < 64 * 1024, 'a small frame');
  assert.throws(() => clusterMessageCodec.decode(bomb), ProtocolError);
  assert.throws(() => clusterMessageCodec.decode(Buffer.from([0x1f, 0x8b, 1, 2, 3])), ProtocolError);
  assert.throws(() => clusterMessageCodec.decode(gzipSync(Buffer.from('{"v":1}'))), ProtocolError);
});

const transports: TcpTransport<ClusterMessage>[] = [];
after(() => Promise.all(transports.map((t) => t.close())));

test('over TCP, invalid cluster messages are dropped and counted while valid ones are delivered', async () => {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const t = await TcpTransport.start({
    settings: {
      canonical: { protocol: 'pekko', system: 'sys', host, port },
      bindTimeoutMs: 3000,
      acceptProtocolNames: ['pekko'],
      maximumFrameSize: 256 * 1024,
      outboundMessageQueueSize: 100,
      handshakeTimeoutMs: 5000,
      connectionTimeoutMs: 5000,
      outboundRestartBackoffMs: 100,
      outboundRestartMaxBackoffMs: 1000,
    },
    codec: clusterMessageCodec,
    uid: 11n,
  });
  transports.push(t);
  const got: ClusterMessage[] = [];
  t.onMessage((m) => got.push(m));
  const p = await RawPeer.connect(host, port);
  p.hello('pekko://sys@127.0.0.9:1', 5n, formatAddress(t.localAddress));
  await p.reply();
  p.message('{"v":1,"type":"Heartbeat","from":"pekko://sys@127.0.0.9:1","sequenceNr":-1,"creationTime":0}');
  p.message('{"v":1,"type":"Leave"}');
  p.message(clusterMessageCodec.encode({ type: 'Heartbeat', from: { address: parseAddress('pekko://sys@127.0.0.9:1'), uid: 5n }, sequenceNr: 1, creationTime: 5 }));
  await waitFor('valid heartbeat', () => got.length === 1);
  assert.equal(got[0]?.type, 'Heartbeat');
  assert.equal(t.stats().malformedMessages, 2);
  p.destroy();
});
