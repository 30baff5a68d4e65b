// The tls-tcp transport on loopback with certificates made at test time: mutual authentication,
// refused peers (other CA, other cluster's subject name, plain TCP), certificate rotation on disk,
// mixed tls/plain configuration, PKCS#12 key stores and hostname verification.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { TcpTransport, type TcpTransportSettings } from '../../src/cluster/tcp-transport.js';
import type { MessageCodec } from '../../src/cluster/transport.js';
import type { TlsSettings } from '../../src/cluster/remote-tls.js';
import { encodeFrame, FrameDecoder } from '../../src/cluster/framing.js';
import type { Logger } from '../../src/logging.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/cluster-wait.js';
import { createPki, rotatingTls, type Pki } from '../support/tls-pki.js';
import { missingCommand } from '../support/tools.js';

const skip = missingCommand('openssl');

interface Ping {
  readonly n: number;
}
const pingCodec: MessageCodec<Ping> = {
  encode: (m) => Buffer.from(JSON.stringify(m)),
  decode(bytes) {
    const v = JSON.parse(bytes.toString('utf8')) as { n?: unknown };
    if (typeof v.n !== 'number') throw new Error('bad ping');
    return { n: v.n };
  },
};

/** A logger whose JSON lines the test can read. */
function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const out: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void out.push(line) });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>), text: () => out.join('') };
}

const started: TcpTransport<Ping>[] = [];
const pkis: Pki[] = [];
after(async () => {
  await Promise.all(started.map((t) => t.close()));
  for (const p of pkis) p.dispose();
});

interface Node {
  t: TcpTransport<Ping>;
  got: Ping[];
  log: ReturnType<typeof capturingLogger>;
}

async function node(host: string, tls: TlsSettings | undefined, over: Partial<TcpTransportSettings> = {}): Promise<Node> {
  const port = await freePort(host);
  const log = capturingLogger();
  const t = await TcpTransport.start({
    settings: {
      canonical: { protocol: 'pekko', system: 'tls', host, port },
      bindTimeoutMs: 3000,
      acceptProtocolNames: ['pekko'],
      maximumFrameSize: 256 * 1024,
      outboundMessageQueueSize: 100,
      handshakeTimeoutMs: 5000,
      connectionTimeoutMs: 2000,
      outboundRestartBackoffMs: 50,
      outboundRestartMaxBackoffMs: 200,
      outboundClientHostname: host,
      ...(tls ? { tls } : {}),
      ...over,
    },
    codec: pingCodec,
    uid: BigInt(port),
    logger: log.logger,
  });
  started.push(t);
  const got: Ping[] = [];
  t.onMessage((m) => got.push(m));
  return { t, got, log };
}

function pki(name?: string): Pki {
  const p = createPki(name);
  pkis.push(p);
  return p;
}

/** The first frame a listener sends back to a raw plain connection that sent a Muster hello. */
function plainHello(port: number, host: string): Promise<{ kind: number; body: Record<string, unknown> } | 'closed'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      const body = Buffer.from(JSON.stringify({ v: 1, from: `pekko://tls@${host}:1`, uid: '5', to: `pekko://tls@${host}:${port}` }));
      socket.write(encodeFrame([Buffer.of(1), body]));
    });
    const decoder = new FrameDecoder(4096);
    socket.on('data', (chunk) => {
      const [frame] = decoder.push(chunk);
      if (frame) {
        resolve({ kind: frame[0]!, body: JSON.parse(frame.subarray(1).toString('utf8')) as Record<string, unknown> });
        socket.destroy();
      }
    });
    socket.on('error', () => resolve('closed'));
    socket.on('close', () => resolve('closed'));
  });
}

