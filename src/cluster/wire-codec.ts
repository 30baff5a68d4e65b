// The codec the TCP transport uses for cluster messages: the versioned JSON wire form of
// protocol.ts (uids as decimal strings), validated on the way in. Anything that does not pass
// validateMessage throws, and the transport drops and counts it.
import { encodeMessage, fromWire, type ClusterMessage } from './protocol.js';
import type { MessageCodec } from './transport.js';

export const clusterMessageCodec: MessageCodec<ClusterMessage> = {
  encode: (message) => Buffer.from(encodeMessage(message), 'utf8'),
  decode: (bytes) => fromWire(bytes),
};
