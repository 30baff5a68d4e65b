// Compatibility findings about a loaded configuration that are not errors: settings a Pekko or
// Akka config carries that mean nothing (or something else) in a Node process. Pure: reads the
// Config and the load's notes, returns findings. Start-up logs them, check-config prints them,
// and strict mode (check-config --strict, muster.strict-config = on) turns warnings into errors.
import { formatOrigin } from './config.js';
import { loadNotes, seedNodeSystems } from './load-notes.js';
import { ConfigError, type Config, type Origin } from './types.js';

export interface CompatFinding {
  readonly level: 'warn' | 'info';
  readonly key?: string;
  readonly origin?: Origin;
  readonly message: string;
}

const CPD = 'pekko.management.cluster.bootstrap.contact-point-discovery';
const K8S_SELECTOR = 'pekko.discovery.kubernetes-api.pod-label-selector';
export const JOIN_DECIDER_KEY = 'pekko.management.cluster.bootstrap.join-decider.class';
export const LOWEST_ADDRESS_JOIN_DECIDER_CLASS = 'org.apache.pekko.management.cluster.bootstrap.LowestAddressJoinDecider';

/** A Java/Scala fully qualified class name (not a path to a JS module). */
export function isJvmClassName(value: string): boolean {
  return /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(value) && !/\.(m|c)?[jt]s$/.test(value);
}

export function isStrict(config: Config): boolean {
  return config.has('muster.strict-config') && config.getBoolean('muster.strict-config');
}

function str(config: Config, path: string): string | undefined {
  if (!config.has(path)) return undefined;
  const v = config.getValue(path);
  // '' and the reference placeholders (`<service-name>`) mean "not set".
  return typeof v === 'string' && v.trim() !== '' && !/^<.*>$/.test(v.trim()) ? v.trim() : undefined;
}

function origin(config: Config, path: string): { key: string; origin?: Origin } {
  const o = config.origin(path);
  return { key: path, ...(o ? { origin: o } : {}) };
}

/** The findings about the configuration itself (health checks and routes are checked where they are resolved). */
export function configFindings(config: Config): CompatFinding[] {
  const out: CompatFinding[] = loadNotes(config).map((n) => ({
    level: n.kind === 'akka-read-as-pekko' || n.kind === 'system-name-from-seed-nodes' ? 'info' : 'warn',
    ...(n.key !== undefined ? { key: n.key } : {}),
    ...(n.origin ? { origin: n.origin } : {}),
    message: n.message,
  }));
  out.push(...systemNameFindings(config));
  const decider = str(config, JOIN_DECIDER_KEY);
  if (decider !== undefined && decider !== '' && decider !== LOWEST_ADDRESS_JOIN_DECIDER_CLASS) {
    out.push({
      level: 'warn',
      ...origin(config, JOIN_DECIDER_KEY),
      message:
        `${JOIN_DECIDER_KEY} = "${decider}" (${config.describeOrigin(JOIN_DECIDER_KEY)}) is a JVM class; ` +
        `it is not used: Muster always decides with its ${LOWEST_ADDRESS_JOIN_DECIDER_CLASS}`,
    });
  }
  return out;
}

/**
 * muster.system-name still "default" while something uses it: the `%s` of the kubernetes-api
 * label selector or a lookup name derived from it, or seed nodes naming another system.
 */
export function systemNameFindings(config: Config): CompatFinding[] {
  const name = str(config, 'muster.system-name') ?? 'default';
  const explicit = config.origin('muster.system-name')?.kind !== 'reference';
  const seeds = config.has('pekko.cluster.seed-nodes') ? config.getStringList('pekko.cluster.seed-nodes') : [];
  const systems = [...new Set(seedNodeSystems(seeds))];
  const out: CompatFinding[] = [];
  if (systems.length > 1) {
    out.push({
      level: 'warn',
      ...origin(config, 'pekko.cluster.seed-nodes'),
      message: `pekko.cluster.seed-nodes name different systems (${systems.join(', ')}); a node joins only nodes of its own system [${name}]`,
    });
  } else if (systems.length === 1 && systems[0] !== name) {
    out.push({
      level: 'warn',
      ...origin(config, 'pekko.cluster.seed-nodes'),
      message:
        `pekko.cluster.seed-nodes name system [${systems[0]}] but muster.system-name is [${name}] ` +
        `(${config.describeOrigin('muster.system-name')}): the seed nodes will refuse this node`,
    });
  }
  if (explicit || name !== 'default' || seeds.length > 0) return out;
  const uses: string[] = [];
  const serviceName = str(config, `${CPD}.service-name`);
  const effective = str(config, `${CPD}.effective-name`);
  const derivedName = !effective && !serviceName;
  const selector = str(config, K8S_SELECTOR) ?? 'app=%s';
  const method = discoveryMethodName(config);
  if (derivedName) uses.push(`the bootstrap lookup name (contact-point-discovery.service-name is not set, so it is [default])`);
  if (derivedName && method === 'kubernetes-api' && selector.includes('%s')) {
    uses.push(`the kubernetes-api pod-label-selector [${selector}], which becomes [${selector.replaceAll('%s', 'default')}]`);
  }
  if (uses.length === 0) return out;
  out.push({
    level: 'warn',
    ...origin(config, 'muster.system-name'),
    message:
      `muster.system-name is still "default" (Pekko sets the actor-system name in code) and is used for ${uses.join(' and ')}; ` +
      'set muster.system-name, or the environment variable MUSTER_SYSTEM_NAME, to your actor-system name',
  });
  return out;
}

function discoveryMethodName(config: Config): string | undefined {
  const m = str(config, `${CPD}.discovery-method`);
  if (m !== undefined && m !== 'pekko.discovery') return m;
  return str(config, 'pekko.discovery.method');
}

/** One line per finding, as check-config prints them. */
export function formatFinding(f: CompatFinding): string {
  return `${f.level === 'warn' ? 'warning' : 'note'}: ${f.message}`;
}

/** In strict mode every warning is an error: throws one ConfigError listing them. */
export function enforceStrict(findings: readonly CompatFinding[], strict: boolean): void {
  const warnings = findings.filter((f) => f.level === 'warn');
  if (!strict || warnings.length === 0) return;
  throw new ConfigError(
    `${warnings.length} compatibility warning(s) are errors in strict mode (check-config --strict or muster.strict-config = on):\n` +
      warnings.map((w) => `  - ${w.message}${w.origin && !w.message.includes(formatOrigin(w.origin)) ? ` (${formatOrigin(w.origin)})` : ''}`).join('\n'),
    warnings[0]!.key,
    warnings[0]!.origin,
  );
}
