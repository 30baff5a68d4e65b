// GET <base>/dashboard: a read-only page for people (muster.management.dashboard.enabled). The
// page itself is static (the top-level dashboard/ folder, shipped in the package); it reads
// dashboard/state and the domain-events stream with relative URLs, so it works under any
// base-path and behind `kubectl port-forward`. Auth and TLS are the server's, as for every route.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ClusterApi } from '../cluster/api.js';
import { ConfigError } from '../config/types.js';
import { dashboardStateJson, type DashboardSources } from './dashboard-json.js';
import { methodRoute, sendJson } from './http.js';

/** The asset folder: <package>/dashboard, the same relative path from src/ and from dist/. */
export const DASHBOARD_ASSETS_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

const ASSETS: Readonly<Record<string, string>> = {
  'dashboard.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
};

// Everything the page loads comes from this server; nothing inline, no third-party origin.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

function readAsset(name: string): Buffer {
  const file = `${DASHBOARD_ASSETS_DIR}${name}`;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigError(
      `muster.management.dashboard.enabled = on, but the page's file ${file} cannot be read: ${e instanceof Error ? e.message : String(e)}`,
      'muster.management.dashboard.enabled',
    );
  }
}

function sendAsset(reply: FastifyReply, type: string, body: Buffer): FastifyReply {
  return reply
    .code(200)
    .header('content-type', type)
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', CSP)
    .send(body);
}

export interface DashboardRoutesOptions {
  readonly cluster?: ClusterApi;
  readonly sources: DashboardSources;
  /** True when /cluster/domain-events is mounted. */
  readonly events: boolean;
}

/** Registers the page, its assets and its state route (already under the base-path prefix). */
export function dashboardRoutes(app: FastifyInstance, opts: DashboardRoutesOptions): void {
  // Read once at start: a missing file fails the start, not the first visit.
  const page = readAsset('index.html');
  const assets = Object.entries(ASSETS).map(([name, type]) => ({ name, type, body: readAsset(name) }));

  methodRoute(app, '/dashboard', { GET: (_req, reply) => sendAsset(reply, 'text/html; charset=utf-8', page) });
  // The page's relative URLs resolve against /dashboard, not /dashboard/: send the slash form there.
  methodRoute(app, '/dashboard/', { GET: (_req, reply) => reply.code(301).header('location', '../dashboard').send() });
  for (const a of assets) methodRoute(app, `/dashboard/${a.name}`, { GET: (_req, reply) => sendAsset(reply, a.type, a.body) });
  methodRoute(app, '/dashboard/state', {
    GET: (_req, reply) => {
      if (!opts.cluster) return sendJson(reply, 503, { message: 'no cluster node runs in this process' });
      reply.header('cache-control', 'no-store');
      return sendJson(reply, 200, dashboardStateJson(opts.cluster.state(), opts.sources, opts.events));
    },
  });
}
