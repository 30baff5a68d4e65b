import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, type Address } from '../../src/address.js';
import {
  TcpTransport,
  FrameKind,
  HANDSHAKE_MAX_FRAME_SIZE,
  MAX_PENDING_HANDSHAKES,
  type TcpTransportSettings,
} from '../../src/cluster/tcp-transport.js';
import type { MessageCodec } from '../../src/cluster/transport.js';
import { systemScheduler, type Scheduler } from '../../src/clock.js';
import { freePort } from '../support/net.js';
import { RawPeer } from '../support/cluster-raw-peer.js';
import { waitFor } from '../support/cluster-wait.js';

/** A tiny validated test protocol, standing in for the cluster messages. */
interface Ping {
  readonly n: number;
  readonly text: string;
}
const pingCodec: MessageCodec<Ping> = {
  encode: (m) => Buffer.from(JSON.stringify(m)),
  decode(bytes) {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof v !== 'object' || v === null) throw new Error('not an object');
    const { n, text } = v as Record<string, unknown>;
    if (typeof n !== 'number' || !Number.isInteger(n) || typeof text !== 'string') throw new Error('bad ping');
    return { n, text };
  },
};

const started: TcpTransport<Ping>[] = [];
const peers: RawPeer[] = [];
after(async () => {
  for (const p of peers) p.destroy();
  await Promise.all(started.map((t) => t.close()));
});

function settings(host: string, port: number, over: Partial<TcpTransportSettings> & { system?: string } = {}): TcpTransportSettings {
  return {
    canonical: { protocol: 'pekko', system: over.system ?? 'test', host, port },
    bindTimeoutMs: 3000,
    acceptProtocolNames: ['pekko'],
    maximumFrameSize: 256 * 1024,
    outboundMessageQueueSize: 3072,
    handshakeTimeoutMs: 5000,
    connectionTimeoutMs: 2000,
    outboundRestartBackoffMs: 50,
    outboundRestartMaxBackoffMs: 400,
    ...over,
  };
}

interface Node {
  t: TcpTransport<Ping>;
  got: Ping[];
}

async function node(host: string, over: Partial<TcpTransportSettings> & { system?: string; port?: number; uid?: bigint } = {}): Promise<Node> {
  const port = over.port ?? (await freePort(host));
  const t = await TcpTransport.start({ settings: settings(host, port, over), codec: pingCodec, uid: over.uid ?? 42n });
  started.push(t);
  const got: Ping[] = [];
  t.onMessage((m) => got.push(m));
  return { t, got };
}

async function raw(to: Address): Promise<RawPeer> {
  const p = await RawPeer.connect(to.host, to.port);
  peers.push(p);
  return p;
}

test('messages arrive in send order over one lazily opened connection', async () => {
  const a = await node('127.0.0.1');
  const b = await node('127.0.0.1', { uid: 7n });
  assert.equal(a.t.stats().connectionsOpened, 0, 'nothing is connected before the first send');
  for (let i = 0; i < 500; i++) a.t.send(b.t.localAddress, { n: i, text: `m${i}` });
  await waitFor('500 messages', () => b.got.length === 500);
  assert.deepEqual(b.got.map((m) => m.n), Array.from({ length: 500 }, (_, i) => i));
  const sa = a.t.stats();
  const sb = b.t.stats();
  assert.equal(sa.connectionsOpened, 1);
  assert.equal(sb.connectionsAccepted, 1);
  assert.equal(sb.messagesIn, 500);
  assert.equal(sa.messagesOut, 500);
  assert.equal(sb.framesIn, 501, 'hello + 500 messages');
  assert.ok(sa.bytesOut > 500 * 10 && sb.bytesIn === sa.bytesOut, 'bytes counted on both ends');
  // Replies use b's own connection to a's canonical address.
  b.t.send(a.t.localAddress, { n: 1, text: 'reply' });
  await waitFor('reply', () => a.got.length === 1);
  assert.equal(b.t.stats().connectionsOpened, 1);
});

test('IPv6 loopback works end to end with bracketed addresses in the handshake', async () => {
  const a = await node('::1');
  const b = await node('::1', { uid: -9n });
  assert.match(formatAddress(b.t.localAddress), /^pekko:\/\/test@\[::1\]:\d+$/);
  a.t.send(b.t.localAddress, { n: 6, text: 'v6' });
  await waitFor('v6 delivery', () => b.got.length === 1);
  assert.equal(b.t.stats().rejectedHandshakes, 0);
});