describe('tls-tcp transport', { skip }, () => {
  test('two nodes with certificates of one CA exchange messages both ways over TLS', async () => {
    const ca = pki();
    const a = await node('127.0.0.1', rotatingTls(ca.secretDir('a', ca.issue('a'))));
    const b = await node('127.0.0.1', rotatingTls(ca.secretDir('b', ca.issue('b'))));
    for (let i = 0; i < 50; i++) a.t.send(b.t.localAddress, { n: i });
    b.t.send(a.t.localAddress, { n: 99 });
    await waitFor('50 messages a->b', () => b.got.length === 50);
    await waitFor('reply b->a', () => a.got.length === 1);
    assert.deepEqual(b.got.map((m) => m.n), Array.from({ length: 50 }, (_, i) => i));
    assert.equal(a.t.stats().tlsRefused + b.t.stats().tlsRefused, 0);
    assert.match(a.log.text(), /Remoting started with transport \[tls-tcp\]/);
  });

  test('a peer whose certificate comes from another CA is refused at the TLS handshake; nothing it sends is read', async () => {
    const ca = pki();
    const other = pki('some-other-ca');
    const a = await node('127.0.0.1', rotatingTls(ca.secretDir('a', ca.issue('a'))));
    // The intruder trusts a's CA (so it would accept a) and uses the same subject names, but its
    // own certificate is signed by a CA that a does not trust.
    const intruderDir = other.secretDir('x', other.issue('x'));
    writeFileSync(path.join(intruderDir, 'ca.crt'), Buffer.concat([readFileSync(ca.caCertFile), readFileSync(other.caCertFile)]));
    const x = await node('127.0.0.2', rotatingTls(intruderDir));
    for (let i = 0; i < 5; i++) x.t.send(a.t.localAddress, { n: i });
    await waitFor('a refuses the intruder three times', () => a.t.stats().tlsRefused >= 3);
    assert.equal(a.got.length, 0, 'no message from the intruder was delivered');
    assert.equal(a.t.stats().framesIn, 0, 'not even a hello frame was read');
    const refusal = a.log.lines().find((l) => l.msg === 'Refusing inbound connection: peer certificate not accepted');
    assert.ok(refusal, a.log.text());
    assert.match(String(refusal.remote), /^127\.0\.0\.2:\d+$/, 'names the refused peer');
    assert.match(String(refusal.reason), /not trusted/);
    assert.doesNotMatch(a.log.text() + x.log.text(), /PRIVATE KEY|BEGIN CERTIFICATE/, 'no key material in logs');
  });

  test('a certificate of the same CA but for another cluster (no shared subject name) is refused', async () => {
    const ca = pki();
    const a = await node('127.0.0.1', rotatingTls(ca.secretDir('a', ca.issue('a', { cn: 'orders', dns: ['orders-cluster'] }))));
    const y = await node('127.0.0.3', rotatingTls(ca.secretDir('y', ca.issue('y', { cn: 'billing', dns: ['billing-cluster'] }))));
    y.t.send(a.t.localAddress, { n: 1 });
    a.t.send(y.t.localAddress, { n: 2 });
    // Whichever side checks first refuses; in TLS 1.3 the dialling side sees the certificate first.
    await waitFor('y refuses a', () => /none of the peer certificate's subject names \[orders, orders-cluster\]/.test(y.log.text()));
    await waitFor('a refuses y', () => /none of the peer certificate's subject names \[billing, billing-cluster\]/.test(a.log.text()));
    // y hangs up on a's listener during the handshake; a logs that with y's address.
    const refused = await waitFor('a logs the failed inbound handshake', () =>
      a.log.lines().find((l) => String(l.msg).startsWith('Refusing inbound connection')),
    );
    assert.match(String(refused.remote), /^127\.0\.0\.3:\d+$/, 'names the peer even when it hung up first');
    assert.equal(a.got.length + y.got.length, 0);
  });

  test('a plain-TCP peer is refused with a reason it can read, and nothing it sends is delivered', async () => {
    const ca = pki();
    const a = await node('127.0.0.1', rotatingTls(ca.secretDir('a', ca.issue('a'))));
    const reply = await plainHello(a.t.localAddress.port, '127.0.0.1');
    assert.notEqual(reply, 'closed');
    assert.equal((reply as { kind: number }).kind, 3, 'a Reject frame');
    assert.match(String((reply as { body: Record<string, unknown> }).body.reason), /requires TLS/);
    assert.equal(a.got.length, 0);
    assert.equal(a.t.stats().tlsRefused, 1);
    assert.match(a.log.text(), /not a TLS handshake/);
  });

  test('mixed tls/plain configuration: neither direction connects and both sides say why', async () => {
    const ca = pki();
    const secure = await node('127.0.0.1', rotatingTls(ca.secretDir('s', ca.issue('s'))));
    const plain = await node('127.0.0.4', undefined);
    plain.t.send(secure.t.localAddress, { n: 1 });
    secure.t.send(plain.t.localAddress, { n: 2 });
    await waitFor('plain side learns the peer requires TLS', () => /peer rejected handshake: not a TLS handshake: this node requires TLS/.test(plain.log.text()));
    await waitFor('plain side notices TLS on its listener', () => /the peer speaks TLS/.test(plain.log.text()));
    await waitFor('secure side refuses the plain hello', () => secure.t.stats().tlsRefused >= 1);
    assert.equal(secure.got.length + plain.got.length, 0);
  });

  test('replaced PEM files are used by new connections after ssl-context-cache-ttl; a broken update keeps the last good files', async () => {
    const ca1 = pki('ca-one');
    const ca2 = pki('ca-two');
    // a starts with a CA1 certificate and trusts only CA1; c holds a CA2 certificate and trusts both.
    const aDir = ca1.secretDir('a', ca1.issue('a'));
    const a = await node('127.0.0.1', rotatingTls(aDir, { contextCacheTtlMs: 200 } as Partial<TlsSettings>));
    const cDir = ca2.secretDir('c', ca2.issue('c'));
    writeFileSync(path.join(cDir, 'ca.crt'), Buffer.concat([readFileSync(ca1.caCertFile), readFileSync(ca2.caCertFile)]));
    const c1 = await node('127.0.0.5', rotatingTls(cDir));
    c1.t.send(a.t.localAddress, { n: 1 });
    await waitFor('a refuses c (CA2 not trusted yet)', () => a.t.stats().tlsRefused >= 1);
    assert.equal(a.got.length, 0);
    await c1.t.close();

    // The Secret is updated: a now has a CA2 certificate and trusts CA2.
    ca2.rotate(aDir, ca2.issue('a2'));
    const c2 = await node('127.0.0.5', rotatingTls(cDir));
    // Until the TTL has passed a still uses CA1 and refuses c, which keeps reconnecting with its
    // message queued; a connection made after the TTL gets the rotated files and goes through.
    c2.t.send(a.t.localAddress, { n: 2 });
    await waitFor('a message over a connection made with the rotated files', () => a.got.some((m) => m.n === 2), 30_000);
    assert.ok(a.t.stats().tlsContextLoads >= 2, 'the files were read again');
    await c2.t.close();

    // A broken update (the key is gone): the next reload fails and is logged, and that same
    // connection, like every later one, uses the last good context.
    rmSync(path.join(aDir, 'tls.key'));
    const loadsBefore = a.t.stats().tlsContextLoads;
    for (let i = 0; i < 500 && a.t.stats().tlsReloadFailures === 0; i++) {
      const c = await node('127.0.0.5', rotatingTls(cDir));
      c.t.send(a.t.localAddress, { n: 100 + i });
      await waitFor(`message ${100 + i} over a new connection`, () => a.got.some((m) => m.n === 100 + i), 20_000);
      await c.t.close();
    }
    assert.ok(a.t.stats().tlsReloadFailures >= 1, 'a reload was attempted and failed');
    assert.equal(a.t.stats().tlsContextLoads, loadsBefore, 'no successful reload without the key');
    const error = a.log.lines().find((l) => l.msg === 'Reloading TLS key and certificates failed; new connections keep using the last good ones');
    assert.ok(error, 'the failed reload is logged');
    assert.match(String(error.reason), /key-file: cannot read \[.*tls\.key\]: no such file/);
  });

  test('config-ssl-engine: PKCS#12 key and trust stores; hostname verification checks the dialled address', async () => {
    const ca = pki();
    const store = (name: string, ips: string[]) => ca.pkcs12(ca.issue(name, { ips }), 'store-pass');
    const trustStore = ca.trustStore('trust-pass');
    const configEngine = (keyStore: string, hostnameVerification: boolean): TlsSettings => ({
      engine: 'config-ssl-engine',
      protocol: 'TLSv1.2',
      enabledAlgorithms: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
      requireMutualAuthentication: true,
      hostnameVerification,
      verifyPeerSubject: false,
      keyStore,
      keyStorePassword: 'store-pass',
      keyPassword: 'store-pass',
      trustStore,
      trustStorePassword: 'trust-pass',
    });
    const a = await node('127.0.0.1', configEngine(store('a', ['127.0.0.1']), true));
    const b = await node('127.0.0.6', configEngine(store('b', ['127.0.0.99']), true));
    b.t.send(a.t.localAddress, { n: 1 });
    await waitFor('b reaches a (a certificate names 127.0.0.1)', () => a.got.length === 1);
    a.t.send(b.t.localAddress, { n: 2 });
    await waitFor('a refuses to talk to b: its certificate does not name 127.0.0.6', () => /hostname verification failed/.test(a.log.text()));
    assert.equal(b.got.length, 0);
  });
});
