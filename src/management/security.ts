// HTTPS and HTTP basic auth for the management endpoint (muster.management.*), and the client
// side of the same settings, so the bootstrap prober keeps reaching peers when both are on.
// Pekko configures these in code only; Muster reads them from its own config section.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';
import { timingSafeEqual, createHash } from 'node:crypto';
import { ConfigError } from '../config/types.js';
import type { ManagementSecuritySettings } from './settings.js';

export interface LoadedSecurity {
  /** Present when HTTPS is on: PEM material for the server. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca?: Buffer };
  /** Present when basic auth is on. */
  readonly auth?: { readonly username: string; readonly password: string };
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(`${what}: cannot read [${path}]: ${e instanceof Error ? e.message : String(e)}`, what);
  }
}

/** Reads the certificate, key, CA and password files named by the settings. */
export function loadSecurity(s: ManagementSecuritySettings): LoadedSecurity {
  const tls = s.https.enabled
    ? {
        cert: readFile(s.https.certFile, 'muster.management.https.cert-file'),
        key: readFile(s.https.keyFile, 'muster.management.https.key-file'),
        ...(s.https.caFile ? { ca: readFile(s.https.caFile, 'muster.management.https.ca-file') } : {}),
      }
    : undefined;
  let auth: LoadedSecurity['auth'];
  if (s.basicAuth.username !== '') {
    // The first line is the password; the line break editors and `echo` add is not part of it.
    const password = readFile(s.basicAuth.passwordFile, 'muster.management.basic-auth.password-file')
      .toString('utf8')
      .split(/\r?\n/)[0]!;
    if (password === '') {
      throw new ConfigError('muster.management.basic-auth.password-file is empty', 'muster.management.basic-auth.password-file');
    }
    auth = { username: s.basicAuth.username, password };
  }
  return { ...(tls ? { tls } : {}), ...(auth ? { auth } : {}) };
}

export const WWW_AUTHENTICATE = 'Basic realm="secured",charset=UTF-8';

export type AuthResult = 'ok' | 'missing' | 'invalid';

/** Checks an Authorization header against the configured user, in constant time. */
export function checkBasicAuth(header: string | undefined, auth: NonNullable<LoadedSecurity['auth']>): AuthResult {
  if (header === undefined) return 'missing';
  const m = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!m) return 'invalid';
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'invalid';
  const sameUser = digestEqual(decoded.slice(0, colon), auth.username);
  const samePassword = digestEqual(decoded.slice(colon + 1), auth.password);
  return sameUser && samePassword ? 'ok' : 'invalid';
}

function digestEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export interface ClientResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ClientRequestOptions {
  readonly method?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Responses larger than this are cut off with an error (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

/** An HTTP(S) client that speaks to management endpoints with the node's own security settings. */
export interface ManagementClient {
  readonly scheme: 'http' | 'https';
  /** Headers every request carries (Authorization when basic auth is on). */
  readonly headers: Readonly<Record<string, string>>;
  /** TLS options of the agent (CA to trust), for callers that bring their own HTTP client. */
  readonly agentOptions: AgentOptions;
  request(url: string, options?: ClientRequestOptions): Promise<ClientResponse>;
  close(): void;
}

export function createManagementClient(security: LoadedSecurity | ManagementSecuritySettings): ManagementClient {
  const loaded = 'basicAuth' in security ? loadSecurity(security) : security;
  const scheme = loaded.tls ? 'https' : 'http';
  const agentOptions: AgentOptions = { keepAlive: true, maxSockets: 16, ...(loaded.tls?.ca ? { ca: loaded.tls.ca } : {}) };
  const agent = scheme === 'https' ? new HttpsAgent(agentOptions) : new HttpAgent({ keepAlive: true, maxSockets: 16 });
  const headers: Record<string, string> = loaded.auth
    ? { authorization: basicAuthHeader(loaded.auth.username, loaded.auth.password) }
    : {};
  return {
    scheme,
    headers,
    agentOptions,
    request(url, options = {}) {
      return new Promise<ClientResponse>((resolve, reject) => {
        const send = url.startsWith('https:') ? httpsRequest : httpRequest;
        const req = send(url, {
          method: options.method ?? 'GET',
          agent: url.startsWith(`${scheme}:`) ? agent : undefined,
          headers: { ...headers, ...options.headers },
          ...(loaded.tls?.ca ? { ca: loaded.tls.ca } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        const limit = options.maxBodyBytes ?? 1 << 20;
        if (options.timeoutMs !== undefined) {
          const ms = options.timeoutMs;
          req.setTimeout(ms, () => req.destroy(new Error(`request timed out after ${ms} ms`)));
        }
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > limit) req.destroy(new Error(`response body larger than ${limit} bytes`));
            else chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
          );
        });
        req.end(options.body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
