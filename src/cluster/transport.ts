// The seam between the membership logic and the network. TcpTransport implements it for real
// processes; the simulator implements it with an in-memory network (drop, delay, reorder).
import type { Address } from '../address.js';

export interface Transport<M> {
  /** The canonical address this node is reachable at. */
  readonly localAddress: Address;
  /** Best-effort, ordered per peer connection; may drop when the peer is unreachable. */
  send(to: Address, message: M): void;
  /** Installs the single receiver of decoded, validated inbound messages. */
  onMessage(handler: (message: M) => void): void;
  /** Stops accepting and sending; closes all connections. */
  close(): Promise<void>;
}

/** Turns messages into bytes and back; decode throws on anything malformed. */
export interface MessageCodec<M> {
  encode(message: M): Buffer;
  decode(bytes: Buffer): M;
}