test('a message to the own address is delivered locally', async () => {
  const a = await node('127.0.0.1');
  a.t.send(a.t.localAddress, { n: 9, text: 'self' });
  await waitFor('self delivery', () => a.got.length === 1);
  assert.equal(a.t.stats().connectionsOpened, 0);
});

test('queued messages reach a peer that starts later; reconnects back off and are counted', async () => {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const a = await node(host);
  const target: Address = { protocol: 'pekko', system: 'test', host, port };
  for (let i = 0; i < 5; i++) a.t.send(target, { n: i, text: 'early' });
  await waitFor('a few failed attempts', () => a.t.stats().reconnects >= 2);
  const b = await node(host, { port });
  await waitFor('queued messages', () => b.got.length === 5);
  assert.deepEqual(b.got.map((m) => m.n), [0, 1, 2, 3, 4]);
});

test('reconnect delays double per failed attempt up to the configured maximum', async () => {
  const host = '127.0.0.1';
  const deadPort = await freePort(host);
  const delays: number[] = [];
  // Records the timers the transport asks for; connect/handshake timeouts (>= 2 s here) are not backoffs.
  const recording: Scheduler = {
    now: () => systemScheduler.now(),
    schedule(ms, fn) {
      if (ms < 2000) delays.push(ms);
      return systemScheduler.schedule(ms, fn);
    },
    scheduleRepeatedly: (i, ms, fn) => systemScheduler.scheduleRepeatedly(i, ms, fn),
  };
  const port = await freePort(host);
  const t = await TcpTransport.start({ settings: settings(host, port), codec: pingCodec, uid: 5n, scheduler: recording });
  started.push(t);
  t.send({ protocol: 'pekko', system: 'test', host, port: deadPort }, { n: 1, text: 'nobody home' });
  await waitFor('six backoff timers', () => delays.length >= 6, 5000);
  const expected = [50, 100, 200, 400, 400, 400];
  delays.slice(0, 6).forEach((d, i) => {
    const e = expected[i] as number;
    assert.ok(d <= e && d >= e * 0.5, `delay ${i} was ${d}, expected about ${e}`);
  });
  assert.ok(t.stats().reconnects >= 5);
});

test('a full outbound queue drops the oldest messages and counts them', async () => {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const a = await node(host, { outboundMessageQueueSize: 3 });
  const target: Address = { protocol: 'pekko', system: 'test', host, port };
  for (let i = 0; i < 10; i++) a.t.send(target, { n: i, text: 'q' });
  assert.equal(a.t.stats().droppedQueueFull, 7);
  const b = await node(host, { port });
  await waitFor('newest three', () => b.got.length === 3);
  assert.deepEqual(b.got.map((m) => m.n), [7, 8, 9]);
});

test('a message above maximum-frame-size is dropped at the sender and counted', async () => {
  const a = await node('127.0.0.1', { maximumFrameSize: 1000 });
  const b = await node('127.0.0.1');
  a.t.send(b.t.localAddress, { n: 1, text: 'x'.repeat(2000) });
  a.t.send(b.t.localAddress, { n: 2, text: 'small' });
  await waitFor('small one', () => b.got.length === 1);
  assert.equal(b.got[0]?.n, 2);
  assert.equal(a.t.stats().droppedOversized, 1);
});

test('a peer of another system name is rejected on both sides and nothing is delivered', async () => {
  const a = await node('127.0.0.1', { system: 'other' });
  const b = await node('127.0.0.1');
  const target = { ...b.t.localAddress, system: 'other' };
  a.t.send(target, { n: 1, text: 'hi' });
  await waitFor('rejection seen by both', () => a.t.stats().rejectedHandshakes >= 1 && b.t.stats().rejectedHandshakes >= 1);
  assert.equal(b.got.length, 0);
  assert.equal(b.t.stats().messagesIn, 0);
});

