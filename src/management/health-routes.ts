// Route provider `health-checks`: the startup, readiness and liveness endpoints.
// Liveness never consults cluster state: a slow bootstrap must not get the process killed.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logging.js';
import type { HealthCheckSettings } from './settings.js';
import { evaluateChecks, healthResponse, type NamedCheck } from './health.js';
import { methodRoute, sendText } from './http.js';
import { RepeatLimiter } from './repeat-limiter.js';

/** A failing check polled often logs its (identical) line at most this often, with a count. */
export const REPEATED_CHECK_LOG_INTERVAL_MS = 10_000;

export interface HealthGroups {
  readonly startup: readonly NamedCheck[];
  readonly readiness: readonly NamedCheck[];
  readonly liveness: readonly NamedCheck[];
}

export function healthRoutes(
  app: FastifyInstance,
  settings: HealthCheckSettings,
  groups: HealthGroups,
  logger: Logger,
  limiter = new RepeatLimiter(REPEATED_CHECK_LOG_INTERVAL_MS, () => performance.now()),
): void {
  const log = (level: 'info' | 'warn', marker: string, body: string) => {
    const heldBack = limiter.admit(`${marker}\u0000${body}`);
    if (heldBack === undefined) return;
    if (heldBack === 0) logger[level]({ marker }, body);
    else logger[level]({ marker, repeated: heldBack }, `${body} (and ${heldBack} more times since last logged)`);
  };
  // Pekko's markers: a false is logged at info, a failure or timeout at warning, both with the group's marker.
  const endpoint = (path: string, marker: string, checks: readonly NamedCheck[]) =>
    methodRoute(app, `/${path}`, {
      GET: async (_, reply) => {
        const outcome = await evaluateChecks(checks, settings.checkTimeoutMs);
        const { status, body } = healthResponse(outcome);
        if (outcome.kind === 'not-ok') log('info', marker, body);
        else if (outcome.kind !== 'ok') log('warn', marker, body);
        return sendText(reply, status, body);
      },
    });
  endpoint(settings.startupPath, 'pekkoStartupCheckFailed', groups.startup);
  endpoint(settings.readinessPath, 'pekkoReadinessCheckFailed', groups.readiness);
  endpoint(settings.livenessPath, 'pekkoLivenessCheckFailed', groups.liveness);
}
