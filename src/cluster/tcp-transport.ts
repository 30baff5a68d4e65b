// The cluster transport for real processes: TCP between canonical addresses, length-prefixed
// frames, a versioned handshake per connection, and codec-validated messages.
//
// Like Pekko Artery over TCP, connections are one-way: a node sends to a peer over the
// connection it opened to that peer (lazily, on the first send) and only receives on
// connections peers opened to it. So there is never a race over who owns a connection, and
// a peer is always reached at its canonical address.
//
// Frame payload = one kind byte + body:
//   1 Hello   (connector -> listener) JSON {v, from, uid, to}
//   2 Welcome (listener -> connector) JSON {v, from, uid}
//   3 Reject  (listener -> connector) JSON {v, reason}; the listener then closes
//   4 Message (connector -> listener) codec bytes, only after the handshake
//
// With transport = tls-tcp every connection is TLS first (src/cluster/tls/): the frames above
// flow only inside a TLS session whose peer certificate was verified, so a peer without a
// trusted certificate never gets a frame read.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, Server as TlsServer, type TLSSocket } from 'node:tls';
import type { TlsSettings } from './remote-tls.js';
import { TlsContextCache } from './tls/context.js';
import type { TlsMaterial } from './tls/material.js';
import { peerCertificateProblem, tlsFailureReason } from './tls/peer.js';
import { formatAddress, isInt64, parseAddress, type Address } from '../address.js';
import { systemScheduler, type Cancellable, type Scheduler } from '../clock.js';
import { silentLogger, type Logger } from '../logging.js';
import { encodeFrame, FrameDecoder, FrameError } from './framing.js';
import type { MessageCodec, Transport } from './transport.js';

export const TRANSPORT_PROTOCOL_VERSION = 1;

export const FrameKind = { Hello: 1, Welcome: 2, Reject: 3, Message: 4 } as const;

/** Handshake frames are small; until one is accepted a connection may not announce more. */
export const HANDSHAKE_MAX_FRAME_SIZE = 4096;
/** Inbound connections allowed to wait for their handshake at the same time; more are cut off. */
export const MAX_PENDING_HANDSHAKES = 128;

/** Resolved settings: hosts are concrete (no `<getHostAddress>`), durations in ms. */
export interface TcpTransportSettings {
  /** The advertised address (protocol, system, host, port); port 0 = the port actually bound. */
  readonly canonical: Address;
  /** Where to listen; undefined host/port = the canonical one. */
  readonly bindHostname?: string;
  readonly bindPort?: number;
  readonly bindTimeoutMs: number;
  /** Protocol names accepted from peers (`pekko.remote.accept-protocol-names`). */
  readonly acceptProtocolNames: readonly string[];
  /** Largest frame payload (kind byte + body) sent or accepted. */
  readonly maximumFrameSize: number;
  /** Messages waiting per peer before the oldest is dropped. */
  readonly outboundMessageQueueSize: number;
  readonly handshakeTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  /** First reconnect delay; doubles per consecutive failure up to the max. */
  readonly outboundRestartBackoffMs: number;
  readonly outboundRestartMaxBackoffMs: number;
  /** Local address for outbound connections; undefined = chosen by the OS. */
  readonly outboundClientHostname?: string;
  /** How long close() lets written messages drain before cutting connections (default 1 s). */
  readonly shutdownFlushTimeoutMs?: number;
  /** TLS settings when the transport is tls-tcp; undefined = plain TCP. */
  readonly tls?: TlsSettings;
}

export interface TcpTransportOptions<M> {
  readonly settings: TcpTransportSettings;
  readonly codec: MessageCodec<M>;
  /** The uid of this process incarnation, announced in every handshake. */
  readonly uid: bigint;
  readonly logger?: Logger;
  readonly scheduler?: Scheduler;
}

