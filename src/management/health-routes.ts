// Route provider `health-checks`: the startup, readiness and liveness endpoints.
// Liveness never consults cluster state: a slow bootstrap must not get the process killed.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logging.js';
import type { HealthCheckSettings } from './settings.js';
import { evaluateChecks, healthResponse, type NamedCheck } from './health.js';
import { methodRoute, sendText } from './http.js';

export interface HealthGroups {
  readonly startup: readonly NamedCheck[];
  readonly readiness: readonly NamedCheck[];
  readonly liveness: readonly NamedCheck[];
}

export function healthRoutes(app: FastifyInstance, settings: HealthCheckSettings, groups: HealthGroups, logger: Logger): void {
  // Pekko's markers: a false is logged at info, a failure or timeout at warning, both with the group's marker.
  const endpoint = (path: string, marker: string, checks: readonly NamedCheck[]) =>
    methodRoute(app, `/${path}`, {
      GET: async (_, reply) => {
        const outcome = await evaluateChecks(checks, settings.checkTimeoutMs);
        const { status, body } = healthResponse(outcome);
        if (outcome.kind === 'not-ok') logger.info({ marker }, body);
        else if (outcome.kind !== 'ok') logger.warn({ marker }, body);
        return sendText(reply, status, body);
      },
    });
  endpoint(settings.startupPath, 'pekkoStartupCheckFailed', groups.startup);
  endpoint(settings.readinessPath, 'pekkoReadinessCheckFailed', groups.readiness);
  endpoint(settings.livenessPath, 'pekkoLivenessCheckFailed', groups.liveness);
}
