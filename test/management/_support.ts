// Shared helpers of the management tests: a server over a FakeCluster on loopback, and a
// small fetch wrapper that returns status, headers and body text.
import { DEFAULT_MANAGEMENT_SETTINGS, type ManagementSettings } from '../../src/config/settings/management.js';
import { startManagement, type ManagementServer, type StartManagementOptions } from '../../src/management/server.js';
import { FakeCluster, address, member } from '../support/fake-cluster.js';

export interface HttpPatch {
  readonly http?: Partial<ManagementSettings['http']>;
  readonly healthChecks?: Partial<ManagementSettings['healthChecks']>;
  readonly security?: ManagementSettings['security'];
  readonly readyStates?: ManagementSettings['clusterHealthCheck']['readyStates'];
}

export function testSettings(patch: HttpPatch = {}): ManagementSettings {
  const d = DEFAULT_MANAGEMENT_SETTINGS;
  return {
    http: { ...d.http, hostname: '127.0.0.1', bindPort: 0, ...patch.http },
    healthChecks: { ...d.healthChecks, ...patch.healthChecks },
    clusterHealthCheck: { readyStates: patch.readyStates ?? d.clusterHealthCheck.readyStates },
    security: patch.security ?? d.security,
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
