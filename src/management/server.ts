// The management HTTP server: binds per pekko.management.http.*, mounts the route providers
// switched on in `routes` under the base path, puts basic auth in front of everything when
// configured, and answers every bad request with Pekko's plain-text rejection, never a crash.
import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ClusterApi } from '../cluster/api.js';
import { defaultHostAddress } from '../cluster/create.js';
import { ConfigError } from '../config/types.js';
import {
  CLUSTER_BOOTSTRAP_ROUTES_CLASS,
  CLUSTER_HTTP_ROUTES_CLASS,
  HEALTH_CHECK_ROUTES_CLASS,
  type ManagementSettings,
} from './settings.js';
import { formatHost } from '../address.js';
import { silentLogger, type Logger } from '../logging.js';
import { defaultMetrics, type Metrics } from '../metrics.js';
import { clusterRoutes } from './cluster-routes.js';
import { dashboardRoutes } from './dashboard.js';
import type { DashboardSources } from './dashboard-json.js';
import type { DomainEventsOptions } from './domain-events.js';
import { loadConfiguredChecks, type CheckContext, type NamedCheck } from './health.js';
import { healthRoutes } from './health-routes.js';
import { methodRoute, sendText, TEXTS } from './http.js';
import { metricsRoute, observeCluster } from './metrics-route.js';
import { checkBasicAuth, loadSecurity, WWW_AUTHENTICATE, type LoadedSecurity } from './security.js';

export interface RouteProviderContext {
  readonly readOnly: boolean;
  /** This node's own management base URI (scheme, configured host and port, base path). */
  readonly selfBaseUri: string;
  readonly logger: Logger;
}

/**
 * A set of routes mounted under the base path when `pekko.management.http.routes` has an entry
 * whose value is one of `classNames` or the provider's `name`. Register routes with
 * `methodRoute` so a wrong method gets Pekko's 405.
 */
export interface RouteProvider {
  readonly name: string;
  readonly classNames?: readonly string[];
  register(app: FastifyInstance, context: RouteProviderContext): void | Promise<void>;
}

export interface StartManagementOptions {
  readonly settings: ManagementSettings;
  readonly cluster?: ClusterApi;
  /** Checks added through the library API, run after the configured ones of each group. */
  readonly healthChecks?: { readonly startup?: NamedCheck[]; readonly readiness?: NamedCheck[]; readonly liveness?: NamedCheck[] };
  /** Providers from other layers, e.g. bootstrap's `cluster-bootstrap`. */
  readonly routeProviders?: readonly RouteProvider[];
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Already loaded TLS/auth material; by default read from settings.security. */
  readonly security?: LoadedSecurity;
  /** Largest request body accepted (default 64 KiB). */
  readonly bodyLimitBytes?: number;
  readonly domainEvents?: DomainEventsOptions;
  /** Directory for relative module paths of configured health checks. */
  readonly baseDir?: string;
  /** The configured checks, already resolved (configured.ts); otherwise loaded here from settings. */
  readonly configuredChecks?: (ctx: CheckContext) => { startup: NamedCheck[]; readiness: NamedCheck[]; liveness: NamedCheck[] };
  /** What the /dashboard page shows besides membership (served when settings.dashboard.enabled). */
  readonly dashboard?: DashboardSources;
}

export interface ManagementServer {
  /** Base URI for reaching the server: scheme, bind host, bound port, base path. */
  readonly url: string;
  /** Base URI this node advertises (configured hostname and port), used by bootstrap to spot itself. */
  readonly selfBaseUri: string;
  /** Like selfBaseUri but with the port actually bound (Pekko's start() result). */
  readonly boundBaseUri: string;
  readonly boundPort: number;
  /** The providers that were mounted, in mount order. */
  readonly providers: readonly string[];
  close(): Promise<void>;
}

/** The configured hostname, or this machine's address as Pekko's `<hostname>` means. */
export async function effectiveHostname(settings: ManagementSettings): Promise<string> {
  return settings.http.hostname ?? defaultHostAddress();
}

function baseUri(scheme: string, host: string, port: number, basePath: string): string {
  return `${scheme}://${formatHost(host)}:${port}${basePath ? `/${basePath}` : ''}`;
}