/** Monotonic counters, for metrics and tests. */
export interface TransportStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Messages decoded and handed to the handler. */
  messagesIn: number;
  /** Messages accepted by send() for a peer (some may later be dropped from a full queue). */
  messagesOut: number;
  /** Connections closed because a frame was empty, of an unknown kind or out of order. */
  malformedFrames: number;
  /** Connections closed because a peer announced a frame above maximum-frame-size. */
  oversizedFrames: number;
  /** Inbound messages the codec rejected (dropped; the connection stays up). */
  malformedMessages: number;
  /** Handshakes refused: inbound ones this node rejected plus outbound ones the peer rejected. */
  rejectedHandshakes: number;
  handshakeTimeouts: number;
  connectionsAccepted: number;
  connectionsOpened: number;
  /** Connect attempts after an earlier connection or attempt to the same peer. */
  reconnects: number;
  /** Outbound messages dropped because the per-peer queue was full (oldest first). */
  droppedQueueFull: number;
  /** Outbound messages larger than maximum-frame-size, dropped at send. */
  droppedOversized: number;
  /** Messages dropped in either direction by fault injection. */
  droppedBlocked: number;
  /** Inbound messages whose handler threw. */
  handlerErrors: number;
  /** Inbound connections closed at once because too many were waiting for a handshake. */
  connectionsRefused: number;
  /** Inbound connections refused by TLS: not TLS, failed handshake, untrusted or foreign certificate. */
  tlsRefused: number;
  /** TLS key/certificate loads (start-up plus reloads after ssl-context-cache-ttl). */
  tlsContextLoads: number;
  /** Reloads that failed and kept the last good context. */
  tlsReloadFailures: number;
}

function emptyStats(): TransportStats {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    messagesIn: 0,
    messagesOut: 0,
    malformedFrames: 0,
    oversizedFrames: 0,
    malformedMessages: 0,
    rejectedHandshakes: 0,
    handshakeTimeouts: 0,
    connectionsAccepted: 0,
    connectionsOpened: 0,
    reconnects: 0,
    droppedQueueFull: 0,
    droppedOversized: 0,
    droppedBlocked: 0,
    handlerErrors: 0,
    connectionsRefused: 0,
    tlsRefused: 0,
    tlsContextLoads: 0,
    tlsReloadFailures: 0,
  };
}

function hostPortKey(a: Pick<Address, 'host' | 'port'>): string {
  return `${a.host}:${a.port}`;
}

function sameNode(a: Address, b: Address): boolean {
  return a.host === b.host && a.port === b.port && a.system === b.system;
}

/**
 * Test-only fault injection: traffic to and from blocked host:port pairs is dropped at this
 * node (both directions), as in a network partition. Off (nothing blocked) unless a test uses it.
 */
export class FaultInjector {
  private readonly blockedKeys = new Map<string, Address>();

  block(address: Address): void {
    this.blockedKeys.set(hostPortKey(address), address);
  }

  unblock(address: Address): void {
    this.blockedKeys.delete(hostPortKey(address));
  }

  clear(): void {
    this.blockedKeys.clear();
  }

  blocked(): Address[] {
    return [...this.blockedKeys.values()];
  }

  isBlocked(address: Pick<Address, 'host' | 'port'>): boolean {
    return this.blockedKeys.size > 0 && this.blockedKeys.has(hostPortKey(address));
  }
}

interface HelloBody {
  readonly from: Address;
  readonly uid: bigint;
  readonly to: Address;
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  const value: unknown = JSON.parse(body.toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
  return value as Record<string, unknown>;
}

function parseUid(value: unknown): bigint {
  if (typeof value !== 'string' || !/^-?\d{1,20}$/.test(value)) throw new Error('uid must be a decimal string');
  const uid = BigInt(value);
  if (!isInt64(uid) || uid === 0n) throw new Error('uid out of range');
  return uid;
}

function parseAddressField(value: unknown): Address {
  if (typeof value !== 'string') throw new Error('address must be a string');
  return parseAddress(value);
}

/** Throws a message suitable for a log line when the hello is not one this version understands. */
function parseHello(body: Buffer): HelloBody {
  const o = parseJsonObject(body);
  if (o.v !== TRANSPORT_PROTOCOL_VERSION) throw new Error(`unsupported protocol version [${String(o.v)}]`);
  return { from: parseAddressField(o.from), uid: parseUid(o.uid), to: parseAddressField(o.to) };
}

function jsonFrame(kind: number, body: unknown): Buffer {
  return encodeFrame([Buffer.of(kind), Buffer.from(JSON.stringify(body), 'utf8')]);
}

/** An inbound connection whose TLS handshake is running in the TLS server. */
interface TlsPending {
  readonly settle: () => void;
  readonly startedAt: number;
  readonly raw: Socket;
}

type OutboundState = 'idle' | 'connecting' | 'ready' | 'waiting';

/** One peer's outbound side: queue, connection and reconnect schedule. */
interface Outbound {
  readonly target: Address;
  state: OutboundState;
  readonly queue: Buffer[];
  socket: Socket | undefined;
  timer: Cancellable | undefined;
  /** Consecutive failed attempts since the last successful handshake. */
  failures: number;
  /** No connect attempt starts before this time (scheduler ms). */
  notBefore: number;
  /** Whether any attempt was made before (for the reconnect counter). */
  attempted: boolean;
  /** Waiting for 'drain' before writing more. */
  blockedOnDrain: boolean;
  peerUid: bigint | undefined;
}

export class TcpTransport<M> implements Transport<M> {
  readonly localAddress: Address;
  readonly faults = new FaultInjector();
  private readonly counters = emptyStats();
  private readonly outbound = new Map<string, Outbound>();
  private readonly inbound = new Set<Socket>();
  private handler: ((message: M) => void) | undefined;
  private closed = false;
  private pendingHandshakes = 0;
  private readonly logger: Logger;
  private readonly scheduler: Scheduler;
  /** Accepts TLS on sockets the plain listener hands over; it never listens itself. */
  private readonly tlsServer: TlsServer | undefined;
  private tlsServerMaterial: TlsMaterial | undefined;
  /** Inbound TLS handshakes in progress, by remote host:port (the TLS server reports sockets, not ours). */
  private readonly tlsPending = new Map<string, TlsPending>();

