// Health-check groups (startup, readiness, liveness) with Pekko's semantics: every check of a
// group runs in parallel under its own timeout; the first failure (throw, reject or timeout)
// decides at once; otherwise the first `false` in list order; otherwise the group passes.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scheduler } from '../clock.js';
import type { ClusterApi, MemberStatus } from '../cluster/api.js';
import { ConfigError } from '../config/types.js';
import { CLUSTER_MEMBERSHIP_CHECK_CLASS, type NamedClass } from './settings.js';

/** A check answers true (healthy) or false; throwing or rejecting counts as a failure. */
export type HealthCheck = () => boolean | Promise<boolean>;

export interface NamedCheck {
  /** Shown in the response text: the configured class/module string or the programmatic name. */
  readonly id: string;
  readonly check: HealthCheck;
}

export type HealthOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'not-ok'; readonly id: string }
  | { readonly kind: 'failed'; readonly id: string; readonly message: string }
  | { readonly kind: 'timed-out'; readonly id: string; readonly timeoutMs: number };

/** Timers that keep the process alive: an answer is owed while a check runs. */
const refTimers: Pick<Scheduler, 'schedule'> = {
  schedule(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  },
};

export function evaluateChecks(
  checks: readonly NamedCheck[],
  timeoutMs: number,
  scheduler: Pick<Scheduler, 'schedule'> = refTimers,
): Promise<HealthOutcome> {
  if (checks.length === 0) return Promise.resolve({ kind: 'ok' });
  return new Promise((done) => {
    const results: (boolean | undefined)[] = new Array(checks.length);
    const timers: { cancel(): void }[] = [];
    let pending = checks.length;
    let finished = false;
    const finish = (outcome: HealthOutcome) => {
      if (finished) return;
      finished = true;
      for (const t of timers) t.cancel();
      done(outcome);
    };
    checks.forEach(({ id, check }, i) => {
      const timer = scheduler.schedule(timeoutMs, () => finish({ kind: 'timed-out', id, timeoutMs }));
      timers.push(timer);
      let result: Promise<boolean>;
      try {
        result = Promise.resolve(check());
      } catch (e) {
        result = Promise.reject(e);
      }
      result.then(
        (ok) => {
          timer.cancel();
          results[i] = ok === true;
          if (--pending > 0 || finished) return;
          const firstFalse = results.findIndex((r) => r !== true);
          finish(firstFalse < 0 ? { kind: 'ok' } : { kind: 'not-ok', id: checks[firstFalse]!.id });
        },
        (e: unknown) => finish({ kind: 'failed', id, message: e instanceof Error ? e.message : String(e) }),
      );
    });
  });
}

/** The status and plain-text body Pekko answers for an outcome. */
export function healthResponse(outcome: HealthOutcome): { status: number; body: string } {
  switch (outcome.kind) {
    case 'ok':
      return { status: 200, body: 'OK' };
    case 'not-ok':
      return { status: 500, body: `Not Healthy: Check [${outcome.id}] not ok` };
    case 'failed':
      return { status: 500, body: `Health Check Failed: Check [${outcome.id}] failed: ${outcome.message}` };
    case 'timed-out':
      return {
        status: 500,
        body: `Health Check Failed: Check [${outcome.id}] timed out after ${formatScalaDuration(outcome.timeoutMs)}`,
      };
  }
}

/**
 * A duration as Scala prints a java.time.Duration converted to Scala: whole seconds in
 * seconds (`1 second`, `2 seconds`), anything else in nanoseconds (`500000000 nanoseconds`).
 */
export function formatScalaDuration(ms: number): string {
  if (ms === 0) return '0 days';
  const [n, unit] = ms % 1000 === 0 ? [ms / 1000, 'second'] : [Math.round(ms * 1e6), 'nanosecond'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** Pekko's ClusterMembershipCheck: the node's own status is one of the ready states. */
export function clusterMembershipCheck(cluster: ClusterApi | undefined, readyStates: readonly MemberStatus[]): HealthCheck {
  return () => cluster !== undefined && readyStates.includes(cluster.state().self.status);
}

export interface CheckContext {
  readonly cluster: ClusterApi | undefined;
  readonly readyStates: readonly MemberStatus[];
  /** Directory that relative module paths are resolved against (default: the working directory). */
  readonly baseDir?: string;
}

/**
 * Turns configured `name = "..."` entries into checks. The Pekko class name of the
 * cluster membership check maps to ours; any other value is a module path (optionally
 * `path#exportName`) whose export is a check function, called with the context each time.
 */
export async function loadConfiguredChecks(entries: readonly NamedClass[], ctx: CheckContext): Promise<NamedCheck[]> {
  const out: NamedCheck[] = [];
  for (const { name, className } of entries) {
    if (className === CLUSTER_MEMBERSHIP_CHECK_CLASS || className === 'cluster-membership') {
      out.push({ id: className, check: clusterMembershipCheck(ctx.cluster, ctx.readyStates) });
      continue;
    }
    const [modulePath, exportName = 'default'] = className.split('#') as [string, string | undefined];
    const specifier =
      modulePath.startsWith('.') || isAbsolute(modulePath)
        ? pathToFileURL(resolve(ctx.baseDir ?? process.cwd(), modulePath)).href
        : modulePath;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(specifier)) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(
        `health check [${name}] = "${className}": cannot load module (${e instanceof Error ? e.message : String(e)}); ` +
          `Pekko class names other than ${CLUSTER_MEMBERSHIP_CHECK_CLASS} have no Muster counterpart`,
      );
    }
    const fn = mod[exportName];
    if (typeof fn !== 'function') {
      throw new ConfigError(`health check [${name}] = "${className}": export [${exportName}] is not a function`);
    }
    out.push({ id: className, check: () => (fn as (c: CheckContext) => boolean | Promise<boolean>)(ctx) });
  }
  return out;
}