export async function startManagement(options: StartManagementOptions): Promise<ManagementServer> {
  const { settings, cluster } = options;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? defaultMetrics;
  const security = options.security ?? loadSecurity(settings.security);
  const http = settings.http;
  const scheme = security.tls ? 'https' : 'http';
  const host = await effectiveHostname(settings);
  const bindHost = http.bindHostname ?? host;
  const selfBaseUri = baseUri(scheme, host, http.port, http.basePath);
  const readOnly = http.routeProvidersReadOnly;

  const streams = new Set<ServerResponse>();
  const builtIns: RouteProvider[] = [
    {
      name: 'health-checks',
      classNames: [HEALTH_CHECK_ROUTES_CLASS],
      register: async (app) => {
        const ctx = { cluster, readyStates: settings.clusterHealthCheck.readyStates, baseDir: options.baseDir };
        const hc = settings.healthChecks;
        const extra = options.healthChecks ?? {};
        const configured = options.configuredChecks?.(ctx) ?? {
          startup: await loadConfiguredChecks(hc.startupChecks, ctx),
          readiness: await loadConfiguredChecks(hc.readinessChecks, ctx),
          liveness: await loadConfiguredChecks(hc.livenessChecks, ctx),
        };
        healthRoutes(
          app,
          hc,
          {
            startup: [...configured.startup, ...(extra.startup ?? [])],
            readiness: [...configured.readiness, ...(extra.readiness ?? [])],
            liveness: [...configured.liveness, ...(extra.liveness ?? [])],
          },
          logger,
        );
      },
    },
  ];
  if (cluster) {
    builtIns.push({
      name: 'cluster-management',
      classNames: [CLUSTER_HTTP_ROUTES_CLASS],
      register: (app) =>
        clusterRoutes(app, { cluster, readOnly, logger, streams, domainEvents: options.domainEvents, appVersion: settings.membersAppVersion }),
    });
  }
  const available = [...builtIns, ...(options.routeProviders ?? [])];
  const mounted: RouteProvider[] = [];
  for (const { name, className } of http.routes) {
    const provider = available.find((p) => p.name === className || (p.classNames ?? []).includes(className));
    if (provider) {
      if (!mounted.includes(provider)) mounted.push(provider);
    } else if (className === CLUSTER_BOOTSTRAP_ROUTES_CLASS || className === CLUSTER_HTTP_ROUTES_CLASS) {
      logger.debug({ route: name }, `Route provider [${name}] has nothing to serve in this process; not mounted`);
    } else {
      throw new ConfigError(
        `pekko.management.http.routes.${name} = "${className}" names no known route provider ` +
          `(known: ${available.map((p) => [p.name, ...(p.classNames ?? [])].join(' / ')).join(', ')})`,
        `pekko.management.http.routes.${name}`,
      );
    }
  }
  if (mounted.length === 0) {
    throw new ConfigError(
      'No routes configured for Pekko management: check pekko.management.http.routes',
      'pekko.management.http.routes',
    );
  }
  if (!readOnly && !security.auth) {
    logger.warn(
      'pekko.management.http.route-providers-read-only = false without muster.management.basic-auth: ' +
        'anyone who can reach the management port can down or remove cluster members',
    );
  }

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestTimeout: 30_000,
    routerOptions: { maxParamLength: 2048 },
    ...(security.tls ? { https: { cert: security.tls.cert, key: security.tls.key } } : {}),
    frameworkErrors: (_err, _req, reply) => sendText(reply, 400, TEXTS.badRequest),
    clientErrorHandler: (err, socket) => {
      // Malformed HTTP never reaches a route: answer a plain 400 (431 for oversized headers) and close.
      if (!socket.writable) return void socket.destroy();
      const code = (err as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${code}\r\nContent-Type: text/plain; charset=UTF-8\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
        socket.destroy(),
      );
    },
  }) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  // Bodies are kept raw; the few routes that read forms parse them themselves.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: Buffer) => void) =>
    done(null, body),
  );
  app.setNotFoundHandler((_req, reply) => sendText(reply, 404, TEXTS.notFound));
  app.setErrorHandler((err: { statusCode?: number; message?: string }, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return sendText(reply, 413, TEXTS.tooLarge);
    if (status === 415) return sendText(reply, 415, TEXTS.unsupportedContentType);
    if (status >= 400 && status < 500) return sendText(reply, status, TEXTS.badRequest);
    logger.error({ err, url: request.url, method: request.method }, 'Management request failed');
    return sendText(reply, 500, TEXTS.internalError);
  });
  if (security.auth) {
    const auth = security.auth;
    app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const result = checkBasicAuth(request.headers.authorization, auth);
      if (result === 'ok') return done();
      reply.header('www-authenticate', WWW_AUTHENTICATE);
      sendText(reply, 401, result === 'missing' ? TEXTS.missingCredentials : TEXTS.invalidCredentials);
    });
  }

  const context: RouteProviderContext = { readOnly, selfBaseUri, logger };
  await app.register(
    async (scope) => {
      for (const p of mounted) await p.register(scope, context);
      methodRoute(scope, '/metrics', { GET: metricsRoute(metrics, cluster) });
      if (settings.dashboard.enabled) {
        const events = mounted.some((p) => p.name === 'cluster-management');
        dashboardRoutes(scope, { ...(cluster && { cluster }), sources: options.dashboard ?? {}, events });
      }
    },
    { prefix: http.basePath ? `/${http.basePath}` : '' },
  );
  const stopObserving = cluster ? observeCluster(cluster, metrics) : () => {};

  logger.info(`Binding Pekko Management (${scheme.toUpperCase()}) endpoint to: ${bindHost}:${http.bindPort}`);
  try {
    await app.listen({ host: bindHost, port: http.bindPort });
  } catch (e) {
    stopObserving();
    await app.close();
    throw e;
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : http.bindPort;
  logger.info(
    { marker: 'pekkoManagementBound', pekkoHttpAddress: `${formatHost(bindHost)}:${boundPort}`, host: bindHost, port: boundPort },
    `Bound Pekko Management (${scheme.toUpperCase()}) endpoint to: ${bindHost}:${boundPort}`,
  );

  const url = baseUri(scheme, bindHost === '0.0.0.0' || bindHost === '::' ? host : bindHost, boundPort, http.basePath);
  if (settings.dashboard.enabled) logger.info({ dashboard: `${url}/dashboard` }, `Dashboard at ${url}/dashboard`);

  let closing: Promise<void> | undefined;
  return {
    url,
    selfBaseUri,
    boundBaseUri: baseUri(scheme, host, boundPort, http.basePath),
    boundPort,
    providers: mounted.map((p) => p.name),
    close() {
      closing ??= (async () => {
        stopObserving();
        for (const s of streams) s.end();
        // In-flight requests get the graceful timeout; then remaining connections are cut.
        const force = setTimeout(() => app.server.closeAllConnections(), http.gracefulTerminationTimeoutMs);
        try {
          await app.close();
        } finally {
          clearTimeout(force);
        }
      })();
      return closing;
    },
  };
}
