// The codec the TCP transport uses for cluster messages: the versioned JSON wire form of
// protocol.ts (uids as decimal strings), validated on the way in. Anything that does not pass
// validateMessage throws, and the transport drops and counts it.
//
// Large messages (full gossip of big clusters) are gzip-compressed, as Pekko does for gossip:
// a gzip stream starts with 0x1f 0x8b, which no JSON text can, so no extra marker is needed.
// Inflation is capped so a small hostile frame cannot expand into a huge allocation.
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeMessage, fromWire, ProtocolError, type ClusterMessage } from './protocol.js';
import type { MessageCodec } from './transport.js';

/** JSON bodies above this many bytes are sent compressed. */
export const COMPRESS_ABOVE_BYTES = 16 * 1024;
/** Largest decompressed body accepted (far above the gossip of protocol.ts's member limit). */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export const clusterMessageCodec: MessageCodec<ClusterMessage> = {
  encode(message) {
    const json = Buffer.from(encodeMessage(message), 'utf8');
    return json.length > COMPRESS_ABOVE_BYTES ? gzipSync(json, { level: 1 }) : json;
  },
  decode(bytes) {
    if (!isGzip(bytes)) return fromWire(bytes);
    let inflated: Buffer;
    try {
      inflated = gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (e) {
      throw new ProtocolError('message', `bad gzip body (${(e as Error).message})`);
    }
    return fromWire(inflated);
  },
};