test('raw hostile peers: wrong system, wrong target, bad version, garbage and oversized frames close only their connection', async () => {
  const b = await node('127.0.0.2', { maximumFrameSize: 4096, handshakeTimeoutMs: 300 });
  const self = formatAddress(b.t.localAddress);
  const before = b.t.stats();

  const wrongSystem = await raw(b.t.localAddress);
  wrongSystem.hello('pekko://evil@127.0.0.9:1234', 5n, self.replace('test@', 'evil@'));
  const r1 = await wrongSystem.reply();
  assert.equal(r1.kind, FrameKind.Reject);
  assert.match(String(r1.body.reason), /system \[evil\]/);
  assert.ok(await wrongSystem.closedWithin(3000));

  const wrongTarget = await raw(b.t.localAddress);
  wrongTarget.hello('pekko://test@127.0.0.9:1234', 5n, 'pekko://test@127.0.0.2:1');
  assert.equal((await wrongTarget.reply()).kind, FrameKind.Reject);

  const badVersion = await raw(b.t.localAddress);
  badVersion.hello('pekko://test@127.0.0.9:1234', 5n, self, 99);
  assert.match(String((await badVersion.reply()).body.reason), /version \[99\]/);

  const badUid = await raw(b.t.localAddress);
  badUid.hello('pekko://test@127.0.0.9:1234', '99999999999999999999', self);
  assert.equal((await badUid.reply()).kind, FrameKind.Reject);

  const messageFirst = await raw(b.t.localAddress);
  messageFirst.message('{"n":1,"text":"sneaky"}');
  assert.equal((await messageFirst.reply()).kind, FrameKind.Reject);

  const garbage = await raw(b.t.localAddress);
  garbage.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.ok(await garbage.closedWithin(3000), 'garbage announcing a huge frame is cut off');

  const oversized = await raw(b.t.localAddress);
  oversized.write(Buffer.from([0, 0, 0x10, 0x01, FrameKind.Hello]));
  assert.ok(await oversized.closedWithin(3000));

  const empty = await raw(b.t.localAddress);
  empty.write(Buffer.from([0, 0, 0, 0]));
  assert.ok(await empty.closedWithin(3000));

  const silent = await raw(b.t.localAddress);
  assert.ok(await silent.closedWithin(3000), 'no handshake within handshake-timeout');

  const s = b.t.stats();
  assert.equal(s.rejectedHandshakes - before.rejectedHandshakes, 5);
  assert.ok(s.oversizedFrames - before.oversizedFrames >= 2, 'HTTP text and the explicit header are both oversized');
  assert.ok(s.malformedFrames - before.malformedFrames >= 2, 'message-before-hello and empty frame');
  assert.equal(s.handshakeTimeouts - before.handshakeTimeouts, 1);
  assert.equal(b.got.length, 0);

  // The node still serves well-behaved peers.
  const a = await node('127.0.0.3');
  a.t.send(b.t.localAddress, { n: 5, text: 'still alive' });
  await waitFor('good peer', () => b.got.length === 1);
});

test('before its handshake a connection may not announce a frame above the handshake limit', async () => {
  const b = await node('127.0.0.2');
  const p = await raw(b.t.localAddress);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(HANDSHAKE_MAX_FRAME_SIZE + 1);
  p.write(header);
  assert.ok(await p.closedWithin(3000));
  assert.equal(b.t.stats().oversizedFrames, 1);
});

test('connections waiting for a handshake are capped; the cap frees up as they go', async () => {
  const b = await node('127.0.0.2');
  const waiting: RawPeer[] = [];
  for (let i = 0; i < MAX_PENDING_HANDSHAKES; i++) waiting.push(await raw(b.t.localAddress));
  await waitFor('all accepted', () => b.t.stats().connectionsAccepted === MAX_PENDING_HANDSHAKES);
  const extra = await raw(b.t.localAddress);
  assert.ok(await extra.closedWithin(3000), 'one too many is cut off');
  assert.equal(b.t.stats().connectionsRefused, 1);
  for (const w of waiting) w.destroy();
  await waitFor('slots free again', async () => {
    const p = await raw(b.t.localAddress);
    p.hello('pekko://test@127.0.0.9:1', 5n, formatAddress(b.t.localAddress));
    const ok = (await p.reply().catch(() => undefined))?.kind === FrameKind.Welcome;
    p.destroy();
    return ok;
  });
});

test('a malformed message after a valid handshake is dropped and counted; the connection stays up', async () => {
  const b = await node('127.0.0.2');
  const p = await raw(b.t.localAddress);
  p.hello('pekko://test@127.0.0.9:1234', -5n, formatAddress(b.t.localAddress));
  const reply = await p.reply();
  assert.equal(reply.kind, FrameKind.Welcome);
  assert.equal(reply.body.uid, '42');
  assert.equal(reply.body.from, formatAddress(b.t.localAddress));
  p.message('not json at all');
  p.message('{"n":"1","text":"wrong type"}');
  p.message(Buffer.from([0xff, 0xfe, 0x00]));
  p.message('{"n":3,"text":"valid"}');
  await waitFor('valid message', () => b.got.length === 1);
  assert.deepEqual(b.got, [{ n: 3, text: 'valid' }]);
  assert.equal(b.t.stats().malformedMessages, 3);
  assert.equal(await p.closedWithin(100), false);
  // An unknown frame kind after the handshake breaks framing assumptions: that connection closes.
  p.frame(9, 'x');
  assert.ok(await p.closedWithin(3000));
});

