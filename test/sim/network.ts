// An in-memory network for the simulator. Each node gets a Transport bound to its canonical
// address; messages are delivered through the virtual clock after a random delay (which also
// reorders them), may be dropped or duplicated, and never cross a blocked link. With
// `codec: 'json'` every message goes through the real wire encoding and validation, exactly
// as over TCP.
import { formatAddress, type Address } from '../../src/address.js';
import type { Random } from '../../src/clock.js';
import type { Transport } from '../../src/cluster/transport.js';
import { encodeMessage, fromWire, type ClusterMessage } from '../../src/cluster/protocol.js';
import type { VirtualClock } from './virtual-clock.js';

export interface NetworkFaults {
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  /** Delivery delay range in ms (uniform); a wide range reorders messages. */
  minDelayMs: number;
  maxDelayMs: number;
}

export const perfectNetwork: NetworkFaults = { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 1 };

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  blocked: number;
  /** Bytes of wire JSON (only counted with codec 'json'). */
  bytes: number;
  decodeErrors: number;
}

const hostPort = (a: Address): string => `${a.host}:${a.port}`;

export class SimNetwork {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, blocked: 0, bytes: 0, decodeErrors: 0 };
  private readonly endpoints = new Map<string, SimTransport>();
  private readonly blocked = new Set<string>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly random: Random,
    public faults: NetworkFaults = perfectNetwork,
    private readonly codec: 'json' | 'none' = 'json',
  ) {}

  /** A transport for `address`; replaces (e.g. after a restart) any endpoint bound there before. */
  transport(address: Address): SimTransport {
    const t = new SimTransport(this, address);
    this.endpoints.set(hostPort(address), t);
    return t;
  }

  /** Blocks messages from `a` to `b` (one direction). */
  block(a: Address, b: Address): void {
    this.blocked.add(`${hostPort(a)}>${hostPort(b)}`);
  }

  unblock(a: Address, b: Address): void {
    this.blocked.delete(`${hostPort(a)}>${hostPort(b)}`);
  }

  /** Splits the nodes into groups that cannot talk to each other (both directions). */
  partition(groups: ReadonlyArray<readonly Address[]>): void {
    for (const g1 of groups) for (const g2 of groups) if (g1 !== g2) for (const a of g1) for (const b of g2) this.block(a, b);
  }

  heal(): void {
    this.blocked.clear();
  }

  /** Injects raw bytes/values at a node as if a peer had sent them (hostile-input tests). */
  injectRaw(to: Address, payload: unknown): void {
    const t = this.endpoints.get(hostPort(to));
    if (!t) return;
    let m: ClusterMessage;
    try {
      m = fromWire(payload);
    } catch {
      this.stats.decodeErrors++;
      return;
    }
    t.deliver(m);
  }

  route(from: Address, to: Address, message: ClusterMessage): void {
    this.stats.sent++;
    if (this.blocked.has(`${hostPort(from)}>${hostPort(to)}`)) {
      this.stats.blocked++;
      return;
    }
    if (this.random() < this.faults.dropRate) {
      this.stats.dropped++;
      return;
    }
    let payload: string | ClusterMessage = message;
    if (this.codec === 'json') {
      payload = encodeMessage(message);
      this.stats.bytes += Buffer.byteLength(payload);
    }
    const copies = this.random() < this.faults.duplicateRate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const { minDelayMs, maxDelayMs } = this.faults;
      const delay = minDelayMs + this.random() * (maxDelayMs - minDelayMs);
      this.clock.schedule(delay, () => {
        const t = this.endpoints.get(hostPort(to));
        if (!t || t.closed) return;
        let m: ClusterMessage;
        try {
          m = typeof payload === 'string' ? fromWire(payload) : payload;
        } catch {
          this.stats.decodeErrors++;
          return;
        }
        this.stats.delivered++;
        t.deliver(m);
      });
    }
  }

  describe(): string {
    return [...this.endpoints.keys()].join(', ');
  }
}

export class SimTransport implements Transport<ClusterMessage> {
  closed = false;
  private handler: ((m: ClusterMessage) => void) | undefined;

  constructor(
    private readonly network: SimNetwork,
    readonly localAddress: Address,
  ) {}

  send(to: Address, message: ClusterMessage): void {
    if (this.closed) return;
    this.network.route(this.localAddress, to, message);
  }

  onMessage(handler: (m: ClusterMessage) => void): void {
    this.handler = handler;
  }

  deliver(m: ClusterMessage): void {
    if (!this.closed) this.handler?.(m);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  toString(): string {
    return `SimTransport(${formatAddress(this.localAddress)})`;
  }
}
