// One DNS question to one nameserver: UDP first, the same question over TCP when the UDP answer
// is truncated. Any reply that does not decode, or does not answer our question, is a typed
// DnsMalformedResponseError; nothing a nameserver sends can throw past this module.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { isIP } from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import type { NameserverAddress } from '../settings.js';
import { DnsMalformedResponseError, DnsQueryError, DnsTimeoutError } from '../errors.js';
import type { DiscoveryMetrics } from '../metrics.js';

export type QueryType = 'A' | 'AAAA' | 'SRV';

export type DnsRecord =
  | { readonly name: string; readonly type: 'A' | 'AAAA'; readonly ttl: number; readonly data: string }
  | {
      readonly name: string;
      readonly type: 'SRV';
      readonly ttl: number;
      readonly data: { readonly target: string; readonly port: number; readonly priority: number; readonly weight: number };
    };

export interface DnsReply {
  /** 0 = NOERROR, 3 = NXDOMAIN, ... */
  readonly rcode: number;
  readonly answers: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

const MAX_TCP_MESSAGE = 65535;

export function formatNameserver(ns: NameserverAddress): string {
  return isIP(ns.host) === 6 ? `[${ns.host}]:${ns.port}` : `${ns.host}:${ns.port}`;
}

/** Asks `ns` for (name, type) within timeoutMs, retrying over TCP on truncation. */
export async function exchange(
  ns: NameserverAddress,
  name: string,
  type: QueryType,
  timeoutMs: number,
  metrics: DiscoveryMetrics,
): Promise<DnsReply> {
  const deadline = Date.now() + timeoutMs;
  const id = randomInt(0, 0x10000);
  const query = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
  });
  metrics.dnsQueries.inc();
  const udp = await udpExchange(ns, query, id, name, type, timeoutMs);
  if (!udp.truncated) return udp.reply;
  metrics.dnsTcpRetries.inc();
  return tcpExchange(ns, query, id, name, type, Math.max(1, deadline - Date.now()));
}

interface Decoded {
  readonly reply: DnsReply;
  readonly truncated: boolean;
}

/**
 * The settle step of one exchange: it runs once (the first outcome wins), after the timeout is
 * cleared and the socket closed. Rejects with timeoutError when nothing settled in time.
 */
function settleOnce(
  close: () => void,
  timeoutMs: number,
  timeoutError: () => Error,
  reject: (e: unknown) => void,
): (settle: () => void) => void {
  let done = false;
  const finish = (settle: () => void) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    close();
    settle();
  };
  const timer = setTimeout(() => finish(() => reject(timeoutError())), timeoutMs);
  return finish;
}

function udpExchange(
  ns: NameserverAddress,
  query: Buffer,
  id: number,
  name: string,
  type: QueryType,
  timeoutMs: number,
): Promise<Decoded> {
  const where = formatNameserver(ns);
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(ns.host) === 6 ? 'udp6' : 'udp4');
    const finish = settleOnce(() => socket.close(), timeoutMs, () => new DnsTimeoutError(`no answer within ${timeoutMs} ms`, where), reject);
    socket.on('error', (e) => finish(() => reject(new DnsQueryError(`UDP error: ${e.message}`, where, { cause: e }))));
    socket.on('message', (msg) => {
      let decoded: Decoded | undefined;
      try {
        decoded = decodeReply(msg, id, name, type, where);
      } catch (e) {
        finish(() => reject(e));
        return;
      }
      // A stale reply to an earlier query: keep waiting for ours.
      if (decoded) finish(() => resolve(decoded));
    });
    // Connected, so only datagrams from the nameserver itself reach us.
    socket.connect(ns.port, ns.host, () => {
      socket.send(query, (e) => {
        if (e) finish(() => reject(new DnsQueryError(`UDP send failed: ${e.message}`, where, { cause: e })));
      });
    });
  });
}

function tcpExchange(
  ns: NameserverAddress,
  query: Buffer,
  id: number,
  name: string,
  type: QueryType,
  timeoutMs: number,
): Promise<DnsReply> {
  const where = formatNameserver(ns);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ns.host, port: ns.port });
    let buf = Buffer.alloc(0);
    const finish = settleOnce(() => socket.destroy(), timeoutMs, () => new DnsTimeoutError(`no TCP answer within ${timeoutMs} ms`, where), reject);
    socket.on('connect', () => {
      const framed = Buffer.alloc(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length > 2 + MAX_TCP_MESSAGE) {
        finish(() => reject(new DnsMalformedResponseError('TCP answer longer than its length prefix', where)));
        return;
      }
      if (buf.length < 2 + len) return;
      try {
        const decoded = decodeReply(buf.subarray(2, 2 + len), id, name, type, where);
        if (!decoded) throw new DnsMalformedResponseError('TCP answer carries another query id', where);
        finish(() => resolve(decoded.reply));
      } catch (e) {
        finish(() => reject(e));
      }
    });
    socket.on('end', () =>
      finish(() => reject(new DnsMalformedResponseError('TCP connection closed before a full answer', where))),
    );
    socket.on('error', (e) => finish(() => reject(new DnsQueryError(`TCP error: ${e.message}`, where, { cause: e }))));
  });
}

/** Decodes and checks a reply; undefined when it carries another query id (stale, ignore it). */
export function decodeReply(msg: Buffer, id: number, name: string, type: QueryType, where: string): Decoded | undefined {
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(msg);
  } catch (e) {
    throw new DnsMalformedResponseError(
      `undecodable answer (${msg.length} bytes): ${(e as Error).message ?? String(e)}`,
      where,
      { cause: e },
    );
  }
  // dns-packet reads past the end of a cut-off buffer instead of failing; catch that here.
  if (dnsPacket.decode.bytes > msg.length) {
    throw new DnsMalformedResponseError(`answer cut off (${msg.length} bytes, records need ${dnsPacket.decode.bytes})`, where);
  }
  if (packet.id !== id) return undefined;
  if (!packet.flag_qr) throw new DnsMalformedResponseError('answer is not a response (QR bit clear)', where);
  const q = packet.questions?.[0];
  if (!q || q.type !== type || q.name.toLowerCase() !== name.toLowerCase()) {
    throw new DnsMalformedResponseError(
      `answer is for another question (${q ? `${q.name} ${q.type}` : 'none'}, asked ${name} ${type})`,
      where,
    );
  }
  return {
    truncated: packet.flag_tc,
    reply: {
      rcode: (packet.flags ?? 0) & 0xf,
      answers: records(packet.answers),
      additionals: records(packet.additionals),
    },
  };
}

function records(list: readonly dnsPacket.Answer[] | undefined): DnsRecord[] {
  const out: DnsRecord[] = [];
  for (const r of list ?? []) {
    const name = String(r.name).replace(/\.$/, '').toLowerCase();
    const ttl = 'ttl' in r && typeof r.ttl === 'number' ? r.ttl : 0;
    if ((r.type === 'A' && isIP(String(r.data)) === 4) || (r.type === 'AAAA' && isIP(String(r.data)) === 6)) {
      out.push({ name, type: r.type, ttl, data: String(r.data) });
    } else if (r.type === 'SRV' && typeof r.data === 'object' && typeof r.data.target === 'string') {
      const { target, port, priority, weight } = r.data;
      if (Number.isInteger(port)) {
        out.push({
          name,
          type: 'SRV',
          ttl,
          data: { target: target.replace(/\.$/, '').toLowerCase(), port, priority: priority ?? 0, weight: weight ?? 0 },
        });
      }
    }
  }
  return out;
}