test('fault injection drops traffic in both directions until unblocked', async () => {
  const a = await node('127.0.0.4');
  const b = await node('127.0.0.5');
  a.t.send(b.t.localAddress, { n: 0, text: 'before' });
  b.t.send(a.t.localAddress, { n: 0, text: 'before' });
  await waitFor('both connected', () => a.got.length === 1 && b.got.length === 1);

  a.t.faults.block(b.t.localAddress);
  assert.deepEqual(a.t.faults.blocked(), [b.t.localAddress]);
  a.t.send(b.t.localAddress, { n: 1, text: 'blocked out' });
  b.t.send(a.t.localAddress, { n: 1, text: 'blocked in' });
  await waitFor('inbound drop counted', () => a.t.stats().droppedBlocked === 2);
  assert.equal(a.got.length, 1);
  assert.equal(b.got.length, 1);

  a.t.faults.unblock(b.t.localAddress);
  a.t.send(b.t.localAddress, { n: 2, text: 'after' });
  b.t.send(a.t.localAddress, { n: 2, text: 'after' });
  await waitFor('flow resumes', () => a.got.length === 2 && b.got.length === 2);
  assert.deepEqual(a.got.map((m) => m.n), [0, 2]);
});

test('a restarted peer on the same port (new uid) is reached again after reconnect', async () => {
  const host = '127.0.0.6';
  const a = await node(host);
  const b1 = await node(host, { uid: 1n });
  const port = b1.t.localAddress.port;
  a.t.send(b1.t.localAddress, { n: 1, text: 'first life' });
  await waitFor('first', () => b1.got.length === 1);
  await b1.t.close();
  const b2 = await node(host, { port, uid: 2n });
  await waitFor('second life', async () => {
    a.t.send(b2.t.localAddress, { n: 2, text: 'second life' });
    await new Promise((r) => setTimeout(r, 50));
    return b2.got.length > 0;
  });
  assert.equal(b2.got[0]?.n, 2);
  assert.ok(a.t.stats().reconnects >= 1);
});

test('close() stops listening, ends connections and makes send a no-op', async () => {
  const a = await node('127.0.0.1');
  const b = await node('127.0.0.1');
  a.t.send(b.t.localAddress, { n: 1, text: 'x' });
  await waitFor('delivered', () => b.got.length === 1);
  await b.t.close();
  await assert.rejects(RawPeer.connect(b.t.localAddress.host, b.t.localAddress.port));
  b.t.send(a.t.localAddress, { n: 2, text: 'after close' });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(a.got.length, 0);
  await b.t.close();
});

test('binding to an address already in use fails with a clear error', async () => {
  const a = await node('127.0.0.1');
  await assert.rejects(
    TcpTransport.start({ settings: settings('127.0.0.1', a.t.localAddress.port), codec: pingCodec, uid: 1n }),
    /Failed to bind 127\.0\.0\.1:\d+/,
  );
});

test('canonical port 0 advertises the port actually bound; peers reach the bind host with the canonical address', async () => {
  // As behind NAT: listen on 127.0.0.8, advertise 127.0.0.7 (the relay is played by the raw peer).
  const t = await TcpTransport.start({
    settings: settings('127.0.0.7', 0, { bindHostname: '127.0.0.8' }),
    codec: pingCodec,
    uid: 3n,
  });
  started.push(t);
  assert.equal(t.localAddress.host, '127.0.0.7');
  assert.ok(t.localAddress.port > 0);
  const got: Ping[] = [];
  t.onMessage((m) => got.push(m));
  const p = await RawPeer.connect('127.0.0.8', t.localAddress.port);
  peers.push(p);
  p.hello('pekko://test@127.0.0.9:1', 5n, formatAddress(t.localAddress));
  assert.equal((await p.reply()).kind, FrameKind.Welcome);
  p.message('{"n":1,"text":"via bind address"}');
  await waitFor('delivered', () => got.length === 1);
});

test('close() still delivers messages queued for a peer whose connection was being set up', async () => {
  const a = await node('127.0.0.1');
  const b = await node('127.0.0.1');
  // No connection to b exists yet: the send starts one, and close() follows at once.
  a.t.send(b.t.localAddress, { n: 7, text: 'last words' });
  await a.t.close();
  await waitFor('delivered after close', () => b.got.length === 1);
  assert.equal(b.got[0]?.text, 'last words');
});
