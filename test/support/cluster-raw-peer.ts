// A hand-driven TCP peer for hostile-input tests: it speaks (or deliberately breaks) the
// cluster transport's framing and handshake byte by byte.
import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '../../src/cluster/framing.js';
import { FrameKind, TRANSPORT_PROTOCOL_VERSION } from '../../src/cluster/tcp-transport.js';

export class RawPeer {
  readonly frames: Buffer[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder(16 * 1024 * 1024);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.decoder.push(chunk));
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(host: string, port: number, localAddress?: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
      socket.once('connect', () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  frame(kind: number, body: Buffer | string): void {
    this.write(encodeFrame([Buffer.of(kind), typeof body === 'string' ? Buffer.from(body) : body]));
  }

  hello(from: string, uid: bigint | string, to: string, version = TRANSPORT_PROTOCOL_VERSION): void {
    this.frame(FrameKind.Hello, JSON.stringify({ v: version, from, uid: uid.toString(), to }));
  }

  message(body: Buffer | string): void {
    this.frame(FrameKind.Message, body);
  }

  /** Resolves with the first frame received (the handshake reply), failing after timeoutMs. */
  async reply(timeoutMs = 5000): Promise<{ kind: number; body: Record<string, unknown> }> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no handshake reply');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const f = this.frames[0] as Buffer;
    return { kind: f[0] as number, body: JSON.parse(f.subarray(1).toString()) as Record<string, unknown> };
  }

  /** True when the other side closed the connection within timeoutMs. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.closed.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