  private constructor(
    private readonly server: Server,
    localAddress: Address,
    private readonly options: TcpTransportOptions<M>,
    private readonly tls: TlsContextCache | undefined,
  ) {
    this.localAddress = localAddress;
    this.logger = (options.logger ?? silentLogger).child({ component: 'remote' });
    this.scheduler = options.scheduler ?? systemScheduler;
    server.on('connection', (socket) => this.accept(socket));
    if (tls) {
      const material = tls.current();
      this.tlsServerMaterial = material;
      this.tlsServer = new TlsServer({
        ...material.contextOptions,
        requestCert: options.settings.tls!.requireMutualAuthentication,
        // Verified in onTlsConnection, which logs who was refused and why.
        rejectUnauthorized: false,
        handshakeTimeout: options.settings.handshakeTimeoutMs,
      });
      this.tlsServer.on('secureConnection', (socket: TLSSocket) => this.onTlsConnection(socket));
      this.tlsServer.on('tlsClientError', (err: Error, socket: TLSSocket) => this.onTlsClientError(err, socket));
    }
  }

  /** Binds the listening socket and returns a transport ready to send and receive. */
  static async start<M>(options: TcpTransportOptions<M>): Promise<TcpTransport<M>> {
    const { settings } = options;
    const host = settings.bindHostname ?? settings.canonical.host;
    const port = settings.bindPort ?? settings.canonical.port;
    // Unusable keys or certificates fail here, before the port is bound.
    const scheduler = options.scheduler ?? systemScheduler;
    const tls = settings.tls
      ? new TlsContextCache({
          settings: settings.tls,
          now: () => scheduler.now(),
          logger: (options.logger ?? silentLogger).child({ component: 'remote' }),
        })
      : undefined;
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        server.close();
        reject(new Error(`Binding ${host}:${port} timed out after ${settings.bindTimeoutMs} ms`));
      }, settings.bindTimeoutMs);
      server.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`Failed to bind ${host}:${port}: ${err.message}`, { cause: err }));
      });
      server.listen({ host, port }, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    server.on('error', (err) => options.logger?.error({ err }, 'cluster transport server error'));
    const bound = server.address();
    const boundPort = typeof bound === 'object' && bound ? bound.port : port;
    const canonicalPort = settings.canonical.port === 0 ? boundPort : settings.canonical.port;
    const localAddress: Address = { ...settings.canonical, port: canonicalPort };
    const transport = new TcpTransport(server, localAddress, options, tls);
    const kind = settings.tls ? 'tls-tcp' : 'tcp';
    transport.logger.info(
      { address: formatAddress(localAddress), bind: `${host}:${boundPort}`, ...(settings.tls ? { sslEngine: settings.tls.engine } : {}) },
      `Remoting started with transport [${kind}]; listening on address [${formatAddress(localAddress)}]`,
    );
    return transport;
  }

  stats(): TransportStats {
    return { ...this.counters, tlsContextLoads: this.tls?.loads ?? 0, tlsReloadFailures: this.tls?.failedReloads ?? 0 };
  }

  onMessage(handler: (message: M) => void): void {
    this.handler = handler;
  }

  send(to: Address, message: M): void {
    if (this.closed) return;
    if (this.faults.isBlocked(to)) {
      this.counters.droppedBlocked++;
      return;
    }
    if (sameNode(to, this.localAddress)) {
      // Local delivery stays asynchronous, as it is for remote peers.
      setImmediate(() => this.deliver(message));
      return;
    }
    const body = this.options.codec.encode(message);
    if (1 + body.length > this.options.settings.maximumFrameSize) {
      this.counters.droppedOversized++;
      this.logger.error(
        { to: formatAddress(to), size: 1 + body.length, max: this.options.settings.maximumFrameSize },
        'Discarding oversized outbound message: payload exceeds maximum-frame-size',
      );
      return;
    }
    const out = this.outboundFor(to);
    if (out.queue.length >= this.options.settings.outboundMessageQueueSize) {
      out.queue.shift();
      this.counters.droppedQueueFull++;
    }
    out.queue.push(encodeFrame([Buffer.of(FrameKind.Message), body]));
    this.counters.messagesOut++;
    this.pump(out);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Messages already written (e.g. a final ExitingConfirmed) get a short time to reach the peer,
    // and so do messages queued for a peer whose connection is still being set up: its handshake
    // may complete within that time (the reply handler then writes them and ends the socket).
    const draining: Promise<void>[] = [];
    const ending: Socket[] = [];
    for (const out of this.outbound.values()) {
      out.timer?.cancel();
      const socket = out.socket;
      const settingUp = out.state === 'connecting' && out.queue.length > 0;
      if (!settingUp) out.queue.length = 0;
      if (!socket) continue;
      if (settingUp) {
        draining.push(new Promise<void>((resolve) => socket.once('close', () => resolve())));
        ending.push(socket);
        continue;
      }
      if (out.state !== 'ready') {
        socket.destroy();
        continue;
      }
      draining.push(new Promise<void>((resolve) => socket.once('close', () => resolve())));
      ending.push(socket);
      socket.end();
    }
    this.outbound.clear();
    for (const socket of this.inbound) socket.destroy();
    this.inbound.clear();
    if (draining.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(draining),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.options.settings.shutdownFlushTimeoutMs ?? 1000);
        }),
      ]);
      clearTimeout(timer);
    }
    for (const socket of ending) socket.destroy();
    await serverClosed;
  }

  // ---- outbound ----

  private outboundFor(to: Address): Outbound {
    const key = `${to.system}@${hostPortKey(to)}`;
    let out = this.outbound.get(key);
    if (!out) {
      out = {
        target: to,
        state: 'idle',
        queue: [],
        socket: undefined,
        timer: undefined,
        failures: 0,
        notBefore: 0,
        attempted: false,
        blockedOnDrain: false,
        peerUid: undefined,
      };
      this.outbound.set(key, out);
    }
    return out;
  }

  /** Moves the peer's queue forward: connect when needed, write when ready. */
  private pump(out: Outbound): void {
    if (this.closed || out.queue.length === 0) return;
    if (out.state === 'ready') {
      this.flush(out);
    } else if (out.state === 'idle') {
      const wait = out.notBefore - this.scheduler.now();
      if (wait > 0) {
        out.state = 'waiting';
        out.timer = this.scheduler.schedule(wait, () => {
          out.timer = undefined;
          out.state = 'idle';
          // Timers may fire a fraction of a millisecond early; the wait is over either way.
          if (!this.closed && out.queue.length > 0) this.connect(out);
        });
      } else {
        this.connect(out);
      }
    }
  }

  private flush(out: Outbound): void {
    const socket = out.socket;
    if (!socket || out.blockedOnDrain) return;
    while (out.queue.length > 0) {
      const frame = out.queue.shift() as Buffer;
      this.counters.framesOut++;
      this.counters.bytesOut += frame.length;
      if (!socket.write(frame)) {
        out.blockedOnDrain = true;
        socket.once('drain', () => {
          out.blockedOnDrain = false;
          if (out.socket === socket) this.flush(out);
        });
        return;
      }
    }
  }

  private connect(out: Outbound): void {
    const { settings } = this.options;
    if (out.attempted) this.counters.reconnects++;
    out.attempted = true;
    out.state = 'connecting';
    const target = out.target;
    const endpoint = {
      host: target.host,
      port: target.port,
      noDelay: true,
      ...(settings.outboundClientHostname ? { localAddress: settings.outboundClientHostname } : {}),
    };
    const material = this.tls?.current();
    const socket: Socket = material
      ? tlsConnect({
          ...endpoint,
          secureContext: material.secureContext,
          rejectUnauthorized: true,
          // Without hostname-verification the CA (and, for rotating keys, the shared subject
          // name) decides; node addresses are often pod IPs that no certificate names.
          checkServerIdentity: settings.tls!.hostnameVerification ? checkServerIdentity : () => undefined,
        })
      : connect(endpoint);
    // tls.connect does not pass noDelay on to the TCP socket; without it Nagle's algorithm and
    // delayed ACKs stall the handshake and small messages by tens of milliseconds.
    if (material) socket.setNoDelay(true);
    out.socket = socket;
    let finished = false;
    const connectTimer = this.scheduler.schedule(settings.connectionTimeoutMs, () => {
      fail(`connection timeout after ${settings.connectionTimeoutMs} ms`);
    });
    const handshakeTimer = this.scheduler.schedule(settings.handshakeTimeoutMs, () => {
      if (out.state !== 'connecting') return;
      this.counters.handshakeTimeouts++;
      fail(`handshake timeout after ${settings.handshakeTimeoutMs} ms`);
    });
    const decoder = new FrameDecoder(settings.maximumFrameSize);
    const fail = (reason: string): void => {
      if (finished) return;
      finished = true;
      connectTimer.cancel();
      handshakeTimer.cancel();
      socket.destroy();
      if (out.socket !== socket || this.closed) return;
      out.socket = undefined;
      out.blockedOnDrain = false;
      const wasReady = out.state === 'ready';
      if (wasReady) {
        this.logger.debug({ peer: formatAddress(target), reason }, 'Outbound connection closed');
      } else {
        out.failures++;
        const backoff = Math.min(
          settings.outboundRestartBackoffMs * 2 ** Math.min(out.failures - 1, 30),
          settings.outboundRestartMaxBackoffMs,
        );
        out.notBefore = this.scheduler.now() + backoff;
        // The first failure in a row is worth a warning; the retries that follow are not.
        this.logger[out.failures === 1 ? 'warn' : 'debug'](
          { peer: formatAddress(target), reason, failures: out.failures, backoffMs: backoff },
          `Outbound connection to [${formatAddress(target)}] failed; retrying with backoff`,
        );
      }
      out.state = 'idle';
      this.pump(out);
    };
    socket.once('connect', () => connectTimer.cancel());
    socket.once(material ? 'secureConnect' : 'connect', () => {
      if (material) {
        const problem = peerCertificateProblem(socket as TLSSocket, settings.tls!, material);
        if (problem !== undefined) {
          this.logger.warn({ peer: formatAddress(target), reason: problem }, 'Refusing TLS connection to peer');
          fail(`TLS: ${problem}`);
          return;
        }
      }
      this.counters.connectionsOpened++;
      const hello = jsonFrame(FrameKind.Hello, {
        v: TRANSPORT_PROTOCOL_VERSION,
        from: formatAddress(this.localAddress),
        uid: this.options.uid.toString(),
        to: formatAddress(target),
      });
      this.counters.framesOut++;
      this.counters.bytesOut += hello.length;
      socket.write(hello);
    });
    let firstChunk = true;
    socket.on('data', (chunk: Buffer) => {
      this.counters.bytesIn += chunk.length;
      if (firstChunk && !material && looksLikeTls(chunk)) {
        fail('the peer answered with TLS: its pekko.remote.artery.transport is tls-tcp, this node\'s is tcp');
        return;
      }
      firstChunk = false;
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.countFrameError(err);
        fail((err as Error).message);
        return;
      }
      for (const frame of frames) {
        this.counters.framesIn++;
        if (out.state !== 'connecting') {
          this.counters.malformedFrames++;
          fail('unexpected frame after handshake');
          return;
        }
        const problem = this.checkHandshakeReply(frame, out);
        if (problem !== undefined) {
          this.counters.rejectedHandshakes++;
          this.logger.warn({ peer: formatAddress(target), reason: problem }, 'Outbound handshake refused');
          fail(problem);
          return;
        }
        handshakeTimer.cancel();
        out.state = 'ready';
        out.failures = 0;
        out.notBefore = 0;
        if (this.closed) {
          // close() let this handshake finish: deliver what was queued before it, then end.
          for (const frame of out.queue.splice(0)) {
            this.counters.framesOut++;
            this.counters.bytesOut += frame.length;
            socket.write(frame);
          }
          socket.end();
        } else {
          this.flush(out);
        }
      }
    });
    socket.on('error', (err) => fail(material ? `TLS: ${tlsFailureReason(err)}` : err.message));
    socket.on('close', () => fail('connection closed'));
  }

  /** Returns why the reply is not a valid Welcome from the dialled peer, or undefined when it is. */
  private checkHandshakeReply(frame: Buffer, out: Outbound): string | undefined {
    const kind = frame[0];
    const body = frame.subarray(1);
    try {
      const o = parseJsonObject(body);
      if (kind === FrameKind.Reject) return `peer rejected handshake: ${String(o.reason)}`;
      if (kind !== FrameKind.Welcome) return `unexpected frame kind ${String(kind)} during handshake`;
      if (o.v !== TRANSPORT_PROTOCOL_VERSION) return `unsupported protocol version [${String(o.v)}]`;
      const from = parseAddressField(o.from);
      const uid = parseUid(o.uid);
      if (!sameNode(from, out.target)) {
        return `expected [${formatAddress(out.target)}] but [${formatAddress(from)}] answered`;
      }
      if (out.peerUid !== undefined && out.peerUid !== uid) {
        this.logger.info(
          { peer: formatAddress(from), oldUid: out.peerUid.toString(), uid: uid.toString() },
          'Peer restarted with a new uid',
        );
      }
      out.peerUid = uid;
      return undefined;
    } catch (err) {
      return `malformed handshake reply: ${(err as Error).message}`;
    }
  }

  // ---- inbound ----

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (this.pendingHandshakes >= MAX_PENDING_HANDSHAKES) {
      this.counters.connectionsRefused++;
      socket.destroy();
      return;
    }
    this.counters.connectionsAccepted++;
    this.pendingHandshakes++;
    let pending = true;
    const settle = (): void => {
      if (pending) this.pendingHandshakes--;
      pending = false;
    };
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.tlsServer) this.startTls(socket, remote, settle);
    else this.serve(socket, remote, settle, this.scheduler.now());
  }

  /**
   * Looks at the first bytes: a TLS client hello goes to the TLS server; anything else is a
   * plain-TCP peer, which gets a plain Reject saying why (so a mixed tls/plain cluster fails with
   * a clear message on both sides) and is closed.
   */
  private startTls(raw: Socket, remote: string, settle: () => void): void {
    const startedAt = this.scheduler.now();
    let handedOver = false;
    this.inbound.add(raw);
    const entry: TlsPending = { settle, startedAt, raw };
    const forget = (): void => {
      if (this.tlsPending.get(remote) === entry) this.tlsPending.delete(remote);
      this.inbound.delete(raw);
      settle();
    };
    const timer = this.scheduler.schedule(this.options.settings.handshakeTimeoutMs, () => {
      if (handedOver) {
        // The TLS server's own handshake timeout closes the socket; this only guards the count.
        this.scheduler.schedule(1000, () => {
          if (this.tlsPending.get(remote) !== entry) return;
          forget();
          raw.destroy();
        });
        return;
      }
      this.counters.handshakeTimeouts++;
      this.logger.warn({ remote }, 'Inbound connection sent no TLS handshake in time; closing');
      raw.destroy();
    });
    raw.on('error', (err) => this.logger.debug({ remote, err: err.message }, 'Inbound connection error'));
    raw.once('close', () => {
      this.inbound.delete(raw);
      if (!handedOver) {
        timer.cancel();
        forget();
      }
    });
    raw.once('data', (chunk: Buffer) => {
      if (this.closed) return;
      raw.pause();
      // A lone first byte of 22 may be the start of a client hello split by the network.
      if (!looksLikeTls(chunk) && !(chunk.length === 1 && chunk[0] === 0x16)) {
        timer.cancel();
        this.counters.tlsRefused++;
        const reason = 'not a TLS handshake: this node requires TLS (pekko.remote.artery.transport = tls-tcp)';
        this.logger.warn({ remote, reason }, 'Refusing inbound connection');
        this.counters.framesOut++;
        raw.end(jsonFrame(FrameKind.Reject, { v: TRANSPORT_PROTOCOL_VERSION, reason }));
        this.scheduler.schedule(1000, () => raw.destroy());
        return;
      }
      raw.unshift(chunk);
      handedOver = true;
      this.tlsPending.set(remote, entry);
      const material = this.tls!.current();
      if (material !== this.tlsServerMaterial) {
        this.tlsServerMaterial = material;
        this.tlsServer!.setSecureContext(material.contextOptions);
      }
      this.tlsServer!.emit('connection', raw);
    });
  }

  private takeTlsPending(socket: TLSSocket): { remote: string; entry: TlsPending | undefined } {
    // A TLS socket that is already closed no longer knows its peer; the socket it wraps (which
    // node keeps as _parent) still has the address cached from accept().
    const known = socket.remoteAddress !== undefined ? socket : (socket as TLSSocket & { _parent?: Socket })._parent;
    const remote = `${known?.remoteAddress ?? '?'}:${known?.remotePort ?? '?'}`;
    const entry = this.tlsPending.get(remote);
    this.tlsPending.delete(remote);
    // From here the TLS socket stands for the connection (close() destroys it instead).
    if (entry) this.inbound.delete(entry.raw);
    return { remote, entry };
  }

  private onTlsClientError(err: Error, socket: TLSSocket): void {
    const { remote, entry } = this.takeTlsPending(socket);
    entry?.settle();
    socket.destroy();
    if (this.closed) return;
    this.counters.tlsRefused++;
    if ((err as NodeJS.ErrnoException).code === 'ERR_TLS_HANDSHAKE_TIMEOUT') this.counters.handshakeTimeouts++;
    this.logger.warn({ remote, reason: tlsFailureReason(err) }, 'Refusing inbound connection: TLS handshake failed');
  }

  private onTlsConnection(socket: TLSSocket): void {
    const { remote, entry } = this.takeTlsPending(socket);
    if (!entry || this.closed) {
      entry?.settle();
      socket.destroy();
      return;
    }
    const tls = this.options.settings.tls!;
    const problem = !tls.requireMutualAuthentication
      ? undefined
      : !socket.authorized
        ? peerAuthorizationProblem(socket)
        : peerCertificateProblem(socket, tls, this.tlsServerMaterial!);
    if (problem !== undefined) {
      entry.settle();
      this.counters.tlsRefused++;
      this.logger.warn({ remote, reason: problem }, 'Refusing inbound connection: peer certificate not accepted');
      socket.destroy();
      return;
    }
    this.serve(socket, remote, entry.settle, entry.startedAt);
  }

  /** Runs the hello handshake and then reads messages on an accepted (plain or TLS) connection. */
  private serve(socket: Socket, remote: string, settle: () => void, startedAt: number): void {
    this.inbound.add(socket);
    const { settings } = this.options;
    const decoder = new FrameDecoder(Math.min(HANDSHAKE_MAX_FRAME_SIZE, settings.maximumFrameSize));
    let peer: Address | undefined;
    let closing = false;
    let warnedMalformed = false;
    let firstChunk = true;
    const remaining = Math.max(1, settings.handshakeTimeoutMs - (this.scheduler.now() - startedAt));
    const handshakeTimer = this.scheduler.schedule(remaining, () => {
      if (peer || closing) return;
      this.counters.handshakeTimeouts++;
      this.logger.warn({ remote }, 'Inbound connection sent no handshake in time; closing');
      socket.destroy();
    });
    const reject = (reason: string): void => {
      this.counters.rejectedHandshakes++;
      this.logger.warn({ remote, reason }, 'Rejecting inbound handshake');
      closing = true;
      const frame = jsonFrame(FrameKind.Reject, { v: TRANSPORT_PROTOCOL_VERSION, reason });
      this.counters.framesOut++;
      this.counters.bytesOut += frame.length;
      socket.end(frame);
      // A peer that never closes its side must not keep the socket open.
      this.scheduler.schedule(1000, () => socket.destroy());
    };
    socket.on('data', (chunk: Buffer) => {
      if (closing) return;
      this.counters.bytesIn += chunk.length;
      if (firstChunk && !this.tls && looksLikeTls(chunk)) {
        // Read as a frame, a TLS record header announces some 350 MB: counted as what it is to the framing.
        this.counters.oversizedFrames++;
        this.logger.warn(
          { remote, reason: 'the peer speaks TLS (its transport is tls-tcp), this node\'s pekko.remote.artery.transport is tcp' },
          'Refusing inbound connection',
        );
        closing = true;
        socket.destroy();
        return;
      }
      firstChunk = false;
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.countFrameError(err);
        this.logger.warn({ remote, peer: peer && formatAddress(peer), reason: (err as Error).message }, 'Closing inbound connection: bad frame');
        closing = true;
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        this.counters.framesIn++;
        const kind = frame[0];
        if (!peer) {
          if (kind !== FrameKind.Hello) {
            this.counters.malformedFrames++;
            reject(`expected a handshake, got frame kind ${String(kind)}`);
            return;
          }
          let hello: HelloBody;
          try {
            hello = parseHello(frame.subarray(1));
          } catch (err) {
            reject(`malformed handshake: ${(err as Error).message}`);
            return;
          }
          const problem = this.checkHello(hello);
          if (problem !== undefined) {
            reject(problem);
            return;
          }
          handshakeTimer.cancel();
          settle();
          decoder.maxFrameSize = settings.maximumFrameSize;
          peer = hello.from;
          this.peerIsAlive(peer);
          const welcome = jsonFrame(FrameKind.Welcome, {
            v: TRANSPORT_PROTOCOL_VERSION,
            from: formatAddress(this.localAddress),
            uid: this.options.uid.toString(),
          });
          this.counters.framesOut++;
          this.counters.bytesOut += welcome.length;
          socket.write(welcome);
          continue;
        }
        if (kind !== FrameKind.Message) {
          this.counters.malformedFrames++;
          this.logger.warn({ remote, peer: formatAddress(peer), kind }, 'Closing inbound connection: unexpected frame kind');
          closing = true;
          socket.destroy();
          return;
        }
        if (this.faults.isBlocked(peer)) {
          this.counters.droppedBlocked++;
          continue;
        }
        let message: M;
        try {
          message = this.options.codec.decode(frame.subarray(1));
        } catch (err) {
          this.counters.malformedMessages++;
          const fields = { peer: formatAddress(peer), reason: (err as Error).message };
          if (!warnedMalformed) this.logger.warn(fields, 'Dropping malformed inbound message');
          else this.logger.debug(fields, 'Dropping malformed inbound message');
          warnedMalformed = true;
          continue;
        }
        this.counters.messagesIn++;
        this.deliver(message);
      }
    });
    socket.on('error', (err) => this.logger.debug({ remote, err: err.message }, 'Inbound connection error'));
    socket.on('close', () => {
      handshakeTimer.cancel();
      settle();
      this.inbound.delete(socket);
    });
  }

  /** Returns why this node refuses the hello, or undefined to accept it. */
  private checkHello(hello: HelloBody): string | undefined {
    const { from, to } = hello;
    if (!this.options.settings.acceptProtocolNames.includes(from.protocol)) {
      return `protocol [${from.protocol}] of [${formatAddress(from)}] is not accepted`;
    }
    if (from.system !== this.localAddress.system) {
      return `peer [${formatAddress(from)}] belongs to system [${from.system}], this node to [${this.localAddress.system}]`;
    }
    if (!sameNode(to, this.localAddress)) {
      return `handshake addressed to [${formatAddress(to)}], this node is [${formatAddress(this.localAddress)}]`;
    }
    return undefined;
  }

  /** A peer that just connected to us is up: retry our own connection to it without waiting out the backoff. */
  private peerIsAlive(peer: Address): void {
    const out = this.outbound.get(`${peer.system}@${hostPortKey(peer)}`);
    if (!out) return;
    out.notBefore = 0;
    if (out.state !== 'waiting') return;
    out.timer?.cancel();
    out.timer = undefined;
    out.state = 'idle';
    this.pump(out);
  }

  private deliver(message: M): void {
    if (this.closed || !this.handler) return;
    try {
      this.handler(message);
    } catch (err) {
      this.counters.handlerErrors++;
      this.logger.error({ err }, 'Cluster message handler failed');
    }
  }

  private countFrameError(err: unknown): void {
    if (err instanceof FrameError && err.kind === 'oversized') this.counters.oversizedFrames++;
    else this.counters.malformedFrames++;
  }
}

/** A TLS record header: handshake (22) or alert (21), major version 3. No frame starts like this: its length would exceed 350 MB. */
function looksLikeTls(chunk: Buffer): boolean {
  return chunk.length >= 2 && (chunk[0] === 0x16 || chunk[0] === 0x15) && chunk[1] === 0x03;
}

function peerAuthorizationProblem(socket: TLSSocket): string {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return 'the peer presented no certificate';
  return `the peer certificate (${cert.subject?.CN ? `CN=${String(cert.subject.CN)}` : 'no CN'}) is not trusted: ${String(socket.authorizationError)}`;
}
