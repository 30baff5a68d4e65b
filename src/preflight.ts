// The compatibility pass `run` and `check-config` share, before any port is bound: resolve the
// health checks and routes the config names (registered JS implementations, JS modules, JVM
// class names to skip), validate the discovery method bootstrap will use, and collect the
// compatibility findings; in strict mode a warning fails here.
import path from 'node:path';
import { configFindings, enforceStrict, isStrict, type CompatFinding } from './config/compat.js';
import { applicationFile, type LoadOptions } from './config/load.js';
import { readBootstrapSettings } from './bootstrap/settings.js';
import {
  KNOWN_DISCOVERY_CLASSES,
  methodClassName,
  readAggregateDiscoverySettings,
  readAsyncDnsSettings,
  readConfigDiscoverySettings,
  readKubernetesApiSettings,
  resolveMethodName,
} from './discovery/settings.js';
import { managementSettingsFromConfig } from './management/settings.js';
import { ConfigError, type Config } from './config/types.js';
import type { Logger } from './logging.js';
import { resolveConfiguredManagement, type Registrations, type ResolvedManagement } from './management/configured.js';

export interface PreflightOptions {
  readonly registrations?: Registrations;
  /** Where relative JS module paths in the config are resolved: the application config's directory. */
  readonly baseDir: string;
  /** Warnings are errors (check-config --strict); muster.strict-config = on does the same. */
  readonly strict?: boolean;
  /** Extra discovery implementations by class name (start()'s DiscoveryRegistry `classes`). */
  readonly discoveryClasses?: ReadonlySet<string>;
}

export interface PreflightResult {
  readonly management: ResolvedManagement;
  readonly findings: readonly CompatFinding[];
}

/** The application's directory: the config file's folder, else the working directory. */
export function applicationDir(options: LoadOptions): string {
  const file = applicationFile(options);
  return file ? path.dirname(file) : path.resolve(options.cwd ?? process.cwd());
}

export async function preflight(config: Config, options: PreflightOptions): Promise<PreflightResult> {
  const management = await resolveConfiguredManagement(
    config,
    managementSettingsFromConfig(config),
    options.registrations ?? {},
    options.baseDir,
  );
  const findings = [...configFindings(config), ...management.findings];
  enforceStrict(findings, options.strict === true || isStrict(config));
  return { management, findings };
}

/** Logs each finding once, at its level. */
export function logFindings(logger: Logger, findings: readonly CompatFinding[]): void {
  for (const f of findings) {
    const fields = { key: f.key, compat: true };
    if (f.level === 'warn') logger.warn(fields, f.message);
    else logger.info(fields, f.message);
  }
}

/**
 * What start() checks when it creates the discovery method bootstrap uses, without creating it
 * (no API clients, no sockets): the method resolves, its class is one Muster implements (or
 * one registered), and its settings read.
 */
export function validateDiscovery(config: Config, extraClasses: ReadonlySet<string> = new Set()): void {
  const bootstrap = readBootstrapSettings(config);
  if (bootstrap.configuredSeedNodes.length > 0) return;
  const seen = new Set<string>();
  const check = (name: string) => {
    if (seen.has(name)) {
      throw new ConfigError(
        `Discovery method [${name}] refers to itself through pekko.discovery.aggregate.discovery-methods`,
        'pekko.discovery.aggregate.discovery-methods',
      );
    }
    seen.add(name);
    const className = methodClassName(config, name);
    if (extraClasses.has(className)) return;
    const impl = KNOWN_DISCOVERY_CLASSES[className];
    const key = `pekko.discovery.${name}.class`;
    if (impl === undefined) {
      throw new ConfigError(
        `${key} = "${className}" (${config.describeOrigin(key)}) is not a discovery implementation Muster provides; ` +
          `use one of: ${Object.keys(KNOWN_DISCOVERY_CLASSES).join(', ')}`,
        key,
      );
    }
    if (impl === 'config') readConfigDiscoverySettings(config);
    else if (impl === 'kubernetes-api') readKubernetesApiSettings(config);
    else if (impl === 'pekko-dns') readAsyncDnsSettings(config);
    else for (const m of readAggregateDiscoverySettings(config).discoveryMethods) check(m);
    seen.delete(name);
  };
  check(resolveMethodName(config, bootstrap.discoveryMethod));
}
