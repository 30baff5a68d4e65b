// Resolves what pekko.management.health-checks.*-checks and pekko.management.http.routes name,
// before anything binds. Each value is, in order: an implementation the application registered
// under the entry's key or under the value itself; a built-in (Pekko's ClusterMembershipCheck,
// the built-in route providers); a JVM class name with nothing registered, which is skipped with
// one warning (Pekko's samples name their own classes, e.g. DemoHealthCheck); or a path to a JS
// module (`./checks/db.js`, `pkg#export`) loaded from the application's directory.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { isJvmClassName, type CompatFinding } from '../config/compat.js';
import {
  CLUSTER_BOOTSTRAP_ROUTES_CLASS,
  CLUSTER_HTTP_ROUTES_CLASS,
  CLUSTER_MEMBERSHIP_CHECK_CLASS,
  HEALTH_CHECK_ROUTES_CLASS,
  type ManagementSettings,
  type NamedClass,
} from './settings.js';
import { ConfigError, type Config } from '../config/types.js';
import { clusterMembershipCheck, type CheckContext, type HealthCheck, type NamedCheck } from './health.js';
import type { RouteProvider, RouteProviderContext } from './server.js';

/** A check implementation: called with the check context on every probe. */
export type CheckImplementation = (ctx: CheckContext) => boolean | Promise<boolean>;
/** A route implementation: registers its routes (use `methodRoute`) under the base path. */
export type RouteImplementation = (app: FastifyInstance, ctx: RouteProviderContext) => void | Promise<void>;

export interface Registrations {
  /** Health checks by the key or class name used in the config. */
  readonly healthChecks?: Readonly<Record<string, HealthCheck | CheckImplementation>>;
  /** Route providers by the key or class name used in pekko.management.http.routes. */
  readonly routes?: Readonly<Record<string, RouteImplementation>>;
}

type Group = 'startup' | 'readiness' | 'liveness';
const GROUP_KEY: Record<Group, string> = {
  startup: 'pekko.management.health-checks.startup-checks',
  readiness: 'pekko.management.health-checks.readiness-checks',
  liveness: 'pekko.management.health-checks.liveness-checks',
};

interface ResolvedCheck {
  readonly id: string;
  readonly make: (ctx: CheckContext) => HealthCheck;
}

export interface ResolvedManagement {
  /** The settings with skipped routes removed. */
  readonly settings: ManagementSettings;
  /** The configured checks of each group, bound to a context once the cluster exists. */
  readonly checks: (ctx: CheckContext) => Record<Group, NamedCheck[]>;
  /** Providers for the registered and module routes. */
  readonly routeProviders: RouteProvider[];
  readonly findings: CompatFinding[];
}

const BUILT_IN_ROUTES = new Set([
  'health-checks', 'cluster-management', 'cluster-bootstrap',
  HEALTH_CHECK_ROUTES_CLASS, CLUSTER_HTTP_ROUTES_CLASS, CLUSTER_BOOTSTRAP_ROUTES_CLASS,
]);

const own = <T>(o: Readonly<Record<string, T>> | undefined, k: string): T | undefined =>
  o && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;

/** Imports `path[#export]` relative to baseDir; the export must be a function. */
async function importFunction(value: string, baseDir: string, what: string): Promise<(...args: never[]) => unknown> {
  const hash = value.lastIndexOf('#');
  const [modulePath, exportName] = hash > 0 ? [value.slice(0, hash), value.slice(hash + 1)] : [value, 'default'];
  const specifier =
    modulePath.startsWith('.') || isAbsolute(modulePath) ? pathToFileURL(resolve(baseDir, modulePath)).href : modulePath;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`${what}: cannot load module [${modulePath}] from ${baseDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new ConfigError(`${what}: export [${exportName}] of [${modulePath}] is not a function`);
  return fn as (...args: never[]) => unknown;
}

function skipped(config: Config, key: string, value: string, kind: 'health check' | 'route', register: string): CompatFinding {
  const o = config.origin(key);
  return {
    level: 'warn',
    key,
    ...(o ? { origin: o } : {}),
    message:
      `${key} = "${value}" (${config.describeOrigin(key)}) names a JVM class and no JavaScript ${kind} is registered ` +
      `under [${key.split('.').at(-1)}] or [${value}]: skipped. Register one with start({ ${register} }) ` +
      `or name a JS module instead (e.g. "./checks/db.js" or "pkg#export")`,
  };
}

export async function resolveConfiguredManagement(
  config: Config,
  settings: ManagementSettings,
  registrations: Registrations,
  baseDir: string,
): Promise<ResolvedManagement> {
  const findings: CompatFinding[] = [];
  const groups: Record<Group, ResolvedCheck[]> = { startup: [], readiness: [], liveness: [] };
  const entries: Record<Group, readonly NamedClass[]> = {
    startup: settings.healthChecks.startupChecks,
    readiness: settings.healthChecks.readinessChecks,
    liveness: settings.healthChecks.livenessChecks,
  };
  for (const group of Object.keys(entries) as Group[]) {
    for (const { name, className } of entries[group]) {
      const key = `${GROUP_KEY[group]}.${name}`;
      const registered = own(registrations.healthChecks, name) ?? own(registrations.healthChecks, className);
      if (registered) {
        groups[group].push({ id: className, make: (ctx) => () => (registered as CheckImplementation)(ctx) });
      } else if (className === CLUSTER_MEMBERSHIP_CHECK_CLASS || className === 'cluster-membership') {
        groups[group].push({ id: className, make: (ctx) => clusterMembershipCheck(ctx.cluster, ctx.readyStates) });
      } else if (isJvmClassName(className)) {
        findings.push(skipped(config, key, className, 'health check', `namedHealthChecks: { '${name}': () => true }`));
      } else {
        const fn = (await importFunction(className, baseDir, `${key} = "${className}"`)) as CheckImplementation;
        groups[group].push({ id: className, make: (ctx) => () => fn(ctx) });
      }
    }
  }

  const routeProviders: RouteProvider[] = [];
  const routes: NamedClass[] = [];
  for (const entry of settings.http.routes) {
    const { name, className } = entry;
    const key = `pekko.management.http.routes.${name}`;
    const registered = own(registrations.routes, name) ?? own(registrations.routes, className);
    if (registered) {
      routeProviders.push({ name, classNames: [className], register: registered });
    } else if (BUILT_IN_ROUTES.has(className)) {
      // mounted (or knowingly left out) by the management server
    } else if (isJvmClassName(className)) {
      findings.push(skipped(config, key, className, 'route', `namedRoutes: { '${name}': (app, ctx) => { ... } }`));
      continue;
    } else {
      const fn = (await importFunction(className, baseDir, `${key} = "${className}"`)) as RouteImplementation;
      routeProviders.push({ name, classNames: [className], register: fn });
    }
    routes.push(entry);
  }
  if (routes.length === 0 && settings.http.routes.length > 0) {
    throw new ConfigError(
      'No routes left for Pekko management: every entry of pekko.management.http.routes names a JVM class with no JavaScript implementation',
      'pekko.management.http.routes',
    );
  }

  return {
    settings: { ...settings, http: { ...settings.http, routes } },
    checks: (ctx) => ({
      startup: groups.startup.map((c) => ({ id: c.id, check: c.make(ctx) })),
      readiness: groups.readiness.map((c) => ({ id: c.id, check: c.make(ctx) })),
      liveness: groups.liveness.map((c) => ({ id: c.id, check: c.make(ctx) })),
    }),
    routeProviders,
    findings,
  };
}
