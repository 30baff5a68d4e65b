// `discover [--service NAME]`: runs the exact lookup bootstrap would run with the loaded config
// (effective name, port-name, protocol, discovery-method, resolve-timeout) and prints it with
// the targets as JSON. Answers "why isn't my node finding its peers?" without starting a node.
// Exit codes: 0 targets found, 1 the lookup failed or found nothing (the reason goes to stderr).
import { pino } from 'pino';
import { formatFinding, systemNameFindings } from '../config/compat.js';
import { loadConfig } from '../config/load.js';
import { readBootstrapSettings } from '../bootstrap/settings.js';
import { DiscoveryRegistry } from '../discovery/registry.js';
import { formatLookup, type Lookup } from '../discovery/types.js';
import { expectOnly, loadOptions, UsageError, type ParsedArgs } from './args.js';

export interface DiscoverIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

const processIo: DiscoverIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };

export async function discoverCommand(args: ParsedArgs, io: DiscoverIo = processIo): Promise<number> {
  expectOnly(args, ['service'], 0);
  const service = args.options.get('service');
  if (service === true || service?.trim() === '') throw new UsageError('--service needs a name');
  const config = await loadConfig(loadOptions(args, io.env, io.cwd));
  const bootstrap = readBootstrapSettings(config);
  for (const f of systemNameFindings(config)) io.stderr.write(`muster: ${formatFinding(f)}\n`);
  const lookup: Lookup = service === undefined ? bootstrap.lookup : { ...bootstrap.lookup, serviceName: service.trim() };
  const logger = pino(
    { level: io.env.MUSTER_LOG_LEVEL ?? 'warn', base: undefined },
    { write: (s: string) => void io.stderr.write(s) },
  );
  const registry = new DiscoveryRegistry(config, { logger, env: io.env });
  const report = {
    method: bootstrap.discoveryMethod,
    lookup: {
      serviceName: lookup.serviceName,
      ...(lookup.portName !== undefined ? { portName: lookup.portName } : {}),
      ...(lookup.protocol !== undefined ? { protocol: lookup.protocol } : {}),
      text: formatLookup(lookup),
    },
    resolveTimeoutMs: bootstrap.resolveTimeoutMs,
  };
  const started = performance.now();
  try {
    const discovery = registry.get(bootstrap.discoveryMethod);
    const resolved = await discovery.lookup(lookup, bootstrap.resolveTimeoutMs);
    const tookMs = Math.round(performance.now() - started);
    io.stdout.write(
      `${JSON.stringify({ ...report, resolvedName: resolved.serviceName, targets: resolved.addresses, tookMs }, null, 2)}\n`,
    );
    if (resolved.addresses.length === 0) {
      io.stderr.write(
        `muster: discovery method [${bootstrap.discoveryMethod}] found no targets for ${formatLookup(lookup)}\n`,
      );
      return 1;
    }
    return 0;
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const tookMs = Math.round(performance.now() - started);
    io.stdout.write(`${JSON.stringify({ ...report, error: { type: error.name, message: error.message }, tookMs }, null, 2)}\n`);
    io.stderr.write(`muster: discovery failed for ${formatLookup(lookup)} with method [${bootstrap.discoveryMethod}]: ${error.name}: ${error.message}\n`);
    return 1;
  } finally {
    await registry.close();
  }
}
