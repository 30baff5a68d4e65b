// Shared helpers of the management tests: a server over a FakeCluster on loopback, and a
// small fetch wrapper that returns status, headers and body text.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DEFAULT_MANAGEMENT_SETTINGS, type ManagementSettings } from '../../src/management/settings.js';
import { startManagement, type ManagementServer, type StartManagementOptions } from '../../src/management/server.js';
import { FakeCluster, address, member } from '../support/fake-cluster.js';

export interface HttpPatch {
  readonly http?: Partial<ManagementSettings['http']>;
  readonly healthChecks?: Partial<ManagementSettings['healthChecks']>;
  readonly security?: ManagementSettings['security'];
  readonly readyStates?: ManagementSettings['clusterHealthCheck']['readyStates'];
  readonly dashboard?: ManagementSettings['dashboard'];
  readonly membersAppVersion?: boolean;
}

export function testSettings(patch: HttpPatch = {}): ManagementSettings {
  const d = DEFAULT_MANAGEMENT_SETTINGS;
  return {
    http: { ...d.http, hostname: '127.0.0.1', bindPort: 0, ...patch.http },
    healthChecks: { ...d.healthChecks, ...patch.healthChecks },
    clusterHealthCheck: { readyStates: patch.readyStates ?? d.clusterHealthCheck.readyStates },
    security: patch.security ?? d.security,
    dashboard: patch.dashboard ?? d.dashboard,
    membersAppVersion: patch.membersAppVersion ?? d.membersAppVersion,
  };
}

export const SELF_UID = -4967350262227633432n;

/** A fake cluster whose self (127.0.0.1:17355) is Up and leader. */
export function upCluster(): FakeCluster {
  const self = member('127.0.0.1', 17355, SELF_UID, 'Up');
  const cluster = new FakeCluster(self.uniqueAddress);
  cluster.setState({ self, members: [self], leader: address('127.0.0.1') });
  return cluster;
}

export async function start(
  patch: HttpPatch = {},
  options: Omit<StartManagementOptions, 'settings'> = {},
): Promise<ManagementServer> {
  return startManagement({ settings: testSettings(patch), ...options });
}

export interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly allow: string | null;
  readonly headers: Headers;
  readonly text: string;
}

export async function call(
  url: string,
  method = 'GET',
  init: { body?: string | FormData; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.contentType) headers['content-type'] = init.contentType;
  const r = await fetch(url, { method, body: init.body, headers });
  return { status: r.status, type: r.headers.get('content-type'), allow: r.headers.get('allow'), headers: r.headers, text: await r.text() };
}

export const FORM = 'application/x-www-form-urlencoded';
export const TEXT = 'text/plain; charset=UTF-8';
export const JSON_TYPE = 'application/json';

/**
 * Sends raw bytes to 127.0.0.1:port and returns the status code of the answer (0 when none
 * came within timeoutMs). Reads the status even when the server closes early on an unread body.
 */
export function sendRaw(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve(m ? Number(m[1]) : 0);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (c: Buffer) => {
      head += c.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(head)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes);
  });
}

/** A pino logger whose JSON lines are kept for assertions. */
export function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}
