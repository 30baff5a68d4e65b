// Typed settings of coordinated shutdown: pekko.coordinated-shutdown.*, with the phase graph put
// in execution order once at start-up (a cycle or an unknown phase is a configuration error).
import { ConfigError, type Config } from '../config/types.js';

export interface PhaseSettings {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly timeoutMs: number;
  /** on: a failed or timed-out phase is logged and the next one starts; off: shutdown stops there. */
  readonly recover: boolean;
  /** off: the phase's tasks are not run. */
  readonly enabled: boolean;
}

export interface ReasonOverride {
  readonly exitCode?: number;
  readonly exitJvm?: boolean;
}

export interface CoordinatedShutdownSettings {
  readonly defaultPhaseTimeoutMs: number;
  readonly terminateActorSystem: boolean;
  readonly exitJvm: boolean;
  readonly exitCode: number;
  readonly runByJvmShutdownHook: boolean;
  /** Phases in execution order (dependencies first). */
  readonly phases: readonly PhaseSettings[];
  /** Keyed by Pekko reason class name, e.g. "org.apache.pekko.actor.CoordinatedShutdown$ClusterDowningReason$". */
  readonly reasonOverrides: ReadonlyMap<string, ReasonOverride>;
}

const CS = 'pekko.coordinated-shutdown';

/** Pekko's phase graph with its reference timeouts, used for keys the configuration leaves out. */
const DEFAULT_PHASES: ReadonlyArray<readonly [string, string | undefined, number | undefined]> = [
  ['before-service-unbind', undefined, undefined],
  ['service-unbind', 'before-service-unbind', undefined],
  ['service-requests-done', 'service-unbind', undefined],
  ['service-stop', 'service-requests-done', undefined],
  ['before-cluster-shutdown', 'service-stop', undefined],
  ['cluster-sharding-shutdown-region', 'before-cluster-shutdown', 10_000],
  ['cluster-leave', 'cluster-sharding-shutdown-region', undefined],
  ['cluster-exiting', 'cluster-leave', 10_000],
  ['cluster-exiting-done', 'cluster-exiting', undefined],
  ['cluster-shutdown', 'cluster-exiting-done', undefined],
  ['before-actor-system-terminate', 'cluster-shutdown', undefined],
  ['actor-system-terminate', 'before-actor-system-terminate', 10_000],
];

export const CLUSTER_DOWNING_REASON = 'org.apache.pekko.actor.CoordinatedShutdown$ClusterDowningReason$';
export const CLUSTER_JOIN_UNSUCCESSFUL_REASON = 'org.apache.pekko.actor.CoordinatedShutdown$ClusterJoinUnsuccessfulReason$';

function fail(config: Config, path: string, message: string): never {
  throw new ConfigError(`${path}: ${message} (${config.describeOrigin(path)})`, path, config.origin(path));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bool(v: unknown, fallback: boolean): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (['on', 'true', 'yes'].includes(t)) return true;
    if (['off', 'false', 'no'].includes(t)) return false;
  }
  return fallback;
}

/** Orders phases so that every phase comes after the phases it depends on; rejects cycles. */
export function orderPhases(phases: ReadonlyMap<string, readonly string[]>): string[] {
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (done.has(name)) return;
    if (visiting.has(name)) throw new Error(`cycle in coordinated-shutdown phases: ${[...path, name].join(' -> ')}`);
    visiting.add(name);
    for (const dep of phases.get(name) ?? []) visit(dep, [...path, name]);
    visiting.delete(name);
    done.add(name);
    out.push(name);
  };
  for (const name of phases.keys()) visit(name, []);
  return out;
}

export function readCoordinatedShutdownSettings(config: Config): CoordinatedShutdownSettings {
  const dur = (path: string, fallback: number) => (config.has(path) ? config.getDurationMs(path) : fallback);
  const flag = (path: string, fallback: boolean) => (config.has(path) ? config.getBoolean(path) : fallback);
  const defaultPhaseTimeoutMs = dur(`${CS}.default-phase-timeout`, 5000);

  const configured = config.has(`${CS}.phases`) ? config.getObject(`${CS}.phases`) : {};
  const raw = new Map<string, Record<string, unknown>>();
  for (const [name, dep, timeout] of DEFAULT_PHASES) {
    raw.set(name, { ...(dep ? { 'depends-on': [dep] } : {}), ...(timeout ? { timeout: `${timeout}ms` } : {}) });
  }
  for (const [name, v] of Object.entries(configured)) {
    if (!isObject(v)) fail(config, `${CS}.phases`, `phase "${name}" must be an object`);
    raw.set(name, { ...(raw.get(name) ?? {}), ...v });
  }
  const deps = new Map<string, string[]>();
  for (const [name, v] of raw) {
    const d = v['depends-on'] ?? [];
    if (!Array.isArray(d) || d.some((x) => typeof x !== 'string')) {
      fail(config, `${CS}.phases`, `depends-on of phase "${name}" must be a list of phase names`);
    }
    for (const x of d as string[]) {
      if (!raw.has(x)) fail(config, `${CS}.phases`, `phase "${name}" depends on unknown phase "${x}"`);
    }
    deps.set(name, d as string[]);
  }
  let order: string[];
  try {
    order = orderPhases(deps);
  } catch (e) {
    fail(config, `${CS}.phases`, (e as Error).message);
  }
  const phases = order.map((name): PhaseSettings => {
    const v = raw.get(name) ?? {};
    const timeoutPath = `${CS}.phases.${name}.timeout`;
    let timeoutMs = defaultPhaseTimeoutMs;
    if (v.timeout !== undefined) {
      timeoutMs = name in configured && config.has(timeoutPath) ? config.getDurationMs(timeoutPath) : parseMs(v.timeout);
    }
    return {
      name,
      dependsOn: deps.get(name) ?? [],
      timeoutMs,
      recover: bool(v.recover, true),
      enabled: bool(v.enabled, true),
    };
  });

  const overrides = new Map<string, ReasonOverride>();
  const ro = config.has(`${CS}.reason-overrides`) ? config.getObject(`${CS}.reason-overrides`) : {
    [CLUSTER_DOWNING_REASON]: { 'exit-code': -1 },
    [CLUSTER_JOIN_UNSUCCESSFUL_REASON]: { 'exit-code': -1 },
  };
  for (const [reason, v] of Object.entries(ro)) {
    if (!isObject(v)) continue;
    const code = v['exit-code'];
    const exitCode = typeof code === 'number' ? code : typeof code === 'string' && /^-?\d+$/.test(code.trim()) ? Number(code) : undefined;
    overrides.set(reason, {
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(v['exit-jvm'] !== undefined ? { exitJvm: bool(v['exit-jvm'], false) } : {}),
    });
  }

  return {
    defaultPhaseTimeoutMs,
    terminateActorSystem: flag(`${CS}.terminate-actor-system`, true),
    exitJvm: flag(`${CS}.exit-jvm`, false),
    exitCode: config.has(`${CS}.exit-code`) ? config.getInt(`${CS}.exit-code`) : 0,
    runByJvmShutdownHook: flag(`${CS}.run-by-jvm-shutdown-hook`, true),
    phases,
    reasonOverrides: overrides,
  };
}

/** Built-in default phases are given as `<n>ms`. */
function parseMs(v: unknown): number {
  const m = typeof v === 'string' ? /^(\d+)ms$/.exec(v) : null;
  return m ? Number(m[1]) : 5000;
}
