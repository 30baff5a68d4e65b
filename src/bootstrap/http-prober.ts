// Probes a contact point over HTTP(S): GET .../bootstrap/seed-nodes with a request timeout,
// a small keep-alive pool per contact point, an optional CA (contact-point.http-client.ca-path)
// and optional basic-auth headers (muster.management.basic-auth), then strict parsing.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ConfigError } from '../config/types.js';
import type { Prober } from './coordinator.js';
import { parseSeedNodesJson, type SeedNodesDocument } from './seed-nodes.js';

export interface HttpProberOptions {
  /** PEM CA bundle file to trust for https probes (contact-point.http-client.ca-path). */
  readonly caPath?: string;
  /** PEM CA material, used when no caPath is given (for example the management https CA). */
  readonly ca?: string | Buffer;
  /** Highest TLS version to offer (http-client.tls-version). */
  readonly tlsMaxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** Extra headers on every probe, e.g. Authorization when management basic auth is on. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Concurrent connections per contact point (host:port). Probes are sequential, so 1 is enough. */
  readonly maxSocketsPerContactPoint?: number;
  /** Seed-nodes answers larger than this are a failure (Pekko HTTP's max-to-strict-bytes, 8 MiB). */
  readonly maxBodyBytes?: number;
  /** Once the status line is in, the whole body must arrive within this (Pekko's toStrict(1.second)). */
  readonly bodyTimeoutMs?: number;
}

/** Pekko's bounds on a probe answer: toStrict(1.second) under max-to-strict-bytes = 8m. */
export const PROBE_ANSWER_LIMITS = { maxBodyBytes: 8 * 1024 * 1024, bodyTimeoutMs: 1000 } as const;

export class ProbeError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'ProbeError';
  }
}

const CA_PATH_KEY = 'pekko.management.cluster.bootstrap.contact-point.http-client.ca-path';

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(`${CA_PATH_KEY}: cannot read [${path}]: ${e instanceof Error ? e.message : String(e)}`, CA_PATH_KEY);
  }
}

export function createHttpProber(options: HttpProberOptions = {}): Prober {
  const ca = options.caPath !== undefined ? readCa(options.caPath) : options.ca;
  const maxSockets = options.maxSocketsPerContactPoint ?? 1;
  const limit = options.maxBodyBytes ?? PROBE_ANSWER_LIMITS.maxBodyBytes;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? PROBE_ANSWER_LIMITS.bodyTimeoutMs;
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    maxSockets,
    maxFreeSockets: maxSockets,
    ...(ca !== undefined && { ca }),
    ...(options.tlsMaxVersion !== undefined && { maxVersion: options.tlsMaxVersion }),
  });

  const get = (url: string, timeoutMs: number) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const https = url.startsWith('https:');
      const req = (https ? httpsRequest : httpRequest)(url, {
        method: 'GET',
        agent: https ? httpsAgent : httpAgent,
        headers: { accept: 'application/json', ...options.headers },
      });
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        outcome();
      };
      // Ends the exchange with an error, whatever stage it is in (the socket is not reused).
      const fail = (e: Error) => {
        settle(() => reject(e));
        req.destroy();
      };
      const after = (ms: number, message: string) => {
        const t = setTimeout(() => fail(new ProbeError(message)), ms);
        t.unref();
        timers.push(t);
      };
      after(timeoutMs, `request timed out after ${timeoutMs} ms`);
      req.on('error', (e) => fail(e));
      req.on('response', (res: IncomingMessage) => {
        // The probe's own timeout still bounds the whole exchange; the body has its own bound too.
        after(bodyTimeoutMs, `response body not complete within ${bodyTimeoutMs} ms`);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > limit) fail(new ProbeError(`response body larger than ${limit} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
        res.on('error', (e) => fail(e));
      });
      req.end();
    });

  return {
    async probe(url: string, timeoutMs: number): Promise<SeedNodesDocument> {
      const { status, body } = await get(url, timeoutMs);
      if (status !== 200) {
        const shown = body.length > 500 ? `${body.slice(0, 500)}...` : body;
        throw new ProbeError(`expected response '200 OK' but got '${status}', response body: [${shown}]`, status);
      }
      return parseSeedNodesJson(body);
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
